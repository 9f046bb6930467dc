"""Derive a case's status from its append-only list of response events.

Nothing derived here is stored: the current stage, the days from the incident to the opening of a
case, whether the hate motive was recognised at charge and at verdict, and whether the case has
stalled are recomputed from the events every time, so a correction (a new event that supersedes
an earlier one) changes them without rewriting history.

Events arrive in any order and may contradict each other. They are read in date order; on one
day a later procedural step counts as the later event. Contradictions are reported as problem
codes rather than hidden.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# The stage a case is in after an event of each kind; statements move nothing.
STAGE_AFTER = {
    "reported_to_police": "reported",
    "refusal_to_open": "refused",
    "case_opened": "investigation",
    "motive_qualified": "investigation",
    "motive_not_qualified": "investigation",
    "motive_dropped": "investigation",
    "motive_added": "investigation",
    "suspect_identified": "suspect",
    "detained": "suspect",
    "charged": "charged",
    "sent_to_court": "trial",
    "sentence": "convicted",
    "appeal": "appeal",
    "suspended": "suspended",
    "closed": "closed",
}
VERDICT_STAGES = {"convicted": "convicted", "acquitted": "acquitted", "dismissed": "dismissed"}
NO_STAGE = "documented"
MOTIVE_ON = frozenset({"motive_qualified", "motive_added"})
MOTIVE_OFF = frozenset({"motive_not_qualified", "motive_dropped"})
# Kinds that presuppose an opened case.
AFTER_OPENING = frozenset({"charged", "sent_to_court", "verdict", "sentence", "appeal"})
OPENING = frozenset(
    {"case_opened", "motive_qualified", "motive_not_qualified", "motive_dropped", "motive_added"}
    | {"suspect_identified", "detained"}
)

PROBLEM_EVENT_BEFORE_INCIDENT = "event_before_incident"
PROBLEM_CHARGED_WITHOUT_CASE = "charged_without_case"
PROBLEM_SENTENCE_WITHOUT_CONVICTION = "sentence_without_conviction"
PROBLEM_MOTIVE_CONTRADICTION = "motive_contradiction"
PROBLEMS = (
    PROBLEM_EVENT_BEFORE_INCIDENT,
    PROBLEM_CHARGED_WITHOUT_CASE,
    PROBLEM_SENTENCE_WITHOUT_CONVICTION,
    PROBLEM_MOTIVE_CONTRADICTION,
)


@dataclass(frozen=True)
class Event:
    """One response event as the derivation needs it."""

    id: int
    kind: str
    date: datetime.date
    supersedes: int | None = None
    articles: tuple[str, ...] = ()
    verdict_outcome: str = ""
    motive_recognised: bool | None = None


@dataclass(frozen=True)
class EventRules:
    """What the vocabularies say: each kind's procedural rank, the kinds that end a case, and
    the legal articles that carry the hate motive."""

    rank: Mapping[str, int | None]
    terminal: frozenset[str]
    hate_articles: frozenset[str]


@dataclass(frozen=True)
class ResponseStatus:
    stage: str
    stage_since: datetime.date | None
    last_event_date: datetime.date | None
    case_opened_on: datetime.date | None
    days_to_case_opening: int | None
    motive_at_charge: bool | None
    motive_at_verdict: bool | None
    motive_now: bool | None
    terminal: bool
    stalled: bool
    months_without_event: int | None
    problems: tuple[str, ...]
    effective: tuple[Event, ...] = field(repr=False)
    superseded: frozenset[int] = field(repr=False)


def effective_events(events: Iterable[Event], rules: EventRules) -> tuple[list[Event], set[int]]:
    """The events still in force (not superseded by a correction), in reading order."""
    events = list(events)
    superseded = {event.supersedes for event in events if event.supersedes is not None}
    kept = [event for event in events if event.id not in superseded]
    kept.sort(key=lambda event: (event.date, rules.rank.get(event.kind) or 0, event.id))
    return kept, superseded


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole calendar months from start to end (0 when end is before start)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def _stage_after(event: Event) -> str | None:
    if event.kind == "verdict":
        return VERDICT_STAGES.get(event.verdict_outcome, "trial")
    return STAGE_AFTER.get(event.kind)


def response_status(
    events: Iterable[Event],
    *,
    rules: EventRules,
    incident_date: datetime.date | None,
    today: datetime.date,
    stall_months: int,
) -> ResponseStatus:
    kept, superseded = effective_events(events, rules)
    stage, stage_since, stage_kind = NO_STAGE, None, ""
    motive_now: bool | None = None
    motive_at_charge: bool | None = None
    motive_at_verdict: bool | None = None
    case_opened_on: datetime.date | None = None
    opened = convicted = False
    problems: set[str] = set()
    motive_days: dict[datetime.date, set[bool]] = {}
    for event in kept:
        if incident_date is not None and event.date < incident_date:
            problems.add(PROBLEM_EVENT_BEFORE_INCIDENT)
        if event.articles:
            motive_now = any(code in rules.hate_articles for code in event.articles)
        if event.kind in MOTIVE_ON:
            motive_now = True
            motive_days.setdefault(event.date, set()).add(True)
        elif event.kind in MOTIVE_OFF:
            motive_now = False
            motive_days.setdefault(event.date, set()).add(False)
        if event.kind in OPENING:
            opened = True
            if event.kind == "case_opened" and case_opened_on is None:
                case_opened_on = event.date
        elif event.kind in AFTER_OPENING and not opened:
            problems.add(PROBLEM_CHARGED_WITHOUT_CASE)
            opened = True
        if event.kind == "charged":
            motive_at_charge = motive_now
        elif event.kind == "verdict":
            convicted = event.verdict_outcome == "convicted"
            if event.motive_recognised is not None:
                motive_at_verdict = event.motive_recognised
            elif event.articles:
                motive_at_verdict = any(code in rules.hate_articles for code in event.articles)
            else:
                motive_at_verdict = None
        elif event.kind == "sentence" and not convicted:
            problems.add(PROBLEM_SENTENCE_WITHOUT_CONVICTION)
        after = _stage_after(event)
        if after is not None:
            stage, stage_since, stage_kind = after, event.date, event.kind
    if any(len(values) > 1 for values in motive_days.values()):
        problems.add(PROBLEM_MOTIVE_CONTRADICTION)
    days = None
    if case_opened_on is not None and incident_date is not None:
        days = (case_opened_on - incident_date).days
        if days < 0:
            days = None
    last = kept[-1].date if kept else None
    terminal = stage_kind in rules.terminal
    months = months_between(last, today) if last else None
    stalled = months is not None and not terminal and months >= stall_months
    return ResponseStatus(
        stage=stage,
        stage_since=stage_since,
        last_event_date=last,
        case_opened_on=case_opened_on,
        days_to_case_opening=days,
        motive_at_charge=motive_at_charge,
        motive_at_verdict=motive_at_verdict,
        motive_now=motive_now,
        terminal=terminal,
        stalled=stalled,
        months_without_event=months,
        problems=tuple(code for code in PROBLEMS if code in problems),
        effective=tuple(kept),
        superseded=frozenset(superseded),
    )
