"""An organisation's own legal article with the hate motive: the case status, the response
funnel and the report card count it as a hate article for that organisation's incidents, and
never for another organisation's incident citing an article of its own under the same code."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dozor.accounts.models import User
from dozor.evaluation.indicators import computed_indicators, motive_recognised_share
from dozor.records.local_terms import local_term_create
from dozor.records.models import Incident, LocalTerm
from dozor.responses.funnel import response_funnel
from dozor.responses.models import ResponseEvent
from dozor.responses.selectors import incident_status, raise_list_statuses
from tests.conftest import Cast
from tests.factories import IncidentFactory
from tests.responses.factories import RaiseListEntryFactory

pytestmark = pytest.mark.django_db

CODE = "local_regional_hate_assault"


def article(cast: Cast, admin: User, *, organisation: str, hate_motive: bool) -> LocalTerm:
    return local_term_create(
        organisation=getattr(cast, organisation),
        user=None if organisation != "organisation" else admin,
        vocabulary_name="legal_article",
        code=CODE,
        label_en="Regional code, assault out of hatred",
        label_ru="Областной кодекс, нападение из ненависти",
        hate_motive=hate_motive,
    )


def charged_under_the_local_article(organisation: object) -> Incident:
    """An incident of March 2008, charged under CODE."""
    incident = IncidentFactory(organisation=organisation, date_start=datetime.date(2008, 3, 1))
    ResponseEvent.objects.create(
        incident=incident, kind="case_opened", date=datetime.date(2008, 3, 5), articles=[CODE]
    )
    ResponseEvent.objects.create(
        incident=incident, kind="charged", date=datetime.date(2008, 4, 1), articles=[CODE]
    )
    return incident


@pytest.fixture
def both(cast: Cast, admin: User) -> tuple[Incident, Incident]:
    """Organisation A's article CODE carries the hate motive; organisation B's article of the
    same code does not. One incident of each is charged under its own CODE."""
    article(cast, admin, organisation="organisation", hate_motive=True)
    article(cast, admin, organisation="other_organisation", hate_motive=False)
    return (
        charged_under_the_local_article(cast.organisation),
        charged_under_the_local_article(cast.other_organisation),
    )


def test_the_status_reads_the_motive_from_the_organisations_own_article(
    both: tuple[Incident, Incident],
) -> None:
    ours, theirs = both
    assert incident_status(ours).motive_at_charge is True
    assert incident_status(theirs).motive_at_charge is False


def test_without_the_hate_motive_the_own_article_does_not_recognise_it(
    cast: Cast, admin: User
) -> None:
    article(cast, admin, organisation="organisation", hate_motive=False)
    incident = charged_under_the_local_article(cast.organisation)
    assert incident_status(incident).motive_at_charge is False


def test_the_incident_page_says_the_motive_was_charged(
    cast: Cast, both: tuple[Incident, Incident]
) -> None:
    ours, _theirs = both
    page = cast.client("owner").get(f"/incidents/{ours.reference}/").content.decode()
    assert "the hate motive was charged" in page


def test_the_raise_list_reads_the_local_articles_once_for_every_case(
    cast: Cast, both: tuple[Incident, Incident]
) -> None:
    ours, _theirs = both
    RaiseListEntryFactory(organisation=cast.organisation, incident=ours)
    for _ in range(3):
        RaiseListEntryFactory(
            organisation=cast.organisation,
            incident=charged_under_the_local_article(cast.organisation),
        )
    with CaptureQueriesContext(connection) as queries:
        statuses = raise_list_statuses(cast.owner)
    assert [status.motive_at_charge for _entry, status in statuses] == [True] * 4
    assert sum("records_localterm" in query["sql"] for query in queries.captured_queries) == 1


def test_the_funnel_counts_the_motive_qualified_for_the_owning_organisation_only(
    both: tuple[Incident, Incident],
) -> None:
    [row] = response_funnel(Incident.objects.filter(pk__in=[i.pk for i in both]))
    assert row.counts["charged"] == 2
    assert row.counts["motive_qualified"] == 1


def test_the_report_card_counts_the_motive_recognised_for_the_owning_organisation_only(
    cast: Cast, both: tuple[Incident, Incident]
) -> None:
    shared = motive_recognised_share(Incident.objects.filter(pk__in=[i.pk for i in both]))
    assert (shared.count, shared.details["recognised"]) == (2, 1)
    ours = computed_indicators(cast.owner, country="RU", year=2008)
    assert ours["C3.motive_recognised"].metric.value == 1.0
    theirs = computed_indicators(cast.outsider, country="RU", year=2008)
    assert theirs["C3.motive_recognised"].metric.value == 0.0


def test_changing_the_hate_motive_on_the_page_changes_the_count(
    cast: Cast, admin: User, both: tuple[Incident, Incident]
) -> None:
    term = LocalTerm.objects.get(organisation=cast.organisation)
    client = Client()
    client.force_login(admin)
    response = client.post(
        f"/vocabularies/{term.pk}/",
        {"label_en": term.label_en, "label_ru": term.label_ru, "broader": ""},
    )
    assert response.status_code == 302
    term.refresh_from_db()
    assert term.hate_motive is False
    [row] = response_funnel(Incident.objects.filter(pk__in=[i.pk for i in both]))
    assert row.counts["motive_qualified"] == 0


def test_the_timeline_names_the_own_article_by_its_label_to_its_organisation_only(
    cast: Cast, admin: User
) -> None:
    """Members read the organisation's own label; another organisation reading the public
    incident is told only that it is an article of the organisation's own, not its wording."""
    article(cast, admin, organisation="organisation", hate_motive=True)
    incident = charged_under_the_local_article(cast.organisation)
    Incident.objects.filter(pk=incident.pk).update(confidentiality="public")
    path = f"/incidents/{incident.reference}/"
    ours = cast.client("owner").get(path).content.decode()
    assert "Regional code, assault out of hatred" in ours
    theirs = cast.client("outsider").get(path).content.decode()
    assert "Regional code" not in theirs and CODE not in theirs
    assert "an article of the organisation&#x27;s own" in theirs


def test_the_dossier_names_the_own_article_by_its_label(cast: Cast, admin: User) -> None:
    article(cast, admin, organisation="organisation", hate_motive=True)
    incident = charged_under_the_local_article(cast.organisation)
    query = {"ref": incident.reference, "format": "html", "lang": "ru"}
    page = cast.client("owner").get(reverse("responses:dossier"), query).content.decode()
    assert "Областной кодекс, нападение из ненависти" in page and CODE not in page
