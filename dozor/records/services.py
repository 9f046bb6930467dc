"""Writes that touch records. Each runs in one transaction and validates every row first."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import Organisation, User
from dozor.accounts.policy import require
from dozor.audit import services as audit
from dozor.records.bulk import bulk_insert
from dozor.records.custom_fields import (
    MSG_CHOICE_DROPPED,
    MSG_KEY_TAKEN,
    MSG_SENSITIVE_FIXED,
    MSG_TYPE_FIXED,
    MSG_VALUE_REQUIRED,
    MSG_VALUE_UNKNOWN_FIELD,
    CustomField,
    CustomValue,
    FieldTarget,
    value_rows,
    values_holding,
)
from dozor.records.models import (
    Incident,
    IncidentBias,
    IncidentReport,
    LinkKind,
    PersonInvolvement,
    Report,
    SourceList,
    search_text,
)

logger = logging.getLogger(__name__)

REFERENCE_ATTEMPTS = 5
MSG_BIAS_TWICE = _("The bias motivation “%(code)s” is given twice.")
MSG_ROW_PROBLEM = _("Row %(row)s: %(problem)s")


@dataclass(frozen=True)
class BiasInput:
    motivation: str
    indicators: Sequence[str] = ()
    note: str = ""


@dataclass(frozen=True)
class PersonInput:
    role: str = "victim"
    name: str = ""
    pseudonym: str = ""
    sex: str = "unknown"
    age: int | None = None
    age_band: str = "unknown"
    perceived_group: str = ""
    harm: str = "unknown"
    group_affiliation: str = ""
    count: int = 1
    # The person's custom field values by key (see IncidentInput.custom).
    custom: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class IncidentInput:
    """The fields of an incident as a person or a program gives them."""

    title: str
    incident_type: str
    date_start: datetime.date | None = None
    date_end: datetime.date | None = None
    date_precision: str = "day"
    summary: str = ""
    summary_language: str = "ru"
    country: str = "RU"
    region: str = ""
    locality: str = ""
    location_precision: str = "locality"
    latitude: Any = None
    longitude: Any = None
    target_kind: str = "people"
    killed: int = 0
    injured: int = 0
    verification_status: str = "unverified"
    confidentiality: str = "restricted"
    defender_targeted: bool = False
    target_organisation: Organisation | None = None
    biases: Sequence[BiasInput] = field(default_factory=tuple)
    people: Sequence[PersonInput] = field(default_factory=tuple)
    # The organisation's custom fields by key: a form's or an import's values. None leaves the
    # stored values as they are (programs that know nothing of them). ``custom_complete``: every
    # active field is given (a form), so required ones are checked and those left out are emptied.
    custom: Mapping[str, Any] | None = None
    custom_complete: bool = False


# Fields of the inputs that are not columns of the records.
NOT_COLUMNS = frozenset({"biases", "people", "custom", "custom_complete"})


def _incident_fields(data: IncidentInput) -> dict[str, Any]:
    return {
        name: getattr(data, name)
        for name in IncidentInput.__dataclass_fields__
        if name not in NOT_COLUMNS
    }


# Never written to the audit trail in clear: the trail records only that they changed.
AUDIT_SENSITIVE_FIELDS = frozenset(
    {"summary", "locality", "latitude", "longitude", "people_names", "people_affiliations"}
)


def _audit_snapshot(
    incident: Incident, biases: Iterable[IncidentBias], people: Iterable[PersonInvolvement]
) -> dict[str, Any]:
    """An incident's state as the audit trail compares it between versions."""
    values: dict[str, Any] = {
        name: getattr(incident, name)
        for name in IncidentInput.__dataclass_fields__
        if name not in NOT_COLUMNS
    }
    values["target_organisation"] = incident.target_organisation_id
    people = list(people)
    values["biases"] = sorted(bias.motivation for bias in biases)
    values["people"] = [
        f"{person.pseudonym}: {person.role}, {person.sex}, {person.age or '?'}, {person.harm}"
        + (f" ×{person.count}" if person.count > 1 else "")
        for person in people
    ]
    values["people_names"] = [person.name for person in people]
    values["people_affiliations"] = [person.group_affiliation for person in people]
    return values


def _pseudonym(role: str, position: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    label = {"victim": "Victim", "perpetrator": "Perpetrator", "witness": "Witness"}.get(
        role, "Person"
    )
    suffix = letters[position % 26] + (str(position // 26) if position >= 26 else "")
    return f"{label} {suffix}"


# Rows a service gives itself, not its input: checking that they exist costs a query each.
GIVEN_BY_THE_SERVICE = ["organisation", "created_by", "updated_by"]


def _validated_children(
    incident: Incident, data: IncidentInput, user: User | None, *, many: bool = False
) -> tuple[list[IncidentBias], list[PersonInvolvement]]:
    errors: dict[str, list[ValidationError]] = {}
    biases = []
    seen: set[str] = set()
    for position, bias_input in enumerate(data.biases, start=1):
        bias = IncidentBias(
            incident=incident,
            motivation=bias_input.motivation,
            indicators=list(bias_input.indicators),
            note=bias_input.note,
        )
        try:
            bias.full_clean(
                exclude=["incident"], validate_unique=False, validate_constraints=not many
            )
            if bias.motivation in seen:
                raise ValidationError(
                    {
                        "motivation": ValidationError(
                            MSG_BIAS_TWICE, params={"code": bias.motivation}
                        )
                    }
                )
        except ValidationError as error:
            errors.setdefault("biases", []).append(
                ValidationError(MSG_ROW_PROBLEM, params={"row": position, "problem": _flat(error)})
            )
        seen.add(bias.motivation)
        biases.append(bias)
    people = []
    counters: dict[str, int] = {}
    for position, person_input in enumerate(data.people, start=1):
        index = counters.get(person_input.role, 0)
        counters[person_input.role] = index + 1
        person = PersonInvolvement(
            incident=incident,
            created_by=user,
            updated_by=user,
            **{
                name: getattr(person_input, name)
                for name in PersonInput.__dataclass_fields__
                if name not in NOT_COLUMNS
            },
        )
        if not person.pseudonym:
            person.pseudonym = _pseudonym(person.role, index)
        try:
            person.full_clean(
                exclude=["incident", *(GIVEN_BY_THE_SERVICE if many else [])],
                validate_unique=False,
                validate_constraints=not many,
            )
        except ValidationError as error:
            errors.setdefault("people", []).append(
                ValidationError(MSG_ROW_PROBLEM, params={"row": position, "problem": _flat(error)})
            )
        people.append(person)
    if errors:
        raise ValidationError(errors)
    return biases, people


def _validated(
    incident: Incident, data: IncidentInput, user: User | None, *, many: bool = False
) -> tuple[list[IncidentBias], list[PersonInvolvement]]:
    """Check the incident and its children together, so that every problem is reported at once.

    ``many``, for many incidents at once, leaves out the checks Django makes with one query
    each: the database's check constraints, which clean() and the fields' validators already
    state (the date and its precision, coordinates, ages, counts) and the database still
    enforces, and the existence of the organisation and user the service itself gives.
    """
    incident.search_text = search_text(incident.title)
    errors: dict[str, list[str]] = {}
    try:
        incident.full_clean(
            exclude=["reference", *(GIVEN_BY_THE_SERVICE if many else [])],
            validate_constraints=not many,
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        children = _validated_children(incident, data, user, many=many)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        _custom_plan(incident.organisation_id, data)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return children


def _flat(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def numbered_problem(
    message: Any, *, number: int, count: int, problem: ValidationError | str, **params: Any
) -> ValidationError:
    """One record's problem in a batch, named by its place ("Incident 3 of 40: …"), for the
    services that validate many records and report every problem at once."""
    text = _flat(problem) if isinstance(problem, ValidationError) else problem
    return ValidationError(
        message, params={"number": number, "count": count, "problem": text, **params}
    )


def _next_reference(country: str, date: datetime.date | None) -> str:
    year = str(date.year) if date else "0000"
    prefix = f"{country}-{year}-"
    last = (
        Incident.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:05d}"


def incident_validate(*, organisation: Organisation, data: IncidentInput) -> None:
    """Raise the ValidationError incident_create would raise for ``data``, storing nothing
    (the database's check constraints aside: see _validated)."""
    incident = Incident(organisation=organisation, **_incident_fields(data))
    _validated(incident, data, None, many=True)


def incident_create(
    *, organisation: Organisation, user: User | None, data: IncidentInput
) -> Incident:
    """Validate and store a new incident with its bias motivations and people."""
    incident = Incident(
        organisation=organisation, created_by=user, updated_by=user, **_incident_fields(data)
    )
    biases, people = _validated(incident, data, user)
    plan = _custom_plan(incident.organisation_id, data)
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():
                incident.reference = _next_reference(incident.country, incident.date_start)
                incident.save()
                _children_save(incident, biases, people)
                _custom_save(incident, people, plan)
                audit.audit_record(
                    action=audit.Action.CREATE,
                    user=user,
                    target=incident,
                    changes=audit.changes_between(
                        {},
                        _audit_snapshot(incident, biases, people) | _custom_snapshot(incident),
                        sensitive=AUDIT_SENSITIVE_FIELDS | _custom_sensitive(incident),
                    ),
                )
        except IntegrityError:
            if attempt == REFERENCE_ATTEMPTS - 1:
                raise
            incident.pk = None
            continue
        break
    logger.info("incident %s created by %s", incident.reference, user)
    return incident


MSG_REPORT_ALREADY_LINKED = _("Report %(id)s is already part of an incident.")
MSG_INCIDENT_PROBLEM = _("Incident %(number)s of %(count)s: %(problem)s")


def _references(incidents: Sequence[Incident]) -> None:
    """Give each incident the next free reference of its country and year, in order."""
    last: dict[str, int] = {}
    for incident in incidents:
        year = str(incident.date_start.year) if incident.date_start else "0000"
        prefix = f"{incident.country}-{year}-"
        if prefix not in last:
            previous = _next_reference(incident.country, incident.date_start)
            last[prefix] = int(previous.rsplit("-", 1)[1]) - 1
        last[prefix] += 1
        incident.reference = f"{prefix}{last[prefix]:05d}"


@transaction.atomic
def incidents_create_with_reports(
    *,
    organisation: Organisation,
    user: User | None,
    items: Sequence[tuple[IncidentInput, Sequence[Report]]],
    kind: str = LinkKind.PERSON,
) -> list[Incident]:
    """Many new incidents at once, each with its reports linked: for accepting the model's
    groups, where one incident_create and one incident_link_reports per incident are too slow.

    The same validation as incident_create (every problem of every incident reported at once,
    naming the incident by its place in ``items``), and reports must be part of no incident.
    The trail gets one entry per incident, its creation, which names the reports linked to it
    and how (``kind``). Response events waiting in the reports are the caller's to add
    (dozor.responses.services.events_from_reports): records know nothing of responses.
    """
    if kind not in LinkKind.values:
        raise ValueError(f"'{kind}' is not a kind of link; expected one of {LinkKind.values}.")
    incidents: list[Incident] = []
    children: list[tuple[list[IncidentBias], list[PersonInvolvement]]] = []
    problems = []
    for number, (data, _reports) in enumerate(items, start=1):
        incident = Incident(
            organisation=organisation, created_by=user, updated_by=user, **_incident_fields(data)
        )
        try:
            children.append(_validated(incident, data, user, many=True))
        except ValidationError as error:
            problems.append(
                numbered_problem(
                    MSG_INCIDENT_PROBLEM, number=number, count=len(items), problem=error
                )
            )
        incidents.append(incident)
    report_ids = [report.pk for _data, reports in items for report in reports]
    taken = IncidentReport.objects.filter(report_id__in=report_ids).values_list(
        "report_id", flat=True
    )
    problems.extend(
        ValidationError(MSG_REPORT_ALREADY_LINKED, params={"id": report_id})
        for report_id in sorted(taken)[:20]
    )
    if problems:
        raise ValidationError(problems)
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():
                _references(incidents)
                Incident.objects.bulk_create(incidents, batch_size=500)
                break
        except IntegrityError:  # another writer took a reference meanwhile
            if attempt == REFERENCE_ATTEMPTS - 1:
                raise
            for incident in incidents:
                incident.pk = None
    all_biases = [bias for biases, _people in children for bias in biases]
    all_people = [person for _biases, people in children for person in people]
    for incident, (biases, people) in zip(incidents, children, strict=True):
        for bias in biases:
            bias.incident = incident
        for person in people:
            person.incident = incident
    IncidentBias.objects.bulk_create(all_biases, batch_size=1000)
    PersonInvolvement.objects.bulk_create(all_people, batch_size=1000)
    for incident, (data, _reports), (_biases, people) in zip(
        incidents, items, children, strict=True
    ):
        _custom_save(incident, people, _custom_plan(organisation.pk, data))
    IncidentReport.objects.bulk_create(
        [
            IncidentReport(incident=incident, report=report, linked_by=user, kind=kind)
            for incident, (_data, reports) in zip(incidents, items, strict=True)
            for report in reports
        ],
        batch_size=1000,
    )
    audit.audit_records(
        action=audit.Action.CREATE,
        user=user,
        items=[
            (
                incident,
                {
                    **audit.changes_between(
                        {},
                        _audit_snapshot(incident, biases, people),
                        sensitive=AUDIT_SENSITIVE_FIELDS,
                    ),
                    "reports": {"before": None, "after": [report.pk for report in reports]},
                    "kind": kind,
                },
            )
            for incident, (biases, people), (_data, reports) in zip(
                incidents, children, items, strict=True
            )
        ],
    )
    logger.info("%s incidents created with their reports by %s", len(incidents), user)
    return incidents


def _children_save(
    incident: Incident, biases: list[IncidentBias], people: list[PersonInvolvement]
) -> None:
    for bias in biases:
        bias.incident = incident
    for person in people:
        person.incident = incident
    IncidentBias.objects.bulk_create(biases)
    PersonInvolvement.objects.bulk_create(people)


@transaction.atomic
def incident_update(*, incident: Incident, user: User | None, data: IncidentInput) -> Incident:
    """Replace an incident's fields, bias motivations and people with the given ones."""
    before = _audit_snapshot(incident, incident.biases.all(), incident.people.all())
    before |= _custom_snapshot(incident)
    for name, value in _incident_fields(data).items():
        setattr(incident, name, value)
    incident.updated_by = user
    biases, people = _validated(incident, data, user)
    plan = _custom_plan(incident.organisation_id, data)
    incident.save()
    incident.biases.all().delete()
    kept_creators = {person.pseudonym: person.created_by for person in incident.people.all()}
    kept_values = _people_custom_values(incident)
    incident.people.all().delete()
    for person in people:
        person.created_by = kept_creators.get(person.pseudonym, user)
    _children_save(incident, biases, people)
    for position, person in enumerate(people):
        if plan.people[position] is None and person.pseudonym in kept_values:
            plan.people[position] = kept_values[person.pseudonym]
    _custom_save(incident, people, plan)
    audit.audit_record(
        action=audit.Action.UPDATE,
        user=user,
        target=incident,
        changes=audit.changes_between(
            before,
            _audit_snapshot(incident, biases, people) | _custom_snapshot(incident),
            sensitive=AUDIT_SENSITIVE_FIELDS | _custom_sensitive(incident),
        ),
    )
    logger.info("incident %s changed by %s", incident.reference, user)
    return incident


# --- custom fields ------------------------------------------------------------------------

# The values of one record to store, by field: every field named is replaced.
CustomValues = dict[CustomField, list[str]]


@dataclass
class CustomPlan:
    """What incident_create and incident_update store of the custom fields: the incident's
    values, and each person's (None: that person's stay as they were)."""

    incident: CustomValues
    people: list[CustomValues | None]


def custom_fields_of(
    organisation_id: int | None, target: str, *, removed: bool = False
) -> list[CustomField]:
    """An organisation's fields on incidents or people, in their order; the removed ones too
    with ``removed``; none for no organisation."""
    if organisation_id is None:
        return []
    fields = CustomField.objects.filter(organisation_id=organisation_id, applies_to=target)
    if not removed:
        fields = fields.filter(removed_at__isnull=True)
    return list(fields)


def custom_field_keys(organisation_id: int | None, target: str = FieldTarget.INCIDENT) -> set[str]:
    """The keys of an organisation's active fields on incidents (or on people)."""
    return {field.key for field in custom_fields_of(organisation_id, target)}


def custom_values_parse(
    fields: Sequence[CustomField], given: Mapping[str, Any], *, complete: bool, where: str
) -> CustomValues:
    """The canonical values of ``given`` (key to a typed or written value) for ``fields`` (the
    organisation's active ones), or a ValidationError keyed ``custom_<key>`` naming each
    problem. ``complete``: every field is given, so required ones must have a value and those
    left out are emptied; otherwise only the keys given are replaced."""
    by_key = {f.key: f for f in fields}
    errors: dict[str, list[Any]] = {}
    values: CustomValues = {}
    for key in given:
        if key not in by_key:
            errors.setdefault(f"custom_{key}", []).append(
                ValidationError(MSG_VALUE_UNKNOWN_FIELD, params={"key": key, "target": where})
            )
    for custom in fields:
        if custom.key not in given and not complete:
            continue
        try:
            canonical = custom.canonical(given.get(custom.key))
        except ValidationError as error:
            errors.setdefault(f"custom_{custom.key}", []).extend(error.messages)
            continue
        if custom.required and not canonical and complete:
            errors.setdefault(f"custom_{custom.key}", []).append(
                ValidationError(
                    MSG_VALUE_REQUIRED, params={"label": custom.label(get_language() or "en")}
                )
            )
        values[custom] = canonical
    if errors:
        raise ValidationError(errors)
    return values


def _custom_plan(organisation_id: int | None, data: IncidentInput) -> CustomPlan:
    people_given = [person.custom for person in data.people]
    if data.custom is None and all(given is None for given in people_given):
        return CustomPlan(incident={}, people=[None] * len(people_given))
    errors: dict[str, list[Any]] = {}
    incident_values: CustomValues = {}
    if data.custom is not None:
        fields = custom_fields_of(organisation_id, FieldTarget.INCIDENT)
        try:
            incident_values = custom_values_parse(
                fields, data.custom, complete=data.custom_complete, where=str(_("incidents"))
            )
        except ValidationError as error:
            errors.update(error.message_dict)
    people_values: list[CustomValues | None] = []
    person_fields = custom_fields_of(organisation_id, FieldTarget.PERSON)
    for position, given in enumerate(people_given, start=1):
        if given is None:
            people_values.append(None)
            continue
        try:
            people_values.append(
                custom_values_parse(
                    person_fields,
                    given,
                    complete=data.custom_complete,
                    where=str(_("people involved")),
                )
            )
        except ValidationError as error:
            people_values.append(None)
            errors.setdefault("people", []).append(
                ValidationError(MSG_ROW_PROBLEM, params={"row": position, "problem": _flat(error)})
            )
    if errors:
        raise ValidationError(errors)
    return CustomPlan(incident=incident_values, people=people_values)


def _custom_save(incident: Incident, people: Sequence[PersonInvolvement], plan: CustomPlan) -> None:
    rows: list[CustomValue] = []
    if plan.incident:
        CustomValue.objects.filter(incident=incident, field__in=list(plan.incident)).delete()
    for custom, canonical in plan.incident.items():
        for row in value_rows(custom, canonical):
            row.incident = incident
            rows.append(row)
    for person, values in zip(people, plan.people, strict=True):
        for custom, canonical in (values or {}).items():
            for row in value_rows(custom, canonical):
                row.person = person
                rows.append(row)
    CustomValue.objects.bulk_create(rows)


def _people_custom_values(incident: Incident) -> dict[str, CustomValues]:
    """The stored custom values of each person of an incident, by pseudonym, so that an update
    that gives none for a person keeps them."""
    kept: dict[str, CustomValues] = {}
    values = CustomValue.objects.filter(person__incident=incident).select_related("field", "person")
    for value in values:
        assert value.person is not None
        kept.setdefault(value.person.pseudonym, {}).setdefault(value.field, []).append(
            value.shown()
        )
    return kept


def _custom_snapshot(incident: Incident) -> dict[str, Any]:
    """The incident's custom values as the audit trail compares them: ``custom.<key>`` for the
    incident's, ``people_custom.<key>`` for its people's (a list, one item per person)."""
    snapshot: dict[str, list[str]] = {}
    for value in CustomValue.objects.filter(incident=incident).select_related("field"):
        snapshot.setdefault(f"custom.{value.field.key}", []).append(value.shown())
    people = CustomValue.objects.filter(person__incident=incident).select_related("field")
    for value in people.order_by("person__pseudonym", "id"):
        snapshot.setdefault(f"people_custom.{value.field.key}", []).append(value.shown())
    return {key: ", ".join(sorted(items)) for key, items in snapshot.items()}


def _custom_sensitive(incident: Incident) -> frozenset[str]:
    """The audit keys of the organisation's sensitive fields: the trail says only "changed"."""
    keys = CustomField.objects.filter(
        organisation_id=incident.organisation_id, sensitive=True
    ).values_list("applies_to", "key")
    return frozenset(
        f"{'custom' if target == FieldTarget.INCIDENT else 'people_custom'}.{key}"
        for target, key in keys
    )


@dataclass(frozen=True)
class CustomFieldInput:
    """A custom field's definition as an administrator gives it."""

    key: str
    field_type: str
    label_en: str
    label_ru: str
    applies_to: str = FieldTarget.INCIDENT
    required: bool = False
    sensitive: bool = False
    options: Sequence[Mapping[str, str]] = ()
    position: int = 0


CUSTOM_FIELD_AUDITED = (
    "key",
    "applies_to",
    "field_type",
    "label_en",
    "label_ru",
    "required",
    "sensitive",
    "options",
    "position",
)
MSG_CUSTOM_FIELD_KEY_FIXED = _("The key of a field cannot change: exports and mappings use it.")


def _custom_field_snapshot(custom: CustomField) -> dict[str, Any]:
    return {name: getattr(custom, name) for name in CUSTOM_FIELD_AUDITED} | {
        "removed": custom.removed_at is not None
    }


def _custom_field_save(custom: CustomField) -> None:
    """Validate (the key unique in the organisation, for incidents or people) and save."""
    errors: dict[str, list[Any]] = {}
    try:
        # The key's uniqueness is checked below, worded for the person who chose it.
        custom.full_clean(
            exclude=["organisation", "created_by", "updated_by"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        errors.update(error.error_dict)
    taken = (
        CustomField.objects.filter(
            organisation_id=custom.organisation_id, applies_to=custom.applies_to, key=custom.key
        )
        .exclude(pk=custom.pk)
        .exists()
    )
    key_taken = ValidationError(MSG_KEY_TAKEN, params={"key": custom.key})
    if taken:
        errors["key"] = [key_taken]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            custom.save()
    except IntegrityError:  # another administrator took the key meanwhile
        raise ValidationError({"key": [key_taken]}) from None


@transaction.atomic
def custom_field_create(
    *, organisation: Organisation, user: User, data: CustomFieldInput
) -> CustomField:
    """A new field of ``organisation``'s incidents or people, by one of its administrators
    (``custom_fields.manage``), validated, with its entry in the audit trail."""
    custom = CustomField(
        organisation=organisation,
        created_by=user,
        updated_by=user,
        key=data.key.strip(),
        applies_to=data.applies_to,
        field_type=data.field_type,
        label_en=data.label_en.strip(),
        label_ru=data.label_ru.strip(),
        required=data.required,
        sensitive=data.sensitive,
        options=[dict(option) for option in data.options],
        position=data.position,
    )
    require(user, "custom_fields.manage", custom)
    _custom_field_save(custom)
    audit.audit_record(
        action=audit.Action.CREATE,
        user=user,
        target=custom,
        changes=audit.changes_between({}, _custom_field_snapshot(custom)),
    )
    logger.info("custom field %s added for organisation %s", custom.key, organisation.pk)
    return custom


@transaction.atomic
def custom_field_update(*, custom: CustomField, user: User, data: CustomFieldInput) -> CustomField:
    """Change a field's labels, options, order and whether it is required. Its key never
    changes; its type and whether it is sensitive only while it holds no value; an option stays
    while a value uses it."""
    require(user, "custom_fields.manage", custom)
    custom = CustomField.objects.select_for_update().get(pk=custom.pk)
    before = _custom_field_snapshot(custom)
    errors: dict[str, list[Any]] = {}
    if data.key.strip() != custom.key:
        errors["key"] = [ValidationError(MSG_CUSTOM_FIELD_KEY_FIXED)]
    held = custom.values.count()
    if held and data.field_type != custom.field_type:
        errors["field_type"] = [ValidationError(MSG_TYPE_FIXED, params={"count": held})]
    if held and data.sensitive != custom.sensitive:
        errors["sensitive"] = [ValidationError(MSG_SENSITIVE_FIXED, params={"count": held})]
    kept_codes = {option.get("code") for option in data.options}
    for option in custom.options:
        if option["code"] in kept_codes:
            continue
        used = values_holding(custom, option["code"]).count()
        if used:
            errors.setdefault("options", []).append(
                ValidationError(MSG_CHOICE_DROPPED, params={"code": option["code"], "count": used})
            )
    if errors:
        raise ValidationError(errors)
    custom.field_type = data.field_type
    custom.label_en = data.label_en.strip()
    custom.label_ru = data.label_ru.strip()
    custom.required = data.required
    custom.sensitive = data.sensitive
    custom.options = [dict(option) for option in data.options]
    custom.position = data.position
    custom.updated_by = user
    changes = audit.changes_between(before, _custom_field_snapshot(custom))
    if not changes:
        return custom
    _custom_field_save(custom)
    audit.audit_record(action=audit.Action.UPDATE, user=user, target=custom, changes=changes)
    logger.info("custom field %s changed: %s", custom.pk, sorted(changes))
    return custom


@transaction.atomic
def custom_field_remove(*, custom: CustomField, user: User, removed: bool = True) -> CustomField:
    """Take a field out of the form, the pages and the filters (``removed``), or bring it back.
    Its stored values stay, in the exports too."""
    require(user, "custom_fields.manage", custom)
    custom = CustomField.objects.select_for_update().get(pk=custom.pk)
    if (custom.removed_at is not None) == removed:
        return custom
    before = _custom_field_snapshot(custom)
    custom.removed_at = timezone.now() if removed else None
    custom.updated_by = user
    custom.save(update_fields=["removed_at", "updated_by", "updated_at"])
    audit.audit_record(
        action=audit.Action.UPDATE,
        user=user,
        target=custom,
        changes=audit.changes_between(before, _custom_field_snapshot(custom)),
    )
    logger.info("custom field %s %s", custom.pk, "removed" if removed else "restored")
    return custom


# What a source list's audit entries record; the description is free text that can name a
# contact or a victim, so the trail says only that it changed.
SOURCE_LIST_AUDITED = ("name", "kind", "reliability", "language", "description")
SOURCE_LIST_SENSITIVE = frozenset({"description"})
SOURCE_LIST_LANGUAGES = tuple(code for code, _label in settings.LANGUAGES)
MSG_SOURCE_LIST_NAME_TAKEN = _(
    "There is already a source list named “%(name)s” in Dozor (names are unique across "
    "organisations, because imports and estimates name a list by it). Choose another name."
)
MSG_SOURCE_LIST_LANGUAGE = _("“%(value)s” is not a language of Dozor; expected one of: %(codes)s.")
MSG_SOURCE_LIST_NAME_BLANK = _("A source list needs a name.")


def _source_list_snapshot(source_list: SourceList) -> dict[str, Any]:
    return {name: getattr(source_list, name) for name in SOURCE_LIST_AUDITED}


def _source_list_save(source_list: SourceList) -> None:
    """Validate and save; a name taken meanwhile by another writer is the same form error as one
    taken before, never a database error."""
    errors: dict[str, list[Any]] = {}
    if not source_list.name:
        errors["name"] = [ValidationError(MSG_SOURCE_LIST_NAME_BLANK, code="blank")]
    if source_list.language not in SOURCE_LIST_LANGUAGES:
        errors["language"] = [
            ValidationError(
                MSG_SOURCE_LIST_LANGUAGE,
                code="language",
                params={"value": source_list.language, "codes": ", ".join(SOURCE_LIST_LANGUAGES)},
            )
        ]
    try:
        source_list.full_clean(exclude=list(errors))
    except ValidationError as error:
        for name, messages in error.error_dict.items():
            errors.setdefault(name, []).extend(messages)
    taken = ValidationError(
        MSG_SOURCE_LIST_NAME_TAKEN, code="unique", params={"name": source_list.name}
    )
    if "name" in errors and any(e.code == "unique" for e in errors["name"]):
        errors["name"] = [taken]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            source_list.save()
    except IntegrityError:
        if SourceList.objects.filter(name=source_list.name).exclude(pk=source_list.pk).exists():
            raise ValidationError({"name": [taken]}) from None
        raise


@transaction.atomic
def source_list_create(
    *,
    name: str,
    kind: str,
    organisation: Organisation,
    user: User | None = None,
    reliability: str = "unknown",
    language: str = "ru",
    description: str = "",
) -> SourceList:
    """A new source list of ``organisation``, validated, with its entry in the audit trail.

    With a ``user``, they must be a documenter or administrator of ``organisation``
    (``source_list.write``); without one it is the server's operator at the command line
    (`dozor sources add --organisation`), as for `dozor createuser`. The name is unique across
    Dozor (imports and estimates name a list by it); a clash is a ValidationError on ``name``,
    never a database error.
    """
    source_list = SourceList(
        name=name.strip(),
        kind=kind,
        organisation=organisation,
        reliability=reliability,
        language=language,
        description=description.strip(),
        created_by=user,
        updated_by=user,
    )
    if user is not None:
        require(user, "source_list.write", source_list)
    _source_list_save(source_list)
    audit.audit_record(
        action=audit.Action.CREATE,
        user=user,
        target=source_list,
        changes={
            "name": source_list.name,
            "kind": kind,
            "organisation": organisation.pk,
            "reliability": reliability,
            "language": language,
            **({"description": audit.CHANGED} if source_list.description else {}),
        },
    )
    logger.info("source list %s created for organisation %s", source_list.pk, organisation.pk)
    return source_list


@transaction.atomic
def source_list_update(
    *,
    source_list: SourceList,
    user: User | None,
    name: str | None = None,
    description: str | None = None,
    reliability: str | None = None,
    language: str | None = None,
) -> SourceList:
    """Rename a source list or change what it says about itself; what is not given stays.

    The same rights as source_list_create (a writer of the owning organisation, or the operator
    when ``user`` is None). Its reports, imports and estimates follow it: they hold the list, not
    its name. The audit entry has each change before and after (the description only "changed").
    """
    if user is not None:
        require(user, "source_list.write", source_list)
    source_list = SourceList.objects.select_for_update().get(pk=source_list.pk)
    before = _source_list_snapshot(source_list)
    if name is not None:
        source_list.name = name.strip()
    if description is not None:
        source_list.description = description.strip()
    if reliability is not None:
        source_list.reliability = reliability
    if language is not None:
        source_list.language = language
    changes = audit.changes_between(
        before, _source_list_snapshot(source_list), sensitive=SOURCE_LIST_SENSITIVE
    )
    if not changes:
        return source_list
    source_list.updated_by = user
    _source_list_save(source_list)
    audit.audit_record(action=audit.Action.UPDATE, user=user, target=source_list, changes=changes)
    logger.info("source list %s changed: %s", source_list.pk, sorted(changes))
    return source_list


def report_view_record(
    *, user: User, names: bool, report: Report | None = None, reports: int | None = None
) -> None:
    """The entry for reports shown to someone: one report's page (``report``), or a list of
    ``reports`` of them. A report is a source's record as received and names people, so the
    entry says whether the names were in what the person got (``names``)."""
    changes: dict[str, Any] = {"names": names}
    if reports is not None:
        changes["reports"] = reports
    audit.audit_record(
        action=audit.Action.VIEW_NAMES if names else audit.Action.VIEW,
        user=user,
        target=report,
        changes=changes,
    )


@transaction.atomic
def report_create(
    *,
    source_list: SourceList,
    external_id: str,
    payload: dict[str, Any],
    fields: dict[str, Any],
    received_on: datetime.date,
    user: User | None = None,
) -> Report:
    """Store a source's record as given. A second record with the same id is its next revision."""
    last = (
        Report.objects.select_for_update()
        .filter(source_list=source_list, external_id=external_id)
        .order_by("-revision")
        .first()
    )
    report = Report(
        source_list=source_list,
        external_id=external_id,
        revision=last.revision + 1 if last else 1,
        payload=payload,
        fields=fields,
        received_on=received_on,
        created_by=user,
    )
    report.full_clean()
    report.save()
    # The payload is the source's record as received and may hold names: only its keys are kept.
    audit.audit_record(
        action=audit.Action.CREATE,
        user=user,
        target=report,
        changes={
            "source_list": source_list.pk,
            "external_id": external_id,
            "revision": report.revision,
            "payload_fields": sorted(str(key) for key in payload),
        },
    )
    return report


@dataclass(frozen=True)
class ReportInput:
    """A source's record as a service stores it: the record as received (``payload``), what a
    mapping read from it (``fields``, the standard fields of report_schema) and its revision."""

    external_id: str
    payload: dict[str, Any]
    fields: dict[str, Any]
    received_on: datetime.date
    revision: int = 1


MSG_REPORT_PROBLEM = _("Report %(number)s of %(count)s (%(id)s): %(problem)s")
# Fields the service gives itself, left out of each report's validation.
REPORT_GIVEN_BY_THE_SERVICE = ["source_list", "created_by"]


@transaction.atomic
def reports_create_many(
    *,
    source_list: SourceList,
    user: User | None,
    items: Sequence[ReportInput],
    context: Mapping[str, Any] | None = None,
) -> list[Report]:
    """Store many records of one source list at once, in order, and return them with their ids.

    The one way reports are stored in bulk (imports, re-reading with a corrected mapping, the
    demo): each is validated as a form would validate it (every problem of every report raised
    at once, naming the report by its place and identifier), all are inserted in one statement
    (COPY on PostgreSQL), and the trail gets one entry for the batch on the source list with its
    counts and ``context`` (the import that read them, say). Payloads may name people, so the
    entry holds counts and ids, never a payload. Uniqueness of (source list, identifier,
    revision) is left to the database's constraint, which a concurrent writer cannot pass.
    """
    reports = [
        Report(
            source_list=source_list,
            external_id=item.external_id,
            revision=item.revision,
            payload=item.payload,
            fields=item.fields,
            received_on=item.received_on,
            created_by=user,
        )
        for item in items
    ]
    problems = []
    for number, report in enumerate(reports, start=1):
        try:
            report.full_clean(
                exclude=REPORT_GIVEN_BY_THE_SERVICE,
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            problems.append(
                numbered_problem(
                    MSG_REPORT_PROBLEM,
                    number=number,
                    count=len(reports),
                    problem=error,
                    id=report.external_id[:80],
                )
            )
    if problems:
        raise ValidationError(problems)
    if not reports:
        return reports
    bulk_insert(reports)
    audit.audit_record(
        action=audit.Action.CREATE,
        user=user,
        target=source_list,
        changes={
            "reports": len(reports),
            "revisions": sum(1 for report in reports if report.revision > 1),
            "report_ids": [reports[0].pk, reports[-1].pk],
            **dict(context or {}),
        },
    )
    return reports


@transaction.atomic
def incident_link_reports(
    *,
    incident: Incident,
    reports: Iterable[Report],
    user: User | None,
    kind: str = LinkKind.PERSON,
) -> list[IncidentReport]:
    """Make reports part of an incident, moving each from the incident it was part of, if any.

    ``kind`` says how they joined: a person linked them, or a person accepted the model's group
    (LinkKind.MODEL, which the trail records with each link). Response events waiting in the
    reports are the caller's to add (dozor.responses.services.events_from_reports).
    """
    if kind not in LinkKind.values:
        raise ValueError(f"'{kind}' is not a kind of link; expected one of {LinkKind.values}.")
    links = []
    for report in reports:
        moved_from = list(
            IncidentReport.objects.filter(report=report)
            .exclude(incident=incident)
            .select_related("incident")
        )
        for old in moved_from:
            audit.audit_record(
                action=audit.Action.UNLINK,
                user=user,
                target=old.incident,
                changes={"report": {"before": report.pk, "after": None}},
            )
        IncidentReport.objects.filter(report=report).exclude(incident=incident).delete()
        link, created = IncidentReport.objects.get_or_create(
            report=report, defaults={"incident": incident, "linked_by": user, "kind": kind}
        )
        if created:
            audit.audit_record(
                action=audit.Action.LINK,
                user=user,
                target=incident,
                changes={
                    "report": {"before": None, "after": report.pk},
                    **({"kind": kind} if kind != LinkKind.PERSON else {}),
                },
            )
        links.append(link)
    return links
