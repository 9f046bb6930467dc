"""The new mapping types through `dozor import`, as a documenter runs it: composite ids, month
precision, a partner's list of regions and people, and the mapping's warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from dozor.intake.mapping import LINKAGE_WARNINGS
from dozor.intake.models import QuarantinedRow
from dozor.records.models import Report
from tests.intake.conftest import import_by_command, write_csv

pytestmark = pytest.mark.django_db

ARRESTS = """
version: 1
name: arrests
id_column: [complaint_no, arrest_no]
fields:
  date: {column: occurred, type: date}
  arrested_on: {column: arrested, type: date}
"""

ARRESTS_CSV = (
    "complaint_no,arrest_no,occurred,arrested\n"
    "12345,1,2018-03-01,2018-03-04\n"
    "12345,2,2018-03-01,2018-03-09\n"
    "12346,1,2018-04,2018-05-02\n"
)


def test_a_file_of_arrests_makes_one_report_per_complaint_and_arrest(
    cast, source_list, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "arrests.csv", ARRESTS_CSV)
    import_by_command(path, source_list, cast.owner, mapping_text=ARRESTS)
    ids = Report.objects.filter(source_list=source_list).values_list("external_id", flat=True)
    assert sorted(ids) == ["12345 / 1", "12345 / 2", "12346 / 1"]


def test_importing_the_arrests_again_adds_nothing(cast, source_list, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "arrests.csv", ARRESTS_CSV)
    import_by_command(path, source_list, cast.owner, mapping_text=ARRESTS)
    again = json.loads(
        import_by_command(path, source_list, cast.owner, "--json", mapping_text=ARRESTS)
    )
    assert (again["stored"], again["already_present"]) == (0, 3)
    assert Report.objects.filter(source_list=source_list).count() == 3


def test_a_composite_id_escapes_its_separator(cast, source_list, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "arrests.csv",
        "complaint_no,arrest_no,occurred,arrested\n1/2,3,2018,2018\n1,2/3,2018,2018\n",
    )
    import_by_command(path, source_list, cast.owner, mapping_text=ARRESTS)
    ids = Report.objects.filter(source_list=source_list).values_list("external_id", flat=True)
    assert sorted(ids) == ["1 / 2\\/3", "1\\/2 / 3"]


def test_an_empty_id_cell_is_quarantined_naming_its_column(
    cast, source_list, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "arrests.csv", "complaint_no,arrest_no,occurred,arrested\n12345,,2018,2018\n"
    )
    import_by_command(path, source_list, cast.owner, mapping_text=ARRESTS)
    (row,) = QuarantinedRow.objects.filter(source_list=source_list)
    assert [(p["column"], p["code"]) for p in row.problems] == [("arrest_no", "required")]


def test_a_month_is_stored_as_its_first_day_with_month_precision(
    cast, source_list, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "arrests.csv", ARRESTS_CSV)
    import_by_command(path, source_list, cast.owner, mapping_text=ARRESTS)
    report = Report.objects.get(source_list=source_list, external_id="12346 / 1")
    assert (report.fields["date"], report.fields["date_precision"]) == ("2018-04-01", "month")
    assert report.fields["arrested_on_precision"] == "day"


PARTNER = """
version: 1
name: partner
id_column: №
fields:
  date: {column: Дата, type: date, formats: ["%d.%m.%Y"]}
  region: {column: Регион, type: region, unmatched: keep}
  victims: {column: Пострадавшие, type: people}
  incident_type:
    column: Что
    type: code
    vocabulary: incident_type
    separator: [",", ";"]
    several: order
    order: [homicide, physical_assault, threat]
    values: {physical_assault: [избиение], threat: [угрозы]}
  arrested_on: {column: Задержан, type: date, formats: ["%d.%m.%Y"]}
response_events:
  - {when: arrested_on, present: true, kind: detained, date: arrested_on}
"""


def test_a_partner_list_with_regions_and_people_is_stored_as_linkage_reads_it(
    cast, source_list, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "partner.csv",
        "№,Дата,Регион,Пострадавшие,Что,Задержан\n"
        "1,март 2018,Татарстан,Рустам Саидов (24); Анна К. (ж),угрозы; избиение,12.03.2018\n"
        "2,1–5 марта 2018,Казань,имя не установлено (м),угрозы,\n",
    )
    import_by_command(path, source_list, cast.owner, mapping_text=PARTNER)
    first = Report.objects.get(source_list=source_list, external_id="1").fields
    second = Report.objects.get(source_list=source_list, external_id="2").fields
    assert (first["date"], first["date_precision"], first["region"]) == (
        "2018-03-01",
        "month",
        "RU-TA",
    )
    assert [(p["name"], p["sex"], p["age"]) for p in first["victims"]] == [
        ("Рустам Саидов", "unknown", 24),
        ("Анна К.", "female", None),
    ]
    assert first["incident_type"] == "physical_assault"
    assert [e["kind"] for e in first["_response_events"]] == ["detained"]
    assert (second["date_end"], second["region"], second["locality"]) == (
        "2018-03-05",
        None,
        "Казань",
    )
    assert second["flags"] == ["region_not_placed"]
    assert "_response_events" not in second


def test_import_prints_the_mappings_warnings(cast, source_list, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "arrests.csv", ARRESTS_CSV)
    output = import_by_command(path, source_list, cast.owner, mapping_text=ARRESTS)
    assert f"Warning: {LINKAGE_WARNINGS['place']}" in output
    assert f"Warning: {LINKAGE_WARNINGS['date']}" not in output


def test_import_json_includes_the_warnings(cast, source_list, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "arrests.csv", ARRESTS_CSV)
    output = import_by_command(path, source_list, cast.owner, "--json", mapping_text=ARRESTS)
    assert json.loads(output)["warnings"] == [
        str(LINKAGE_WARNINGS["place"]),
        str(LINKAGE_WARNINGS["victims' names"]),
    ]


GROUPS = """
version: 1
name: groups
fields:
  victims:
    type: people
    groups: {name: "Victim {n} name", age: "Victim {n} age"}
"""


def test_a_file_without_a_groups_columns_is_refused_as_a_whole(
    cast, source_list, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "people.csv", "Name,Age\nAnna,30\n")
    with pytest.raises(CommandError, match=r"Victim \{n\} name / Victim \{n\} age"):
        import_by_command(path, source_list, cast.owner, mapping_text=GROUPS)
    assert not Report.objects.filter(source_list=source_list).exists()


def test_numbered_groups_are_read_through_the_import(cast, source_list, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "people.csv",
        "Victim 1 name,Victim 1 age,Victim 2 name,Victim 2 age\nAnna,30,Boris,\nCarl,,,\n",
    )
    import_by_command(path, source_list, cast.owner, mapping_text=GROUPS)
    people = sorted(
        [(p["name"], p["age"]) for p in report.fields["victims"]]
        for report in Report.objects.filter(source_list=source_list)
    )
    assert people == [[("Anna", 30), ("Boris", None)], [("Carl", None)]]
