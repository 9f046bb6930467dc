"""Reads for linkage, filtered by what the asking user may see."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from dozor.linkage.models import CandidatePair, Decision, LinkageRun, LinkDecision
from dozor.records.models import Report
from dozor.records.selectors import incidents_visible
from dozor.security.models import User

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


def reports_visible(user: User | AnonymousUser) -> QuerySet[Report]:
    """Reports of the user's organisation's own lists, and reports of incidents they may see."""
    if not user.is_authenticated or not user.is_active:
        return Report.objects.none()
    assert isinstance(user, User)
    visible = Q(incident_link__incident__in=incidents_visible(user))
    if user.organisation_id is not None:
        visible |= Q(source_list__organisation_id=user.organisation_id)
    return Report.objects.filter(visible).distinct()


def latest_run(user: User | AnonymousUser) -> LinkageRun | None:
    if not isinstance(user, User) or user.organisation_id is None:
        return None
    return LinkageRun.objects.filter(organisation_id=user.organisation_id).first()


def current_decisions(report_ids: set[int]) -> dict[tuple[int, int], LinkDecision]:
    """The latest decision on each pair among these reports."""
    latest: dict[tuple[int, int], LinkDecision] = {}
    rows = LinkDecision.objects.filter(report_a__in=report_ids, report_b__in=report_ids).order_by(
        "report_a", "report_b", "-id"
    )
    for decision in rows:
        latest.setdefault((decision.report_a_id, decision.report_b_id), decision)
    return latest


@dataclass
class QueueEntry:
    candidate: CandidatePair
    decision: LinkDecision | None


def review_queue(user: User | AnonymousUser, *, include_decided: bool = False) -> list[QueueEntry]:
    """Candidate pairs of the latest run that both reports of are visible, strongest first.

    Pairs already decided as the same or different incidents, and pairs already in one incident,
    leave the queue unless `include_decided`; pairs marked unsure stay in it.
    """
    run = latest_run(user)
    if run is None:
        return []
    visible = set(reports_visible(user).values_list("id", flat=True))
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
    decisions = current_decisions(ids)
    entries = []
    for candidate in candidates:
        decision = decisions.get((candidate.report_a_id, candidate.report_b_id))
        if not include_decided:
            if decision is not None and decision.decision != Decision.UNSURE:
                continue
            if _same_incident(candidate.report_a, candidate.report_b):
                continue
        entries.append(QueueEntry(candidate, decision))
    return entries


def _incident_id(report: Report) -> int | None:
    try:
        return report.incident_link.incident_id
    except Report.incident_link.RelatedObjectDoesNotExist:
        return None


def _same_incident(first: Report, second: Report) -> bool:
    incident = _incident_id(first)
    return incident is not None and incident == _incident_id(second)


def candidate_get(user: User | AnonymousUser, pk: int) -> CandidatePair:
    """One candidate pair whose reports the user may both see, or CandidatePair.DoesNotExist."""
    run = latest_run(user)
    if run is None:
        raise CandidatePair.DoesNotExist
    candidate = CandidatePair.objects.select_related(
        "report_a__source_list", "report_b__source_list"
    ).get(run=run, pk=pk)
    visible = reports_visible(user).filter(id__in=[candidate.report_a_id, candidate.report_b_id])
    if visible.count() != 2:
        raise CandidatePair.DoesNotExist
    return candidate


def pair_differences(first: Report, second: Report) -> list[dict[str, Any]]:
    """The compared fields of two reports side by side, each marked if the values differ."""
    rows = []
    for name, label in COMPARED_FIELDS:
        left, right = first.fields.get(name), second.fields.get(name)
        if name == "victims":
            left, right = _victims_text(left), _victims_text(right)
        elif isinstance(left, list) or isinstance(right, list):
            left, right = ", ".join(left or []), ", ".join(right or [])
        left = "" if left is None else str(left)
        right = "" if right is None else str(right)
        rows.append({"label": label, "left": left, "right": right, "differs": left != right})
    return rows


def _victims_text(victims: Any) -> str:
    if not isinstance(victims, list):
        return ""
    parts = []
    for victim in victims:
        if isinstance(victim, dict):
            details = ", ".join(
                str(victim[key]) for key in ("sex", "age") if victim.get(key) not in (None, "")
            )
            parts.append(f"{victim.get('name') or '—'}" + (f" ({details})" if details else ""))
    return "; ".join(parts)


@dataclass
class Cluster:
    reports: list[Report]
    incident_ids: set[int]


def confirmed_clusters(user: User | AnonymousUser) -> list[Cluster]:
    """Groups of visible reports joined by confirmed decisions (their latest is "match").

    Only groups that are not already exactly the reports of one incident are returned: they are
    what still has to become an incident or join one.
    """
    reports = {r.id: r for r in reports_visible(user).select_related("source_list")}
    decisions = current_decisions(set(reports))
    parent: dict[int, int] = {}

    def find(item: int) -> int:
        while parent.get(item, item) != item:
            item = parent[item]
        return item

    for (a, b), decision in decisions.items():
        if decision.decision == Decision.MATCH:
            root_a, root_b = find(a), find(b)
            if root_a != root_b:
                parent[max(root_a, root_b)] = min(root_a, root_b)
    groups: dict[int, list[Report]] = defaultdict(list)
    for report_id in {i for pair in decisions for i in pair}:
        groups[find(report_id)].append(reports[report_id])
    clusters = []
    for members in groups.values():
        if len(members) < 2:
            continue
        incidents = {i for i in (_incident_id(r) for r in members) if i is not None}
        complete = len(incidents) == 1 and all(_incident_id(r) is not None for r in members)
        if complete:
            continue
        clusters.append(Cluster(sorted(members, key=lambda r: r.id), incidents))
    return sorted(clusters, key=lambda c: c.reports[0].id)
