"""Each computed indicator against values worked out by hand."""

from __future__ import annotations

import datetime
import random

import pytest

from dozor.analysis.responses import response_status
from dozor.estimation.models import EstimateRun, RunStatus
from dozor.evaluation.card import report_card
from dozor.evaluation.indicators import (
    computed_indicators,
    incidents_of_year,
    motive_recognised_share,
    opening_delays,
)
from dozor.evaluation.models import OfficialStatistic
from dozor.responses.funnel import CHARGED_KINDS
from dozor.responses.models import ResponseEvent
from dozor.responses.selectors import as_event
from dozor.responses.vocab import event_rules, hate_articles, response_vocabulary
from tests.conftest import Cast
from tests.evaluation.factories import incident_with_events, timelines_of_2008
from tests.factories import IncidentFactory
from tests.responses.factories import ResponseEventFactory

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
    timelines_of_2008(cast.organisation)
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


def test_the_database_reads_the_motive_and_the_opening_as_the_case_status_does(cast: Cast) -> None:
    """Seeded random timelines (corrections, articles, motive events, verdicts, same-day steps):
    the indicators computed in the database agree with response_status() replaying each
    incident's events in Python."""
    rng = random.Random(2008)
    codes = response_vocabulary("legal_article").codes
    hate = sorted(hate_articles())
    plain = [code for code in codes if code not in hate]
    kinds = [
        "reported_to_police", "case_opened", "motive_qualified", "motive_not_qualified",
        "motive_added", "motive_dropped", "charged", "sent_to_court", "verdict", "appeal",
        "official_statement", "refusal_to_open",
    ]  # fmt: skip
    start = datetime.date(2008, 1, 1)
    for _incident in range(60):
        incident = IncidentFactory(
            organisation=cast.organisation,
            date_start=start + datetime.timedelta(days=rng.randrange(300)),
        )
        made: list[ResponseEvent] = []
        for _ in range(rng.randint(1, 7)):
            kind = rng.choice(kinds)
            extra: dict[str, object] = {}
            if kind in ("case_opened", "charged", "verdict") and rng.random() < 0.6:
                extra["articles"] = rng.sample(hate + plain, rng.randint(1, 2))
            if kind == "verdict":
                extra["verdict_outcome"] = rng.choice(["convicted", "acquitted"])
                extra["motive_recognised"] = rng.choice([True, False, None])
            if made and rng.random() < 0.15:
                free = [e for e in made if not ResponseEvent.objects.filter(supersedes=e).exists()]
                if free:
                    extra["supersedes"] = rng.choice(free)
            made.append(
                ResponseEventFactory(
                    incident=incident,
                    kind=kind,
                    date=incident.date_start + datetime.timedelta(days=rng.randint(-5, 40)),
                    **extra,
                )
            )
    incidents = incidents_of_year(cast.owner, country="RU", year=2008)
    rules = event_rules()
    statuses = []
    for incident in incidents.order_by("pk"):
        rows = list(ResponseEvent.objects.filter(incident=incident))
        if rows:
            statuses.append(
                response_status(
                    [as_event(row) for row in rows],
                    rules=rules,
                    incident_date=incident.date_start,
                    today=datetime.date(2026, 1, 1),
                    stall_months=12,
                )
            )
    prosecutions = [s for s in statuses if any(e.kind in CHARGED_KINDS for e in s.effective)]
    recognised = sum(
        1
        for s in prosecutions
        if (s.motive_at_verdict if s.motive_at_verdict is not None else s.motive_at_charge)
    )
    delays = sorted(s.days_to_case_opening for s in statuses if s.days_to_case_opening is not None)

    motive = motive_recognised_share(incidents)
    assert (motive.count, motive.details["recognised"]) == (len(prosecutions), recognised)
    assert sorted(opening_delays(incidents)) == delays
    assert len(prosecutions) > 10 and 0 < recognised < len(prosecutions) and len(delays) > 5
