"""The home page: what needs the user now, this year's counts beside last year's, and what
changed lately in the user's organisation.

It reads from most apps, which is why it lives here, above them all but the API and the demo
(docs/development.md, "Layers"). Each item of the list of what needs attention is shown only to
the roles that may deal with it (dozor.accounts.policy), counts it in one query stopped after
ATTENTION_CAP + 1 rows, and links to the page where it is dealt with. Recent activity names
incidents by their reference, type and region, never by their title or summary: those are free
text, which can name a victim, and the page is every role's.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from dozor.accounts.models import User
from dozor.accounts.policy import may
from dozor.estimation.selectors import runs_cautioned
from dozor.intake.selectors import batches_visible, quarantine_visible
from dozor.linkage.selectors import review_queue_waiting
from dozor.records.models import Incident
from dozor.records.selectors import incidents_visible
from dozor.responses.selectors import open_statuses, raisings_visible
from dozor.submissions.selectors import QUEUE_FILTERS, submissions_visible
from dozor.vocab.geography import region_name
from dozor.vocab.registry import vocabulary

# A count above this reads "99+": the page counts no further, however long a queue grows.
ATTENTION_CAP = 99
# Estimate runs are looked at for cautions when they finished within this many days, the latest
# this many of them.
CAUTION_DAYS = 30
CAUTION_RUNS = 20
ACTIVITY_ROWS = 10


@dataclass(frozen=True)
class AttentionItem:
    """One thing waiting for the user: how many, in words, and where it is dealt with."""

    key: str
    count: int
    text: str
    url: str

    @property
    def capped(self) -> bool:
        return self.count > ATTENTION_CAP

    @property
    def shown_count(self) -> str:
        return f"{ATTENTION_CAP}+" if self.capped else str(self.count)


def capped_count(rows: QuerySet[Any]) -> int:
    """How many rows, counting no further than one past ATTENTION_CAP."""
    return rows.order_by()[: ATTENTION_CAP + 1].count()


def _item(key: str, count: int, message: Promise, url: str) -> AttentionItem | None:
    """The item, or None when nothing waits. ``message`` is what waits, in the plural form
    ``number`` asks for; the page sets the figure before it."""
    if count == 0:
        return None
    return AttentionItem(key=key, count=count, text=str(message % {"number": count}), url=url)


def attention_items(user: User, *, today: datetime.date) -> list[AttentionItem]:
    """What waits for the user and their role may deal with; nothing that is waiting is left out
    as an empty line."""
    items: list[AttentionItem | None] = []
    if may(user, "dialogue.write"):
        overdue = raisings_visible(user).filter(status__in=open_statuses(), follow_up_due__lt=today)
        items.append(
            _item(
                "follow_ups",
                capped_count(overdue),
                ngettext_lazy(
                    "follow-up with an official is overdue",
                    "follow-ups with officials are overdue",
                    "number",
                ),
                reverse("responses:follow_ups"),
            )
        )
    if may(user, "linkage.use"):
        items.append(
            _item(
                "linkage",
                capped_count(review_queue_waiting(user)),
                ngettext_lazy(
                    "pair of reports to review in the linkage queue",
                    "pairs of reports to review in the linkage queue",
                    "number",
                ),
                reverse("linkage:queue"),
            )
        )
    if may(user, "source_list.write"):
        items.append(
            _item(
                "quarantine",
                capped_count(quarantine_visible(user)),
                ngettext_lazy(
                    "imported row waits in quarantine",
                    "imported rows wait in quarantine",
                    "number",
                ),
                reverse("intake:quarantine_list"),
            )
        )
    if may(user, "submissions.triage"):
        waiting = submissions_visible(user).filter(status__in=QUEUE_FILTERS["open"])
        items.append(
            _item(
                "triage",
                capped_count(waiting),
                ngettext_lazy(
                    "submission waits for triage",
                    "submissions wait for triage",
                    "number",
                ),
                reverse("submissions:queue"),
            )
        )
    if may(user, "estimate.publish"):
        since = timezone.now() - datetime.timedelta(days=CAUTION_DAYS)
        cautioned = runs_cautioned(user, since=since, limit=CAUTION_RUNS)
        # One run is opened directly; several on the list of runs.
        url = (
            reverse("estimation:run_detail", args=[cautioned[0].pk])
            if len(cautioned) == 1
            else reverse("estimation:run_list")
        )
        items.append(
            _item(
                "cautions",
                len(cautioned),
                ngettext_lazy(
                    "estimate run finished with cautions",
                    "estimate runs finished with cautions",
                    "number",
                ),
                url,
            )
        )
    return [item for item in items if item is not None]


@dataclass(frozen=True)
class YearRow:
    label: Promise
    this_year: int
    same_time_last_year: int
    last_year: int


@dataclass(frozen=True)
class YearCounts:
    this_year: int
    last_year: int
    today: datetime.date
    rows: list[YearRow]


COUNTED = (
    ("incidents", _("Incidents")),
    ("killed", _("Killed")),
    ("injured", _("Injured")),
    ("defenders", _("Acts against defenders and organisations")),
)


def year_counts(user: User, *, today: datetime.date) -> YearCounts:
    """This year's counts so far, last year's up to the same day, and last year's in full, of
    the incidents the user may see: one query."""
    this_year = today.year
    periods = {
        "this": Q(date_start__gte=datetime.date(this_year, 1, 1), date_start__lte=today),
        "same": Q(
            date_start__gte=datetime.date(this_year - 1, 1, 1),
            date_start__lte=_a_year_before(today),
        ),
        "last": Q(
            date_start__gte=datetime.date(this_year - 1, 1, 1),
            date_start__lte=datetime.date(this_year - 1, 12, 31),
        ),
    }
    aggregates: dict[str, Any] = {}
    for period, within in periods.items():
        aggregates[f"incidents_{period}"] = Count("id", filter=within)
        aggregates[f"killed_{period}"] = Sum("killed", filter=within)
        aggregates[f"injured_{period}"] = Sum("injured", filter=within)
        aggregates[f"defenders_{period}"] = Count("id", filter=within & Q(defender_targeted=True))
    found = (
        incidents_visible(user)
        .filter(date_start__gte=datetime.date(this_year - 1, 1, 1), date_start__lte=today)
        .order_by()
        .aggregate(**aggregates)
    )
    rows = [
        YearRow(
            label=label,
            this_year=int(found[f"{key}_this"] or 0),
            same_time_last_year=int(found[f"{key}_same"] or 0),
            last_year=int(found[f"{key}_last"] or 0),
        )
        for key, label in COUNTED
    ]
    return YearCounts(this_year=this_year, last_year=this_year - 1, today=today, rows=rows)


def _a_year_before(day: datetime.date) -> datetime.date:
    """The same day a year before; 29 February gives the 28th."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Activity:
    """One recent change in the organisation: what, which record, by whom, when, and a link."""

    at: datetime.datetime
    text: str
    record: str
    by: str
    url: str


def _term(name: str, code: str, language: str) -> str:
    terms = vocabulary(name)
    return terms.term(code).label(language) if code in terms else code


def recent_activity(user: User, *, language: str) -> list[Activity]:
    """The latest incidents recorded or changed and imports run in the user's organisation, of
    what the user may see: two queries. An incident is named by its reference, type and
    region, never by its free text."""
    if user.organisation_id is None:
        return []
    incidents = (
        incidents_visible(user)
        .filter(organisation_id=user.organisation_id)
        .select_related("updated_by")
        .only(
            "reference",
            "incident_type",
            "region",
            "created_at",
            "updated_at",
            "updated_by__username",
        )
        .order_by("-updated_at", "-id")[:ACTIVITY_ROWS]
    )
    activity = [_incident_activity(incident, language) for incident in incidents]
    batches = (
        batches_visible(user)
        .only(
            "created_at",
            "finished_at",
            "stored",
            "quarantined",
            "source_list__name",
            "created_by__username",
        )
        .order_by("-created_at", "-id")[:ACTIVITY_ROWS]
    )
    for batch in batches:
        activity.append(
            Activity(
                at=batch.finished_at or batch.created_at,
                text=str(
                    _("Import into %(source)s: %(stored)s stored, %(quarantined)s quarantined")
                )
                % {
                    "source": batch.source_list.name,
                    "stored": batch.stored,
                    "quarantined": batch.quarantined,
                },
                record="",
                by=batch.created_by.username if batch.created_by else "",
                url=reverse("intake:import_detail", args=[batch.pk]),
            )
        )
    activity.sort(key=lambda item: item.at, reverse=True)
    return activity[:ACTIVITY_ROWS]


def _incident_activity(incident: Incident, language: str) -> Activity:
    # A change within a minute of the recording is the recording itself (the service saves the
    # incident again with its biases and people).
    recorded = incident.updated_at - incident.created_at < datetime.timedelta(minutes=1)
    what = _("Recorded") if recorded else _("Changed")
    kind = _term("incident_type", incident.incident_type, language)
    place = region_name(incident.region, language) if incident.region else ""
    return Activity(
        at=incident.updated_at,
        text=f"{what}: {kind}" + (f", {place}" if place else ""),
        record=incident.reference,
        by=incident.updated_by.username if incident.updated_by else "",
        url=reverse("records:incident_detail", args=[incident.reference]),
    )
