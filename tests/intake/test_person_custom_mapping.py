# Russian names are the point of these tests, so Cyrillic letters that look Latin are intended.
"""A people field fills the organisation's own fields on people (its ``custom`` option): from each
person's numbered column, or from one column every person of the row takes. The values travel
from `dozor import` through `dozor link accept` to the people of the incident."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from dozor.intake.mapping import MappingError, mapping_parse
from dozor.intake.models import QuarantinedRow
from dozor.intake.services import quarantine_resubmit
from dozor.linkage.models import CandidatePair, LinkageRun
from dozor.records.custom_fields import CustomValue, FieldTarget, FieldType
from dozor.records.models import Incident, PersonInvolvement, Report, SourceList
from dozor.security.crypto import TOKEN_PREFIX
from tests.conftest import Cast
from tests.factories import SourceListFactory
from tests.records.custom_fields import define

pytestmark = pytest.mark.django_db

VICTIM = "Бахтиёр Нурматов"
HEAD = """
version: 1
name: {name}
id_column: id
fields:
  date:
    column: Дата
    type: date
  incident_type:
    column: Тип
    type: code
    vocabulary: incident_type
  locality:
    column: Город
"""
GROUPS = (
    HEAD
    + """  victims:
    type: people
    groups: {name: "Жертва {n} имя", age: "Жертва {n} возраст"}
    custom:
      nationality: "Жертва {n} гражданство"
      threats: "Жертва {n} угроз"
"""
)
GROUPS_CSV = (
    "id,Дата,Тип,Город,Жертва 1 имя,Жертва 1 возраст,Жертва 1 гражданство,Жертва 1 угроз,"
    "Жертва 2 имя,Жертва 2 возраст,Жертва 2 гражданство,Жертва 2 угроз\n"
    f"1,2009-03-14,physical_assault,Санкт-Петербург,{VICTIM},31,Узбекистан,2,"
    "Анна Кравец,40,,{threats}\n"
)
COLUMN = (
    HEAD
    + """  victims:
    column: Пострадавшие
    type: people
    custom: {nationality: Гражданство, threats: Угроз}
"""
)
COLUMN_CSV = (
    "id,Дата,Тип,Город,Пострадавшие,Гражданство,Угроз\n"
    "1,2009-03-14,physical_assault,Санкт-Петербург,{victims},{nationality},{threats}\n"
)


@pytest.fixture
def fields(cast: Cast) -> None:
    """The organisation's fields on people, and another organisation's of the same key."""
    define(
        cast.organisation,
        "nationality",
        FieldType.TEXT,
        applies_to=FieldTarget.PERSON,
        sensitive=True,
    )
    define(
        cast.organisation,
        "threats",
        FieldType.NUMBER,
        applies_to=FieldTarget.PERSON,
        label_en="Threats received",
    )
    define(cast.other_organisation, "nationality", FieldType.TEXT, applies_to=FieldTarget.PERSON)


def import_file(
    tmp_path: Path, cast: Cast, list_name: str, mapping: str, text: str
) -> dict[str, object]:
    """`dozor import --json` of a CSV file into a new source list of the organisation."""
    SourceListFactory(organisation=cast.organisation, name=list_name)
    path = tmp_path / f"{list_name}.csv"
    path.write_text(text, encoding="utf-8")
    mapping_path = tmp_path / f"{list_name}.yaml"
    mapping_path.write_text(mapping.replace("{name}", list_name), encoding="utf-8")
    out = StringIO()
    call_command(
        "import",
        str(path),
        "--source-list",
        list_name,
        "--mapping",
        str(mapping_path),
        "--user",
        cast.owner.username,
        "--json",
        stdout=out,
    )
    result: dict[str, object] = json.loads(out.getvalue())
    return result


def accept_all_as_one(cast: Cast) -> Incident:
    """The reports as one group of a run (pairs laid out as a run stores them), accepted by
    `dozor link accept`: the incident made from them."""
    reports = list(Report.objects.order_by("pk"))
    run = LinkageRun.objects.create(
        organisation=cast.organisation, started_by=cast.owner, threshold=0.1
    )
    for position, first in enumerate(reports):
        for second in reports[position + 1 :]:
            CandidatePair.objects.create(
                run=run, report_a=first, report_b=second, match_probability=0.9, match_weight=4
            )
    call_command("link", "accept", "--user", cast.owner.username, stdout=StringIO())
    return Incident.objects.filter(report_links__isnull=False).distinct().get()


def person_values(incident: Incident) -> dict[str, dict[str, str]]:
    """Each person's custom values, by name, as the page reads them back (sealed ones opened)."""
    values = CustomValue.objects.filter(person__incident=incident).select_related("field", "person")
    shown: dict[str, dict[str, str]] = {}
    for value in values:
        assert value.person is not None
        shown.setdefault(value.person.name, {})[value.field.key] = value.shown()
    return shown


def test_numbered_columns_give_each_person_their_own_value_up_to_the_incident(
    cast: Cast, fields: None, tmp_path: Path
) -> None:
    summary = import_file(tmp_path, cast, "НКО", GROUPS, GROUPS_CSV.format(threats="5"))
    assert summary["stored"] == 1 and summary["warnings"] == []
    [first, second] = Report.objects.get().fields["victims"]
    assert first["custom_nationality"] == "Узбекистан" and first["custom_threats"] == "2"
    assert "custom_nationality" not in second and second["custom_threats"] == "5"
    incident = accept_all_as_one(cast)
    assert person_values(incident) == {
        VICTIM: {"nationality": "Узбекистан", "threats": "2"},
        "Анна Кравец": {"threats": "5"},
    }


def test_a_sensitive_value_on_a_person_is_sealed_and_read_back_right(
    cast: Cast, fields: None, tmp_path: Path
) -> None:
    import_file(tmp_path, cast, "НКО", GROUPS, GROUPS_CSV.format(threats="5"))
    incident = accept_all_as_one(cast)
    value = CustomValue.objects.get(person__incident=incident, field__key="nationality")
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed, text FROM records_customvalue WHERE id = %s", [value.pk])
        sealed, text = cursor.fetchone()
    assert sealed.startswith(TOKEN_PREFIX) and "Узбекистан" not in sealed and text == ""
    assert value.shown() == "Узбекистан"


def test_one_column_gives_its_value_to_every_person_of_the_row(
    cast: Cast, fields: None, tmp_path: Path
) -> None:
    row = COLUMN_CSV.format(
        victims=f"{VICTIM}; Анна Кравец", nationality="Таджикистан", threats="1"
    )
    import_file(tmp_path, cast, "Пресса", COLUMN, row)
    incident = accept_all_as_one(cast)
    assert person_values(incident) == {
        VICTIM: {"nationality": "Таджикистан", "threats": "1"},
        "Анна Кравец": {"nationality": "Таджикистан", "threats": "1"},
    }


def test_a_person_named_in_several_reports_takes_the_value_most_of_them_give(
    cast: Cast, fields: None, tmp_path: Path
) -> None:
    # Two lists say Uzbekistan, one Tajikistan (the smaller text, which a tie would choose).
    import_file(tmp_path, cast, "НКО", GROUPS, GROUPS_CSV.format(threats="5"))
    for list_name, nationality in (("Пресса", "Таджикистан"), ("Партнёр", "Узбекистан")):
        row = COLUMN_CSV.format(victims=VICTIM, nationality=nationality, threats="")
        import_file(tmp_path, cast, list_name, COLUMN, row)
    incident = accept_all_as_one(cast)
    assert person_values(incident)[VICTIM]["nationality"] == "Узбекистан"


def test_a_refused_value_in_a_numbered_column_quarantines_the_row_naming_that_column(
    cast: Cast, fields: None, tmp_path: Path
) -> None:
    summary = import_file(tmp_path, cast, "НКО", GROUPS, GROUPS_CSV.format(threats="abc"))
    assert summary["quarantined"] == 1 and summary["stored"] == 0
    [problem] = QuarantinedRow.objects.get().problems
    assert (problem["column"], problem["value"], problem["code"]) == (
        "Жертва 2 угроз",
        "abc",
        "custom_field",
    )
    assert "“Threats received” takes a number" in problem["expected"]


def test_a_refused_value_in_a_shared_column_quarantines_the_row_once_naming_it(
    cast: Cast, fields: None, tmp_path: Path
) -> None:
    row = COLUMN_CSV.format(victims=f"{VICTIM}; Анна Кравец", nationality="", threats="abc")
    import_file(tmp_path, cast, "Пресса", COLUMN, row)
    [problem] = QuarantinedRow.objects.get().problems
    assert (problem["column"], problem["code"]) == ("Угроз", "custom_field")


def test_a_corrected_quarantined_row_is_checked_again_and_stored(
    cast: Cast, fields: None, tmp_path: Path
) -> None:
    import_file(tmp_path, cast, "НКО", GROUPS, GROUPS_CSV.format(threats="abc"))
    row = QuarantinedRow.objects.get()
    report, problems = quarantine_resubmit(
        user=cast.owner, row=row, corrections={"Жертва 2 угроз": "пять"}
    )
    assert report is None and [p.column for p in problems] == ["Жертва 2 угроз"]
    report, problems = quarantine_resubmit(
        user=cast.owner, row=row, corrections={"Жертва 2 угроз": "5"}
    )
    assert problems == [] and report is not None
    assert report.fields["victims"][1]["custom_threats"] == "5"


def test_another_organisations_field_of_the_same_key_is_never_filled(
    cast: Cast, fields: None, tmp_path: Path
) -> None:
    import_file(tmp_path, cast, "НКО", GROUPS, GROUPS_CSV.format(threats="5"))
    accept_all_as_one(cast)
    other = CustomValue.objects.filter(field__organisation=cast.other_organisation)
    assert not other.exists()
    assert CustomValue.objects.filter(field__organisation=cast.organisation).count() == 3


def test_a_key_the_organisation_has_no_field_for_is_a_warning_and_stays_on_the_report(
    cast: Cast, tmp_path: Path
) -> None:
    # Only the other organisation has a field "nationality" on people.
    define(cast.other_organisation, "nationality", FieldType.TEXT, applies_to=FieldTarget.PERSON)
    summary = import_file(tmp_path, cast, "НКО", GROUPS, GROUPS_CSV.format(threats="abc"))
    warnings = summary["warnings"]
    assert isinstance(warnings, list) and len(warnings) == 2
    assert "“victims” fills the custom field “nationality” on people involved" in warnings[0]
    # Nothing checks a value no field of the organisation takes: the row is stored.
    assert summary["stored"] == 1
    [first, second] = Report.objects.get().fields["victims"]
    assert first["custom_nationality"] == "Узбекистан" and second["custom_threats"] == "abc"
    accept_all_as_one(cast)
    assert not CustomValue.objects.filter(person__in=PersonInvolvement.objects.all()).exists()


def test_the_import_command_prints_the_warning_naming_the_key(cast: Cast, tmp_path: Path) -> None:
    SourceListFactory(organisation=cast.organisation, name="НКО")
    path = tmp_path / "list.csv"
    path.write_text(GROUPS_CSV.format(threats="1"), encoding="utf-8")
    mapping_path = tmp_path / "list.yaml"
    mapping_path.write_text(GROUPS.replace("{name}", "НКО"), encoding="utf-8")
    out = StringIO()
    call_command(
        "import",
        str(path),
        "--source-list",
        "НКО",
        "--mapping",
        str(mapping_path),
        "--user",
        cast.owner.username,
        "--dry-run",
        stdout=out,
    )
    assert "Warning: The mapping's field “victims” fills the custom field “threats”" in (
        out.getvalue()
    )


def test_a_numbered_custom_column_on_a_single_column_is_refused_naming_custom(
    cast: Cast, fields: None, tmp_path: Path
) -> None:
    mapping = COLUMN.replace("nationality: Гражданство", 'nationality: "Гражданство {n}"')
    with pytest.raises(
        CommandError, match=r"fields\.victims\.custom\.nationality: .*without \{n\}"
    ):
        import_file(tmp_path, cast, "Пресса", mapping, COLUMN_CSV)
    assert not Report.objects.exists()


def test_a_custom_column_without_its_number_in_groups_is_refused_naming_custom() -> None:
    mapping = GROUPS.replace("{name}", "НКО").replace("Жертва {n} гражданство", "Гражданство")
    with pytest.raises(MappingError, match=r"fields\.victims\.custom\.nationality: .*\{n\} once"):
        mapping_parse(mapping, "partner.yaml")


def test_an_empty_custom_key_is_refused_naming_custom() -> None:
    mapping = COLUMN.replace("{name}", "Пресса").replace(
        "nationality: Гражданство", '"": Гражданство'
    )
    with pytest.raises(
        MappingError, match=r"fields\.victims\.custom: expected the key of a custom"
    ):
        mapping_parse(mapping, "partner.yaml")


def test_a_file_without_the_first_persons_custom_column_is_refused_as_a_whole(
    cast: Cast, fields: None, tmp_path: Path
) -> None:
    text = GROUPS_CSV.format(threats="5").replace("Жертва 1 угроз", "Угрозы")
    with pytest.raises(CommandError, match="Жертва \\{n\\} угроз"):
        import_file(tmp_path, cast, "НКО", GROUPS, text)


def test_the_import_preview_shows_the_warning_naming_the_key(
    cast: Cast, source_list: SourceList
) -> None:
    client = cast.client("owner")
    response = client.post(
        reverse("intake:import_new"),
        {
            "file": SimpleUploadedFile("partner.csv", GROUPS_CSV.format(threats="1").encode()),
            "source_list": source_list.pk,
            "mapping_text": GROUPS.replace("{name}", "НКО"),
        },
    )
    assert response.status_code == 302, response.content
    preview = client.get(response["Location"])
    assert "fills the custom field “nationality” on people involved" in preview.content.decode()


def test_a_quarantined_row_withholds_each_persons_sensitive_cells_from_a_reader(
    cast: Cast, fields: None, tmp_path: Path
) -> None:
    """A row quarantined for one person's refused value still holds the other person's
    sensitive value, in that person's numbered column (here one no header word marks as a
    name's): a reader reads neither it nor the name, on the page or from the command; the
    owner reads both."""
    mapping = GROUPS.replace("Жертва {n} гражданство", "Гражданство {n}")
    text = GROUPS_CSV.format(threats="abc").replace("Жертва 1 гражданство", "Гражданство 1")
    import_file(
        tmp_path, cast, "НКО", mapping, text.replace("Жертва 2 гражданство", "Гражданство 2")
    )
    row = QuarantinedRow.objects.get()
    assert row.raw["Гражданство 1"] == "Узбекистан"
    out = StringIO()
    call_command("quarantine", "list", "--json", "--user", "reader", stdout=out)
    [listed] = json.loads(out.getvalue())
    assert listed["raw"]["Гражданство 1"] == "[withheld]"
    assert listed["raw"]["Город"] == "Санкт-Петербург"  # neither a name nor sensitive
    page = cast.client("reader").get(reverse("intake:quarantine_list")).content.decode()
    for shown in (out.getvalue(), page):
        assert "Узбекистан" not in shown and VICTIM not in shown
    out = StringIO()
    call_command("quarantine", "list", "--json", "--user", cast.owner.username, stdout=out)
    assert json.loads(out.getvalue())[0]["raw"]["Гражданство 1"] == "Узбекистан"


def test_the_columns_of_custom_fields_are_a_mappings_columns_and_each_numbered_one() -> None:
    columns = mapping_parse(GROUPS.replace("{name}", "НКО")).custom_columns({"nationality"})
    assert "Жертва 2 гражданство" in columns and "Жертва 12 гражданство" in columns
    assert "Жертва гражданство" not in columns and "Жертва 2 угроз" not in columns
    single = mapping_parse(COLUMN.replace("{name}", "Пресса")).custom_columns({"threats"})
    assert "Угроз" in single and "Гражданство" not in single
