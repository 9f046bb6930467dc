"""`dozor link`: runs linkage over the organisation's own reports and fills the review queue."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dozor.accounts.models import Organisation, Role
from dozor.analysis.linkage.model import MSG_TOO_LITTLE_TO_TRAIN
from dozor.demo.generator import demo_generate
from dozor.demo.services import demo_load
from dozor.linkage.management.commands.link import MSG_BAD_THRESHOLD, MSG_NOT_A_WRITER
from dozor.linkage.models import CandidatePair, LinkageRun
from dozor.records.models import Report, SourceList
from tests.conftest import Cast
from tests.factories import UserFactory
from tests.homes import DozorHome
from tests.test_cli import prepared

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_documenter() -> str:
    dataset = demo_generate(size=80, seed=5)
    demo_load(dataset=dataset, user=None)
    owner = Organisation.objects.filter(incidents__isnull=False).distinct().get()
    # Linkage takes the reports of the organisation's own lists: let it hold all three.
    SourceList.objects.update(organisation=owner)
    UserFactory(username="analyst", organisation=owner, role=Role.DOCUMENTER)
    return "analyst"


def _run(*args: str) -> dict[str, object]:
    out = StringIO()
    call_command("link", *args, "--json", stdout=out)
    result: dict[str, object] = json.loads(out.getvalue())
    return result


def test_link_scores_the_organisations_reports_and_queues_pairs(demo_documenter: str) -> None:
    figures = _run("--user", demo_documenter)
    assert figures["reports"] == Report.objects.count()
    assert figures["candidate_pairs"] == CandidatePair.objects.count() > 0
    assert LinkageRun.objects.get().started_by.username == demo_documenter


def test_queued_pairs_are_above_the_threshold(demo_documenter: str) -> None:
    _run("--user", demo_documenter, "--threshold", "0.5")
    assert min(CandidatePair.objects.values_list("match_probability", flat=True)) >= 0.5


def test_an_unknown_user_is_refused(cast: Cast) -> None:
    with pytest.raises(CommandError, match=MSG_NOT_A_WRITER.format(user="nobody")):
        call_command("link", "--user", "nobody")


def test_a_reader_is_refused(cast: Cast) -> None:
    with pytest.raises(CommandError, match=MSG_NOT_A_WRITER.format(user="reader")):
        call_command("link", "--user", "reader")


@pytest.mark.parametrize("value", ["high", "1.5", "-0.1"])
def test_a_threshold_that_is_not_a_probability_is_refused(cast: Cast, value: str) -> None:
    with pytest.raises(CommandError) as error:
        call_command("link", "--user", "owner", "--threshold", value)
    assert str(error.value) == MSG_BAD_THRESHOLD.format(value=value)


def test_with_too_few_reports_it_says_so(cast: Cast) -> None:
    with pytest.raises(CommandError, match="fewer than two reports"):
        call_command("link", "--user", "owner")


REPORTS_TOO_FEW_TO_TRAIN = """
import datetime
from dozor.records.models import Report, SourceList
from dozor.accounts.models import User
organisation = User.objects.get(username="doc").organisation
source_list = SourceList.objects.create(
    name="Список", kind="ngo_database", organisation=organisation
)
for number, region in enumerate(["RU-SPE", "RU-MOW", "RU-KLU"]):
    Report.objects.create(
        source_list=source_list,
        external_id=f"R{number}",
        payload={"id": number},
        fields={"date": f"201{number}-01-0{number + 1}", "date_precision": "day", "region": region},
        received_on=datetime.date(2020, 1, 1),
    )
"""


def test_the_cli_says_when_there_is_too_little_to_learn_from_and_exits_1(
    migrated_home: DozorHome,
) -> None:
    """A process of its own: the exit status and a stderr without a traceback are the point."""
    prepared(migrated_home)
    made = migrated_home.run("manage", "shell", "-c", REPORTS_TOO_FEW_TO_TRAIN)
    assert made.returncode == 0, made.stderr
    result = migrated_home.run("link", "--user", "doc")
    assert result.returncode == 1
    assert MSG_TOO_LITTLE_TO_TRAIN.format(count=3) in result.stderr
    assert "Traceback" not in result.stderr
