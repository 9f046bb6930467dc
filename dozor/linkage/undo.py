"""Undoing an accepted batch: its links and incidents go, unless something happened to them since.

An incident the batch created is deleted only when nothing else happened to it: its reports are
exactly those the batch linked (no person linked or moved one), no person changed, printed or
exported it (the audit trail holds nothing about it after the batch's own entry but reads), it
has no response event but those its reports brought, and nothing else refers to it (a raising,
a place on the raise list, an ODIHR mark, an assessment ...). Such an incident is kept with its
links, and the undo says why. A link the batch made into an incident it did not create is
removed when it is still as the batch left it, with the response events it brought that nobody
corrected since.

One transaction; a dry run says what would happen and writes nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dozor.accounts.models import User
from dozor.accounts.policy import require
from dozor.audit import services as audit
from dozor.audit.models import AuditEntry
from dozor.linkage.accept import (
    GONE,
    KEPT_EDITED,
    KEPT_EVENTS,
    KEPT_LINKS,
    KEPT_NOT_EDITABLE,
    KEPT_PRINTED,
    KEPT_RELATED,
    KEPT_TRAIL,
    LINK_MOVED,
    MSG_ALREADY_UNDONE,
    MSG_CANNOT_ACCEPT,
    MSG_NO_BATCH,
    READS,
    chunks,
)
from dozor.linkage.models import AcceptBatch, AcceptedIncident, AcceptedLink
from dozor.records.models import Incident, IncidentReport
from dozor.records.selectors import incident_can_edit

logger = logging.getLogger(__name__)

# What an incident the batch created has of its own: made with it, or checked apart.
OWN_RELATIONS = frozenset({"biases", "people", "report_links", "response_events"})
INCIDENT_TYPE = Incident._meta.label_lower
TRAIL_REASONS: dict[str, Any] = {
    audit.Action.UPDATE: KEPT_EDITED,
    audit.Action.LINK: KEPT_LINKS,
    audit.Action.UNLINK: KEPT_LINKS,
    audit.Action.PRINT: KEPT_PRINTED,
    audit.Action.EXPORT: KEPT_PRINTED,
}


@dataclass
class UndoResult:
    """What undoing a batch removes and what it keeps, with why."""

    batch: AcceptBatch
    incidents_deleted: list[str] = field(default_factory=list)
    incidents_kept: list[tuple[str, str]] = field(default_factory=list)  # reference, why
    links_removed: int = 0
    links_kept: list[tuple[int, str, str]] = field(default_factory=list)  # report, ref, why
    events_removed: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch": self.batch.pk,
            "dry_run": self.dry_run,
            "incidents_deleted": self.incidents_deleted,
            "incidents_kept": [{"incident": r, "why": why} for r, why in self.incidents_kept],
            "links_removed": self.links_removed,
            "links_kept": [
                {"report": report, "incident": reference, "why": why}
                for report, reference, why in self.links_kept
            ],
            "events_removed": self.events_removed,
        }


def _batch(user: User, batch_id: int, *, lock: bool) -> AcceptBatch:
    if user.organisation_id is None:
        raise ValidationError(MSG_NO_BATCH, params={"id": batch_id})
    rows = AcceptBatch.objects.filter(pk=batch_id, organisation_id=user.organisation_id)
    batch = (rows.select_for_update() if lock else rows).first()
    if batch is None:
        raise ValidationError(MSG_NO_BATCH, params={"id": batch_id})
    return batch


def _related_elsewhere(ids: list[int]) -> dict[int, str]:
    """The incidents among ``ids`` that another record refers to, with what it is."""
    found: dict[int, str] = {}
    for relation in Incident._meta.related_objects:
        if relation.get_accessor_name() in OWN_RELATIONS:
            continue
        model = relation.related_model
        assert not isinstance(model, str)
        name = relation.field.name
        what = str(model._meta.verbose_name_plural)
        for chunk in chunks(ids):
            for incident_id in model._base_manager.filter(**{f"{name}__in": chunk}).values_list(
                name, flat=True
            ):
                found.setdefault(int(incident_id), what)
    return found


def _trail_since(ids: list[int], after: int) -> dict[int, str]:
    """Why the audit trail keeps each incident: what it records about it after the batch."""
    why: dict[int, str] = {}
    for chunk in chunks([str(i) for i in ids]):
        entries = (
            AuditEntry.objects.filter(target_type=INCIDENT_TYPE, target_id__in=chunk, id__gt=after)
            .exclude(action__in=READS)
            .values_list("target_id", "action")
        )
        for target_id, action in entries:
            why.setdefault(int(target_id), str(TRAIL_REASONS.get(action, KEPT_TRAIL)))
    return why


def _undo_plan(user: User, batch: AcceptBatch, result: UndoResult) -> tuple[list[int], list[Any]]:
    """Fill ``result``; return the incidents to delete and the links to remove."""
    accepted = list(AcceptedIncident.objects.filter(batch=batch).select_related("incident"))
    batch_links = list(AcceptedLink.objects.filter(batch=batch))
    ids = [a.incident_id for a in accepted if a.incident_id is not None]
    current: dict[int, set[int]] = defaultdict(set)
    for chunk in chunks(ids):
        for incident_id, link_id in IncidentReport.objects.filter(
            incident_id__in=chunk
        ).values_list("incident_id", "pk"):
            current[incident_id].add(link_id)
    made: dict[int, set[int | None]] = defaultdict(set)
    for link in batch_links:
        if link.into_new and link.incident_id is not None:
            made[link.incident_id].add(link.link_id)
    events: dict[int, set[int]] = defaultdict(set)
    for chunk in chunks(ids):
        for incident_id, event_id in Incident.objects.filter(pk__in=chunk).values_list(
            "pk", "response_events"
        ):
            if event_id is not None:
                events[incident_id].add(event_id)
    trail = _trail_since(ids, batch.audit_entry_id or 0)
    elsewhere = _related_elsewhere(ids)
    delete: list[int] = []
    for item in accepted:
        incident = item.incident
        if incident is None:
            result.incidents_kept.append((item.reference, str(GONE)))
            continue
        why: str | None = None
        if not incident_can_edit(user, incident):
            why = str(KEPT_NOT_EDITABLE)
        elif current[incident.pk] != made[incident.pk]:
            why = str(KEPT_LINKS)
        elif incident.pk in trail:
            why = trail[incident.pk]
        elif events[incident.pk] - set(item.events):
            why = str(KEPT_EVENTS)
        elif incident.pk in elsewhere:
            why = str(KEPT_RELATED % {"what": elsewhere[incident.pk]})
        if why is None:
            delete.append(incident.pk)
            result.incidents_deleted.append(incident.reference)
        else:
            result.incidents_kept.append((incident.reference, why))
    removable = []
    joined = [link for link in batch_links if not link.into_new]
    still = set(
        IncidentReport.objects.filter(
            pk__in=[link.link_id for link in joined if link.link_id is not None]
        ).values_list("pk", "incident_id")
    )
    editable: dict[int, bool] = {}
    for link in joined:
        if link.incident_id is None or (link.link_id, link.incident_id) not in still:
            result.links_kept.append((link.report_id, link.reference, str(LINK_MOVED)))
            continue
        if link.incident_id not in editable:
            editable[link.incident_id] = incident_can_edit(
                user, Incident.objects.get(pk=link.incident_id)
            )
        if not editable[link.incident_id]:
            result.links_kept.append((link.report_id, link.reference, str(KEPT_NOT_EDITABLE)))
            continue
        removable.append(link)
    result.links_removed = len(removable) + sum(len(made[i]) for i in delete)
    return delete, removable


def accept_batch_undo(*, user: User, batch_id: int, dry_run: bool = False) -> UndoResult:
    """Undo an accepted batch of the user's organisation (see the module's docstring)."""
    require(user, "linkage.use", message=MSG_CANNOT_ACCEPT)
    with transaction.atomic():
        batch = _batch(user, batch_id, lock=not dry_run)
        if batch.undone_at is not None:
            raise ValidationError(MSG_ALREADY_UNDONE, params={"id": batch.pk})
        result = UndoResult(batch=batch, dry_run=dry_run)
        delete, removable = _undo_plan(user, batch, result)
        if dry_run:
            return result
        for link in removable:
            assert link.incident is not None
            brought = link.incident.response_events.filter(
                pk__in=link.events, superseded_by__isnull=True
            )
            removed, _kinds = brought.delete()
            result.events_removed += removed
            IncidentReport.objects.filter(pk=link.link_id).delete()
            audit.audit_record(
                action=audit.Action.UNLINK,
                user=user,
                target=link.incident,
                changes={
                    "report": {"before": link.report_id, "after": None},
                    "kind": "model",
                    "undone_batch": batch.pk,
                },
            )
        for chunk in chunks(delete):
            doomed = Incident.objects.filter(pk__in=chunk)
            audit.audit_records(
                action=audit.Action.DELETE,
                user=user,
                items=[(incident, {"undone_batch": batch.pk}) for incident in doomed],
            )
            doomed.delete()
        batch.undone_at = timezone.now()
        batch.undone_by = user
        batch.undo_result = result.as_dict()
        batch.save(update_fields=["undone_at", "undone_by", "undo_result"])
        audit.audit_record(
            action=audit.Action.UPDATE,
            user=user,
            target=batch,
            changes={
                "undone": True,
                "incidents_deleted": result.incidents_deleted,
                "incidents_kept": [reference for reference, _why in result.incidents_kept],
                "links_removed": result.links_removed,
            },
        )
    logger.info(
        "accept batch %s undone by %s: %s incidents deleted, %s kept",
        batch.pk,
        user,
        len(result.incidents_deleted),
        len(result.incidents_kept),
    )
    return result
