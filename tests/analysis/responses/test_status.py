"""Every derived status, table-driven: plain, out-of-order, contradictory, corrected."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from dozor.analysis.responses import Event, EventRules, response_status
from dozor.analysis.responses.status import months_between

RULES = EventRules(
    rank={
        "reported_to_police": 1,
        "refusal_to_open": 2,
        "case_opened": 3,
        "motive_qualified": 4,
        "motive_not_qualified": 4,
        "motive_dropped": 4,
        "motive_added": 4,
        "suspect_identified": 5,
        "detained": 6,
        "charged": 7,
        "sent_to_court": 8,
        "verdict": 9,
        "sentence": 10,
        "appeal": 11,
        "suspended": 12,
        "closed": 12,
        "official_statement": None,
    },
    terminal=frozenset({"refusal_to_open", "verdict", "sentence", "closed"}),
    hate_articles=frozenset({"ru_cc_105_2_l", "ru_cc_111_2_e", "ru_cc_116", "ru_cc_213_1_b"}),
)
INCIDENT = datetime.date(2010, 3, 1)
TODAY = datetime.date(2012, 6, 1)


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def ev(number: int, kind: str, date: str, **extra: Any) -> Event:
    return Event(id=number, kind=kind, date=d(date), **extra)


def status(*events: Event, incident: datetime.date | None = INCIDENT, stall: int = 12) -> Any:
    return response_status(
        events, rules=RULES, incident_date=incident, today=TODAY, stall_months=stall
    )


STAGE_CASES = [
    ("no events", [], "documented"),
    ("reported only", [ev(1, "reported_to_police", "2010-03-02")], "reported"),
    (
        "refused",
        [ev(1, "reported_to_police", "2010-03-02"), ev(2, "refusal_to_open", "2010-03-20")],
        "refused",
    ),
    (
        "refusal overturned, case opened later",
        [ev(1, "refusal_to_open", "2010-03-20"), ev(2, "case_opened", "2010-06-01")],
        "investigation",
    ),
    (
        "suspect detained",
        [ev(1, "case_opened", "2010-03-05"), ev(2, "detained", "2010-04-01")],
        "suspect",
    ),
    ("charged", [ev(1, "case_opened", "2010-03-05"), ev(2, "charged", "2010-05-01")], "charged"),
    (
        "in court",
        [ev(1, "case_opened", "2010-03-05"), ev(2, "sent_to_court", "2010-09-01")],
        "trial",
    ),
    (
        "convicted",
        [
            ev(1, "case_opened", "2010-03-05"),
            ev(2, "verdict", "2011-01-10", verdict_outcome="convicted"),
        ],
        "convicted",
    ),
    (
        "acquitted",
        [
            ev(1, "case_opened", "2010-03-05"),
            ev(2, "verdict", "2011-01-10", verdict_outcome="acquitted"),
        ],
        "acquitted",
    ),
    (
        "appeal after verdict",
        [
            ev(1, "verdict", "2011-01-10", verdict_outcome="convicted"),
            ev(2, "appeal", "2011-02-01"),
        ],
        "appeal",
    ),
    (
        "suspended",
        [ev(1, "case_opened", "2010-03-05"), ev(2, "suspended", "2010-09-01")],
        "suspended",
    ),
    ("closed", [ev(1, "case_opened", "2010-03-05"), ev(2, "closed", "2010-09-01")], "closed"),
    (
        "a statement does not move the stage",
        [ev(1, "case_opened", "2010-03-05"), ev(2, "official_statement", "2010-09-01")],
        "investigation",
    ),
    (
        "entered out of order: the latest date wins, not the latest entry",
        [ev(1, "charged", "2010-05-01"), ev(2, "case_opened", "2010-03-05")],
        "charged",
    ),
    (
        "same day: the later procedural step wins",
        [ev(1, "charged", "2010-05-01"), ev(2, "detained", "2010-05-01")],
        "charged",
    ),
    (
        "a correction replaces the corrected event",
        [
            ev(1, "case_opened", "2010-03-05"),
            ev(2, "closed", "2010-09-01"),
            ev(3, "suspended", "2010-09-01", supersedes=2),
        ],
        "suspended",
    ),
    (
        "a chain of corrections keeps only the last",
        [
            ev(1, "verdict", "2011-01-10", verdict_outcome="acquitted"),
            ev(2, "verdict", "2011-01-10", verdict_outcome="dismissed", supersedes=1),
            ev(3, "verdict", "2011-01-10", verdict_outcome="convicted", supersedes=2),
        ],
        "convicted",
    ),
]


@pytest.mark.parametrize(
    ("case", "events", "expected"), STAGE_CASES, ids=[c[0] for c in STAGE_CASES]
)
def test_current_stage(case: str, events: list[Event], expected: str) -> None:
    assert status(*events).stage == expected


MOTIVE_CASES = [
    ("nothing said", [ev(1, "case_opened", "2010-03-05")], None, None, None),
    (
        "hate article at opening",
        [ev(1, "case_opened", "2010-03-05", articles=("ru_cc_116",))],
        None,
        None,
        True,
    ),
    (
        "plain article at opening",
        [ev(1, "case_opened", "2010-03-05", articles=("ru_cc_111_1",))],
        None,
        None,
        False,
    ),
    (
        "qualified, then charged without new articles",
        [
            ev(1, "case_opened", "2010-03-05"),
            ev(2, "motive_qualified", "2010-03-10"),
            ev(3, "charged", "2010-05-01"),
        ],
        True,
        None,
        True,
    ),
    (
        "dropped before the charge",
        [
            ev(1, "motive_qualified", "2010-03-10"),
            ev(2, "motive_dropped", "2010-04-10"),
            ev(3, "charged", "2010-05-01"),
        ],
        False,
        None,
        False,
    ),
    (
        "charged under a hate article after not qualifying",
        [
            ev(1, "motive_not_qualified", "2010-03-10"),
            ev(2, "charged", "2010-05-01", articles=("ru_cc_111_2_e",)),
        ],
        True,
        None,
        True,
    ),
    (
        "motive added after the charge does not change the charge",
        [
            ev(1, "charged", "2010-05-01", articles=("ru_cc_111_1",)),
            ev(2, "motive_added", "2010-06-01"),
        ],
        False,
        None,
        True,
    ),
    (
        "verdict says so explicitly",
        [
            ev(1, "charged", "2010-05-01", articles=("ru_cc_116",)),
            ev(2, "verdict", "2011-01-01", verdict_outcome="convicted", motive_recognised=False),
        ],
        True,
        False,
        True,
    ),
    (
        "verdict under a hate article",
        [ev(1, "verdict", "2011-01-01", verdict_outcome="convicted", articles=("ru_cc_105_2_l",))],
        None,
        True,
        True,
    ),
    (
        "corrected verdict: the correction counts",
        [
            ev(1, "verdict", "2011-01-01", verdict_outcome="convicted", motive_recognised=False),
            ev(
                2,
                "verdict",
                "2011-01-01",
                verdict_outcome="convicted",
                motive_recognised=True,
                supersedes=1,
            ),
        ],
        None,
        True,
        None,
    ),
]


@pytest.mark.parametrize(
    ("case", "events", "at_charge", "at_verdict", "now"),
    MOTIVE_CASES,
    ids=[c[0] for c in MOTIVE_CASES],
)
def test_motive_recognition(
    case: str,
    events: list[Event],
    at_charge: bool | None,
    at_verdict: bool | None,
    now: bool | None,
) -> None:
    result = status(*events)
    assert (result.motive_at_charge, result.motive_at_verdict, result.motive_now) == (
        at_charge,
        at_verdict,
        now,
    )


DAYS_CASES = [
    ("no case", [ev(1, "reported_to_police", "2010-03-02")], INCIDENT, None),
    ("case opened 4 days later", [ev(1, "case_opened", "2010-03-05")], INCIDENT, 4),
    (
        "the first opening counts",
        [ev(1, "case_opened", "2010-04-01"), ev(2, "case_opened", "2010-03-05")],
        INCIDENT,
        4,
    ),
    ("incident date unknown", [ev(1, "case_opened", "2010-03-05")], None, None),
    (
        "opened before the incident: not a duration",
        [ev(1, "case_opened", "2010-02-01")],
        INCIDENT,
        None,
    ),
    (
        "opening corrected",
        [ev(1, "case_opened", "2010-03-05"), ev(2, "case_opened", "2010-03-31", supersedes=1)],
        INCIDENT,
        30,
    ),
]


@pytest.mark.parametrize(
    ("case", "events", "incident", "days"), DAYS_CASES, ids=[c[0] for c in DAYS_CASES]
)
def test_days_to_case_opening(
    case: str, events: list[Event], incident: datetime.date | None, days: int | None
) -> None:
    assert status(*events, incident=incident).days_to_case_opening == days


STALL_CASES = [
    ("no events is not stalled", [], 12, False),
    ("last event 13 months ago", [ev(1, "case_opened", "2011-05-01")], 12, True),
    ("last event 11 months ago", [ev(1, "case_opened", "2011-07-01")], 12, False),
    ("a shorter threshold", [ev(1, "case_opened", "2011-07-01")], 6, True),
    ("a closed case never stalls", [ev(1, "closed", "2010-05-01")], 12, False),
    (
        "a verdict ends the case",
        [ev(1, "verdict", "2010-05-01", verdict_outcome="convicted")],
        12,
        False,
    ),
    (
        "an appeal reopens it",
        [
            ev(1, "verdict", "2010-05-01", verdict_outcome="convicted"),
            ev(2, "appeal", "2010-06-01"),
        ],
        12,
        True,
    ),
    ("a suspended case stalls", [ev(1, "suspended", "2010-05-01")], 12, True),
    (
        "a statement keeps it alive",
        [ev(1, "case_opened", "2010-05-01"), ev(2, "official_statement", "2012-01-01")],
        12,
        False,
    ),
]


@pytest.mark.parametrize(
    ("case", "events", "months", "stalled"), STALL_CASES, ids=[c[0] for c in STALL_CASES]
)
def test_stalled(case: str, events: list[Event], months: int, stalled: bool) -> None:
    assert status(*events, stall=months).stalled is stalled


PROBLEM_CASES = [
    ("clean", [ev(1, "case_opened", "2010-03-05"), ev(2, "charged", "2010-05-01")], ()),
    ("event before the incident", [ev(1, "case_opened", "2010-02-05")], ("event_before_incident",)),
    ("charged without a case", [ev(1, "charged", "2010-05-01")], ("charged_without_case",)),
    (
        "sentence without conviction",
        [
            ev(1, "case_opened", "2010-03-05"),
            ev(2, "verdict", "2011-01-01", verdict_outcome="acquitted"),
            ev(3, "sentence", "2011-01-02"),
        ],
        ("sentence_without_conviction",),
    ),
    (
        "motive qualified and not on one day",
        [ev(1, "motive_qualified", "2010-03-10"), ev(2, "motive_not_qualified", "2010-03-10")],
        ("motive_contradiction",),
    ),
    (
        "a correction removes the contradiction",
        [ev(1, "case_opened", "2010-02-05"), ev(2, "case_opened", "2010-03-05", supersedes=1)],
        (),
    ),
]


@pytest.mark.parametrize(
    ("case", "events", "problems"), PROBLEM_CASES, ids=[c[0] for c in PROBLEM_CASES]
)
def test_contradictions_are_reported(
    case: str, events: list[Event], problems: tuple[str, ...]
) -> None:
    assert status(*events).problems == problems


def test_superseded_events_stay_in_the_history() -> None:
    result = status(ev(1, "case_opened", "2010-03-05"), ev(2, "closed", "2010-04-01", supersedes=1))
    assert result.superseded == {1}
    assert [event.id for event in result.effective] == [2]


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        ("2010-01-31", "2010-02-28", 0),
        ("2010-01-15", "2010-02-15", 1),
        ("2010-05-01", "2010-01-01", 0),
    ],
)
def test_months_between_counts_whole_months(start: str, end: str, months: int) -> None:
    assert months_between(d(start), d(end)) == months
