"""The incident list export says what each incident is made of: its reports, of which source
lists, at which revision, linked how — within the walls between organisations and the names
rule. Incidents are made of imported reports, as a documenter makes them."""

from __future__ import annotations

import csv
import io
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from dozor.accounts.models import Role
from dozor.audit.models import Action, AuditEntry
from dozor.exports.listing import reports_cell_parse
from dozor.linkage.services import incident_create_from_reports
from dozor.records.models import Incident, LinkKind, Report, SourceList
from dozor.records.services import incident_link_reports
from tests.conftest import Cast
from tests.exports.helpers import NAMES
from tests.factories import PersonFactory, SourceListFactory, UserFactory

pytestmark = pytest.mark.django_db

MAPPING = """
version: 1
name: partner list
id_column: id
fields:
  date:
    column: Дата
    type: date
    formats: ["%d.%m.%Y"]
  killed:
    column: Убито
    type: integer
    default: 0
  incident_type:
    type: code
    vocabulary: incident_type
    default: physical_assault
"""
NGO_CSV = "id,Дата,Убито\nSM-000123,04.12.2008,0\nSM-000124,05.12.2008,0\n"
PRESS_CSV = "id,Дата,Убито\nP0000012,04.12.2008,0\n"


def import_file(tmp_path: Path, source_list: SourceList, text: str, user: str = "owner") -> None:
    """`dozor import` of a small file into the list, as a documenter types it."""
    path = tmp_path / f"{source_list.pk}-{abs(hash(text))}.csv"
    path.write_text(text, encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    call_command("import", str(path), "--source-list", source_list.name, "--mapping",
                 str(mapping), "--user", user, stdout=StringIO(), stderr=StringIO())  # fmt: skip


def reports_of(source_list: SourceList, *external_ids: str) -> list[Report]:
    return [
        Report.objects.filter(source_list=source_list, external_id=external_id)
        .order_by("-revision")
        .first()
        or pytest.fail(f"no report {external_id}")
        for external_id in external_ids
    ]


@pytest.fixture
def lists(cast: Cast) -> tuple[SourceList, SourceList]:
    ngo = SourceListFactory(name="NGO", kind="partner_list", organisation=cast.organisation)
    press = SourceListFactory(name="Press", kind="press_scan", organisation=cast.organisation)
    return ngo, press


@pytest.fixture
def incident(cast: Cast, tmp_path: Path, lists: tuple[SourceList, SourceList]) -> Incident:
    """One incident made of an NGO's report and a press report; another NGO report stays apart."""
    ngo, press = lists
    import_file(tmp_path, ngo, NGO_CSV)
    import_file(tmp_path, press, PRESS_CSV)
    return incident_create_from_reports(
        user=cast.owner, reports=[*reports_of(ngo, "SM-000123"), *reports_of(press, "P0000012")]
    )


def export(tmp_path: Path, user: str, file_format: str) -> str:
    out = tmp_path / f"incidents-{user}.{file_format}"
    call_command("export", "incidents", f"--user={user}", f"--format={file_format}",
                 f"--out={out}", stdout=StringIO())  # fmt: skip
    return out.read_text(encoding="utf-8-sig")


def json_row(tmp_path: Path, user: str, reference: str) -> dict[str, Any]:
    rows = {row["reference"]: row for row in json.loads(export(tmp_path, user, "json"))}
    return rows[reference]


def csv_row(text: str, reference: str) -> dict[str, str]:
    rows = {row["reference"]: row for row in csv.DictReader(io.StringIO(text))}
    return rows[reference]


def test_the_json_export_lists_each_report_with_its_list_identifier_revision_and_link(
    incident: Incident, tmp_path: Path
) -> None:
    row = json_row(tmp_path, "owner", incident.reference)
    assert row["reports"] == [
        {"source_list": "NGO", "external_id": "SM-000123", "revision": 1, "link": "person"},
        {"source_list": "Press", "external_id": "P0000012", "revision": 1, "link": "person"},
    ]


def test_the_export_counts_the_reports_and_names_their_lists_and_kinds(
    incident: Incident, tmp_path: Path
) -> None:
    row = json_row(tmp_path, "owner", incident.reference)
    assert row["report_count"] == 2
    assert row["source_lists"] == ["NGO", "Press"]
    assert row["source_list_kinds"] == ["partner_list", "press_scan"]


def test_the_csv_export_writes_the_reports_in_one_readable_cell_that_parses_back(
    incident: Incident, tmp_path: Path
) -> None:
    row = csv_row(export(tmp_path, "owner", "csv"), incident.reference)
    assert row["reports"] == "NGO:SM-000123 r1 (person); Press:P0000012 r1 (person)"
    assert (
        reports_cell_parse(row["reports"])
        == json_row(tmp_path, "owner", incident.reference)["reports"]
    )
    assert (row["report_count"], row["source_lists"]) == ("2", "NGO; Press")
    assert row["source_list_kinds"] == "partner_list; press_scan"


def test_a_report_revised_after_it_was_linked_is_listed_once_at_its_latest_revision(
    incident: Incident, tmp_path: Path, lists: tuple[SourceList, SourceList]
) -> None:
    # The partner corrects the row: the import stores revision 2, which joins the incident.
    import_file(tmp_path, lists[0], NGO_CSV.replace("04.12.2008,0", "04.12.2008,1"))
    row = json_row(tmp_path, "owner", incident.reference)
    assert row["report_count"] == 2
    assert row["reports"][0] == {
        "source_list": "NGO",
        "external_id": "SM-000123",
        "revision": 2,
        "link": "person",
    }


def test_a_link_of_an_accepted_model_group_is_written_as_a_model_link(
    cast: Cast, incident: Incident, tmp_path: Path, lists: tuple[SourceList, SourceList]
) -> None:
    incident_link_reports(
        incident=incident,
        reports=reports_of(lists[0], "SM-000124"),
        user=cast.owner,
        kind=LinkKind.MODEL,
    )
    row = json_row(tmp_path, "owner", incident.reference)
    assert [entry["link"] for entry in row["reports"]] == ["person", "model", "person"]


def test_an_incident_without_reports_says_so(cast: Cast, tmp_path: Path) -> None:
    row = json_row(tmp_path, "owner", cast.incident.reference)
    assert (row["report_count"], row["reports"], row["source_lists"]) == (0, [], [])


def test_another_organisations_public_incident_gives_only_the_count_and_the_kinds(
    cast: Cast, incident: Incident, tmp_path: Path
) -> None:
    Incident.objects.filter(pk=incident.pk).update(confidentiality="public")
    row = json_row(tmp_path, "outsider", incident.reference)
    assert (row["report_count"], row["reports"], row["source_lists"]) == (2, [], [])
    assert row["source_list_kinds"] == ["partner_list", "press_scan"]
    text = export(tmp_path, "outsider", "csv")
    assert "SM-000123" not in text and "P0000012" not in text
    assert "NGO" not in text and "Press" not in text


@pytest.fixture
def named_identifier(cast: Cast, tmp_path: Path, lists: tuple[SourceList, SourceList]) -> Incident:
    """An incident whose victim's surname is in its NGO report's identifier, as partners who
    number cases by the victim's name write them."""
    import_file(tmp_path, lists[0], "id,Дата,Убито\nКаримзода-7,04.12.2008,0\n")
    made = incident_create_from_reports(
        user=cast.owner, reports=reports_of(lists[0], "Каримзода-7")
    )
    PersonFactory(incident=made, name=NAMES[0], pseudonym="Victim A")
    return made


def test_an_identifier_is_redacted_like_free_text_for_a_reader_without_the_grant(
    named_identifier: Incident, tmp_path: Path
) -> None:
    [entry] = json_row(tmp_path, "reader", named_identifier.reference)["reports"]
    assert "Каримзода" not in entry["external_id"]
    assert entry["external_id"].endswith("-7")
    assert "Каримзода" not in export(tmp_path, "reader", "csv")


def test_an_identifier_is_whole_for_those_who_see_names(
    named_identifier: Incident, tmp_path: Path
) -> None:
    [entry] = json_row(tmp_path, "owner", named_identifier.reference)["reports"]
    assert entry["external_id"] == "Каримзода-7"


def test_the_audit_entry_says_whether_identifiers_were_written_whole(
    named_identifier: Incident, tmp_path: Path
) -> None:
    export(tmp_path, "owner", "json")
    export(tmp_path, "reader", "json")
    entries = {e.actor: e.changes for e in AuditEntry.objects.filter(action=Action.EXPORT)}
    assert (entries["owner"]["names"], entries["owner"]["free_text"]) == (True, True)
    assert (entries["reader"]["names"], entries["reader"]["free_text"]) == (False, False)


def test_a_list_name_that_looks_like_a_formula_starts_no_cell_of_a_spreadsheet(
    cast: Cast, tmp_path: Path
) -> None:
    harmless = SourceListFactory(name="Harmless", organisation=cast.organisation)
    formula = SourceListFactory(name="=HYPERLINK(1)", organisation=cast.organisation)
    import_file(tmp_path, harmless, PRESS_CSV)
    import_file(tmp_path, formula, NGO_CSV)
    made = incident_create_from_reports(
        user=cast.owner,
        reports=[*reports_of(harmless, "P0000012"), *reports_of(formula, "SM-000123")],
    )
    cell = csv_row(export(tmp_path, "owner", "csv"), made.reference)["reports"]
    # Split as a spreadsheet splitting at ";" would: no piece reads as a formula.
    assert not any(piece.lstrip(" ").startswith(("=", "+", "-", "@")) for piece in cell.split(";"))
    assert [entry["source_list"] for entry in reports_cell_parse(cell)] == [
        "=HYPERLINK(1)",
        "Harmless",
    ]


def test_the_list_pages_csv_download_lists_the_reports(incident: Incident, cast: Cast) -> None:
    response = cast.client("owner").get(reverse("exports:incident_list_download", args=["csv"]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    row = csv_row(text, incident.reference)
    assert row["reports"] == "NGO:SM-000123 r1 (person); Press:P0000012 r1 (person)"


def test_the_list_pages_json_download_gives_another_organisation_only_counts(
    incident: Incident, cast: Cast
) -> None:
    Incident.objects.filter(pk=incident.pk).update(confidentiality="public")
    stranger = UserFactory(organisation=cast.other_organisation, role=Role.READER)
    client = Client()
    client.force_login(stranger)
    response = client.get(reverse("exports:incident_list_download", args=["json"]))
    rows = json.loads(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    [row] = [row for row in rows if row["reference"] == incident.reference]
    assert (row["report_count"], row["reports"]) == (2, [])
