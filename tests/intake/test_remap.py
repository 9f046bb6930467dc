"""Re-reading a source list's stored rows with a corrected mapping: `dozor import --remap` and the
"Re-read with a corrected mapping" action of an import's page, as a documenter uses them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from dozor.accounts.models import Role
from dozor.audit.models import Action, AuditEntry
from dozor.intake import remap, views
from dozor.intake.models import ImportBatch, ImportKind, QuarantinedRow, QuarantineStatus
from dozor.linkage.services import incident_create_from_reports
from dozor.records.custom_fields import FieldType
from dozor.records.models import IncidentReport, Report, SourceList
from dozor.responses.models import ResponseEvent
from dozor.security.crypto import KeyRing
from dozor.security.keyring import keyring_set
from tests.conftest import Cast
from tests.factories import SourceListFactory, UserFactory
from tests.records.custom_fields import define

pytestmark = pytest.mark.django_db

# The first mapping knows the incident types by their names only (others become threats) and
# two motives; the partner's file also says "избиение" and "прочее" for the type, and "юдофобия"
# (row 4 waits in the quarantine).
FIRST = """
version: 1
name: partner, first try
id_column: id
fields:
  date:
    column: Дата
    type: date
    formats: ["%d.%m.%Y"]
  incident_type:
    column: Тип
    type: code
    vocabulary: incident_type
    # A first guess: a word it does not know is taken for a threat (and kept unmapped).
    unmatched: empty
    default: threat
  bias_motivations:
    type: codes
    vocabulary: bias_motivation
    separator: ","
    columns:
      Мотив:
        values:
          racist_xenophobic: [ксенофобия]
          anti_lgbti: [гомофобия]
  killed:
    column: Убито
    type: integer
    default: 0
"""
# The corrected mapping knows "избиение" as an assault (and refuses other words) and the third
# motive.
CORRECTED = """
version: 1
name: partner, corrected
id_column: id
fields:
  date:
    column: Дата
    type: date
    formats: ["%d.%m.%Y"]
  incident_type:
    column: Тип
    type: code
    vocabulary: incident_type
    values:
      physical_assault: [избиение]
  bias_motivations:
    type: codes
    vocabulary: bias_motivation
    separator: ","
    columns:
      Мотив:
        values:
          racist_xenophobic: [ксенофобия]
          anti_lgbti: [гомофобия]
          antisemitic: [юдофобия]
  killed:
    column: Убито
    type: integer
    default: 0
"""
# The corrected mapping with the arrest column read, and a response event made of it.
WITH_ARREST = (
    CORRECTED.replace("partner, corrected", "partner, with arrests")
    + """  arrested:
    column: Задержан
    type: boolean
    "true": [да]
    "false": [нет]
response_events:
  - when: arrested
    kind: detained
    date: date
"""
)
# Row 1 changes (its type is read), row 2 does not (its type is the vocabulary's own word), row
# 3's type the corrected mapping refuses, row 4 is quarantined by the first mapping and readable
# by the corrected one.
PARTNER_CSV = (
    "id,Дата,Тип,Мотив,Убито,Задержан\n"
    "1,04.12.2008,избиение,ксенофобия,0,да\n"
    "2,05.12.2008,нападение,гомофобия,1,нет\n"
    "3,05.12.2008,прочее,ксенофобия,0,нет\n"
    "4,06.12.2008,нападение,юдофобия,0,нет\n"
)


@pytest.fixture
def partner(cast: Cast) -> SourceList:
    return SourceListFactory(name="Партнёр", organisation=cast.organisation)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "csv": tmp_path / "partner.csv",
        "first": tmp_path / "first.yaml",
        "corrected": tmp_path / "corrected.yaml",
        "arrest": tmp_path / "arrest.yaml",
    }
    paths["csv"].write_text(PARTNER_CSV, encoding="utf-8")
    paths["first"].write_text(FIRST, encoding="utf-8")
    paths["corrected"].write_text(CORRECTED, encoding="utf-8")
    paths["arrest"].write_text(WITH_ARREST, encoding="utf-8")
    return paths


def run(*args: str) -> str:
    out = StringIO()
    call_command("import", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def remap_by_command(mapping: Path, user: str = "owner", *options: str) -> str:
    return run(
        "--remap",
        "--source-list",
        "Партнёр",
        "--mapping",
        str(mapping),
        "--user",
        user,
        *options,
    )


@pytest.fixture
def imported(cast: Cast, partner: SourceList, files: dict[str, Path]) -> SourceList:
    """The partner's file imported with the first mapping: reports 1, 2, 3; row 4 quarantined."""
    run(
        str(files["csv"]),
        "--source-list",
        partner.name,
        "--mapping",
        str(files["first"]),
        "--user",
        cast.owner.username,
    )
    assert Report.objects.count() == 3
    assert QuarantinedRow.objects.filter(status=QuarantineStatus.OPEN).count() == 1
    return partner


def report(external_id: str, revision: int | None = None) -> Report:
    reports = Report.objects.filter(source_list__name="Партнёр", external_id=external_id)
    if revision is None:
        found = reports.order_by("-revision").first()
    else:
        found = reports.filter(revision=revision).first()
    assert found is not None
    return found


def state() -> tuple[int, int, int, int, int, list[Any]]:
    """What a re-read could change: reports, imports, links, response events, open quarantined
    rows, and the audit entries of changes (a preview adds the entry of its read, a refusal its
    own)."""
    return (
        Report.objects.count(),
        ImportBatch.objects.count(),
        IncidentReport.objects.count(),
        ResponseEvent.objects.count(),
        QuarantinedRow.objects.filter(status=QuarantineStatus.OPEN).count(),
        list(
            AuditEntry.objects.exclude(action__in=[Action.VIEW, Action.REFUSED]).values_list(
                "id", flat=True
            )
        ),
    )


# --- the command ---------------------------------------------------------------------------


def test_a_report_whose_fields_change_gets_a_new_revision_with_the_new_fields(
    imported: SourceList, files: dict[str, Path]
) -> None:
    remap_by_command(files["corrected"])
    revised = report("1")
    assert revised.revision == 2
    assert revised.fields["incident_type"] == "physical_assault"
    assert report("1", 1).fields["incident_type"] == "threat"


def test_the_new_revision_names_the_re_read_and_the_revision_it_replaces(
    imported: SourceList, files: dict[str, Path]
) -> None:
    summary = json.loads(remap_by_command(files["corrected"], "owner", "--json"))
    marker = report("1").fields["_import"]
    assert marker["batch"] == summary["batch"]
    assert marker["kind"] == "remap"
    assert marker["previous_revision"] == 1
    assert marker["previous_report"] == report("1", 1).pk
    assert ImportBatch.objects.get(pk=summary["batch"]).kind == ImportKind.REMAP


def test_the_payload_of_the_new_revision_is_the_stored_row_unchanged(
    imported: SourceList, files: dict[str, Path]
) -> None:
    remap_by_command(files["corrected"])
    before, after = report("1", 1), report("1", 2)
    assert json.dumps(after.payload, sort_keys=True) == json.dumps(before.payload, sort_keys=True)
    assert after.received_on == before.received_on


def test_reports_whose_fields_do_not_change_are_counted_and_left_alone(
    imported: SourceList, files: dict[str, Path]
) -> None:
    summary = json.loads(remap_by_command(files["corrected"], "owner", "--json"))
    assert summary["unchanged"] == 1
    assert report("2").revision == 1


def test_a_report_the_corrected_mapping_cannot_read_is_left_as_it_was_and_listed(
    imported: SourceList, files: dict[str, Path]
) -> None:
    summary = json.loads(remap_by_command(files["corrected"], "owner", "--json"))
    assert summary["unreadable"] == 1
    assert report("3").revision == 1 and report("3").fields["incident_type"] == "threat"
    [problem] = summary["problems"]
    assert (problem["external_id"], problem["column"], problem["code"]) == (
        "3",
        "Тип",
        "not_in_mapping",
    )


def test_the_summary_counts_every_report_read(imported: SourceList, files: dict[str, Path]) -> None:
    summary = json.loads(remap_by_command(files["corrected"], "owner", "--json"))
    assert (
        summary["reports"],
        summary["revised"],
        summary["unchanged"],
        summary["unreadable"],
    ) == (
        3,
        1,
        1,
        1,
    )
    assert summary["mappings"] == {"partner, first try": 3}


def test_the_text_summary_says_which_field_changes_from_what_to_what(
    imported: SourceList, files: dict[str, Path]
) -> None:
    text = remap_by_command(files["corrected"])
    assert "report 1, revision 1 → 2:" in text
    assert "incident_type: threat → physical_assault" in text


def test_a_quarantined_row_the_corrected_mapping_reads_is_stored(
    imported: SourceList, files: dict[str, Path]
) -> None:
    summary = json.loads(remap_by_command(files["corrected"], "owner", "--json"))
    stored = report("4")
    assert stored.fields["bias_motivations"] == ["antisemitic"]
    row = QuarantinedRow.objects.get()
    assert (row.status, row.report_id) == (QuarantineStatus.STORED, stored.pk)
    assert summary["quarantine_stored"] == 1


def import_more(owner: str, files: dict[str, Path], text: str) -> None:
    """Another file of the partner's, imported with the first mapping."""
    path = files["csv"].with_name("more.csv")
    path.write_text(text, encoding="utf-8")
    run(str(path), "--source-list", "Партнёр", "--mapping", str(files["first"]), "--user", owner)


def test_a_quarantined_row_newer_than_the_stored_report_becomes_its_next_revision(
    imported: SourceList, files: dict[str, Path]
) -> None:
    # Report 5 is stored; a later file gives it a motive the first mapping does not know.
    import_more(
        "owner",
        files,
        "id,Дата,Тип,Мотив,Убито,Задержан\n5,07.12.2008,нападение,ксенофобия,0,нет\n",
    )
    import_more(
        "owner", files, "id,Дата,Тип,Мотив,Убито,Задержан\n5,07.12.2008,нападение,юдофобия,0,нет\n"
    )
    remap_by_command(files["corrected"])
    # Revision 1 reads the same with the corrected mapping; the quarantined row comes after it.
    assert report("5").revision == 2
    assert report("5").fields["bias_motivations"] == ["antisemitic"]
    assert not QuarantinedRow.objects.filter(status=QuarantineStatus.OPEN).exists()


def test_a_quarantined_row_older_than_the_stored_report_stays_in_the_quarantine(
    imported: SourceList, files: dict[str, Path]
) -> None:
    # Row 4 waits in the quarantine; a later file stores report 4 with other cells.
    import_more(
        "owner",
        files,
        "id,Дата,Тип,Мотив,Убито,Задержан\n4,06.12.2008,нападение,ксенофобия,0,нет\n",
    )
    summary = json.loads(remap_by_command(files["corrected"], "owner", "--json"))
    assert report("4").fields["bias_motivations"] == ["racist_xenophobic"]
    assert QuarantinedRow.objects.get().status == QuarantineStatus.OPEN
    assert summary["quarantine_left"] == 1
    assert [p["code"] for p in summary["problems"] if p["external_id"] == "4"] == ["superseded"]


def test_a_new_revision_joins_the_incident_of_the_report(
    cast: Cast, imported: SourceList, files: dict[str, Path]
) -> None:
    incident = incident_create_from_reports(user=cast.owner, reports=[report("1")])
    summary = json.loads(remap_by_command(files["corrected"], "owner", "--json"))
    assert report("1").incident_link.incident == incident
    assert report("1", 1).incident_link.incident == incident
    assert summary["joined_incidents"] == 1


def test_a_response_event_the_corrected_mapping_reads_reaches_the_incident_once(
    cast: Cast, imported: SourceList, files: dict[str, Path]
) -> None:
    incident = incident_create_from_reports(user=cast.owner, reports=[report("1")])
    remap_by_command(files["arrest"])
    # Another correction that keeps the arrest: its revision joins too, the event stays one.
    with_country = "  country:\n    type: country\n    default: RU\nresponse_events:"
    files["arrest"].write_text(WITH_ARREST.replace("response_events:", with_country))
    remap_by_command(files["arrest"])
    assert report("1").revision == 3
    events = ResponseEvent.objects.filter(incident=incident, kind="detained")
    assert [event.date.isoformat() for event in events] == ["2008-12-04"]


def test_a_second_re_read_with_the_same_mapping_changes_nothing(
    imported: SourceList, files: dict[str, Path]
) -> None:
    remap_by_command(files["corrected"])
    before = Report.objects.count()
    summary = json.loads(remap_by_command(files["corrected"], "owner", "--json"))
    assert (summary["revised"], summary["unchanged"], summary["quarantine_stored"]) == (0, 3, 0)
    assert Report.objects.count() == before


def test_a_dry_run_changes_nothing(imported: SourceList, files: dict[str, Path]) -> None:
    before = state()
    text = remap_by_command(files["corrected"], "owner", "--dry-run")
    assert "Nothing was changed (dry run)." in text
    assert "incident_type: threat → physical_assault" in text
    assert state() == before


def test_the_re_read_is_audited_with_its_counts(
    imported: SourceList, files: dict[str, Path]
) -> None:
    summary = json.loads(remap_by_command(files["corrected"], "owner", "--json"))
    entry = AuditEntry.objects.filter(action=Action.IMPORT).order_by("-id").first()
    assert entry is not None
    assert (entry.target_type, entry.target_id, entry.origin) == (
        "intake.importbatch",
        str(summary["batch"]),
        "command:import",
    )
    assert entry.changes["kind"] == "remap"
    assert (entry.changes["revised"], entry.changes["unchanged"]) == (1, 1)
    assert (entry.changes["unreadable"], entry.changes["quarantine_stored"]) == (1, 1)


def test_a_re_read_that_fails_half_way_leaves_nothing_of_itself(
    cast: Cast, imported: SourceList, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_create_from_reports(user=cast.owner, reports=[report("1")])
    before = state()
    real = remap.revisions_join_incidents
    calls: list[int] = []

    def joins_then_fails(**kwargs: Any) -> int:
        calls.append(len(kwargs["revisions"]))
        if len(calls) == 2:
            raise RuntimeError("the disk filled up")
        return real(**kwargs)

    # One report per chunk: the first chunk's revision is written and joins its incident
    # before the second chunk fails.
    monkeypatch.setattr(remap, "CHUNK_REPORTS", 1)
    monkeypatch.setattr(remap, "revisions_join_incidents", joins_then_fails)
    with pytest.raises(RuntimeError, match="the disk filled up"):
        remap_by_command(files["corrected"])
    assert calls[0] == 1, "the first chunk should have written its revision"
    assert state() == before


def test_another_organisations_documenter_cannot_re_read_the_list(
    cast: Cast, imported: SourceList, files: dict[str, Path]
) -> None:
    UserFactory(username="stranger", organisation=cast.other_organisation, role=Role.DOCUMENTER)
    before = state()
    with pytest.raises(
        CommandError, match="Only documenters and administrators of the organisation"
    ):
        remap_by_command(files["corrected"], "stranger")
    assert state() == before


def test_a_reader_of_the_organisation_cannot_re_read_the_list(
    imported: SourceList, files: dict[str, Path]
) -> None:
    with pytest.raises(CommandError, match="Only documenters and administrators"):
        remap_by_command(files["corrected"], "reader")


@pytest.fixture
def locked() -> Iterator[None]:
    keyring_set(KeyRing.locked_because("no key given"))
    yield
    keyring_set(None)


def test_a_locked_dozor_refuses_to_re_read(
    imported: SourceList, files: dict[str, Path], locked: None
) -> None:
    with pytest.raises(CommandError) as raised:
        remap_by_command(files["corrected"])
    assert str(raised.value) == str(remap.MSG_REMAP_LOCKED)


def test_the_re_read_takes_no_file(imported: SourceList, files: dict[str, Path]) -> None:
    with pytest.raises(CommandError, match="give no FILE"):
        run(str(files["csv"]), "--remap", "--source-list", "Партнёр", "--mapping",
            str(files["corrected"]), "--user", "owner")  # fmt: skip


def test_the_re_read_names_what_is_missing(imported: SourceList) -> None:
    with pytest.raises(CommandError, match="A re-read needs --mapping, --user"):
        run("--remap", "--source-list", "Партнёр")


def test_a_mapping_that_reads_another_identifier_leaves_the_reports_as_they_were(
    imported: SourceList, files: dict[str, Path]
) -> None:
    files["corrected"].write_text(CORRECTED.replace("id_column: id", "id_column: Убито"))
    summary = json.loads(remap_by_command(files["corrected"], "owner", "--json"))
    assert summary["revised"] == 0 and summary["unreadable"] == 3
    assert {problem["code"] for problem in summary["problems"]} == {"identity_changed"}


# --- the import's page ---------------------------------------------------------------------


@pytest.fixture
def inline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "RUN_IN_THREAD", False)


def first_import() -> ImportBatch:
    batch = ImportBatch.objects.filter(kind=ImportKind.IMPORT).first()
    assert batch is not None
    return batch


def test_the_import_page_offers_the_re_read_to_a_documenter(
    cast: Cast, imported: SourceList
) -> None:
    page = cast.client("owner").get(reverse("intake:import_detail", args=[first_import().pk]))
    assert reverse("intake:remap", args=[first_import().pk]).encode() in page.content


def test_the_re_read_form_starts_from_the_mapping_the_import_used(
    cast: Cast, imported: SourceList
) -> None:
    page = cast.client("owner").get(reverse("intake:remap", args=[first_import().pk]))
    assert page.status_code == 200
    assert "partner, first try" in page.content.decode()


def test_the_preview_shows_what_changes_and_stores_nothing(
    cast: Cast, imported: SourceList
) -> None:
    before = state()
    page = cast.client("owner").post(
        reverse("intake:remap", args=[first_import().pk]), {"mapping_text": CORRECTED}
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "threat" in text and "physical_assault" in text
    assert 'name="mapping_text"' in text
    assert state() == before


def test_the_preview_names_the_mappings_the_reports_were_stored_with(
    cast: Cast, imported: SourceList
) -> None:
    page = cast.client("owner").post(
        reverse("intake:remap", args=[first_import().pk]), {"mapping_text": CORRECTED}
    )
    assert "“partner, first try” (3)" in page.content.decode()


def test_an_uploaded_mapping_file_is_previewed(cast: Cast, imported: SourceList) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = cast.client("owner").post(
        reverse("intake:remap", args=[first_import().pk]),
        {"mapping_file": SimpleUploadedFile("corrected.yaml", CORRECTED.encode())},
    )
    assert page.status_code == 200
    assert "physical_assault" in page.content.decode()


def test_a_broken_mapping_is_refused_naming_the_key(cast: Cast, imported: SourceList) -> None:
    page = cast.client("owner").post(
        reverse("intake:remap", args=[first_import().pk]),
        {"mapping_text": CORRECTED.replace("type: date", "type: colour")},
    )
    assert page.status_code == 400
    assert "fields.date.type: expected one of" in page.content.decode()


def test_confirming_the_re_read_stores_it_and_shows_its_summary(
    cast: Cast, imported: SourceList, inline: None
) -> None:
    client = cast.client("owner")
    confirmed = client.post(
        reverse("intake:remap_confirm", args=[first_import().pk]), {"mapping_text": CORRECTED}
    )
    assert confirmed.status_code == 302
    page = client.get(confirmed["Location"], follow=True)
    batch = ImportBatch.objects.get(kind=ImportKind.REMAP)
    assert page.redirect_chain[-1][0] == reverse("intake:import_detail", args=[batch.pk])
    assert (batch.revised, batch.unchanged, batch.unreadable, batch.stored) == (1, 1, 1, 1)
    assert report("1").revision == 2
    assert "прочее" in page.content.decode()


def test_the_import_list_shows_the_re_read(cast: Cast, imported: SourceList, inline: None) -> None:
    client = cast.client("owner")
    client.post(
        reverse("intake:remap_confirm", args=[first_import().pk]), {"mapping_text": CORRECTED}
    )
    page = client.get(reverse("intake:import_list")).content.decode()
    batch = ImportBatch.objects.get(kind=ImportKind.REMAP)
    assert reverse("intake:import_detail", args=[batch.pk]) in page
    assert "partner, corrected" in page


def test_a_reader_of_the_organisation_cannot_re_read_on_the_web(
    cast: Cast, imported: SourceList
) -> None:
    before = state()
    response = cast.client("reader").post(
        reverse("intake:remap_confirm", args=[first_import().pk]), {"mapping_text": CORRECTED}
    )
    assert response.status_code == 403
    assert state() == before


def test_another_organisation_cannot_reach_the_re_read(cast: Cast, imported: SourceList) -> None:
    stranger = UserFactory(organisation=cast.other_organisation, role=Role.DOCUMENTER)
    from django.test import Client

    client = Client()
    client.force_login(stranger)
    before = state()
    url = reverse("intake:remap_confirm", args=[first_import().pk])
    assert client.post(url, {"mapping_text": CORRECTED}).status_code == 404
    assert state() == before


def test_a_re_read_that_fills_a_custom_field_checks_each_value_as_an_import_does(
    cast: Cast, imported: SourceList, tmp_path: Path
) -> None:
    """A corrected mapping that reads the killed column into the organisation's date field:
    every stored report's value is refused, so each is left as it was and listed naming the
    column, and the quarantined row stays in the quarantine; none is stored for an incident to
    stumble on later."""
    define(cast.organisation, "killed_on", FieldType.DATE, label_en="Killed on")
    mapping = tmp_path / "custom.yaml"
    mapping.write_text(
        CORRECTED.replace("partner, corrected", "partner, custom")
        + "  custom_killed_on:\n    column: Убито\n    type: text\n",
        encoding="utf-8",
    )
    summary = json.loads(remap_by_command(mapping, "owner", "--json"))
    assert summary["revised"] == 0 and summary["unreadable"] == 3
    refused = [p for p in summary["problems"] if p["code"] == "custom_field"]
    assert {(p["external_id"], p["column"]) for p in refused} == {("1", "Убито"), ("2", "Убито")}
    assert "“Killed on” takes a date" in refused[0]["expected"]
    assert all(report(key).revision == 1 for key in ("1", "2", "3"))
    assert QuarantinedRow.objects.filter(status=QuarantineStatus.OPEN).count() == 1
