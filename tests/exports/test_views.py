import csv
import io
import json

import pytest
from django.test import Client

from dozor.accounts.models import Role
from dozor.audit.models import AuditEntry
from dozor.exports.models import OdihrSubmission
from tests.conftest import Cast
from tests.exports.helpers import NAMES, marked_incident, police_report, xlsx_texts
from tests.factories import IncidentBiasFactory, IncidentFactory, PersonFactory
from tests.named import named_incident, names_in

pytestmark = pytest.mark.django_db

ODIHR = "/exports/odihr/"
PEOPLE = ("owner", "colleague", "reader", "outsider")


def download(client: Client, file_format: str, **query: str) -> bytes:
    response = client.get(f"{ODIHR}download/{file_format}/", {"country": "RU", **query})
    assert response.status_code == 200
    return response.content


def list_download(client: Client, file_format: str, **query: str) -> bytes:
    response = client.get(f"/exports/incidents/{file_format}/", query)
    assert response.status_code == 200
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def list_rows(client: Client, **query: str) -> list[dict[str, str]]:
    text = list_download(client, "csv", **query).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


# The ODIHR page and downloads


@pytest.mark.parametrize("who", PEOPLE)
def test_members_of_an_organisation_open_the_odihr_page(cast: Cast, who: str) -> None:
    assert cast.client(who).get(ODIHR).status_code == 200


@pytest.mark.parametrize("path", [ODIHR, f"{ODIHR}download/csv/?country=RU&year=2024"])
def test_anonymous_is_sent_to_sign_in(cast: Cast, path: str) -> None:
    response = cast.client("anonymous").get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("who", "rows"), [("owner", 1), ("colleague", 1), ("reader", 1), ("outsider", 0)]
)
def test_the_odihr_file_holds_the_organisations_marked_incidents(
    cast: Cast, who: str, rows: int
) -> None:
    marked_incident(cast.owner, confidentiality="public")
    content = download(cast.client(who), "csv", year="2024").decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(content)))) == 1 + rows


def test_the_odihr_page_shows_the_rows(cast: Cast) -> None:
    incident = marked_incident(cast.owner)
    response = cast.client("owner").get(ODIHR, {"country": "RU", "year": "2024"})
    assert incident.reference in response.content.decode()
    assert "Violent attack against people" in response.content.decode()


def test_the_odihr_download_is_audited(cast: Cast) -> None:
    marked_incident(cast.owner)
    download(cast.client("colleague"), "xlsx", year="2024")
    entry = AuditEntry.objects.filter(action="export").get()
    assert entry.actor == "colleague"
    assert entry.changes == {
        "export": "odihr",
        "format": "xlsx",
        "rows": 1,
        "country": "RU",
        "year": 2024,
        "language": "en",
        "names": False,
    }


def test_the_xlsx_has_a_header_and_one_row_per_incident(cast: Cast) -> None:
    from openpyxl import load_workbook

    marked_incident(cast.owner)
    marked_incident(cast.owner)
    sheet = load_workbook(io.BytesIO(download(cast.client("owner"), "xlsx", year="2024"))).active
    assert sheet is not None
    values = list(sheet.values)
    assert values[0][:3] == ("Reference", "Country", "Location") and len(values) == 3
    assert values[1][10:12] == (0, 2)


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_no_name_reaches_the_odihr_file(cast: Cast, file_format: str, lang: str) -> None:
    incident = marked_incident(cast.owner, names=True)
    police_report(incident, cast.owner, incident.date_start)  # type: ignore[arg-type]
    content = download(cast.client("owner"), file_format, year="2024", lang=lang)
    text = xlsx_texts(content) if file_format == "xlsx" else content.decode("utf-8-sig")
    assert incident.reference in text
    for name in NAMES:
        for word in name.replace(".", " ").split():
            if len(word) > 2:
                assert word not in text, word
                assert word.encode("utf-8") not in content


def test_an_unknown_format_is_not_found(cast: Cast) -> None:
    response = cast.client("owner").get(f"{ODIHR}download/pdf/", {"country": "RU", "year": "1"})
    assert response.status_code == 404


def test_a_missing_year_is_named_not_guessed(cast: Cast) -> None:
    response = cast.client("owner").get(f"{ODIHR}download/csv/", {"country": "RU"})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


def test_a_user_without_an_organisation_is_refused(cast: Cast) -> None:
    cast.reader.organisation = None
    cast.reader.save()
    assert cast.client("reader").get(ODIHR).status_code == 403


# Marking on the incident page and from the list


def mark_url(reference: str) -> str:
    return f"{ODIHR}mark/{reference}/"


def test_the_incident_page_offers_the_mark_to_a_documenter(cast: Cast) -> None:
    page = cast.client("owner").get(f"/incidents/{cast.incident.reference}/").content.decode()
    assert "Mark for ODIHR" in page


def test_the_incident_page_offers_no_mark_to_a_reader(cast: Cast) -> None:
    page = cast.client("reader").get(f"/incidents/{cast.incident.reference}/").content.decode()
    assert "Not marked for the ODIHR submission" in page and "Mark for ODIHR" not in page


def test_the_toggle_marks_and_unmarks(cast: Cast) -> None:
    IncidentBiasFactory(incident=cast.incident)
    client = cast.client("owner")
    response = client.post(mark_url(cast.incident.reference), {"year": "2009", "action": "mark"})
    assert response.status_code == 302
    assert OdihrSubmission.objects.get().year == 2009
    page = client.get(response["Location"]).content.decode()
    assert "Marked for the ODIHR hate-crime report for 2009" in page
    client.post(mark_url(cast.incident.reference), {"action": "unmark"})
    assert not OdihrSubmission.objects.exists()


def test_the_toggle_shows_why_it_did_not_mark(cast: Cast) -> None:
    client = cast.client("owner")
    response = client.post(mark_url(cast.incident.reference), {"action": "mark"}, follow=True)
    assert "has no bias motivation" in response.content.decode()
    assert not OdihrSubmission.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("reader", 403), ("outsider", 404)])
def test_the_toggle_is_refused_to_others(cast: Cast, who: str, status: int) -> None:
    IncidentBiasFactory(incident=cast.incident)
    response = cast.client(who).post(mark_url(cast.incident.reference), {"action": "mark"})
    assert response.status_code == status
    assert not OdihrSubmission.objects.exists()


def test_the_toggle_needs_sign_in(cast: Cast) -> None:
    response = cast.client("anonymous").post(mark_url(cast.incident.reference))
    assert response.status_code == 302 and not OdihrSubmission.objects.exists()


def test_bulk_marking_follows_the_list_filters(cast: Cast) -> None:
    IncidentBiasFactory(incident=cast.incident)
    other_region = IncidentFactory(organisation=cast.organisation, region="RU-MOW")
    IncidentBiasFactory(incident=other_region)
    response = cast.client("owner").post(f"{ODIHR}mark/", {"query": "region=RU-SPE"})
    assert response.status_code == 302 and response["Location"].endswith("?region=RU-SPE")
    assert list(OdihrSubmission.objects.values_list("incident", flat=True)) == [cast.incident.pk]


def test_bulk_marking_leaves_other_organisations_public_incidents(cast: Cast) -> None:
    theirs = IncidentFactory(organisation=cast.other_organisation, confidentiality="public")
    IncidentBiasFactory(incident=theirs)
    cast.client("owner").post(f"{ODIHR}mark/", {"query": ""})
    assert not OdihrSubmission.objects.filter(incident=theirs).exists()


@pytest.mark.parametrize("who", ["reader", "anonymous"])
def test_bulk_marking_is_refused_to_those_who_cannot_write(cast: Cast, who: str) -> None:
    IncidentBiasFactory(incident=cast.incident)
    response = cast.client(who).post(f"{ODIHR}mark/", {"query": ""})
    assert response.status_code in (302, 403)
    assert not OdihrSubmission.objects.exists()


def test_bulk_marking_with_invalid_filters_marks_nothing(cast: Cast) -> None:
    IncidentBiasFactory(incident=cast.incident)
    cast.client("owner").post(f"{ODIHR}mark/", {"query": "date_from=yesterday"})
    assert not OdihrSubmission.objects.exists()


# The incident list as CSV and JSON


def test_the_list_page_links_to_the_downloads_with_its_filters(cast: Cast) -> None:
    page = cast.client("reader").get("/incidents/", {"region": "RU-SPE"}).content.decode()
    assert "/exports/incidents/csv/?region=RU-SPE" in page
    assert "/exports/incidents/json/?region=RU-SPE" in page


@pytest.mark.parametrize(
    ("who", "rows"),
    [("owner", 1), ("colleague", 1), ("reader", 1), ("outsider", 0)],
)
def test_the_list_export_holds_what_the_user_may_see(cast: Cast, who: str, rows: int) -> None:
    assert len(list_rows(cast.client(who))) == rows


def test_the_list_export_needs_sign_in(cast: Cast) -> None:
    response = cast.client("anonymous").get("/exports/incidents/csv/")
    assert response.status_code == 302


def test_confidential_incidents_are_left_out_for_a_reader(cast: Cast) -> None:
    IncidentFactory(organisation=cast.organisation, confidentiality="confidential")
    assert len(list_rows(cast.client("owner"))) == 2
    assert len(list_rows(cast.client("reader"))) == 1


def test_an_outsider_gets_public_incidents_without_place_and_with_free_text_redacted(
    cast: Cast,
) -> None:
    cast.incident.delete()
    incident = named_incident(cast.organisation, confidentiality="public")
    [row] = list_rows(cast.client("outsider"))
    assert row["reference"] == incident.reference
    assert row["locality"] == ""
    assert row["summary"].startswith("Victim A нанесли ножевые ранения")
    assert names_in(row["summary"] + row["bias_notes"]) == []
    assert row["victims"] == "Victim A" and row["names_shown"] == "false"


def test_a_documenter_of_the_owner_sees_names_and_the_summary(cast: Cast) -> None:
    PersonFactory(incident=cast.incident)
    [row] = list_rows(cast.client("owner"))
    assert row["victims"] == "Фарход Каримзода"
    assert row["summary"] == cast.incident.summary and row["names_shown"] == "true"


def test_a_reader_sees_pseudonyms_unless_granted_names(cast: Cast) -> None:
    PersonFactory(incident=cast.incident)
    assert list_rows(cast.client("reader"))[0]["victims"] == "Victim A"
    cast.reader.can_see_names = True
    cast.reader.save()
    assert list_rows(cast.client("reader"))[0]["victims"] == "Фарход Каримзода"


def test_an_analyst_without_the_grant_gets_the_summary_redacted_not_blank(cast: Cast) -> None:
    cast.colleague.role = Role.ANALYST
    cast.colleague.save()
    cast.incident.delete()
    named_incident(cast.organisation)
    [row] = list_rows(cast.client("colleague"))
    assert row["victims"] == "Victim A"
    assert "у гаражей" in row["summary"] and "выходец из Таджикистана" in row["bias_notes"]
    assert names_in(row["summary"] + row["bias_notes"]) == []


def test_the_owner_gets_the_summary_and_notes_whole(cast: Cast) -> None:
    cast.incident.delete()
    named_incident(cast.organisation)
    [row] = list_rows(cast.client("owner"))
    assert "Каримзоде" in row["summary"] and "Каримзода" in row["bias_notes"]


def test_the_list_export_follows_the_filters(cast: Cast) -> None:
    IncidentFactory(organisation=cast.organisation, region="RU-MOW", incident_type="threat")
    rows = list_rows(cast.client("owner"), region="RU-MOW")
    assert [row["region"] for row in rows] == ["RU-MOW"]
    rows = list_rows(cast.client("owner"), type="physical_assault")
    assert [row["reference"] for row in rows] == [cast.incident.reference]


def test_invalid_filters_refuse_the_export_and_name_the_field(cast: Cast) -> None:
    response = cast.client("owner").get("/exports/incidents/csv/", {"date_from": "yesterday"})
    assert response.status_code == 400
    assert "date_from" in response.content.decode()


def test_formula_injection_in_the_summary_and_locality_is_neutralised(cast: Cast) -> None:
    IncidentFactory(
        organisation=cast.organisation,
        summary="=cmd|' /C calc'!A0",
        locality='+HYPERLINK("http://evil")',
        title="@SUM(1+1)",
    )
    rows = list_rows(cast.client("owner"))
    poisoned = [row for row in rows if row["title"].startswith("'")]
    assert len(poisoned) == 1
    assert poisoned[0]["summary"] == "'=cmd|' /C calc'!A0"
    assert poisoned[0]["locality"] == '\'+HYPERLINK("http://evil")'


def test_the_json_export_is_an_array_with_the_documented_fields(cast: Cast) -> None:
    from dozor.exports.listing import JSON_FIELDS

    IncidentBiasFactory(incident=cast.incident, indicators=["symbols", "perpetrator_statements"])
    data = json.loads(list_download(cast.client("owner"), "json"))
    assert isinstance(data, list) and list(data[0]) == list(JSON_FIELDS)
    assert data[0]["bias_motivations"] == ["racist_xenophobic"]
    assert data[0]["bias_indicators"] == ["perpetrator_statements", "symbols"]


def test_an_empty_json_export_is_an_empty_array(cast: Cast) -> None:
    assert json.loads(list_download(cast.client("outsider"), "json")) == []


def test_the_list_export_is_audited_with_filters_and_count(cast: Cast) -> None:
    PersonFactory(incident=cast.incident)
    list_download(cast.client("owner"), "json", region="RU-SPE", q="Каримзода")
    entry = AuditEntry.objects.filter(action="export").get()
    assert entry.changes["rows"] == 1 and entry.changes["format"] == "json"
    assert entry.changes["filters"]["region"] == "RU-SPE"
    assert "Каримзода" not in json.dumps(entry.changes, ensure_ascii=False)
    assert entry.changes["filters"]["text_digest"]
    assert entry.changes["names"] is True


def test_a_readers_list_export_is_audited_as_without_names(cast: Cast) -> None:
    list_download(cast.client("reader"), "csv")
    entry = AuditEntry.objects.filter(action="export").get()
    assert entry.actor == "reader" and entry.changes["names"] is False
