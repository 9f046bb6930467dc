"""A mapping fills the organisation's own fields: a column mapped to ``custom_<key>`` is kept on
the report (sealed with its other fields) and the incident made from the report takes it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from dozor.intake import views
from dozor.intake.models import QuarantinedRow
from dozor.linkage.services import incident_create_from_reports
from dozor.records.custom_fields import CustomValue, FieldType
from dozor.records.models import Report
from tests.api.conftest import ApiClient, key_for
from tests.conftest import Cast
from tests.intake.conftest import SMALL_MAPPING
from tests.records.custom_fields import define

pytestmark = pytest.mark.django_db

MAPPING = (
    SMALL_MAPPING
    + """  incident_type:
    column: Тип
    type: code
    vocabulary: incident_type
  custom_police_station:
    column: Отдел
    type: text
  custom_threats:
    column: Угроз
    type: integer
  custom_other_key:
    column: Прочее
    type: text
"""
)
CSV = (
    "id,Дата,Мотив,Убито,Тип,Отдел,Угроз,Прочее\n"
    "1,04.12.2008,ксенофобия,0,threat,ОП № 5,3,заметка\n"
)


@pytest.fixture(autouse=True)
def imports_run_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "RUN_IN_THREAD", False)


def import_through_the_page(
    cast: Cast, source_list: object, text: str, *, stored: bool = True
) -> Report | None:
    client = cast.client("owner")
    response = client.post(
        reverse("intake:import_new"),
        {
            "file": SimpleUploadedFile("partner.csv", text.encode("utf-8")),
            "source_list": source_list.pk,  # type: ignore[attr-defined]
            "mapping_text": MAPPING,
        },
    )
    assert response.status_code == 302, response.content
    token = response["Location"].rstrip("/").split("/")[-1]
    client.post(reverse("intake:import_confirm", args=[token]))
    return Report.objects.get() if stored else None


def test_an_imported_custom_column_reaches_the_incident_made_from_the_report(
    cast: Cast, source_list: object
) -> None:
    define(cast.organisation, "police_station", FieldType.TEXT)
    define(cast.organisation, "threats", FieldType.NUMBER)
    report = import_through_the_page(cast, source_list, CSV)
    assert report is not None
    assert report.fields["custom_police_station"] == "ОП № 5"
    incident = incident_create_from_reports(user=cast.owner, reports=[report])
    stored = {
        value.field.key: value.shown()
        for value in CustomValue.objects.filter(incident=incident).select_related("field")
    }
    # custom_other_key names no field of the organisation: it stays in the report only.
    assert stored == {"police_station": "ОП № 5", "threats": "3"}


def test_a_value_the_field_refuses_quarantines_its_row_naming_the_column(
    cast: Cast, source_list: object
) -> None:
    define(cast.organisation, "police_station", FieldType.TEXT)
    define(cast.organisation, "threats", FieldType.DATE, label_en="First threat")
    import_through_the_page(cast, source_list, CSV, stored=False)
    row = QuarantinedRow.objects.get()
    [problem] = row.problems
    assert problem["column"] == "Угроз" and problem["code"] == "custom_field"
    assert "“First threat” takes a date" in problem["expected"]


def test_a_sensitive_custom_value_in_a_report_is_withheld_where_names_are(
    cast: Cast, source_list: object
) -> None:
    """A sensitive field's value is sealed like a name: the report's page and the API show it
    to those who see the report's names, and to no one else, neither as the field nor as the
    cell of the row it came from."""
    define(cast.organisation, "police_station", FieldType.TEXT, sensitive=True)
    report = import_through_the_page(cast, source_list, CSV)
    assert report is not None
    page = reverse("reports:report_detail", args=[report.pk])
    assert "ОП № 5" in cast.client("owner").get(page).content.decode()
    shown = cast.client("reader").get(page).content.decode()
    assert "ОП № 5" not in shown and "[withheld]" in shown
    reader_api = ApiClient(key_for(cast.reader))
    for path in ("/api/v1/reports/", f"/api/v1/reports/{report.pk}/"):
        answer = reader_api.get(path)
        assert answer.status_code == 200 and "ОП № 5" not in answer.content.decode(), path
    owner_api = ApiClient(key_for(cast.owner))
    assert "ОП № 5" in owner_api.get(f"/api/v1/reports/{report.pk}/").content.decode()


def reader_outputs_of_the_quarantine(
    cast: Cast, batch_id: int, capsys: pytest.CaptureFixture[str]
) -> dict[str, str]:
    """Every way a user reads quarantined rows: the pages, the CSV, the command's JSON, its text
    and its CSV, as the reader of the organisation gets them."""
    client = cast.client("reader")
    shown = {
        "quarantine page": client.get(reverse("intake:quarantine_list")),
        "import page": client.get(reverse("intake:import_detail", args=[batch_id])),
        "CSV": client.get(reverse("intake:quarantine_export")),
    }
    outputs = {name: response.content.decode() for name, response in shown.items()}
    for name, arguments in (("command JSON", ["list", "--json"]), ("command text", ["list"])):
        out = StringIO()
        call_command("quarantine", *arguments, "--user", "reader", stdout=out)
        outputs[name] = out.getvalue()
    capsys.readouterr()
    call_command("quarantine", "export", "--user", "reader")  # writes to the process's stdout
    outputs["command CSV"] = capsys.readouterr().out
    return outputs


def test_a_refused_sensitive_value_in_the_quarantine_is_withheld_from_a_reader_everywhere(
    cast: Cast, source_list: object, capsys: pytest.CaptureFixture[str]
) -> None:
    """The row a sensitive field's value is refused in is quarantined with the value as its
    problem; those who do not see the organisation's names read neither the problem's value nor
    the cell, on any page, file or command, and the owner still reads both to correct them."""
    define(cast.organisation, "police_station", FieldType.NUMBER, sensitive=True)
    import_through_the_page(cast, source_list, CSV, stored=False)
    row = QuarantinedRow.objects.get()
    assert row.problems[0]["value"] == "ОП № 5"
    outputs = reader_outputs_of_the_quarantine(cast, row.batch_id, capsys)
    for name, text in outputs.items():
        assert "ОП № 5" not in text, name
        assert "[withheld]" in text or name == "command text", name
    assert "заметка" in outputs["CSV"]  # the other cells stay readable
    owner = cast.client("owner").get(reverse("intake:quarantine_list")).content.decode()
    assert "ОП № 5" in owner
