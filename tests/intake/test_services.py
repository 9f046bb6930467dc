import csv

import pytest
from django.core.exceptions import PermissionDenied

from dozor.intake.models import ImportBatch, QuarantinedRow
from dozor.intake.readers import ImportFileError
from dozor.intake.services import import_run, quarantine_resubmit
from dozor.records.models import Report
from tests.intake.conftest import TORONTO_CSV, write_csv

pytestmark = pytest.mark.django_db

GOOD = "id,Дата,Мотив,Убито\n1,04.12.2008,ксенофобия,0\n2,2009-01-19,гомофобия,\n"


def run(cast, source_list, mapping, path, **options):
    return import_run(
        user=cast.owner,
        source_list=source_list,
        path=path,
        file_name=path.name,
        mapping=mapping,
        **options,
    )


def test_each_row_becomes_a_report_with_payload_verbatim(
    cast, source_list, small_mapping, tmp_path
) -> None:
    summary = run(cast, source_list, small_mapping, write_csv(tmp_path / "a.csv", GOOD))
    assert (summary.stored, summary.quarantined) == (2, 0)
    report = Report.objects.get(external_id="1")
    assert report.payload == {"id": "1", "Дата": "04.12.2008", "Мотив": "ксенофобия", "Убито": "0"}
    assert report.fields["date"] == "2008-12-04" and report.fields["biases"] == [
        "racist_xenophobic"
    ]
    assert report.created_by == cast.owner


def test_the_import_is_audited(cast, source_list, small_mapping, tmp_path) -> None:
    summary = run(cast, source_list, small_mapping, write_csv(tmp_path / "a.csv", GOOD))
    batch = ImportBatch.objects.get(pk=summary.batch)
    assert (batch.created_by, batch.file_name, batch.stored) == (cast.owner, "a.csv", 2)
    assert len(batch.file_sha256) == 64 and batch.mapping_text == small_mapping.text


def test_importing_the_same_file_again_adds_nothing(
    cast, source_list, small_mapping, tmp_path
) -> None:
    path = write_csv(tmp_path / "a.csv", GOOD + "3,xx,,\n")
    run(cast, source_list, small_mapping, path)
    again = run(cast, source_list, small_mapping, path)
    assert (again.stored, again.quarantined, again.already_present) == (0, 0, 3)
    assert Report.objects.count() == 2 and QuarantinedRow.objects.count() == 1


def test_a_changed_row_with_the_same_id_is_a_new_revision(
    cast, source_list, small_mapping, tmp_path
) -> None:
    run(cast, source_list, small_mapping, write_csv(tmp_path / "a.csv", GOOD))
    changed = GOOD.replace("1,04.12.2008,ксенофобия,0", "1,05.12.2008,ксенофобия,0")
    summary = run(cast, source_list, small_mapping, write_csv(tmp_path / "b.csv", changed))
    assert (summary.revised, summary.already_present) == (1, 1)
    assert list(Report.objects.filter(external_id="1").values_list("revision", flat=True)) == [1, 2]


def test_without_an_id_column_rows_are_known_by_their_fingerprint(
    cast, source_list, small_mapping, tmp_path
) -> None:
    from dataclasses import replace

    mapping = replace(small_mapping, id_columns=())
    path = write_csv(tmp_path / "a.csv", GOOD)
    run(cast, source_list, mapping, path)
    again = run(cast, source_list, mapping, path)
    assert again.already_present == 2
    assert Report.objects.first().external_id.startswith("sha256:")


def test_a_bad_row_is_quarantined_with_every_problem(
    cast, source_list, small_mapping, tmp_path
) -> None:
    summary = run(
        cast,
        source_list,
        small_mapping,
        write_csv(tmp_path / "a.csv", GOOD + "3,31.02.2008,злоба,x\n"),
    )
    assert (summary.stored, summary.quarantined) == (2, 1)
    row = QuarantinedRow.objects.get()
    assert row.row_number == 4 and row.raw["Мотив"] == "злоба"
    assert {p["column"] for p in row.problems} == {"Дата", "Мотив", "Убито"}


def test_the_same_id_with_other_cells_in_one_file_is_quarantined(
    cast, source_list, small_mapping, tmp_path
) -> None:
    summary = run(
        cast, source_list, small_mapping, write_csv(tmp_path / "a.csv", GOOD + "1,2010-01-01,,\n")
    )
    assert summary.quarantined == 1
    assert QuarantinedRow.objects.get().problems[0]["code"] == "id_twice"


def test_a_dry_run_stores_nothing(cast, source_list, small_mapping, tmp_path) -> None:
    summary = run(
        cast, source_list, small_mapping, write_csv(tmp_path / "a.csv", GOOD), dry_run=True
    )
    assert summary.stored == 2 and summary.batch is None
    assert Report.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_a_file_without_the_mapped_columns_is_refused(
    cast, source_list, small_mapping, tmp_path
) -> None:
    with pytest.raises(ImportFileError, match="columns the file does not have: Убито"):
        run(
            cast,
            source_list,
            small_mapping,
            write_csv(tmp_path / "a.csv", "id,Дата,Мотив\n1,2008,x\n"),
        )


@pytest.mark.parametrize("who", ["colleague", "reader", "outsider"])
def test_only_a_writer_of_the_owning_organisation_may_import(
    cast, source_list, small_mapping, tmp_path, who
) -> None:
    if who == "colleague":
        cast.colleague.role = "analyst"
        cast.colleague.save()
    with pytest.raises(PermissionDenied):
        import_run(
            user=getattr(cast, who),
            source_list=source_list,
            path=write_csv(tmp_path / "a.csv", GOOD),
            file_name="a.csv",
            mapping=small_mapping,
        )
    assert Report.objects.count() == 0


def test_a_corrected_row_is_stored_and_the_original_kept(
    cast, source_list, small_mapping, tmp_path
) -> None:
    run(
        cast,
        source_list,
        small_mapping,
        write_csv(tmp_path / "a.csv", GOOD + "3,31.02.2008,расизм,\n"),
    )
    row = QuarantinedRow.objects.get()
    report, problems = quarantine_resubmit(
        user=cast.owner, row=row, corrections={"Дата": "28.02.2008"}
    )
    assert problems == [] and report is not None
    assert report.payload["Дата"] == "28.02.2008" and report.fields["date"] == "2008-02-28"
    row.refresh_from_db()
    assert row.status == "stored" and row.report == report and row.raw["Дата"] == "31.02.2008"


def test_a_correction_that_is_still_wrong_stores_nothing(
    cast, source_list, small_mapping, tmp_path
) -> None:
    run(
        cast,
        source_list,
        small_mapping,
        write_csv(tmp_path / "a.csv", GOOD + "3,31.02.2008,расизм,\n"),
    )
    row = QuarantinedRow.objects.get()
    report, problems = quarantine_resubmit(
        user=cast.owner, row=row, corrections={"Дата": "30.02.2008"}
    )
    assert report is None and problems[0].column == "Дата"
    assert Report.objects.count() == 2


def test_the_toronto_file_imports_every_row_deliberately(
    cast, source_list, toronto_mapping
) -> None:
    summary = run(cast, source_list, toronto_mapping, TORONTO_CSV, keep_outcomes=0)
    assert summary.rows == 1805
    assert (summary.stored, summary.quarantined) == (1798, 7)
    assert summary.stored + summary.quarantined == 1805
    rejected = {p["value"] for p in summary.problems}
    assert rejected == {"This should be removed"}
    with TORONTO_CSV.open(encoding="utf-8", newline="") as handle:
        arrested = {
            r["EVENT_UNIQUE_ID"] for r in csv.DictReader(handle) if r["ARREST_MADE"] == "Yes"
        }
    quarantined = {row.raw["EVENT_UNIQUE_ID"] for row in QuarantinedRow.objects.all()}
    reports = list(Report.objects.all())
    stored_arrests = {r.external_id for r in reports if r.fields.get("arrest_made") is True}
    assert stored_arrests == arrested - quarantined and len(stored_arrests) > 300
    pending = [event for r in reports for event in r.fields.get("_response_events", [])]
    assert len(pending) == len(arrested - quarantined)
    assert {event["kind"] for event in pending} == {"detained"}
    again = run(cast, source_list, toronto_mapping, TORONTO_CSV, keep_outcomes=0)
    assert (again.stored, again.quarantined, again.already_present) == (0, 0, 1805)


def test_a_revision_of_a_report_in_an_incident_joins_it_with_its_events(
    cast, source_list, tmp_path
) -> None:
    from dozor.intake.mapping import mapping_parse
    from dozor.records.models import IncidentReport
    from dozor.records.services import incident_link_reports
    from dozor.responses.models import ResponseEvent
    from tests.factories import IncidentFactory
    from tests.intake.conftest import SMALL_MAPPING

    mapping = mapping_parse(
        SMALL_MAPPING
        + "  arrested:\n    column: Арест\n    type: boolean\n"
        + '    "true": [да]\n    "false": [нет]\n'
        + "response_events:\n  - {when: arrested, kind: detained, date: date}\n",
        "arrests.yaml",
    )
    header = "id,Дата,Мотив,Убито,Арест\n"
    run(cast, source_list, mapping, write_csv(tmp_path / "a.csv", header + "1,04.12.2008,,0,нет\n"))
    incident = IncidentFactory(organisation=cast.organisation)
    incident_link_reports(incident=incident, reports=[Report.objects.get()], user=cast.owner)
    assert not ResponseEvent.objects.filter(incident=incident).exists()

    # The partner's next file says a suspect was detained: the revision joins the incident.
    later = write_csv(tmp_path / "b.csv", header + "1,04.12.2008,,0,да\n")
    assert run(cast, source_list, mapping, later).revised == 1
    revision = Report.objects.get(revision=2)
    assert IncidentReport.objects.get(report=revision).incident == incident
    event = ResponseEvent.objects.get(incident=incident)
    assert (event.kind, str(event.date)) == ("detained", "2008-12-04")
    # The same file again changes nothing, and adds no second event.
    assert run(cast, source_list, mapping, later).already_present == 1
    assert ResponseEvent.objects.filter(incident=incident).count() == 1
