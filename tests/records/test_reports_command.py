"""`dozor reports`: what an import stored, at the command line, with the names rule."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from dozor.accounts.models import Role
from dozor.audit.models import Action, AuditEntry
from dozor.records.models import Report
from dozor.records.services import incident_link_reports
from tests.conftest import Cast
from tests.factories import UserFactory
from tests.named import names_in
from tests.records.imported import NEXT_CSV, Imported, import_file, import_named

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(cast: Cast, tmp_path: Path) -> Imported:
    return import_named(tmp_path, cast.owner)


def reports(*args: str) -> str:
    out = StringIO()
    call_command("reports", *args, stdout=out)
    return out.getvalue()


def listed(*args: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(reports("list", *args, "--json"))
    return result


def ids(listing: dict[str, Any]) -> list[int]:
    return [row["id"] for row in listing["reports"]]


def test_the_list_gives_every_report_the_import_stored(imported: Imported) -> None:
    listing = listed("--user", "reader")
    assert listing["total"] == 2 and ids(listing) == [imported.plain.pk, imported.named.pk]
    first = listing["reports"][1]
    assert {"source_list": "Партнёр", "external_id": "1", "date": "2008-12-04"}.items() <= (
        first.items()
    )


def test_the_batch_option_lists_only_what_that_import_stored(
    imported: Imported, cast: Cast, tmp_path: Path
) -> None:
    second = import_file(tmp_path, imported.source_list, cast.owner, NEXT_CSV, "next.csv")
    listing = listed("--user", "owner", "--batch", str(second.pk))
    expected = Report.objects.filter(source_list=imported.source_list).exclude(
        pk__in=[imported.named.pk, imported.plain.pk]
    )
    assert sorted(ids(listing)) == sorted(report.pk for report in expected)


def test_the_linked_option_tells_reports_in_an_incident_from_the_rest(
    imported: Imported, cast: Cast
) -> None:
    incident_link_reports(incident=cast.incident, reports=[imported.named], user=cast.owner)
    linked = listed("--user", "owner", "--linked", "yes")
    assert ids(linked) == [imported.named.pk]
    assert linked["reports"][0]["incident"]["reference"] == cast.incident.reference
    assert ids(listed("--user", "owner", "--linked", "no")) == [imported.plain.pk]


def test_the_limit_shortens_the_list_but_not_its_total(imported: Imported) -> None:
    listing = listed("--user", "owner", "--limit", "1")
    assert listing["total"] == 2 and ids(listing) == [imported.plain.pk]


def test_the_text_list_has_one_line_per_report(imported: Imported) -> None:
    lines = reports("list", "--user", "owner").splitlines()
    assert lines[0] == "2 reports"
    assert lines[2].split("\t")[:4] == [str(imported.named.pk), "Партнёр", "1 r1", "04.12.2008"]


def test_a_source_list_of_another_organisation_is_unknown(imported: Imported) -> None:
    with pytest.raises(CommandError, match="--source-list Партнёр: no such source list"):
        reports("list", "--user", "outsider", "--source-list", "Партнёр")


def test_the_source_list_option_keeps_to_that_list(
    imported: Imported, cast: Cast, tmp_path: Path
) -> None:
    (tmp_path / "other").mkdir()
    other = import_named(tmp_path / "other", cast.owner, list_name="Другой партнёр")
    listing = listed("--user", "owner", "--source-list", "Другой партнёр")
    assert ids(listing) == [other.plain.pk, other.named.pk]


@pytest.mark.parametrize("option", ["--limit", "--batch"])
def test_a_number_below_one_is_refused(imported: Imported, option: str) -> None:
    with pytest.raises(CommandError, match=f"{option} 0: give a whole number"):
        reports("list", "--user", "owner", option, "0")


def test_an_unknown_user_is_named(imported: Imported) -> None:
    with pytest.raises(CommandError, match="There is no user 'nobody'"):
        reports("list", "--user", "nobody")


def test_show_gives_the_fields_beside_the_row_as_it_came(imported: Imported) -> None:
    shown = json.loads(reports("show", str(imported.named.pk), "--user", "owner", "--json"))
    assert shown["fields"]["region"] == "RU-SPE" and shown["fields"]["injured"] == 1
    assert shown["payload"]["Регион"] == "RU-SPE"
    assert shown["extra"] == {"witness": "Анна Белова"}
    assert shown["import"] == {"batch": imported.batch.pk, "row": 2, "corrected_row": None}


def test_show_lists_the_other_revisions(imported: Imported, cast: Cast, tmp_path: Path) -> None:
    import_file(tmp_path, imported.source_list, cast.owner, NEXT_CSV, "next.csv")
    second = Report.objects.get(source_list=imported.source_list, external_id="1", revision=2)
    shown = json.loads(reports("show", str(second.pk), "--user", "owner", "--json"))
    assert shown["revisions"] == [{"id": imported.named.pk, "revision": 1}]


def test_another_organisations_report_is_not_shown(imported: Imported) -> None:
    with pytest.raises(CommandError, match=f"There is no report {imported.named.pk} that you"):
        reports("show", str(imported.named.pk), "--user", "outsider")


def test_the_owner_gets_the_names(imported: Imported) -> None:
    text = reports("show", str(imported.named.pk), "--user", "owner")
    assert {"Каримзода", "Каримзоде", "Белова"} <= set(names_in(text))
    assert "Каримзоду" in names_in(json.dumps(listed("--user", "owner"), ensure_ascii=False))


@pytest.mark.parametrize("role", [Role.READER, Role.ANALYST])
@pytest.mark.parametrize("as_json", [False, True])
def test_without_the_name_grant_no_output_holds_a_name(
    imported: Imported, cast: Cast, role: str, as_json: bool
) -> None:
    user = UserFactory(organisation=cast.organisation, role=role)
    options = ["--json"] if as_json else []
    shown = reports("show", str(imported.named.pk), "--user", user.username, *options)
    listing = reports("list", "--user", user.username, *options)
    assert names_in(shown) == [] and names_in(listing) == []
    assert "[name]" in shown


def test_each_use_is_in_the_audit_trail_with_whether_names_were_given(
    imported: Imported,
) -> None:
    reports("list", "--user", "owner")
    reports("show", str(imported.named.pk), "--user", "reader")
    listing, shown = AuditEntry.objects.filter(origin="command:reports").order_by("id")
    assert (listing.actor, listing.action, listing.changes) == (
        "owner",
        Action.VIEW_NAMES,
        {"names": True, "reports": 2},
    )
    assert (shown.actor, shown.action, shown.target_id) == (
        "reader",
        Action.VIEW,
        str(imported.named.pk),
    )
