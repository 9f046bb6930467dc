"""The incident list as a file: one row per incident the user may see, with the list's filters.

People appear by name only where the user may see names (selectors.names_visible); otherwise by
pseudonym. Free text that can hold names (the summary, coders' notes) is whole where names are
visible and redacted elsewhere (records.redaction), as on the incident's page. The exact place
(locality, coordinates) is given only for the user's own organisation's incidents, as on the
public path.

The organisation's own fields (records.custom_fields) follow, for its own users and its own
incidents only: ``custom_fields`` in JSON, a ``custom.<key>`` column each in CSV, removed fields
too (their values are kept). A sensitive field's values are written only where names are. Its
fields on people likewise: in JSON under each person of ``people``; in CSV a
``people.custom.<key>`` column each, holding every person's value in people order (a sensitive
field's column only for those who see their organisation's names).

Each incident says what it is made of: how many reports, the kinds of their source lists, and —
for the reports of the user's own organisation's source lists only — each report's source list,
identifier (a cell of the partner's file, so free text: redacted like a summary for those who may
not see names), latest revision linked and how it was linked. Another organisation's lists and
reports are never named.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, QuerySet

from dozor.accounts.models import User
from dozor.audit.services import sensitive_digest
from dozor.lib.csv_safety import FORMULA_STARTS
from dozor.records.custom_field_selectors import custom_by_key, incident_custom
from dozor.records.custom_fields import CustomField, FieldTarget
from dozor.records.models import Incident, IncidentReport, PersonInvolvement
from dozor.records.redaction import free_text_for, names_of_incident, text_redacted
from dozor.records.selectors import IncidentFilters, incident_list, names_visible, person_label

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
    "report_count",
    "source_lists",
    "source_list_kinds",
    "reports",
)
# The JSON export's keys: the same, then the organisation's own fields on the incident and on
# each person (CSV: csv_header).
JSON_FIELDS = (*FIELDS, "custom_fields", "people")
INCIDENT_COLUMN = "custom."
PEOPLE_COLUMN = "people.custom."
# Within a people column: one person's several choices, and the people.
PERSON_CHOICES_SEPARATOR = ", "
LIST_SEPARATOR = "; "
# The reports cell of the CSV: `LIST:ID rREVISION (LINK)` joined by "; ", with "\", ";" and
# ":" in a list's name or an identifier written as "\\", "\;" and "\:" (reports_cell_parse).
_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ":": "\\:"})
_REPORT_TAIL = re.compile(r"^(?P<id>.*) r(?P<revision>\d+) \((?P<link>person|model)\)$", re.DOTALL)
CHUNK = 500


def export_queryset(*, user: User | AnonymousUser, filters: IncidentFilters) -> QuerySet[Incident]:
    return (
        incident_list(user=user, filters=filters)
        .select_related("organisation", "odihr_submission")
        .prefetch_related(
            "biases",
            "people__custom_values__field",
            "report_links__report__source_list",
            "custom_values__field",
        )
    )


def custom_columns(
    user: User | AnonymousUser, target: str = FieldTarget.INCIDENT
) -> list[CustomField]:
    """The fields of the user's organisation on incidents (or people), removed ones too, in
    their order. A sensitive field only for a user who sees the organisation's names: its
    column would hold nothing else."""
    if not isinstance(user, User) or user.organisation_id is None:
        return []
    fields = CustomField.objects.filter(organisation_id=user.organisation_id, applies_to=target)
    if not user.sees_names_of(user.organisation_id):
        fields = fields.filter(sensitive=False)
    return list(fields)


def csv_header(user: User | AnonymousUser) -> list[str]:
    return [
        *FIELDS,
        *(INCIDENT_COLUMN + field.key for field in custom_columns(user)),
        *(PEOPLE_COLUMN + field.key for field in custom_columns(user, FieldTarget.PERSON)),
    ]


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
        **incident_reports(user, incident, named=named),
        "custom_fields": incident_custom(user, incident, named=named),
        "people": [
            {
                "label": person_label(user, person, incident),
                "role": person.role,
                "custom_fields": person_custom(user, incident, person, named=named),
            }
            for person in people
        ],
    }


def person_custom(
    user: User | AnonymousUser, incident: Incident, person: PersonInvolvement, *, named: bool
) -> dict[str, Any]:
    """A person's custom values by key, as incident_custom gives the incident's: for the
    incident's own organisation's users only, removed fields too, a sensitive field's only
    where names are visible. Reads ``person.custom_values`` (prefetched with their fields)."""
    return custom_by_key(user, incident, person.custom_values.all(), named=named)


def link_kind(link: IncidentReport) -> str:
    """How a report became part of its incident: ``person`` (someone decided: on the Linkage
    page, a split, a new incident made of reports, an import's revision following its report) or
    ``model`` (an accepted batch of the model's groups)."""
    return str(link.kind)


def incident_reports(
    user: User | AnonymousUser, incident: Incident, *, named: bool
) -> dict[str, Any]:
    """What the incident is made of, as the user may see it.

    A report is counted once however many of its revisions are linked; it is listed at its
    latest linked revision, with the kind of its first link (how it joined; later revisions
    follow it). Only reports of the user's organisation's source lists are listed, by list and
    identifier; the others count and give their list's kind, nothing more.
    """
    organisation_id = user.organisation_id if isinstance(user, User) else None
    by_report: dict[tuple[int, str], list[IncidentReport]] = {}
    for link in incident.report_links.all():
        by_report.setdefault((link.report.source_list_id, link.report.external_id), []).append(link)
    kinds: set[str] = set()
    lists: set[str] = set()
    entries = []
    names = None
    for links in by_report.values():
        latest = max(links, key=lambda link: link.report.revision)
        first = min(links, key=lambda link: (link.linked_at, link.report.revision))
        source_list = latest.report.source_list
        kinds.add(source_list.kind)
        if organisation_id is None or source_list.organisation_id != organisation_id:
            continue
        external_id = latest.report.external_id
        if not named:
            names = names_of_incident(incident) if names is None else names
            external_id = str(text_redacted(external_id, names))
        lists.add(source_list.name)
        entries.append(
            {
                "source_list": source_list.name,
                "external_id": external_id,
                "revision": latest.report.revision,
                "link": link_kind(first),
            }
        )
    entries.sort(key=lambda entry: (entry["source_list"], entry["external_id"]))
    return {
        "report_count": len(by_report),
        "source_lists": sorted(lists),
        "source_list_kinds": sorted(kinds),
        "reports": entries,
    }


def reports_cell(entries: list[dict[str, Any]]) -> str:
    """The reports of an incident as one CSV cell: `NGO:SM-000123 r1 (person); Press:P12 r2
    (model)`, readable and parsed back by reports_cell_parse.

    A spreadsheet that splits the file at ";" (Excel does, in many locales) would start a cell
    with each entry: a list's name that begins like a formula gets a backslash before it, as
    csv_safe_cell gives the whole cell an apostrophe."""
    return LIST_SEPARATOR.join(
        f"{_list_name_escaped(str(entry['source_list']))}:"
        f"{str(entry['external_id']).translate(_ESCAPES)} r{entry['revision']} ({entry['link']})"
        for entry in entries
    )


def _list_name_escaped(name: str) -> str:
    escaped = name.translate(_ESCAPES)
    body = escaped.lstrip(" ")
    if body.startswith(FORMULA_STARTS):
        return escaped[: len(escaped) - len(body)] + "\\" + body
    return escaped


def _split_unescaped(text: str, separator: str) -> list[str]:
    """The text cut at each separator not preceded by a backslash; escapes are kept."""
    parts, current, escaped = [], [], False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


def reports_cell_parse(cell: str) -> list[dict[str, Any]]:
    """The entries of a reports cell (reports_cell), as the JSON export gives them; a
    ValueError names an entry that is not `LIST:ID rREVISION (LINK)`."""
    if not cell:
        return []
    entries = []
    for number, part in enumerate(_split_unescaped(cell, ";"), start=1):
        text = part[1:] if number > 1 and part.startswith(" ") else part
        head = _split_unescaped(text, ":")
        tail = _REPORT_TAIL.match(":".join(head[1:])) if len(head) > 1 else None
        if tail is None:
            raise ValueError(f"report {number}: expected LIST:ID rREVISION (LINK), found {text!r}")
        entries.append(
            {
                "source_list": _unescaped(head[0]),
                "external_id": _unescaped(tail["id"]),
                "revision": int(tail["revision"]),
                "link": tail["link"],
            }
        )
    return entries


def records(user: User | AnonymousUser, incidents: QuerySet[Incident]) -> Iterator[dict[str, Any]]:
    for incident in incidents.iterator(chunk_size=CHUNK):
        yield incident_record(user, incident)


def csv_cells(record: dict[str, Any], header: list[str] | None = None) -> list[Any]:
    """One record's cells under ``header`` (csv_header: FIELDS, then the custom columns)."""
    cells = []
    for name in header or FIELDS:
        if name.startswith(INCIDENT_COLUMN):
            value = record["custom_fields"].get(name.removeprefix(INCIDENT_COLUMN), "")
        elif name.startswith(PEOPLE_COLUMN):
            value = people_cell(record["people"], name.removeprefix(PEOPLE_COLUMN))
        else:
            value = record[name]
        if name == "reports":
            cells.append(reports_cell(value))
        else:
            cells.append(LIST_SEPARATOR.join(value) if isinstance(value, list) else value)
    return cells


def people_cell(people: list[dict[str, Any]], key: str) -> str:
    """One people column's cell: each person's value in people order, joined by "; " (a
    person without one leaves an empty place, so the n-th value is the n-th person's; several
    choices joined by ", "). Empty when no person has a value."""
    values = []
    for person in people:
        value = person["custom_fields"].get(key, "")
        values.append(PERSON_CHOICES_SEPARATOR.join(value) if isinstance(value, list) else value)
    return LIST_SEPARATOR.join(values) if any(values) else ""


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
        elif field.name == "custom":
            chosen["custom"] = [_custom_filter_for_audit(custom) for custom in value]
        else:
            chosen[field.name] = value.isoformat() if hasattr(value, "isoformat") else value
    return chosen


def _custom_filter_for_audit(custom: Any) -> dict[str, Any]:
    """A custom field's filter as the trail keeps it: a sealed field's value only digested."""
    entry: dict[str, Any] = {"field": custom.field.key}
    if custom.field.applies_to == FieldTarget.PERSON:
        entry["applies_to"] = FieldTarget.PERSON.value
    if custom.equals:
        sealed = custom.field.sensitive
        entry["digest" if sealed else "equals"] = (
            sensitive_digest(custom.equals) if sealed else custom.equals
        )
    for bound in ("low", "high"):
        if getattr(custom, bound) is not None:
            entry[bound] = str(getattr(custom, bound))
    return entry


def names_in_file(user: User, incidents: QuerySet[Incident]) -> dict[str, Any]:
    """Whether the file holds names, as incident_record() writes it: names are written only for
    the incidents whose names the user may see (their own organisation's), so the file holds
    names when one of those has a named person; ``names_incidents`` counts them. ``free_text``
    says whether summaries, coders' notes and the identifiers of reports (partners' cells), which
    can name people, were written unredacted."""
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
