"""Official statistics are shared by every organisation: only administrators change them, each
change is a numbered revision (who, when, source) in the audit trail, and the card says which
revision it used."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from dozor.accounts.models import Role, User
from dozor.audit.models import AuditEntry
from dozor.evaluation.models import OfficialStatistic, OfficialStatisticRevision
from tests.conftest import Cast
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIRST = {
    "country": "RU",
    "year": "2019",
    "recorded": "585",
    "prosecuted": "368",
    "sentenced": "320",
    "source": "ODIHR hate crime reporting, 2019",
}
SECOND = {**FIRST, "recorded": "612", "source": "MVD statistical bulletin, 2020 edition"}


@pytest.fixture
def administrators(cast: Cast) -> tuple[User, User]:
    """An administrator of the cast's organisation and one of the other organisation."""
    return (
        UserFactory(username="admin", organisation=cast.organisation, role=Role.ADMINISTRATOR),
        UserFactory(
            username="other_admin", organisation=cast.other_organisation, role=Role.ADMINISTRATOR
        ),
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def figures() -> list[tuple[Any, ...]]:
    return list(
        OfficialStatistic.objects.values_list("country", "year", "recorded", "source", "revision")
    )


@pytest.mark.parametrize("who", ["owner", "outsider"])
def test_a_documenter_of_any_organisation_cannot_change_the_official_statistics(
    cast: Cast, administrators: tuple[User, User], who: str
) -> None:
    signed_in(administrators[0]).post("/evaluation/official/", FIRST)
    before = figures()
    response = cast.client(who).post("/evaluation/official/", SECOND)
    assert response.status_code == 403
    assert figures() == before
    assert OfficialStatisticRevision.objects.count() == 1


def test_a_documenter_is_not_offered_the_form(cast: Cast) -> None:
    page = cast.client("owner").get("/evaluation/official/").content.decode()
    assert 'name="recorded"' not in page


def test_an_administrators_change_creates_revision_2_and_keeps_revision_1_readable(
    cast: Cast, administrators: tuple[User, User]
) -> None:
    first, second = administrators
    assert signed_in(first).post("/evaluation/official/", FIRST).status_code == 302
    assert signed_in(second).post("/evaluation/official/", SECOND).status_code == 302
    statistic = OfficialStatistic.objects.get()
    assert (statistic.recorded, statistic.revision) == (612, 2)
    revisions = list(statistic.revisions.order_by("number"))
    assert [(r.number, r.recorded, r.created_by) for r in revisions] == [
        (1, 585, first),
        (2, 612, second),
    ]
    assert revisions[0].source == FIRST["source"]
    page = cast.client("reader").get("/evaluation/official/RU/2019/").content.decode()
    assert "585" in page and FIRST["source"] in page
    assert "612" in page and SECOND["source"] in page


def test_the_same_figures_again_make_no_new_revision(
    cast: Cast, administrators: tuple[User, User]
) -> None:
    client = signed_in(administrators[0])
    client.post("/evaluation/official/", FIRST)
    client.post("/evaluation/official/", FIRST)
    assert OfficialStatisticRevision.objects.count() == 1


def test_a_revision_cannot_be_rewritten(cast: Cast, administrators: tuple[User, User]) -> None:
    signed_in(administrators[0]).post("/evaluation/official/", FIRST)
    revision = OfficialStatisticRevision.objects.get()
    revision.recorded = 1
    with pytest.raises(TypeError):
        revision.save()
    with pytest.raises(TypeError):
        OfficialStatisticRevision.objects.update(recorded=1)
    with pytest.raises(TypeError):
        revision.delete()
    assert OfficialStatisticRevision.objects.get().recorded == 585


def test_each_change_is_in_the_audit_trail(cast: Cast, administrators: tuple[User, User]) -> None:
    first, second = administrators
    signed_in(first).post("/evaluation/official/", FIRST)
    signed_in(second).post("/evaluation/official/", SECOND)
    statistic = OfficialStatistic.objects.get()
    entries = list(
        AuditEntry.objects.filter(
            target_type="evaluation.officialstatistic", target_id=str(statistic.pk)
        )
    )
    assert [(e.action, e.actor) for e in entries] == [
        ("create", "admin"),
        ("update", "other_admin"),
    ]
    assert entries[1].changes["revision"] == {"before": 1, "after": 2}
    assert entries[1].changes["recorded"] == {"before": 585, "after": 612}
    assert entries[1].changes["source"]["after"] == SECOND["source"]


def test_the_report_card_names_the_revision_it_used(
    cast: Cast, administrators: tuple[User, User], tmp_path: Path
) -> None:
    signed_in(administrators[0]).post("/evaluation/official/", FIRST)
    signed_in(administrators[1]).post("/evaluation/official/", SECOND)
    page = cast.client("owner").get("/evaluation/RU/2019/").content.decode()
    assert "revision 2" in page and "612" in page
    out = tmp_path / "card.html"
    call_command("report", "card", country="RU", year=2019, out=str(out), user="outsider")
    assert "revision 2" in out.read_text(encoding="utf-8")
    pdf = tmp_path / "card.pdf"
    pdf.write_bytes(cast.client("owner").get("/evaluation/RU/2019/card.pdf?lang=en").content)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "revision 2" in text


def test_the_command_refuses_a_documenter(cast: Cast) -> None:
    with pytest.raises(CommandError, match="administrators"):
        call_command("officialstats", "load", seed=True, user="owner")
    assert not OfficialStatistic.objects.exists()


def test_the_command_loads_as_an_administrator_and_shows_the_history(
    cast: Cast, administrators: tuple[User, User], capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("officialstats", "load", seed=True, user="admin")
    call_command(
        "officialstats",
        "add",
        user="other_admin",
        country="RU",
        year=2019,
        recorded=600,
        source="MVD, corrected",
    )
    capsys.readouterr()
    call_command("officialstats", "history", user="reader", country="RU", year=2019)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("1\t") and "\t585\t" in lines[1] and "admin" in lines[1]
    assert lines[2].startswith("2\t") and "\t600\t" in lines[2] and "other_admin" in lines[2]


@pytest.mark.django_db(transaction=True)
def test_figures_entered_before_revisions_existed_become_revision_1() -> None:
    before, after = (
        [("evaluation", "0001_initial")],
        [("evaluation", "0002_official_statistic_revisions")],
    )
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps.get_model(
            "evaluation", "OfficialStatistic"
        )
        old.objects.create(country="RU", year=2019, recorded=585, source="ODIHR, 2019")
        executor = MigrationExecutor(connection)
        executor.migrate(after)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    statistic = OfficialStatistic.objects.get()
    revision = statistic.revisions.get()
    assert (statistic.revision, revision.number, revision.recorded) == (1, 1, 585)
    assert revision.source == "ODIHR, 2019" and revision.created_at == statistic.updated_at
