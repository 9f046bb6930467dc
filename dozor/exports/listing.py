"""The incident list as a file: one row per incident the user may see, with the list's filters.

People appear by name only where the user may see names (selectors.names_visible); otherwise by
pseudonym. Free text that can hold names (the summary, coders' notes) is whole where names are
visible and redacted elsewhere (records.redaction), as on the incident's page. The exact place
(locality, coordinates) is given only for the user's own organisation's incidents, as on the
public path.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, QuerySet

from dozor.audit.services import sensitive_digest
from dozor.records.models import Incident, PersonInvolvement
from dozor.records.redaction import free_text_for
from dozor.records.selectors import IncidentFilters, incident_list, names_visible, person_label
from dozor.security.models import User

# The fields of each exported incident, in CSV column order; docs/exports.md describes each.
FIELDS = (
    "reference",
    "date_start",
    "date_end",
    "date_precision",
    "country",
    "region",
    "locality",
    "location_precision",
    "latitude",
    "longitude",
    "incident_type",
    "odihr_group",
    "bias_motivations",
    "bias_indicators",
    "bias_notes",
    "killed",
    "injured",
    "target_kind",
    "defender_targeted",
    "verification_status",
    "confidentiality",
    "organisation",
    "title",
    "summary",
    "victims",
    "perpetrators",
    "names_shown",
    "odihr_year",
)
LIST_SEPARATOR = "; "
CHUNK = 500


def export_queryset(*, user: User | AnonymousUser, filters: IncidentFilters) -> QuerySet[Incident]:
    return (
        incident_list(user=user, filters=filters)
        .select_related("organisation", "odihr_submission")
        .prefetch_related("biases", "people", "report_links__report")
    )


def incident_record(user: User | AnonymousUser, incident: Incident) -> dict[str, Any]:
    """One incident as the user may see it, as plain JSON values."""
    named = names_visible(user, incident)
    own = isinstance(user, User) and user.organisation_id == incident.organisation_id
    biases = list(incident.biases.all())
    people = list(incident.people.all())
    submission = getattr(incident, "odihr_submission", None)
    return {
        "reference": incident.reference,
        "date_start": incident.date_start.isoformat() if incident.date_start else None,
        "date_end": incident.date_end.isoformat() if incident.date_end else None,
        "date_precision": incident.date_precision,
        "country": incident.country,
        "region": incident.region,
        "locality": incident.locality if own else "",
        "location_precision": incident.location_precision,
        "latitude": str(incident.latitude) if own and incident.latitude is not None else None,
        "longitude": str(incident.longitude) if own and incident.longitude is not None else None,
        "incident_type": incident.incident_type,
        "odihr_group": incident.odihr_group,
        "bias_motivations": [bias.motivation for bias in biases],
        "bias_indicators": sorted({code for bias in biases for code in bias.indicators or []}),
        "bias_notes": [free_text_for(user, incident, bias.note) for bias in biases if bias.note],
        "killed": incident.killed,
        "injured": incident.injured,
        "target_kind": incident.target_kind,
        "defender_targeted": incident.defender_targeted,
        "verification_status": incident.verification_status,
        "confidentiality": incident.confidentiality,
        "organisation": incident.organisation.name,
        "title": incident.title,
        "summary": free_text_for(user, incident, incident.summary),
        "victims": [person_label(user, p, incident) for p in people if p.role == "victim"],
        "perpetrators": sum(p.count for p in people if p.role == "perpetrator"),
        "names_shown": named,
        "odihr_year": submission.year if submission is not None else None,
    }


def records(user: User | AnonymousUser, incidents: QuerySet[Incident]) -> Iterator[dict[str, Any]]:
    for incident in incidents.iterator(chunk_size=CHUNK):
        yield incident_record(user, incident)


def csv_cells(record: dict[str, Any]) -> list[Any]:
    cells = []
    for name in FIELDS:
        value = record[name]
        cells.append(LIST_SEPARATOR.join(value) if isinstance(value, list) else value)
    return cells


def json_chunks(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    """A JSON array written piece by piece, so a long list never sits whole in memory."""
    yield "["
    first = True
    for row in rows:
        yield ("\n" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "\n]\n"


def filters_for_audit(filters: IncidentFilters) -> dict[str, Any]:
    """The filters that were set, as plain values. The text searched for may be a victim's name,
    so the trail keeps only its keyed digest (equal searches match; the text cannot be read)."""
    chosen: dict[str, Any] = {}
    for field in dataclasses.fields(filters):
        value = getattr(filters, field.name)
        if value in (None, "") or field.name == "sort":
            continue
        if field.name == "text":
            chosen["text_digest"] = sensitive_digest(value)
        else:
            chosen[field.name] = value.isoformat() if hasattr(value, "isoformat") else value
    return chosen


def names_in_file(user: User, incidents: QuerySet[Incident]) -> dict[str, Any]:
    """Whether the file holds names, as incident_record() writes it: names are written only for
    the incidents whose names the user may see (their own organisation's), so the file holds
    names when one of those has a named person; ``names_incidents`` counts them. ``free_text``
    says whether summaries and coders' notes (which can name people) were written unredacted."""
    if user.organisation_id is None or not user.sees_names_of(user.organisation_id):
        return {"names": False, "names_incidents": 0, "free_text": False}
    own = incidents.filter(organisation_id=user.organisation_id).order_by()
    named = own.filter(
        Exists(PersonInvolvement.objects.filter(incident_id=OuterRef("pk")).exclude(name_index=""))
    ).count()
    return {"names": named > 0, "names_incidents": named, "free_text": own.exists()}


def audit_parameters(
    user: User, filters: IncidentFilters, incidents: QuerySet[Incident]
) -> dict[str, Any]:
    """What the audit entry of a list export says besides who and how many: the filters, and
    whether the file truly carries names (see names_in_file)."""
    return {"filters": filters_for_audit(filters), **names_in_file(user, incidents)}
