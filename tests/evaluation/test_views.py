"""Every evaluation page for the owner, a colleague, a reader, an outsider and anonymous."""

from __future__ import annotations

import re

import pytest

from dozor.accounts.models import Role
from dozor.evaluation import services
from dozor.evaluation.models import Assessment, IndicatorThreshold, OfficialStatistic
from tests.conftest import Cast
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/evaluation/",
    "/evaluation/RU/2008/",
    "/evaluation/thresholds/",
    "/evaluation/official/",
]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("who", ["owner", "colleague", "reader", "outsider"])
def test_signed_in_users_open_the_pages(cast: Cast, url: str, who: str) -> None:
    assert cast.client(who).get(url).status_code == 200


@pytest.mark.parametrize(
    "url", [*PAGES, "/evaluation/RU/2008/card.pdf", "/evaluation/RU/2008/C3.law/"]
)
def test_anonymous_is_sent_to_sign_in(cast: Cast, url: str) -> None:
    response = cast.client("anonymous").get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def assess(cast: Cast) -> None:
    services.assessment_save(
        user=cast.owner,
        country="RU",
        year=2008,
        indicator="C7.condemnation",
        score=0,
        justification="No official condemned the attack on the Tajik worker.",
    )


def test_the_card_shows_the_organisations_assessments(cast: Cast) -> None:
    assess(cast)
    page = cast.client("colleague").get("/evaluation/RU/2008/").content.decode()
    assert "No official condemned" in page


def test_an_outsider_does_not_see_them(cast: Cast) -> None:
    assess(cast)
    page = cast.client("outsider").get("/evaluation/RU/2008/").content.decode()
    assert "No official condemned" not in page


def test_the_card_in_russian(cast: Cast) -> None:
    client = cast.client("owner")
    page = client.get("/evaluation/RU/2008/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Оперативно расследовать" in page


def test_the_card_pdf(cast: Cast) -> None:
    response = cast.client("owner").get("/evaluation/RU/2008/card.pdf?lang=ru")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_an_unknown_country_is_not_found(cast: Cast) -> None:
    assert cast.client("owner").get("/evaluation/XX/2008/").status_code == 404


def test_the_owner_assesses_an_indicator(cast: Cast) -> None:
    response = cast.client("owner").post(
        "/evaluation/RU/2008/C3.law/",
        {"score": "1", "justification": "Only an aggravating circumstance.", "incidents": ""},
    )
    assert response.status_code == 302
    assert Assessment.objects.get().score == 1


def test_a_bad_assessment_is_explained_not_saved(cast: Cast) -> None:
    response = cast.client("owner").post(
        "/evaluation/RU/2008/C3.law/",
        {"score": "2", "justification": "x", "links": "nope", "incidents": "RU-0"},
    )
    assert response.status_code == 200
    assert "RU-0" in response.content.decode()
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("who", ["reader", "outsider"])
def test_who_may_not_write_cannot_assess(cast: Cast, who: str) -> None:
    client = cast.client(who)
    if who == "outsider":
        # An outsider is a documenter of another organisation: the assessment is theirs alone.
        client.post("/evaluation/RU/2008/C3.law/", {"score": "0", "justification": "x"})
        assert not Assessment.objects.filter(organisation=cast.organisation).exists()
    else:
        response = client.post("/evaluation/RU/2008/C3.law/", {"score": "0", "justification": "x"})
        assert response.status_code == 403


def test_a_computed_indicator_has_no_assessment_page(cast: Cast) -> None:
    assert cast.client("owner").get("/evaluation/RU/2008/C4.reported_share/").status_code == 404


def test_the_owner_edits_thresholds(cast: Cast) -> None:
    cast.client("owner").post(
        "/evaluation/thresholds/",
        {"indicator": "C4.reported_share", "partial": "0.3", "met": "0.6"},
    )
    assert IndicatorThreshold.objects.get().met == 0.6


def test_a_reader_may_not_edit_thresholds(cast: Cast) -> None:
    response = cast.client("reader").post(
        "/evaluation/thresholds/", {"indicator": "C4.reported_share", "partial": "0", "met": "0"}
    )
    assert response.status_code == 403


def test_official_figures_are_entered_in_a_form(cast: Cast) -> None:
    client = cast.client("anonymous")
    client.force_login(UserFactory(organisation=cast.other_organisation, role=Role.ADMINISTRATOR))
    response = client.post(
        "/evaluation/official/",
        {
            "country": "RU",
            "year": "2019",
            "recorded": "585",
            "prosecuted": "368",
            "sentenced": "320",
            "source": "ODIHR",
        },
    )
    assert response.status_code == 302
    assert OfficialStatistic.objects.get().recorded == 585


def test_the_dashboard_sets_official_figures_beside_the_monitors(cast: Cast) -> None:
    OfficialStatistic.objects.create(country="RU", year=2019, recorded=585, source="ODIHR")
    page = cast.client("outsider").get("/evaluation/").content.decode()
    assert "585" in page


def test_the_dashboard_ends_at_the_latest_year_with_incidents_and_offers_its_card(
    cast: Cast,
) -> None:
    """The cast's incident is of 2008: the dashboard's years run up to 2008, not to last year,
    and the form to open a card holds 2008."""
    page = cast.client("owner").get("/evaluation/").content.decode()
    years = [int(year) for year in re.findall(r'<tr data-year="(\d{4})">', page)]
    assert max(years) == 2008
    assert min(years) == 2008 - 7
    assert 'name="year" value="2008"' in page
