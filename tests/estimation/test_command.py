from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dozor.estimation.models import EstimateRun, RunStatus
from tests.conftest import Cast
from tests.estimation.conftest import World
from tests.factories import SourceListFactory
from tests.intake.conftest import import_by_command, write_csv

pytestmark = pytest.mark.django_db


def estimate(*args: str) -> dict[str, object]:
    out = StringIO()
    call_command("estimate", *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_the_owner_estimates_from_everything_they_may_see(world: World) -> None:
    result = estimate("--user", "owner", "--by", "none")
    assert result["strata"][0]["observed"] == 5  # type: ignore[index]


def test_an_outsider_estimates_only_from_their_own_and_public_incidents(world: World) -> None:
    result = estimate("--user", "outsider", "--by", "none")
    assert result["strata"][0]["observed"] == 2  # type: ignore[index]


def test_the_result_is_stored_with_seed_and_hash(world: World) -> None:
    result = estimate("--user", "owner", "--seed", "9")
    run = EstimateRun.objects.get(pk=result["run"])
    assert run.status == RunStatus.DONE and run.seed == 9 and run.data_hash == result["data_hash"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--by", "month"], "“month” is not a way to stratify"),
        (["--lists", "A list", "B list"], "at least 3 source lists; 2 chosen"),
        (["--lists", "A list", "B list", "Z"], "There is no source list “Z”"),
        (["--method", "guess"], "“guess” is not a method"),
        (["--setting", "samples"], "write NAME=VALUE"),
    ],
)
def test_bad_input_is_explained(world: World, args: list[str], fragment: str) -> None:
    with pytest.raises(CommandError, match=fragment):
        call_command("estimate", "--user", "owner", *args, stdout=StringIO(), stderr=StringIO())
    assert not EstimateRun.objects.exists()


def test_an_unknown_user_is_named(world: World) -> None:
    with pytest.raises(CommandError, match="--user nobody: there is no active user"):
        call_command("estimate", "--user", "nobody")


def test_run_pending_executes_queued_runs(world: World) -> None:
    world.cast.client("owner").post(
        "/estimates/", {"method": "loglinear", "stratify_by": "none", "seed": "2"}
    )
    call_command("estimate", "--run-pending", stdout=StringIO(), stderr=StringIO())
    assert EstimateRun.objects.get().status == RunStatus.DONE


def test_reproduce_confirms_a_run(world: World) -> None:
    run_id = estimate("--user", "owner", "--by", "none", "--seed", "4")["run"]
    out = StringIO()
    call_command(
        "estimate", "--reproduce", str(run_id), "--user", "owner", stdout=out, stderr=StringIO()
    )
    assert f"Run {run_id} reproduced" in out.getvalue()


def test_estimate_on_imported_but_unlinked_lists_says_to_run_linkage(
    cast: Cast, tmp_path: Path
) -> None:
    for name in ("NGO", "Press", "Partner"):
        source = SourceListFactory(name=name, organisation=cast.organisation)
        rows = "id,Дата,Мотив,Убито\n1,05.03.2018,расизм,0\n2,2018-04-01,гомофобия,1\n"
        path = write_csv(tmp_path / f"{name}.csv", rows)
        import_by_command(path, source, cast.owner)
    with pytest.raises(CommandError) as caught:
        call_command(
            "estimate", "--user", cast.owner.username, stdout=StringIO(), stderr=StringIO()
        )
    message = str(caught.value)
    assert "6 report(s) (NGO, Partner, Press)" in message
    assert "dozor link --user YOU" in message
    assert "dozor link accept --user YOU" in message
    assert "0 chosen" not in message
