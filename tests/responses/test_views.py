"""Pages of the responses app with the named users: owner, colleague, reader, outsider."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from dozor.responses.models import RaiseListEntry, Raising, ResponseEvent
from tests.conftest import Cast
from tests.factories import IncidentFactory, PersonFactory
from tests.responses.factories import (
    BodyFactory,
    RaiseListEntryFactory,
    RaisingFactory,
    ResponseEventFactory,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SEES = {"owner": 200, "colleague": 200, "reader": 200, "outsider": 404}


def timeline_url(cast: Cast) -> str:
    return reverse("responses:timeline", args=[cast.incident.reference])


@pytest.mark.parametrize(("who", "status"), SEES.items())
def test_the_timeline_is_seen_by_whoever_sees_the_incident(
    cast: Cast, who: str, status: int
) -> None:
    ResponseEventFactory(incident=cast.incident, authority="Отдел полиции № 7")
    response = cast.client(who).get(timeline_url(cast))
    assert response.status_code == status
    if status == 200:
        assert "Отдел полиции № 7" in response.content.decode()


def test_anonymous_is_sent_to_sign_in(cast: Cast) -> None:
    response = cast.client("anonymous").get(timeline_url(cast))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_incident_page_shows_the_status_line(cast: Cast) -> None:
    ResponseEventFactory(
        incident=cast.incident, kind="case_opened", date=datetime.date(2008, 12, 9)
    )
    response = cast.client("colleague").get(
        reverse("records:incident_detail", args=[cast.incident.reference])
    )
    assert "case opened 5 days after the incident" in response.content.decode()


def test_the_owner_adds_an_event(cast: Cast) -> None:
    response = cast.client("owner").post(
        timeline_url(cast),
        {"kind": "case_opened", "date": "2008-12", "articles": ["ru_cc_116"], "authority": "СК"},
    )
    assert response.status_code == 302
    event = ResponseEvent.objects.get()
    assert (event.date, event.date_precision) == (datetime.date(2008, 12, 1), "month")


def test_a_bad_date_is_explained_and_nothing_is_saved(cast: Cast) -> None:
    response = cast.client("owner").post(
        timeline_url(cast), {"kind": "detained", "date": "12/2008"}
    )
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()
    assert not ResponseEvent.objects.exists()


@pytest.mark.parametrize("who", ["reader", "outsider"])
def test_others_cannot_add_events(cast: Cast, who: str) -> None:
    response = cast.client(who).post(timeline_url(cast), {"kind": "detained", "date": "2008-12-20"})
    assert response.status_code in (403, 404)
    assert not ResponseEvent.objects.exists()


def test_the_owner_corrects_an_event(cast: Cast) -> None:
    event = ResponseEventFactory(incident=cast.incident, kind="closed")
    url = reverse("responses:event_correct", args=[cast.incident.reference, event.pk])
    response = cast.client("owner").post(url, {"kind": "suspended", "date": "2008-12-05"})
    assert response.status_code == 302
    assert ResponseEvent.objects.get(supersedes=event).kind == "suspended"


@pytest.mark.parametrize(("who", "status"), [("owner", 200), ("reader", 200), ("outsider", 200)])
def test_the_raise_list_shows_only_the_own_organisations_entries(
    cast: Cast, who: str, status: int
) -> None:
    RaiseListEntryFactory(
        organisation=cast.organisation, incident=cast.incident, reason="Ждём ответа СК"
    )
    response = cast.client(who).get(reverse("responses:raise_list"))
    assert response.status_code == status
    assert ("Ждём ответа СК" in response.content.decode()) is (who != "outsider")


def test_anonymous_gets_no_raise_list(cast: Cast) -> None:
    assert cast.client("anonymous").get(reverse("responses:raise_list")).status_code == 302


def test_the_owner_puts_a_case_on_the_raise_list(cast: Cast) -> None:
    url = reverse("responses:raise_add", args=[cast.incident.reference])
    response = cast.client("owner").post(url, {"priority": "high", "reason": "Убийство"})
    assert response.status_code == 302
    assert RaiseListEntry.objects.get().organisation == cast.organisation


def test_a_reader_cannot_log_a_raising(cast: Cast) -> None:
    url = reverse("responses:raising_new", args=[cast.incident.reference])
    assert cast.client("reader").get(url).status_code == 403


def test_the_owner_logs_a_raising(cast: Cast) -> None:
    body = BodyFactory()
    url = reverse("responses:raising_new", args=[cast.incident.reference])
    response = cast.client("owner").post(
        url,
        {
            "raised_on": "2009-02-01",
            "raised_by": "Owner",
            "body": body.pk,
            "channel": "meeting",
            "request": "Qualify the motive",
            "follow_up_due": "2009-03-01",
            "status": "awaiting_reply",
            "impact": "no_response",
        },
    )
    assert response.status_code == 302
    assert Raising.objects.get().body == body


@pytest.mark.parametrize("who", ["owner", "reader", "outsider"])
def test_follow_ups_list_the_own_organisations_overdue_raisings(cast: Cast, who: str) -> None:
    RaisingFactory(
        organisation=cast.organisation,
        incident=cast.incident,
        request="Где ответ прокуратуры?",
        follow_up_due=datetime.date(2009, 4, 1),
    )
    response = cast.client(who).get(reverse("responses:follow_ups"))
    assert response.status_code == 200
    assert ("Где ответ прокуратуры?" in response.content.decode()) is (who != "outsider")


def test_a_body_page_lists_what_was_raised_with_it(cast: Cast) -> None:
    raising = RaisingFactory(organisation=cast.organisation, incident=cast.incident, reply="Отказ")
    response = cast.client("colleague").get(
        reverse("responses:body_detail", args=[raising.body_id])
    )
    assert "Отказ" in response.content.decode()


@pytest.mark.parametrize("who", ["owner", "outsider"])
def test_statistics_count_only_visible_incidents(cast: Cast, who: str) -> None:
    ResponseEventFactory(incident=cast.incident)
    response = cast.client(who).get(reverse("responses:statistics_csv"))
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("all,documented,reported")
    # owner: one incident, reported the day after it happened, nothing further
    expected = (
        "all,1,1,100.0,1,0,0.0,,0,0.0,,0,0.0,,0,0.0,"
        if who == "owner"
        else "all,0,0,,,0,,,0,,,0,,,0,,"
    )
    assert lines[1:] == [expected]


def test_the_statistics_page_draws_the_charts(cast: Cast) -> None:
    ResponseEventFactory(incident=cast.incident)
    response = cast.client("owner").get(reverse("responses:statistics"), {"dimension": "year"})
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("<svg") == 2


@pytest.mark.parametrize(
    ("dimension", "heading"),
    [("all", "All incidents"), ("year", "By year"), ("type", "By incident type")],
)
def test_the_statistics_tables_heading_reads_as_a_sentence(
    cast: Cast, dimension: str, heading: str
) -> None:
    page = cast.client("owner").get(reverse("responses:statistics"), {"dimension": dimension})
    content = page.content.decode()
    assert f"<h2>{heading}</h2>" in content
    assert "By All incidents" not in content


def test_the_trend_charts_year_labels_are_thinned_to_fit(cast: Cast) -> None:
    """Thirty years of incidents: every year would overlap its neighbours; every other one
    fits, and the latest year is drawn."""
    for year in range(1997, 2027):
        ResponseEventFactory(
            incident=IncidentFactory(
                organisation=cast.organisation, date_start=datetime.date(year, 6, 1)
            )
        )
    page = cast.client("owner").get(reverse("responses:statistics")).content.decode()
    trend = re.search(r'<svg[^>]*class="chart trend".*?</svg>', page, re.S)
    assert trend is not None
    labels = re.findall(r'text-anchor="middle">(\d{4})</text>', trend.group(0))
    assert labels[-1] == "2026"
    assert 8 <= len(labels) < 30


def test_anonymous_gets_no_statistics(cast: Cast) -> None:
    assert cast.client("anonymous").get(reverse("responses:statistics")).status_code == 302


@pytest.mark.parametrize(("who", "status"), SEES.items())
def test_the_dossier_follows_the_incidents_visibility(cast: Cast, who: str, status: int) -> None:
    url = reverse("responses:dossier")
    response = cast.client(who).get(url, {"ref": cast.incident.reference, "format": "html"})
    assert response.status_code == status


def test_the_dossier_names_victims_only_for_those_who_may_see_names(cast: Cast) -> None:
    PersonFactory(incident=cast.incident, name="Фарход Каримзода", pseudonym="Victim A")
    url = reverse("responses:dossier")
    query = {"ref": cast.incident.reference, "format": "html", "names": "1"}
    assert "Фарход Каримзода" in cast.client("owner").get(url, query).content.decode()
    reader_page = cast.client("reader").get(url, query).content.decode()
    assert "Фарход Каримзода" not in reader_page
    assert "Victim A" in reader_page


def test_the_dossier_without_names_uses_pseudonyms(cast: Cast) -> None:
    PersonFactory(incident=cast.incident, name="Фарход Каримзода", pseudonym="Victim A")
    url = reverse("responses:dossier")
    page = cast.client("owner").get(url, {"ref": cast.incident.reference, "format": "html"})
    assert "Фарход Каримзода" not in page.content.decode()


def test_a_dossier_needs_a_reference(cast: Cast) -> None:
    assert cast.client("owner").get(reverse("responses:dossier")).status_code == 400


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "dossier.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            ["Case dossier", "Criminal case opened", "Criminal Code 111(2)(e)", "Saint Petersburg"],
        ),
        (
            "ru",
            ["Досье", "Возбуждено уголовное дело", "УК РФ п. «е» ч. 2 ст. 111", "Санкт-Петербург"],
        ),
    ],
)
def test_the_pdf_holds_the_case_facts_in_the_chosen_language(
    cast: Cast, tmp_path: Path, language: str, expected: list[str]
) -> None:
    ResponseEventFactory(incident=cast.incident, kind="case_opened", articles=["ru_cc_111_2_e"])
    response = cast.client("owner").get(
        reverse("responses:dossier"),
        {"ref": cast.incident.reference, "format": "pdf", "lang": language},
    )
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    for phrase in expected:
        assert phrase in text
    assert cast.incident.title in text


def test_a_page_of_the_pdf_is_kept_as_a_picture(cast: Cast, tmp_path: Path) -> None:
    ResponseEventFactory(incident=cast.incident, kind="reported_to_police")
    ResponseEventFactory(
        incident=cast.incident,
        kind="case_opened",
        date=datetime.date(2008, 12, 20),
        articles=["ru_cc_116"],
    )
    ResponseEventFactory(incident=cast.incident, kind="suspended", date=datetime.date(2009, 6, 2))
    PersonFactory(incident=cast.incident)
    RaisingFactory(
        organisation=cast.organisation,
        incident=cast.incident,
        follow_up_due=datetime.date(2009, 5, 1),
    )
    response = cast.client("owner").get(
        reverse("responses:dossier"),
        {"ref": cast.incident.reference, "format": "pdf", "lang": "ru"},
    )
    pdf = tmp_path / "dossier.pdf"
    pdf.write_bytes(response.content)
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(ARTIFACTS / "dossier-ru-page1"),
        ],
        check=True,
    )
    assert (ARTIFACTS / "dossier-ru-page1.png").stat().st_size > 10_000
    assert shutil.which("pdftoppm")
