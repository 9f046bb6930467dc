"""Each computed indicator against values worked out by hand."""

from __future__ import annotations

import datetime

import pytest

from dozor.estimation.models import EstimateRun, RunStatus
from dozor.evaluation.card import report_card
from dozor.evaluation.indicators import computed_indicators
from dozor.evaluation.models import OfficialStatistic
from tests.conftest import Cast
from tests.evaluation.factories import incident_with_events
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_2008(cast: Cast) -> Cast:
    """Four incidents of 2008 besides the cast's (which is dated 2008-12-04, no events):

    A: reported on day 1, case opened on day 10, charged on day 40 with the motive qualified;
    B: reported on day 2, case opened on day 30, charged on day 90, motive not qualified;
    C: reported on day 3, nothing else;   D: a case opened on day 50 without a report.
    So 4 of 5 reached the police (80%); days to opening 10, 30, 50 (median 30);
    2 prosecutions, 1 with the motive recognised (50%).
    """
    org = cast.organisation
    incident_with_events(
        org,
        1,
        ("reported_to_police", 1, {}),
        ("case_opened", 10, {}),
        ("motive_qualified", 11, {}),
        ("charged", 40, {}),
    )
    incident_with_events(
        org,
        2,
        ("reported_to_police", 2, {}),
        ("case_opened", 30, {}),
        ("motive_not_qualified", 31, {}),
        ("charged", 90, {}),
    )
    incident_with_events(org, 3, ("reported_to_police", 3, {}))
    incident_with_events(org, 4, ("case_opened", 50, {}))
    return cast


def values(cast: Cast, user: str = "owner", year: int = 2008) -> dict:
    found = computed_indicators(getattr(cast, user), country="RU", year=year)
    return {code: item.metric.value for code, item in found.items()}


def test_share_reported_to_police(year_2008: Cast) -> None:
    assert values(year_2008)["C4.reported_share"] == pytest.approx(4 / 5)


def test_median_days_to_case_opening(year_2008: Cast) -> None:
    assert values(year_2008)["C7.days_to_opening"] == 30


def test_share_of_prosecutions_with_the_motive_recognised(year_2008: Cast) -> None:
    assert values(year_2008)["C3.motive_recognised"] == pytest.approx(1 / 2)


def test_a_verdict_that_recognised_the_motive_counts_over_the_charge(cast: Cast) -> None:
    incident_with_events(
        cast.organisation,
        5,
        ("charged", 20, {}),
        ("verdict", 200, {"verdict_outcome": "convicted", "motive_recognised": True}),
    )
    assert values(cast)["C3.motive_recognised"] == 1.0


def test_official_against_documented(year_2008: Cast) -> None:
    OfficialStatistic.objects.create(country="RU", year=2008, recorded=2, source="MVD")
    assert values(year_2008)["C1.official_gap"] == pytest.approx(2 / 5)


def test_no_official_figures_leave_the_gap_unscored(year_2008: Cast) -> None:
    found = computed_indicators(year_2008.owner, country="RU", year=2008)
    assert found["C1.official_gap"].score is None


def test_estimated_undocumented_share_from_the_latest_run(cast: Cast) -> None:
    EstimateRun.objects.create(
        organisation=cast.organisation,
        created_by=cast.owner,
        status=RunStatus.DONE,
        method="loglinear",
        stratify_by="year",
        country="RU",
        lists=[1, 2, 3],
        seed=1,
        finished_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        results=[
            {
                "stratum": "2008",
                "observed": 60,
                "estimate": 80.0,
                "lower": 70,
                "upper": 95,
                "level": 0.95,
            }
        ],
    )
    assert values(cast)["C4.undocumented_share"] == pytest.approx(20 / 80)


def test_other_years_and_countries_are_not_counted(year_2008: Cast) -> None:
    IncidentFactory(organisation=year_2008.organisation, date_start=datetime.date(2009, 1, 1))
    IncidentFactory(organisation=year_2008.organisation, country="UA", region="")
    assert values(year_2008)["C4.reported_share"] == pytest.approx(4 / 5)


def test_an_outsider_computes_from_public_incidents_only(year_2008: Cast) -> None:
    assert values(year_2008, "outsider")["C4.reported_share"] is None


def test_the_card_grades_a_commitment_from_its_indicators(year_2008: Cast) -> None:
    card = report_card(user=year_2008.owner, country="RU", year=2008, language="en")
    rows = {row.commitment.code: row for row in card.rows}
    # C4: reported share 80% is met (2); the estimate and civil society are n/a.
    assert rows["C4"].grade == "met"
    # C3: 50% recognised is partial (1); the law is not assessed yet.
    assert rows["C3"].grade == "partial"
    # C7: a median of 30 days is partial (1).
    assert rows["C7"].grade == "partial"
    assert rows["C9"].grade == "not_assessed"


def test_the_card_observes_what_is_not_met(year_2008: Cast) -> None:
    card = report_card(user=year_2008.owner, country="RU", year=2008, language="en")
    assert any("50% of 2 prosecutions" in text for text in card.observations)
    assert any("median of 30 days" in text for text in card.observations)
    assert not any("reached the police" in text for text in card.observations)


def test_the_card_compares_with_the_previous_year(year_2008: Cast) -> None:
    IncidentFactory(organisation=year_2008.organisation, date_start=datetime.date(2007, 5, 1))
    card = report_card(user=year_2008.owner, country="RU", year=2008, language="en")
    rows = {row.commitment.code: row for row in card.rows}
    # 2007: one incident, not reported (0%, absent); 2008: 80% (met).
    assert rows["C4"].previous_grade == "absent"
    assert rows["C4"].trend == "improved"
