"""/api/v1/report-card/ and /api/v1/annual/ on incidents recorded through the API and an
assessment made on its page: what the card and the annual report's pages give each caller."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from dozor.evaluation.card import report_card
from tests.api.conftest import ApiClient
from tests.conftest import Cast

pytestmark = pytest.mark.django_db

CARD = "/api/v1/report-card/RU/2024/"
ANNUAL = "/api/v1/annual/RU/2024/"
JUSTIFICATION = "Закон не называет мотив ненависти отягчающим обстоятельством."


@pytest.fixture
def year(cast: Cast, callers: dict[str, ApiClient]) -> list[str]:
    """Six incidents of 2024 recorded by the owner through the API, and the owner's assessment
    of an indicator made on its page citing the first."""
    references = []
    for day, region in enumerate(["RU-MOW"] * 5 + ["RU-SPE"], start=1):
        answer = callers["owner"].post(
            "/api/v1/incidents/",
            {
                "title": f"Нападение {day}",
                "incident_type": "physical_assault",
                "date_start": f"2024-03-{day:02}",
                "region": region,
                "injured": 1,
                "biases": [{"motivation": "racist_xenophobic"}],
            },
        )
        assert answer.status_code == 201, answer.content
        references.append(answer.json()["reference"])
    assessed = cast.client("owner").post(
        reverse("evaluation:assess", args=["RU", 2024, "C3.law"]),
        {"score": "0", "justification": JUSTIFICATION, "incidents": references[0]},
    )
    assert assessed.status_code == 302
    return references


@pytest.mark.parametrize("who", ["owner", "colleague", "reader", "outsider"])
def test_each_caller_gets_the_card_its_page_shows_them(
    cast: Cast, year: list[str], callers: dict[str, ApiClient], who: str
) -> None:
    page = cast.client(who).get(reverse("evaluation:card", args=["RU", 2024]))
    answer = callers[who].get(CARD)
    assert answer.status_code == page.status_code == 200
    card = answer.json()
    shown = page.context["card"]
    assert card["documented"] == shown.documented == (6 if who != "outsider" else 0)
    assert [(c["code"], c["grade"], c["trend"]) for c in card["commitments"]] == [
        (row.commitment.code, row.grade, row.trend) for row in shown.rows
    ]
    assert card["observations"] == shown.observations
    assert card["grade_counts"] == shown.grade_counts


def test_an_assessment_comes_with_its_evidence(
    cast: Cast, year: list[str], callers: dict[str, ApiClient]
) -> None:
    card = callers["reader"].get(CARD).json()
    [law] = [
        indicator
        for commitment in card["commitments"]
        for indicator in commitment["indicators"]
        if indicator["code"] == "C3.law"
    ]
    assert law["score"] == 0 and law["computed"] is False
    assert law["assessment"]["justification"] == JUSTIFICATION
    assert law["assessment"]["incidents"] == [year[0]]
    # An outsider's organisation made no assessment.
    outsider = callers["outsider"].get(CARD).json()
    assert all(
        indicator["assessment"] is None
        for commitment in outsider["commitments"]
        for indicator in commitment["indicators"]
    )


def test_the_card_is_in_the_callers_language(
    cast: Cast, year: list[str], callers: dict[str, ApiClient]
) -> None:
    client = callers["owner"]
    answer = client.get(CARD, headers={"Accept-Language": "ru"}).json()
    expected = report_card(user=cast.owner, country="RU", year=2024, language="ru")
    with translation.override("ru"):
        grades = [row.grade_label for row in expected.rows]
    assert answer["language"] == "ru"
    assert [c["grade_text"] for c in answer["commitments"]] == grades
    assert "не оценено" in grades
    assert answer["commitments"][0]["label"] == expected.rows[0].commitment.label("ru")


@pytest.mark.parametrize("who", ["owner", "reader", "outsider"])
@pytest.mark.parametrize("public", [False, True])
def test_the_annual_figures_are_those_of_the_annual_page(
    cast: Cast, year: list[str], callers: dict[str, ApiClient], who: str, public: bool
) -> None:
    query = "?public=true" if public else ""
    web_query = "&public=on" if public else ""
    page = cast.client(who).get(reverse("reporting:annual") + f"?country=RU&year=2024{web_query}")
    answer = callers[who].get(ANNUAL + query)
    assert answer.status_code == page.status_code == 200
    shown = page.context["report"]
    body = answer.json()
    assert body["public"] is public
    assert body["totals"] == shown.totals
    assert body["by_year"] == shown.by_year
    assert {
        table["key"]: [(r["code"], r["count"]) for r in table["rows"]] for table in body["tables"]
    } == {
        key: [(str(code), count) for code, _label, count in table.cells()]
        for key, table in shown.tables.items()
    }
    assert [(s["stage"], s["count"]) for s in body["response"]] == [
        (stage, count) for stage, _label, count in shown.funnel_labels
    ]


def test_the_annual_figures_count_by_region(
    cast: Cast, year: list[str], callers: dict[str, ApiClient]
) -> None:
    body = callers["owner"].get(ANNUAL).json()
    assert body["totals"] == {"incidents": 6, "killed": 0, "injured": 6}
    [region] = [table for table in body["tables"] if table["key"] == "region"]
    assert [(row["code"], row["count"]) for row in region["rows"]] == [("RU-MOW", 5), ("RU-SPE", 1)]
    public = callers["owner"].get(ANNUAL + "?public=true").json()
    [region] = [table for table in public["tables"] if table["key"] == "region"]
    assert ("RU-SPE", "<5", True) in [(r["code"], r["count"], r["hidden"]) for r in region["rows"]]


@pytest.mark.parametrize("who", ["anonymous", "expired", "revoked"])
def test_no_usable_token_gets_no_figures(callers: dict[str, ApiClient], who: str) -> None:
    assert callers[who].get(CARD).status_code == 401
    assert callers[who].get(ANNUAL).status_code == 401


@pytest.mark.parametrize(
    ("path", "page"),
    [
        ("/api/v1/report-card/XX/2024/", reverse("evaluation:card", args=["XX", 2024])),
        ("/api/v1/annual/RU/1800/", reverse("reporting:annual_pdf", args=["RU", 1800])),
    ],
)
def test_a_country_or_year_the_pages_have_not_is_not_found(
    cast: Cast, callers: dict[str, ApiClient], path: str, page: str
) -> None:
    answer = callers["reader"].get(path)
    assert answer.status_code == cast.client("reader").get(page).status_code == 404
    assert answer["Content-Type"] == "application/problem+json"
    assert "XX" in answer.json()["detail"] or "1800" in answer.json()["detail"]


def test_a_read_only_token_reads_the_figures(
    cast: Cast, year: list[str], callers: dict[str, ApiClient]
) -> None:
    for path in (CARD, ANNUAL):
        answer = callers["owner_read_only"].get(path)
        assert answer.status_code == 200
        assert answer.json() == callers["owner"].get(path).json()
