"""Writes of linkage: runs, decisions, incidents made from clusters, splits.

Reports are never changed or merged: only their links to incidents (records.IncidentReport)
change, through records.services, and every decision is kept with who made it and when.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any

import lazy_loader
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import Organisation, User
from dozor.accounts.policy import require
from dozor.analysis import linkage
from dozor.audit import services as audit
from dozor.linkage.combine import incident_input
from dozor.linkage.models import CandidatePair, Decision, LinkageRun, LinkDecision
from dozor.linkage.selectors import current_decisions, reports_linkable
from dozor.records.custom_fields import FieldTarget
from dozor.records.models import Incident, IncidentReport, Report
from dozor.records.report_schema import DATE, INTEGER, STANDARD, standard_values
from dozor.records.selectors import incident_can_edit
from dozor.records.services import custom_field_keys, incident_create, incident_link_reports
from dozor.responses.services import events_from_reports

# Loaded when first used: this module is imported as Django starts (by the URLs' views), and
# every `dozor` command would otherwise pay for NumPy and pandas.
if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_loader.load("pandas")

logger = logging.getLogger(__name__)

MSG_CANNOT_WRITE = _("Only documenters and administrators of an organisation may link reports.")
# The same words whether the report does not exist, belongs to another organisation or sits in an
# incident the user may not change: a refusal never tells what the user may not see.
MSG_REPORT_NOT_LINKABLE = _("Report %(id)s cannot be linked by you.")
MSG_SAME_REPORT = _("A report cannot be compared with itself.")
MSG_BAD_DECISION = _("The decision must be one of: same incident, different incidents, unsure.")
MSG_TOO_FEW_REPORTS = _("An incident is made from at least one report; none was chosen.")
MSG_ALREADY_LINKED = _(
    "Report %(id)s is already part of incident %(reference)s: link the group to that incident."
)
MSG_INCIDENT_NOT_EDITABLE = _("You may not change incident %(reference)s.")
MSG_NOT_IN_INCIDENT = _("Report %(id)s is not part of incident %(reference)s.")
MSG_SPLIT_ALL = _("Keep at least one report in the incident; choose fewer to split off.")
MSG_TOO_FEW_TO_LINK = _("There are fewer than two reports to link.")
MSG_BAD_THRESHOLD = _("The threshold must be a probability between 0 and 1.")
MSG_FIELDS_LEFT_OUT = _(
    "%(field)s left out of %(count)s report(s), not %(expected)s: e.g. report %(report)s of "
    "%(source_list)s%(value)s."
)


def _linkable_reports(user: User, reports: Sequence[Report]) -> list[Report]:
    """The reports, if each is one of the user's organisation's (reports_linkable), else refuse."""
    linkable = set(
        reports_linkable(user).filter(id__in=[r.id for r in reports]).values_list("id", flat=True)
    )
    for report in reports:
        if report.id not in linkable:
            raise ValidationError(MSG_REPORT_NOT_LINKABLE, params={"id": report.id})
    return list(reports)


def _movable_reports(user: User, reports: Sequence[Report], *, into: Incident | None) -> None:
    """Refuse a report that would leave an incident the user may not change.

    Checking only the incident a report joins would let anyone who may change some incident empty
    another organisation's. The refusal does not name the incident the report is part of.
    """
    links = IncidentReport.objects.filter(report__in=[r.id for r in reports]).select_related(
        "incident"
    )
    for link in links:
        if into is not None and link.incident_id == into.id:
            continue
        if not incident_can_edit(user, link.incident):
            raise ValidationError(MSG_REPORT_NOT_LINKABLE, params={"id": link.report_id})


# A value of these types can be shown when it is left out; text and people may name someone.
SHOWN_TYPES = (DATE, INTEGER)


@dataclass
class FieldLeftOut:
    """A standard field linkage reads, left out of some reports because it cannot be read."""

    field: str
    expected: str
    reports: int
    report: int  # the first report it was left out of
    source_list: str
    value: str | None  # that report's value, for dates and counts only

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "expected": self.expected,
            "reports": self.reports,
            "example": {
                "report": self.report,
                "source_list": self.source_list,
                "value": self.value,
            },
        }


def field_left_out_sentence(item: dict[str, Any]) -> str:
    """`FieldLeftOut.as_dict()` in words: the field, how many reports, one example."""
    example = item["example"]
    return str(
        MSG_FIELDS_LEFT_OUT
        % {
            "field": item["field"],
            "count": item["reports"],
            "expected": item["expected"],
            "report": example["report"],
            "source_list": example["source_list"],
            "value": f": {example['value']}" if example.get("value") is not None else "",
        }
    )


def _organisation_names() -> dict[str, str]:
    """Known organisations' names by the keys of their English names (linkage's
    organisation_keys): a partner that writes "Northern Lighthouse" names «Северный маяк»."""
    names: dict[str, str] = {}
    for name, name_en in Organisation.objects.exclude(name_en="").values_list("name", "name_en"):
        for key in linkage.organisation_keys(name_en):
            names.setdefault(key, name)
    return names


def _targeted_organisation(value: str, known: dict[str, str]) -> str:
    """The organisation's own name when `value` is the English name of a known one."""
    for key in linkage.organisation_keys(value):
        if key in known:
            return known[key]
    return value


def linkage_frame(reports: Iterable[Report]) -> tuple[pd.DataFrame, list[FieldLeftOut]]:
    """The reports frame linkage reads, and the fields left out of some reports.

    Each report's standard fields are read through the report schema (`standard_values`): a
    field whose value is not what the schema says (a date "nan", a count "two", victims that
    are not a list of people) is left out of that report only, and counted.

    The fields are sealed in the database and read here, in memory, for the run only; a
    targeted organisation named in English is read as the organisation's own name.
    """
    records = []
    left_out: dict[str, FieldLeftOut] = {}
    known = _organisation_names()
    for report in reports:
        good, problems = standard_values(report.fields)
        if "target_organisation" in good:
            good["target_organisation"] = _targeted_organisation(good["target_organisation"], known)
        records.append((report.id, report.source_list.name, good))
        for problem in problems:
            spec = STANDARD[problem.field]
            if not spec.linkage:
                continue
            if problem.field in left_out:
                left_out[problem.field].reports += 1
                continue
            left_out[problem.field] = FieldLeftOut(
                field=problem.field,
                expected=problem.expected,
                reports=1,
                report=report.id,
                source_list=report.source_list.name,
                value=problem.value if spec.type in SHOWN_TYPES else None,
            )
    return linkage.reports_frame(records), list(left_out.values())


def _decisions_frame(report_ids: set[int], *, organisation_id: int | None) -> pd.DataFrame:
    decisions = current_decisions(report_ids, organisation_id=organisation_id)
    rows = [(a, b, decision.decision) for (a, b), decision in decisions.items()]
    return pd.DataFrame(rows, columns=["report_id_l", "report_id_r", "decision"])


def linkage_run_create(
    *,
    user: User,
    engine: str = "duckdb",
    threshold: float = 0.1,
    spark_session: Any = None,
) -> tuple[LinkageRun, linkage.LinkageResult]:
    """Score the pairs among the reports of the user's organisation's own lists and store those
    above `threshold`.

    Only the organisation's reports (reports_linkable): a public incident of another organisation
    is readable, never linkable. The organisation's earlier decisions are the model's labels and
    override its scores in clusters; no other organisation's decision trains this run.
    """
    require(user, "linkage.use", message=MSG_CANNOT_WRITE)
    if isinstance(threshold, bool) or not 0 <= threshold <= 1:
        raise ValidationError(MSG_BAD_THRESHOLD)
    reports = list(reports_linkable(user).select_related("source_list"))
    if len(reports) < 2:
        raise ValidationError(MSG_TOO_FEW_TO_LINK)
    frame, left_out = linkage_frame(reports)
    decisions = _decisions_frame({r.id for r in reports}, organisation_id=user.organisation_id)
    options = linkage.LinkageOptions(
        engine="spark" if engine == "spark" else "duckdb",
        review_threshold=threshold,
        threshold=max(threshold, linkage.LinkageOptions.threshold),
        spark_session=spark_session,
    )
    try:
        result = linkage.link_reports(
            frame, decisions=decisions if len(decisions) else None, options=options
        )
    except linkage.LinkageInputError as error:
        # What the reports lack may be what was left out of them: say that too.
        raise linkage.LinkageInputError(
            " ".join([str(error), *(field_left_out_sentence(i.as_dict()) for i in left_out)])
        ) from error
    assert result.coverage is not None
    coverage = {
        **result.coverage.as_dict(),
        "fields_left_out": [item.as_dict() for item in left_out],
    }
    with transaction.atomic():
        assert user.organisation is not None
        run = LinkageRun.objects.create(
            organisation=user.organisation,
            started_by=user,
            engine=options.engine,
            threshold=threshold,
            reports=len(reports),
            pairs=len(result.pairs),
            clusters=int(result.clusters["cluster_id"].nunique()),
            seconds=round(result.timings.get("total_s", 0.0), 2),
            model=result.model,
            coverage=coverage,
        )
        CandidatePair.objects.bulk_create(
            [
                CandidatePair(
                    run=run,
                    report_a_id=min(int(a), int(b)),
                    report_b_id=max(int(a), int(b)),
                    match_probability=float(p),
                    match_weight=float(w),
                )
                for a, b, p, w in result.pairs[linkage.PAIR_COLUMNS].itertuples(index=False)
            ],
            batch_size=2000,
        )
        audit.audit_record(
            action=audit.Action.CREATE,
            user=user,
            target=run,
            changes={
                "engine": run.engine,
                "threshold": threshold,
                "reports": run.reports,
                "pairs": run.pairs,
                "clusters": run.clusters,
                "compared": coverage["compared"],
                "left_out": [item["comparison"] for item in coverage["left_out"]],
            },
        )
    logger.info("linkage run %s by %s: %s pairs", run.pk, user, run.pairs)
    return run, result


@transaction.atomic
def link_decision_record(
    *,
    user: User,
    first: Report,
    second: Report,
    decision: str,
    note: str = "",
    match_probability: float | None = None,
) -> LinkDecision:
    """Store a reviewer's decision on two of the organisation's reports, as the organisation's.

    Earlier decisions stay as history.
    """
    require(user, "linkage.use", message=MSG_CANNOT_WRITE)
    if first.id == second.id:
        raise ValidationError(MSG_SAME_REPORT)
    if decision not in Decision.values:
        raise ValidationError(MSG_BAD_DECISION)
    _linkable_reports(user, [first, second])
    low, high = sorted((first, second), key=lambda r: r.id)
    assert user.organisation is not None
    record = LinkDecision(
        organisation=user.organisation,
        report_a=low,
        report_b=high,
        decision=decision,
        note=note,
        decided_by=user,
        match_probability=match_probability,
    )
    record.full_clean()
    record.save()
    audit.audit_record(
        action=audit.Action.LINK_DECISION,
        user=user,
        target=record,
        changes={
            "report_a": low.id,
            "report_b": high.id,
            "decision": decision,
            "match_probability": match_probability,
            **({"note": "changed"} if note else {}),
        },
    )
    logger.info("reports %s and %s: %s by %s", low.id, high.id, decision, user)
    return record


@transaction.atomic
def incident_create_from_reports(*, user: User, reports: Sequence[Report]) -> Incident:
    """A new incident of the user's organisation, made from its reports that belong to none yet."""
    require(user, "linkage.use", message=MSG_CANNOT_WRITE)
    if not reports:
        raise ValidationError(MSG_TOO_FEW_REPORTS)
    _linkable_reports(user, reports)
    _movable_reports(user, reports, into=None)
    for link in IncidentReport.objects.filter(report__in=[r.id for r in reports]).select_related(
        "incident"
    ):
        # Only an incident the user may change gets here (_movable_reports): naming it is safe.
        raise ValidationError(
            MSG_ALREADY_LINKED, params={"id": link.report_id, "reference": link.incident.reference}
        )
    assert user.organisation is not None
    incident = incident_create(
        organisation=user.organisation,
        user=user,
        data=incident_input(
            reports,
            default_country=user.organisation.country,
            custom_keys=custom_field_keys(user.organisation.pk),
            person_custom_keys=custom_field_keys(user.organisation.pk, FieldTarget.PERSON),
        ),
    )
    incident_link_reports(incident=incident, reports=reports, user=user)
    events_from_reports(incident=incident, reports=reports, user=user)
    return incident


@transaction.atomic
def reports_link_to_incident(
    *, user: User, incident: Incident, reports: Sequence[Report]
) -> Incident:
    """Make the organisation's reports part of an existing incident the user may change.

    A report already part of another incident leaves it, so that incident must be one the user
    may change as well.
    """
    require(user, "linkage.use", message=MSG_CANNOT_WRITE)
    if not incident_can_edit(user, incident):
        raise PermissionDenied(MSG_INCIDENT_NOT_EDITABLE % {"reference": incident.reference})
    _linkable_reports(user, reports)
    _movable_reports(user, reports, into=incident)
    incident_link_reports(incident=incident, reports=reports, user=user)
    events_from_reports(incident=incident, reports=reports, user=user)
    return incident


@transaction.atomic
def incident_split(*, user: User, incident: Incident, reports: Sequence[Report]) -> Incident:
    """Move some of an incident's reports into a new incident of their own.

    The split is also a decision: each moved report and each kept one are different incidents.
    """
    require(user, "linkage.use", message=MSG_CANNOT_WRITE)
    if not incident_can_edit(user, incident):
        raise PermissionDenied(MSG_INCIDENT_NOT_EDITABLE % {"reference": incident.reference})
    if not reports:
        raise ValidationError(MSG_TOO_FEW_REPORTS)
    linked = {link.report_id: link.report for link in incident.report_links.all()}
    for report in reports:
        if report.id not in linked:
            raise ValidationError(
                MSG_NOT_IN_INCIDENT, params={"id": report.id, "reference": incident.reference}
            )
    moved = {r.id for r in reports}
    kept = [r for i, r in linked.items() if i not in moved]
    if not kept:
        raise ValidationError(MSG_SPLIT_ALL)
    # Only the organisation's own reports may leave the incident. The split is recorded as the
    # organisation's decisions, so they are made only about its own reports: another
    # organisation's report kept in the incident stays there, and no decision names it.
    _linkable_reports(user, reports)
    linkable = set(
        reports_linkable(user).filter(id__in=[r.id for r in kept]).values_list("id", flat=True)
    )
    kept = [r for r in kept if r.id in linkable]
    assert user.organisation is not None
    new = incident_create(
        organisation=incident.organisation,
        user=user,
        data=incident_input(
            reports,
            default_country=incident.organisation.country,
            custom_keys=custom_field_keys(incident.organisation_id),
            person_custom_keys=custom_field_keys(incident.organisation_id, FieldTarget.PERSON),
        ),
    )
    incident_link_reports(incident=new, reports=reports, user=user)
    events_from_reports(incident=new, reports=reports, user=user)
    for first in reports:
        for second in kept:
            link_decision_record(user=user, first=first, second=second, decision=Decision.NO_MATCH)
    for first, second in combinations(reports, 2):
        link_decision_record(user=user, first=first, second=second, decision=Decision.MATCH)
    logger.info("incident %s split into %s by %s", incident.reference, new.reference, user)
    return new
