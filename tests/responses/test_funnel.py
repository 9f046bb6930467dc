"""The funnel against counts worked out by hand on a small data set."""

from __future__ import annotations

import datetime

import pytest

from dozor.records.models import Incident
from dozor.responses.funnel import FunnelFilters, response_funnel
from dozor.responses.models import ResponseEvent
from tests.factories import IncidentBiasFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def event(incident: Incident, kind: str, date: str, **extra: object) -> ResponseEvent:
    return ResponseEvent.objects.create(
        incident=incident, kind=kind, date=datetime.date.fromisoformat(date), **extra
    )


@pytest.fixture
def world() -> dict[str, Incident]:
    """Six incidents, 2010 and 2011, two regions:

    a (2010, SPE, racist): reported +2 d, opened +10 d under 116, charged +40 d, convicted with
      the motive +200 d                       -> all six stages
    b (2010, SPE, racist): reported +5 d, refusal        -> documented, reported
    c (2010, MOW, antisemitic): opened +20 d (no report recorded) under 111(1), charged +50 d,
      convicted +300 d without the motive    -> reported, opened, charged; not qualified
    d (2011, MOW, racist): nothing           -> documented only
    e (2011, SPE, anti-LGBTI): reported +1 d, opened +3 d, motive qualified +30 d, closed
    f (2011, SPE, racist): opened +8 d, motive qualified, then the opening corrected to a
      refusal: the correction removes the opening but the qualification stays
    """
    start = datetime.date(2010, 1, 1)
    made = {}
    for key, year, region, bias in [
        ("a", 2010, "RU-SPE", "racist_xenophobic"),
        ("b", 2010, "RU-SPE", "racist_xenophobic"),
        ("c", 2010, "RU-MOW", "antisemitic"),
        ("d", 2011, "RU-MOW", "racist_xenophobic"),
        ("e", 2011, "RU-SPE", "anti_lgbti"),
        ("f", 2011, "RU-SPE", "racist_xenophobic"),
    ]:
        incident = IncidentFactory(date_start=start.replace(year=year), region=region)
        IncidentBiasFactory(incident=incident, motivation=bias)
        made[key] = incident
    a, b, c, e, f = made["a"], made["b"], made["c"], made["e"], made["f"]
    event(a, "reported_to_police", "2010-01-03")
    event(a, "case_opened", "2010-01-11", articles=["ru_cc_116"])
    event(a, "charged", "2010-02-10")
    event(a, "verdict", "2010-07-20", verdict_outcome="convicted", motive_recognised=True)
    event(b, "reported_to_police", "2010-01-06")
    event(b, "refusal_to_open", "2010-01-20")
    event(c, "case_opened", "2010-01-21", articles=["ru_cc_111_1"])
    event(c, "charged", "2010-02-20")
    event(c, "verdict", "2010-10-28", verdict_outcome="convicted", motive_recognised=False)
    event(c, "official_statement", "2010-01-02", statement_kind="denial")
    event(e, "reported_to_police", "2011-01-02")
    event(e, "case_opened", "2011-01-04")
    event(e, "motive_qualified", "2011-01-31")
    event(e, "closed", "2011-05-01")
    wrong = event(f, "case_opened", "2011-01-09")
    event(f, "motive_qualified", "2011-01-20")
    event(f, "refusal_to_open", "2011-01-09", supersedes=wrong)
    return made


STAGES = (
    "documented",
    "reported",
    "case_opened",
    "motive_qualified",
    "charged",
    "convicted_with_motive",
)


def counts(row: object) -> tuple[int, ...]:
    return tuple(row.counts[stage] for stage in STAGES)  # type: ignore[attr-defined]


def test_overall_counts_match_the_hand_count(world: dict[str, Incident]) -> None:
    (row,) = response_funnel(Incident.objects.all())
    # reported: a b c e f; opened: a c e f(motive_qualified implies an open case); qualified: a e f
    assert counts(row) == (6, 5, 4, 3, 2, 1)


def test_percentages_are_of_documented_and_of_the_previous_stage(
    world: dict[str, Incident],
) -> None:
    (row,) = response_funnel(Incident.objects.all())
    assert row.percent_of_documented("reported") == pytest.approx(500 / 6)
    assert row.percent_of_previous("charged") == pytest.approx(200 / 3)


def test_median_days_between_stages(world: dict[str, Incident]) -> None:
    (row,) = response_funnel(Incident.objects.all())
    # incident -> reported: a 2, b 5, c (statement is not a report; opening +20 counts) 20, e 1,
    # f (refusal +8) 8 -> median 5
    assert row.median_days["reported"] == 5
    # reported -> opened: a 8, c 0, e 2, f (motive qualified on 20.01, refusal on 09.01) 11 -> 5
    assert row.median_days["case_opened"] == 5
    # opened -> qualified: a 0 (116 at opening), e 27, f 0 -> 0
    assert row.median_days["motive_qualified"] == 0


def test_by_year(world: dict[str, Incident]) -> None:
    rows = {
        row.group: counts(row) for row in response_funnel(Incident.objects.all(), dimension="year")
    }
    assert rows == {2010: (3, 3, 2, 1, 2, 1), 2011: (3, 2, 2, 2, 0, 0)}


def test_by_region(world: dict[str, Incident]) -> None:
    rows = {
        row.group: counts(row)
        for row in response_funnel(Incident.objects.all(), dimension="region")
    }
    assert rows == {"RU-MOW": (2, 1, 1, 0, 1, 0), "RU-SPE": (4, 4, 3, 3, 1, 1)}


def test_by_bias_motivation(world: dict[str, Incident]) -> None:
    rows = {
        row.group: counts(row) for row in response_funnel(Incident.objects.all(), dimension="bias")
    }
    assert rows["racist_xenophobic"] == (4, 3, 2, 2, 1, 1)
    assert rows["anti_lgbti"] == (1, 1, 1, 1, 0, 0)


def test_filters_narrow_the_incidents(world: dict[str, Incident]) -> None:
    (row,) = response_funnel(
        Incident.objects.all(), filters=FunnelFilters(year_from=2011, region="RU-SPE")
    )
    assert counts(row) == (2, 2, 2, 2, 0, 0)


def test_an_unknown_dimension_is_refused() -> None:
    with pytest.raises(ValueError, match="dimension"):
        response_funnel(Incident.objects.all(), dimension="colour")
