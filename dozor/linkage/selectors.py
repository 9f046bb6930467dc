"""Reads for linkage, filtered by what the asking user may see."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import User
from dozor.lib.word_diff import Piece, word_diff
from dozor.linkage.models import (
    AcceptBatch,
    CandidatePair,
    Decision,
    LinkageRun,
    LinkDecision,
)
from dozor.records.models import Report
from dozor.records.redaction import text_redacted
from dozor.records.selectors import incidents_visible
from dozor.records.services import _pseudonym

# The report fields shown side by side in review, in order, with their labels.
COMPARED_FIELDS = [
    ("date", _("Date")),
    ("date_precision", _("Date precision")),
    ("region", _("Region")),
    ("locality", _("Locality")),
    ("incident_type", _("Incident type")),
    ("bias_motivations", _("Bias motivations")),
    ("killed", _("Killed")),
    ("injured", _("Injured")),
    ("victims", _("Victims")),
    ("title", _("Title")),
    ("summary", _("Summary")),
]


MSG_TEXT_WITHHELD = _("Withheld: this text can name people, and you may not see names.")

# Free-text fields of a report: they can name people, so they follow the names rule.
FREE_TEXT_FIELDS = frozenset({"title", "summary"})


def reports_linkable(user: User | AnonymousUser) -> QuerySet[Report]:
    """Reports of the user's own organisation's source lists: all that linkage may touch.

    Linkage runs, pairs, decisions and links stay inside the organisation that owns the reports.
    Reading another organisation's public incident never makes its reports linkable: coalition
    linkage across organisations is for explicit sharing. A report linked to an incident the user
    may not see (a confidential one, for a reader) is left out too.
    """
    if not isinstance(user, User) or not user.is_active or user.organisation_id is None:
        return Report.objects.none()
    unseen = Q(incident_link__isnull=False) & ~Q(
        incident_link__incident__in=incidents_visible(user)
    )
    return Report.objects.filter(source_list__organisation_id=user.organisation_id).exclude(unseen)


def report_names_visible(user: User | AnonymousUser, report: Report) -> bool:
    """Whether the user sees the names of the people in this report (else pseudonyms).

    The same rule as for incidents (names_visible): the owning organisation's trusted roles, and
    its analysts and readers with the name grant; other organisations never.
    """
    return isinstance(user, User) and user.sees_names_of(report.source_list.organisation_id)


def summary_shown(user: User | AnonymousUser, report: Report, name: str = "summary") -> str | None:
    """A report's free text (its summary, or title) as this user may see it; None when withheld.

    Free text can name people: it is whole for those who may see the report's names, and
    redacted for the rest of the owning organisation (its victims' names become the pseudonyms
    the pair page gives them, any other person natasha finds "[name]"; records.redaction).
    Another organisation's reports never reach linkage pages: their text is withheld.
    """
    if name not in FREE_TEXT_FIELDS:
        raise ValueError(f"{name} is not a free-text field of a report")
    fields = report.fields if isinstance(report.fields, dict) else {}
    value = fields.get(name)
    text = "" if value is None else str(value)
    if report_names_visible(user, report):
        return text
    if not isinstance(user, User) or user.organisation_id != report.source_list.organisation_id:
        return None
    victims = fields.get("victims")
    people = (
        [victim for victim in victims if isinstance(victim, dict)]
        if isinstance(victims, list)
        else []
    )
    # Numbered as _victims_text numbers them, so that the text and the victims row agree.
    names = [
        (str(victim["name"]), _pseudonym("victim", position))
        for position, victim in enumerate(people)
        if victim.get("name")
    ]
    return str(text_redacted(text, names))


def latest_run(user: User | AnonymousUser) -> LinkageRun | None:
    if not isinstance(user, User) or user.organisation_id is None:
        return None
    return LinkageRun.objects.filter(organisation_id=user.organisation_id).first()


def batches_visible(user: User | AnonymousUser) -> QuerySet[AcceptBatch]:
    """The accepted batches of the user's organisation, newest first; none of another's."""
    if not isinstance(user, User) or not user.is_active or user.organisation_id is None:
        return AcceptBatch.objects.none()
    return AcceptBatch.objects.filter(organisation_id=user.organisation_id).select_related(
        "created_by", "undone_by", "run"
    )


def current_decisions(
    report_ids: set[int], *, organisation_id: int | None
) -> dict[tuple[int, int], LinkDecision]:
    """The organisation's latest decision on each pair among these reports.

    Another organisation's decisions on the same reports do not count: they neither take a pair
    out of this organisation's queue nor train its runs.
    """
    latest: dict[tuple[int, int], LinkDecision] = {}
    if organisation_id is None:
        return latest
    rows = LinkDecision.objects.filter(
        organisation_id=organisation_id, report_a__in=report_ids, report_b__in=report_ids
    ).order_by("report_a", "report_b", "-id")
    for decision in rows:
        latest.setdefault((decision.report_a_id, decision.report_b_id), decision)
    return latest


def _organisation_id(user: User | AnonymousUser) -> int | None:
    return user.organisation_id if isinstance(user, User) else None


@dataclass
class QueueEntry:
    candidate: CandidatePair
    decision: LinkDecision | None
    title_a: str | None = None  # the reports' titles as the user may see them (None: withheld)
    title_b: str | None = None


def review_queue(
    user: User | AnonymousUser, *, include_decided: bool = False, titles: bool = True
) -> list[QueueEntry]:
    """Candidate pairs of the latest run whose reports are both linkable, strongest first.

    Pairs already decided as the same or different incidents, and pairs already in one incident,
    leave the queue unless `include_decided`; pairs marked unsure stay in it. Without `titles`
    the entries carry no titles (reading them can mean redacting each one).
    """
    run = latest_run(user)
    if run is None:
        return []
    visible = set(reports_linkable(user).values_list("id", flat=True))
    candidates = [
        c
        for c in run.candidates.select_related(
            "report_a__source_list",
            "report_b__source_list",
            "report_a__incident_link",
            "report_b__incident_link",
        )
        if c.report_a_id in visible and c.report_b_id in visible
    ]
    ids = {c.report_a_id for c in candidates} | {c.report_b_id for c in candidates}
    decisions = current_decisions(ids, organisation_id=_organisation_id(user))
    entries = []
    for candidate in candidates:
        decision = decisions.get((candidate.report_a_id, candidate.report_b_id))
        if not include_decided:
            if decision is not None and decision.decision != Decision.UNSURE:
                continue
            if _same_incident(candidate.report_a, candidate.report_b):
                continue
        if not titles:
            entries.append(QueueEntry(candidate, decision))
            continue
        entries.append(
            QueueEntry(
                candidate,
                decision,
                summary_shown(user, candidate.report_a, "title"),
                summary_shown(user, candidate.report_b, "title"),
            )
        )
    return entries


def queue_next(user: User | AnonymousUser, candidate: CandidatePair) -> CandidatePair | None:
    """The pair to review after `candidate`: the next one waiting in the queue's order (its
    strongest first), else the first one waiting before it; None when no other pair waits.

    A pair marked unsure stays in the queue, so "the first pair waiting" would give it again.
    """
    waiting = [
        entry.candidate
        for entry in review_queue(user, titles=False)
        if entry.candidate.pk != candidate.pk
    ]

    def place(pair: CandidatePair) -> tuple[float, int]:
        return (-pair.match_probability, pair.pk)

    later = [pair for pair in waiting if place(pair) > place(candidate)]
    following = later or waiting
    return following[0] if following else None


def _incident_id(report: Report) -> int | None:
    try:
        return report.incident_link.incident_id
    except Report.incident_link.RelatedObjectDoesNotExist:
        return None


def _same_incident(first: Report, second: Report) -> bool:
    incident = _incident_id(first)
    return incident is not None and incident == _incident_id(second)


def candidate_get(user: User | AnonymousUser, pk: int) -> CandidatePair:
    """One candidate pair whose reports are both linkable, or CandidatePair.DoesNotExist."""
    run = latest_run(user)
    if run is None:
        raise CandidatePair.DoesNotExist
    candidate = CandidatePair.objects.select_related(
        "report_a__source_list", "report_b__source_list"
    ).get(run=run, pk=pk)
    visible = reports_linkable(user).filter(id__in=[candidate.report_a_id, candidate.report_b_id])
    if visible.count() != 2:
        raise CandidatePair.DoesNotExist
    return candidate


def pair_differences(
    user: User | AnonymousUser, first: Report, second: Report
) -> list[dict[str, Any]]:
    """The compared fields of two reports side by side, each marked if the values differ, and
    each side as pieces whose differing words are marked (dozor.lib.word_diff).

    Victims appear by name only to those who may see the report's names (otherwise by pseudonym),
    and free text only through summary_shown(): the words are compared as the user sees them.
    """
    rows = []
    for name, label in COMPARED_FIELDS:
        left, right = first.fields.get(name), second.fields.get(name)
        if name == "victims":
            left = _victims_text(left, named=report_names_visible(user, first))
            right = _victims_text(right, named=report_names_visible(user, second))
        elif name in FREE_TEXT_FIELDS:
            left = _free_text(summary_shown(user, first, name))
            right = _free_text(summary_shown(user, second, name))
        elif isinstance(left, list) or isinstance(right, list):
            left, right = ", ".join(left or []), ", ".join(right or [])
        left = "" if left is None else str(left)
        right = "" if right is None else str(right)
        differs = left != right
        pieces: tuple[list[Piece], list[Piece]] = (
            word_diff(left, right) if differs else ([Piece(left, False)], [Piece(right, False)])
        )
        rows.append(
            {
                "label": label,
                "left": left,
                "right": right,
                "differs": differs,
                "left_pieces": pieces[0],
                "right_pieces": pieces[1],
            }
        )
    return rows


def _free_text(shown: str | None) -> str:
    return str(MSG_TEXT_WITHHELD) if shown is None else shown


def _victims_text(victims: Any, *, named: bool) -> str:
    if not isinstance(victims, list):
        return ""
    parts = []
    people = [victim for victim in victims if isinstance(victim, dict)]
    for position, victim in enumerate(people):
        details = ", ".join(
            str(victim[key]) for key in ("sex", "age") if victim.get(key) not in (None, "")
        )
        label = (victim.get("name") or "—") if named else _pseudonym("victim", position)
        parts.append(f"{label}" + (f" ({details})" if details else ""))
    return "; ".join(parts)


@dataclass
class Cluster:
    reports: list[Report]
    incident_ids: set[int]
    titles: list[str | None] = field(default_factory=list)  # per report, as summary_shown()

    @property
    def titled(self) -> list[tuple[Report, str | None]]:
        return list(zip(self.reports, self.titles, strict=True))


def confirmed_clusters(user: User | AnonymousUser) -> list[Cluster]:
    """Groups of linkable reports joined by the organisation's confirmed decisions.

    Only groups that are not already exactly the reports of one incident are returned: they are
    what still has to become an incident or join one.
    """
    reports = {
        r.id: r
        for r in reports_linkable(user).select_related("source_list", "incident_link__incident")
    }
    decisions = current_decisions(set(reports), organisation_id=_organisation_id(user))
    parent: dict[int, int] = {}

    def find(item: int) -> int:
        while parent.get(item, item) != item:
            item = parent[item]
        return item

    for (a, b), decision in decisions.items():
        if decision.decision == Decision.MATCH and a in reports and b in reports:
            root_a, root_b = find(a), find(b)
            if root_a != root_b:
                parent[max(root_a, root_b)] = min(root_a, root_b)
    groups: dict[int, list[Report]] = defaultdict(list)
    for report_id in {i for pair in decisions for i in pair if i in reports}:
        groups[find(report_id)].append(reports[report_id])
    clusters = []
    for members in groups.values():
        if len(members) < 2:
            continue
        incidents = {i for i in (_incident_id(r) for r in members) if i is not None}
        complete = len(incidents) == 1 and all(_incident_id(r) is not None for r in members)
        if complete:
            continue
        members = sorted(members, key=lambda r: r.id)
        titles = [summary_shown(user, r, "title") for r in members]
        clusters.append(Cluster(members, incidents, titles))
    return sorted(clusters, key=lambda c: c.reports[0].id)


def review_queue_waiting(user: User | AnonymousUser) -> QuerySet[CandidatePair]:
    """The pairs review_queue() lists, as one query to count (the home page's figure): the
    latest run's pairs of linkable reports whose latest decision is none or unsure and whose
    reports are not already in one incident."""
    organisation_id = _organisation_id(user)
    if organisation_id is None:
        return CandidatePair.objects.none()
    latest = LinkageRun.objects.filter(organisation_id=organisation_id).order_by(
        "-started_at", "-id"
    )
    linkable = reports_linkable(user).values("pk")
    decided = LinkDecision.objects.filter(
        organisation_id=organisation_id,
        report_a_id=OuterRef("report_a_id"),
        report_b_id=OuterRef("report_b_id"),
    ).order_by("-id")
    return (
        CandidatePair.objects.filter(
            run_id=Subquery(latest.values("pk")[:1]),
            report_a__in=linkable,
            report_b__in=linkable,
        )
        .annotate(
            decision=Subquery(decided.values("decision")[:1]),
            incident_a=F("report_a__incident_link__incident_id"),
            incident_b=F("report_b__incident_link__incident_id"),
        )
        .filter(Q(decision__isnull=True) | Q(decision=Decision.UNSURE))
        .filter(
            Q(incident_a__isnull=True)
            | Q(incident_b__isnull=True)
            | Q(incident_a__lt=F("incident_b"))
            | Q(incident_a__gt=F("incident_b"))
        )
    )
