# Russian names are the point of these tests, so Cyrillic letters that look Latin are intended.
"""An incident accepted from several reports combines them, and its page shows where they disagree.

Four reports of one attack in four lists of one organisation, stored through report_create; the
model's pairs between them are laid out as a run would store them; `dozor link accept` makes the
incident.
"""

from __future__ import annotations

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command

from dozor.linkage.models import CandidatePair, LinkageRun
from dozor.records.models import Incident
from dozor.records.services import report_create, source_list_create
from tests.conftest import Cast

pytestmark = pytest.mark.django_db

VICTIM = "Бахтиёр Нурматов"
NGO = {
    "date": "2009-03-14",
    "date_precision": "day",
    "country": "RU",
    "region": "RU-SPE",
    "locality": "Санкт-Петербург",
    "incident_type": "physical_assault",
    "bias_motivations": ["racist_xenophobic"],
    "killed": 0,
    "injured": 1,
    "victims": [{"name": VICTIM, "sex": "male", "age": 31}],
    "title": "Нападение на уроженца Таджикистана",
    "summary": f"{VICTIM} избит группой молодых людей у станции метро «Ладожская».",
}
PRESS = {
    "date": "2009-03-01",
    "date_precision": "month",
    "incident_type": "physical_assault",
    "bias_motivations": ["anti_muslim"],
    "killed": 1,
    "victims": [
        {"name": "Бахтиёра Нурматова", "sex": "male", "age": None},
        {"name": "", "sex": "female", "age": 40},
    ],
    "title": "В Петербурге избит приезжий",
    "summary": "Избит приезжий.",
}
PARTNER = {
    "date": "2009-03-15",
    "date_precision": "day",
    "country": "RU",
    "region": "RU-SPE",
    "incident_type": "homicide",
    "killed": 1,
    "victims": [{"name": "NURMATOV Bakhtiyor", "sex": "male", "age": 31}],
    "title": "Attack in St Petersburg",
    "summary": "A man was attacked.",
}
# A report whose date and count cannot be read: left out of those fields, never of the incident.
BROKEN = {
    "date": "не дата",
    "killed": "много",
    "incident_type": "physical_assault",
    "victims": "Нурматов",
}


@pytest.fixture
def incident(cast: Cast) -> Incident:
    lists = [
        source_list_create(name=name, kind=kind, organisation=cast.organisation, language=lang)
        for name, kind, lang in (
            ("НКО", "ngo_database", "ru"),
            ("Пресса", "press_scan", "ru"),
            ("Partner", "partner_list", "en"),
            ("Старая база", "ngo_database", "ru"),
        )
    ]
    reports = [
        report_create(
            source_list=source_list,
            external_id=f"r{number}",
            payload={"id": number},
            fields=fields,
            received_on=datetime.date(2009, 4, 1),
            user=cast.owner,
        )
        for number, (source_list, fields) in enumerate(
            zip(lists, (NGO, PRESS, PARTNER, BROKEN), strict=True), start=1
        )
    ]
    run = LinkageRun.objects.create(
        organisation=cast.organisation, started_by=cast.owner, threshold=0.1
    )
    for position, first in enumerate(reports):
        for second in reports[position + 1 :]:
            CandidatePair.objects.create(
                run=run, report_a=first, report_b=second, match_probability=0.9, match_weight=4
            )
    call_command("link", "accept", "--user", "owner", stdout=StringIO())
    return Incident.objects.filter(report_links__isnull=False).distinct().get()


def test_the_most_precise_date_wins_and_equals_go_to_the_earliest(incident: Incident) -> None:
    assert (incident.date_start, incident.date_precision) == (datetime.date(2009, 3, 14), "day")


def test_the_place_comes_from_the_reports_that_give_one(incident: Incident) -> None:
    assert (incident.country, incident.region, incident.locality) == (
        "RU",
        "RU-SPE",
        "Санкт-Петербург",
    )


def test_the_type_is_the_one_most_reports_give(incident: Incident) -> None:
    assert incident.incident_type == "physical_assault"


def test_bias_motivations_are_the_union(incident: Incident) -> None:
    assert set(incident.biases.values_list("motivation", flat=True)) == {
        "racist_xenophobic",
        "anti_muslim",
    }


def test_killed_and_injured_are_the_largest_reported(incident: Incident) -> None:
    assert (incident.killed, incident.injured) == (1, 1)


def test_one_victim_named_in_three_spellings_is_one_person_in_the_nominative(
    incident: Incident,
) -> None:
    named = [p for p in incident.people.filter(role="victim") if p.name]
    assert [(p.name, p.sex, p.age) for p in named] == [(VICTIM, "male", 31)]


def test_an_unnamed_victim_is_kept_when_a_report_counts_more_people_than_names(
    incident: Incident,
) -> None:
    unnamed = [p for p in incident.people.filter(role="victim") if not p.name]
    assert [(p.sex, p.age) for p in unnamed] == [("female", 40)]


def test_the_incident_is_unverified_and_holds_every_report(incident: Incident) -> None:
    assert incident.verification_status == "unverified"
    assert incident.report_links.count() == 4


def _disagreements(html: str) -> str:
    found = re.search(r'<section class="disagreements">(.*?)</section>', html, re.S)
    assert found, "the page should have a Reports disagree section"
    return found.group(1)


def test_the_incident_page_shows_which_report_says_what(incident: Incident, cast: Cast) -> None:
    html = cast.client("owner").get(f"/incidents/{incident.reference}/").content.decode()
    section = _disagreements(html)
    assert "Reports disagree" in html
    for words in ("Killed", "НКО #r1", "Пресса #r2", "Partner #r3", "Incident type", "Date"):
        assert words in section, words


def test_the_disagreements_name_nobody(incident: Incident, cast: Cast) -> None:
    html = cast.client("reader").get(f"/incidents/{incident.reference}/").content.decode()
    section = _disagreements(html)
    assert "Нурматов" not in section and "NURMATOV" not in section


def test_a_count_the_reports_that_give_it_agree_on_is_no_disagreement(
    incident: Incident, cast: Cast
) -> None:
    html = cast.client("owner").get(f"/incidents/{incident.reference}/").content.decode()
    assert "Injured" not in _disagreements(html)
