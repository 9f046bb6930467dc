"""Accepting the model's groups of a linkage run as incidents, and undoing such a batch.

The groups are formed from the run's stored candidate pairs at or above a probability with
``clusters_from_pairs``: the organisation's reviewed decisions win over any score (a "same
incident" joins, a "different incidents" separates), two reports of one list join only on their
own evidence, and reports already in one incident stay together. Each group that holds no
incident becomes one; a report in no group becomes an incident of its own; a group that holds
reports of exactly one incident the user may change adds its other reports to it; a group that
holds reports of several incidents is left for a person. Pairs below the probability stay in the
review queue.

Everything a batch writes is one transaction: a crash leaves nothing of it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import lazy_loader
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import User
from dozor.accounts.policy import require
from dozor.analysis import linkage
from dozor.audit import services as audit
from dozor.linkage.combine import incident_input
from dozor.linkage.models import (
    AcceptBatch,
    AcceptedIncident,
    AcceptedLink,
    Decision,
    LinkageRun,
)
from dozor.linkage.selectors import current_decisions, latest_run, reports_linkable
from dozor.records.custom_fields import FieldTarget
from dozor.records.models import Incident, IncidentReport, LinkKind, Report
from dozor.records.selectors import incident_can_edit
from dozor.records.services import (
    IncidentInput,
    custom_field_keys,
    incident_link_reports,
    incident_validate,
    incidents_create_with_reports,
)
from dozor.responses.services import events_from_reports

# Loaded when first used: this module is imported as Django starts (by the URLs' views), and
# every `dozor` command would otherwise pay for NumPy and pandas.
if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_loader.load("pandas")

logger = logging.getLogger(__name__)

MSG_CANNOT_ACCEPT = _(
    "Only documenters and administrators of an organisation may accept the model's groups."
)
MSG_NO_RUN = _(
    "Linkage has not been run for your organisation yet: run it first (`dozor link --user "
    "%(user)s`, or Start a linkage run on the Linkage page)."
)
MSG_BAD_PROBABILITY = _("The lowest probability to accept must be between 0 and 1, not %(value)s.")
MSG_NOTHING_TO_ACCEPT = _(
    "Nothing to accept: every report of the latest run is already part of an incident or left "
    "for a person."
)
MSG_NO_BATCH = _("Your organisation has no accepted batch %(id)s.")
MSG_ALREADY_UNDONE = _("Batch %(id)s was already undone.")
# Why a group is left for a person.
LEFT_SEVERAL = _("its reports are in several incidents (%(references)s)")
LEFT_NOT_EDITABLE = _("it would join incident %(reference)s, which you may not change")
LEFT_INVALID = _("no incident can be made from it: %(problem)s")
LEFT_NO_TYPE = _(
    "none of its reports gives an incident type: map `incident_type` and re-read the list "
    "(dozor import --remap), or make the incident on the Linkage page and choose its type"
)
# Why undo keeps an incident the batch created.
KEPT_LINKS = _("reports joined or left it since")
KEPT_NOT_EDITABLE = _("you may not change it")
KEPT_EDITED = _("a person changed it since")
KEPT_PRINTED = _("it was printed in a dossier or exported since")
KEPT_TRAIL = _("the audit trail records more about it since")
KEPT_EVENTS = _("response events were added to it since")
KEPT_RELATED = _("it has %(what)s")
GONE = _("it no longer exists")
LINK_MOVED = _("the report left the incident since")

# Audit actions that change nothing: reading an incident never keeps it from being undone.
READS = (audit.Action.VIEW, audit.Action.VIEW_NAMES, audit.Action.REFUSED)
CHUNK = 500


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def report_label(report: Report) -> str:
    """A report as the preview names it: its list and its identifier there, never its content."""
    revision = f" (r{report.revision})" if report.revision > 1 else ""
    return f"{report.source_list.name} #{report.external_id}{revision}"


@dataclass
class GroupLeft:
    """A group of reports the accept leaves for a person, and why."""

    reports: list[Report]
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "reports": [
                {"id": r.pk, "source_list": r.source_list.name, "external_id": r.external_id}
                for r in self.reports
            ],
            "reason": self.reason,
        }


@dataclass
class AcceptPlan:
    """What accepting the run's groups at ``min_probability`` would do, written nowhere."""

    run: LinkageRun
    min_probability: float
    new_groups: list[list[Report]] = field(default_factory=list)  # two reports or more
    lone: list[Report] = field(default_factory=list)
    joins: list[tuple[Incident, list[Report]]] = field(default_factory=list)
    left: list[GroupLeft] = field(default_factory=list)
    inputs: dict[int, IncidentInput] = field(default_factory=dict)  # by first report's id
    pairs_left: int = 0
    not_in_run: int = 0

    @property
    def incidents(self) -> int:
        return len(self.new_groups) + len(self.lone)

    @property
    def links(self) -> int:
        return (
            sum(len(g) for g in self.new_groups)
            + len(self.lone)
            + sum(len(reports) for _incident, reports in self.joins)
        )

    @property
    def joined_existing(self) -> int:
        return sum(len(reports) for _incident, reports in self.joins)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run.pk,
            "min_probability": self.min_probability,
            "review_threshold": self.run.threshold,
            "incidents": self.incidents,
            "groups": len(self.new_groups),
            "lone_reports": len(self.lone),
            "links": self.links,
            "joined_existing": self.joined_existing,
            "pairs_left": self.pairs_left,
            "groups_left": [group.as_dict() for group in self.left],
            "reports_not_in_run": self.not_in_run,
        }


def probability_check(value: Any) -> float:
    if value is None:
        return float(settings.DOZOR_LINKAGE_ACCEPT_PROBABILITY)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValidationError(MSG_BAD_PROBABILITY, params={"value": value})
    return float(value)


def _incident_id(report: Report) -> int | None:
    try:
        return report.incident_link.incident_id
    except Report.incident_link.RelatedObjectDoesNotExist:
        return None


def _groups(
    reports: dict[int, Report],
    pairs: list[tuple[int, int, float]],
    decisions: dict[tuple[int, int], Any],
    threshold: float,
) -> list[list[Report]]:
    """The run's clusters at ``threshold``, decisions and existing incidents respected."""
    rows = [(a, b, d.decision) for (a, b), d in decisions.items()]
    together: dict[int, list[int]] = defaultdict(list)
    for report_id, report in reports.items():
        incident_id = _incident_id(report)
        if incident_id is not None:
            together[incident_id].append(report_id)
    for members in together.values():  # reports already in one incident stay together
        members.sort()
        rows.extend(
            (members[0], other, Decision.MATCH)
            for other in members[1:]
            if (members[0], other) not in decisions
        )
    ids = sorted(reports)
    clusters = linkage.clusters_from_pairs(
        ids,
        pd.DataFrame(pairs, columns=["report_id_l", "report_id_r", "match_probability"]),
        threshold=threshold,
        sources=[reports[i].source_list_id for i in ids],
        decisions=pd.DataFrame(rows, columns=["report_id_l", "report_id_r", "decision"]),
    )
    members_of: dict[int, list[Report]] = defaultdict(list)
    for report_id, cluster_id in clusters.itertuples(index=False):
        members_of[int(cluster_id)].append(reports[int(report_id)])
    return [members_of[key] for key in sorted(members_of)]


def _problem(error: ValidationError) -> str:
    """A validation error in words, each field by its label ("incident type", not the name)."""
    if hasattr(error, "error_dict"):
        labels = {
            field.name: str(field.verbose_name)
            for field in Incident._meta.get_fields()
            if hasattr(field, "verbose_name")
        }
        return "; ".join(
            f"{labels.get(name, name)}: {' '.join(str(m) for m in messages)}"
            for name, messages in error.message_dict.items()
        )
    return " ".join(str(m) for m in error.messages)


def accept_plan(*, user: User, min_probability: float | None = None) -> AcceptPlan:
    """What accepting the latest run's groups would do for ``user``'s organisation.

    Only the reports the run scored (stored before it) and that the user may link take part;
    reports stored since are counted in ``not_in_run`` and left alone.
    """
    require(user, "linkage.use", message=MSG_CANNOT_ACCEPT)
    probability = probability_check(min_probability)
    run = latest_run(user)
    if run is None:
        raise ValidationError(MSG_NO_RUN, params={"user": user.username})
    assert user.organisation is not None
    custom_keys = custom_field_keys(user.organisation.pk)
    person_custom_keys = custom_field_keys(user.organisation.pk, FieldTarget.PERSON)
    # Pairs below the run's threshold were not stored: accepting below it accepts at it.
    plan = AcceptPlan(run=run, min_probability=max(probability, run.threshold))
    linkable = reports_linkable(user)
    reports = {
        r.pk: r
        for r in linkable.filter(created_at__lte=run.started_at).select_related(
            "source_list", "incident_link__incident"
        )
    }
    plan.not_in_run = linkable.filter(created_at__gt=run.started_at).count()
    pairs = [
        (a, b, p)
        for a, b, p in run.candidates.values_list("report_a_id", "report_b_id", "match_probability")
        if a in reports and b in reports
    ]
    decisions = current_decisions(set(reports), organisation_id=user.organisation_id)
    final: dict[int, tuple[str, int]] = {}  # each report's incident after the accept
    for members in _groups(reports, pairs, decisions, plan.min_probability):
        incidents = {i: None for i in (_incident_id(r) for r in members) if i is not None}
        free = [r for r in members if _incident_id(r) is None]
        for report in members:
            if report not in free:
                final[report.pk] = ("incident", _incident_id(report) or 0)
        if not free:
            continue
        if len(incidents) > 1:
            references = ", ".join(
                sorted({r.incident_link.incident.reference for r in members if r not in free})
            )
            plan.left.append(GroupLeft(members, str(LEFT_SEVERAL % {"references": references})))
            continue
        if incidents:
            incident = next(r.incident_link.incident for r in members if r not in free)
            if not incident_can_edit(user, incident):
                reason = LEFT_NOT_EDITABLE % {"reference": incident.reference}
                plan.left.append(GroupLeft(members, str(reason)))
                continue
            plan.joins.append((incident, free))
            final.update((r.pk, ("incident", incident.pk)) for r in free)
            continue
        data = incident_input(
            members,
            default_country=user.organisation.country,
            custom_keys=custom_keys,
            person_custom_keys=person_custom_keys,
        )
        if not data.incident_type:
            plan.left.append(GroupLeft(members, str(LEFT_NO_TYPE)))
            continue
        try:
            incident_validate(organisation=user.organisation, data=data)
        except ValidationError as error:
            problem = _problem(error)
            plan.left.append(GroupLeft(members, str(LEFT_INVALID % {"problem": problem})))
            continue
        plan.inputs[members[0].pk] = data
        if len(members) > 1:
            plan.new_groups.append(members)
        else:
            plan.lone.append(members[0])
        final.update((r.pk, ("new", members[0].pk)) for r in members)
    plan.pairs_left = sum(
        1
        for a, b, _p in pairs
        if (decisions.get((a, b)) is None or decisions[(a, b)].decision == Decision.UNSURE)
        and (final.get(a, ("report", a)) != final.get(b, ("report", b)))
    )
    return plan


def _events_by_incident(ids: Sequence[int]) -> dict[int, set[int]]:
    """The response events of each incident (through the reverse relation, as _events_of)."""
    found: dict[int, set[int]] = defaultdict(set)
    for chunk in chunks(ids):
        rows = Incident.objects.filter(pk__in=chunk, response_events__isnull=False)
        for incident_id, event_id in rows.values_list("pk", "response_events"):
            found[incident_id].add(event_id)
    return found


def _events_of(incident: Incident) -> set[int]:
    # Through the reverse relation: the responses app sits above linkage.
    return set(incident.response_events.values_list("pk", flat=True))


def accept_batch_create(
    *, user: User, min_probability: float | None = None
) -> tuple[AcceptBatch, AcceptPlan]:
    """Accept the latest run's groups as incidents of the user's organisation, as one batch.

    One transaction: the plan is made again inside it; the incidents are created with their
    reports by incidents_create_with_reports (validated, one audit entry per incident naming its
    reports); reports that join an existing incident go through incident_link_reports (one
    entry per link); every link is of kind "model"; the batch's own entry, written last, names
    what it created.
    """
    with transaction.atomic():
        plan = accept_plan(user=user, min_probability=min_probability)
        if not plan.links:
            raise ValidationError(MSG_NOTHING_TO_ACCEPT)
        assert user.organisation is not None
        batch = AcceptBatch.objects.create(
            organisation=user.organisation,
            run=plan.run,
            created_by=user,
            min_probability=plan.min_probability,
            incidents_created=plan.incidents,
            links_made=plan.links,
            lone_reports=len(plan.lone),
            joined_existing=plan.joined_existing,
            pairs_left=plan.pairs_left,
            groups_left=len(plan.left),
        )
        groups = [*plan.new_groups, *([r] for r in plan.lone)]
        made = incidents_create_with_reports(
            organisation=user.organisation,
            user=user,
            items=[(plan.inputs[group[0].pk], group) for group in groups],
            kind=LinkKind.MODEL,
        )
        for incident, group in zip(made, groups, strict=True):
            events_from_reports(incident=incident, reports=group, user=user)
        brought = _events_by_incident([incident.pk for incident in made])
        created = [
            AcceptedIncident(
                batch=batch,
                incident=incident,
                reference=incident.reference,
                events=sorted(brought.get(incident.pk, ())),
            )
            for incident in made
        ]
        new_links = IncidentReport.objects.filter(
            incident_id__in=[incident.pk for incident in made]
        )
        by_pk = {incident.pk: incident for incident in made}
        links: list[AcceptedLink] = []
        for chunk in chunks([incident.pk for incident in made]):
            for link in new_links.filter(incident_id__in=chunk):
                links.extend(_accepted(batch, by_pk[link.incident_id], [link], into_new=True))
        for incident, reports in plan.joins:
            before = _events_of(incident)
            joined = incident_link_reports(
                incident=incident, reports=reports, user=user, kind=LinkKind.MODEL
            )
            events_from_reports(incident=incident, reports=reports, user=user)
            links.extend(
                _accepted(
                    batch, incident, joined, into_new=False, events=_events_of(incident) - before
                )
            )
        AcceptedIncident.objects.bulk_create(created, batch_size=CHUNK)
        AcceptedLink.objects.bulk_create(links, batch_size=CHUNK)
        entry = audit.audit_record(
            action=audit.Action.CREATE,
            user=user,
            target=batch,
            changes={
                "run": plan.run.pk,
                "min_probability": plan.min_probability,
                "incidents_created": [a.reference for a in created],
                "joined": sorted({incident.reference for incident, _reports in plan.joins}),
                "links": plan.links,
                "lone_reports": len(plan.lone),
                "pairs_left": plan.pairs_left,
                "groups_left": len(plan.left),
            },
        )
        batch.audit_entry_id = entry.pk
        batch.save(update_fields=["audit_entry_id"])
    logger.info(
        "accept batch %s by %s: %s incidents, %s links", batch.pk, user, plan.incidents, plan.links
    )
    return batch, plan


def _accepted(
    batch: AcceptBatch,
    incident: Incident,
    made: Sequence[IncidentReport],
    *,
    into_new: bool,
    events: set[int] | None = None,
) -> list[AcceptedLink]:
    rows = [
        AcceptedLink(
            batch=batch,
            link=link,
            report_id=link.report_id,
            incident=incident,
            reference=incident.reference,
            into_new=into_new,
        )
        for link in made
    ]
    if events and rows:
        rows[0].events = sorted(events)
    return rows
