"""Reads of custom fields: an organisation's fields are seen only by its own users, and a
sensitive field's values only by those of them who see names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dozor.accounts.models import User
from dozor.records.custom_field_forms import initial_values
from dozor.records.custom_fields import CustomField, CustomValue, FieldTarget, FieldType
from dozor.records.models import Incident
from dozor.records.selectors import names_searchable, names_visible


def own_fields(
    user: User | AnonymousUser, target: str = FieldTarget.INCIDENT, *, removed: bool = False
) -> QuerySet[CustomField]:
    """The fields of the user's organisation (none for a user of none), active ones only unless
    ``removed``."""
    if not isinstance(user, User) or user.organisation_id is None:
        return CustomField.objects.none()
    fields = CustomField.objects.filter(organisation_id=user.organisation_id, applies_to=target)
    return fields if removed else fields.filter(removed_at__isnull=True)


def filterable_fields(user: User | AnonymousUser) -> list[CustomField]:
    """The fields the list may be filtered by: the organisation's active fields on incidents,
    then those on people (an incident is found when one of its people holds the value), the
    sensitive ones only for those who see names (a filter that finds an incident confirms a
    guessed value, whatever the list then shows)."""
    if not isinstance(user, User) or user.organisation_id is None:
        return []
    sees_names = names_searchable(user)
    # One query for both: "incident" sorts before "person".
    fields = CustomField.objects.filter(
        organisation_id=user.organisation_id, removed_at__isnull=True
    ).order_by("applies_to", "position", "id")
    return [field for field in fields if sees_names or not field.sensitive]


def value_text(value: CustomValue, language: str) -> str:
    """A value as a page shows it: an option's label, yes or no in the page's language."""
    field = value.field
    text = value.shown()
    if field.field_type in (FieldType.CHOICE, FieldType.CHOICES):
        return field.option_labels(language).get(text, text)
    if field.field_type == FieldType.FLAG:
        return _("yes") if text == "yes" else _("no")
    return text


@dataclass(frozen=True)
class CustomShown:
    """One field's values as a user may see them: ``hidden`` for a sensitive one they may not."""

    label: str
    text: str
    hidden: bool = False
    sensitive: bool = False


def _shown(
    fields: list[CustomField], values: list[CustomValue], *, names: bool
) -> list[CustomShown]:
    language = get_language() or "en"
    by_field: dict[int, list[CustomValue]] = {}
    for value in values:
        by_field.setdefault(value.field_id, []).append(value)
    shown = []
    for field in fields:
        held = by_field.get(field.pk, [])
        if not held:
            continue
        if field.sensitive and not names:
            shown.append(CustomShown(label=field.label(language), text="", hidden=True))
            continue
        text = ", ".join(value_text(value, language) for value in held)
        shown.append(CustomShown(label=field.label(language), text=text, sensitive=field.sensitive))
    return shown


def incident_custom_shown(user: User | AnonymousUser, incident: Incident) -> list[CustomShown]:
    """The incident's values of its organisation's active fields, for its organisation's users
    only; another organisation's users (a public incident) see none."""
    if not isinstance(user, User) or user.organisation_id != incident.organisation_id:
        return []
    fields = list(own_fields(user))
    if not fields:
        return []
    values = list(CustomValue.objects.filter(incident=incident).select_related("field"))
    return _shown(fields, values, names=names_visible(user, incident))


def people_custom_shown(
    user: User | AnonymousUser, incident: Incident
) -> dict[int, list[CustomShown]]:
    """Each person's values of the active person fields, by the person's id (as above)."""
    if not isinstance(user, User) or user.organisation_id != incident.organisation_id:
        return {}
    fields = list(own_fields(user, FieldTarget.PERSON))
    if not fields:
        return {}
    names = names_visible(user, incident)
    values: dict[int, list[CustomValue]] = {}
    for value in CustomValue.objects.filter(person__incident=incident).select_related("field"):
        assert value.person_id is not None
        values.setdefault(value.person_id, []).append(value)
    return {person: _shown(fields, held, names=names) for person, held in values.items()}


def incident_custom_values(incident: Incident) -> list[CustomValue]:
    """The incident's stored values of active fields, for the edit form's initial values."""
    return list(
        CustomValue.objects.filter(incident=incident, field__removed_at__isnull=True)
        .select_related("field")
        .order_by("field__position", "id")
    )


def people_custom_initial(incident: Incident) -> dict[int, dict[str, Any]]:
    """Each person's stored values of active fields as a person row's initial values."""
    values: dict[int, list[CustomValue]] = {}
    held = CustomValue.objects.filter(person__incident=incident, field__removed_at__isnull=True)
    for value in held.select_related("field").order_by("field__position", "id"):
        assert value.person_id is not None
        values.setdefault(value.person_id, []).append(value)
    return {person: initial_values(items) for person, items in values.items()}


def incident_custom(
    user: User | AnonymousUser, incident: Incident, *, named: bool
) -> dict[str, Any]:
    """The incident's custom values by key as the exports and the API give them, for its own
    organisation's users only, removed fields too: several choices as a list of codes, the
    others as one text; a sensitive field's only where names are visible (``named``). Reads
    ``incident.custom_values`` (prefetched with their fields by a long export)."""
    return custom_by_key(user, incident, incident.custom_values.all(), named=named)


def custom_by_key(
    user: User | AnonymousUser,
    incident: Incident,
    stored: Iterable[CustomValue],
    *,
    named: bool,
) -> dict[str, Any]:
    """Custom values of the incident or of one of its people (``stored``, with their fields) by
    key, as incident_custom says."""
    if not isinstance(user, User) or user.organisation_id != incident.organisation_id:
        return {}
    values: dict[str, Any] = {}
    for value in stored:
        field = value.field
        if field.sensitive and not named:
            continue
        if field.field_type == FieldType.CHOICES:
            values.setdefault(field.key, []).append(value.shown())
        else:
            values[field.key] = value.shown()
    return values


def sealed_fields(incident: Incident) -> list[CustomField]:
    """The sensitive incident fields of the incident's organisation."""
    return list(
        CustomField.objects.filter(
            organisation_id=incident.organisation_id,
            applies_to=FieldTarget.INCIDENT,
            sensitive=True,
        )
    )


def people_custom_values(
    user: User | AnonymousUser, incident: Incident, *, named: bool
) -> dict[int, dict[str, Any]]:
    """Each person's custom values by the person's id, as incident_custom gives the incident's."""
    if not isinstance(user, User) or user.organisation_id != incident.organisation_id:
        return {}
    values: dict[int, dict[str, Any]] = {}
    held = CustomValue.objects.filter(person__incident=incident).select_related("field")
    for value in held.order_by("id"):
        field = value.field
        if (field.sensitive and not named) or value.person_id is None:
            continue
        own = values.setdefault(value.person_id, {})
        if field.field_type == FieldType.CHOICES:
            own.setdefault(field.key, []).append(value.shown())
        else:
            own[field.key] = value.shown()
    return values
