"""The interval with linkage uncertainty where there is nothing to draw, and bad requests.

On the hand-built world of tests/estimation/conftest.py: its incidents were linked by persons,
and no linkage run exists (tests/estimation/test_linkage_uncertainty.py has the imported and
linked chain).
"""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dozor.estimation import replicates
from dozor.estimation.models import EstimateRun
from tests.estimation.conftest import World

pytestmark = pytest.mark.django_db


def _command(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def test_without_a_linkage_run_the_interval_is_the_plain_one_and_the_page_says_why(
    world: World,
) -> None:
    result = _command(
        "estimate",
        *("--user", "owner", "--by", "none", "--linkage-replicates", "10", "--json"),
    )
    stratum = result["strata"][0]
    assert stratum["linkage"]["note"] == replicates.NOTE_NO_RUN
    assert stratum["linkage"]["estimate"] == stratum["estimate"]
    page = world.cast.client("owner").get(f"/estimates/{result['run']}/").content.decode()
    assert str(replicates.NOTES[replicates.NOTE_NO_RUN]) in page


@pytest.mark.parametrize("value", ["-1", "1", "many", "2.5", str(replicates.MAX_REPLICATES + 1)])
def test_a_bad_number_of_replicate_linkages_is_named_and_stores_nothing(
    world: World, value: str
) -> None:
    with pytest.raises(
        CommandError,
        match=r"The number of replicate linkages must be 0 \(linkage uncertainty left out\)",
    ):
        call_command(
            "estimate",
            *("--user", "owner", "--linkage-replicates", value),
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert not EstimateRun.objects.exists()


def test_a_run_without_replicate_linkages_has_no_linkage_entry(world: World) -> None:
    result = _command("estimate", "--user", "owner", "--by", "none", "--json")
    assert result["linkage_replicates"] == 0 and "linkage" not in result["strata"][0]
