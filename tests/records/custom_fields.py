"""Custom fields the tests define through the services, as an administrator would."""

from __future__ import annotations

from typing import Any

from dozor.accounts.models import Organisation, Role, User
from dozor.records.custom_fields import CustomField, FieldTarget, FieldType
from dozor.records.services import CustomFieldInput, custom_field_create
from tests.factories import UserFactory

# A sensitive value the seizure and names tests look for: a police officer's name.
SENSITIVE_VALUE = "Участковый Пётр Семёнович Грызлов"
LANGUAGES = [
    {"code": "ru", "en": "Russian", "ru": "русский"},
    {"code": "tg", "en": "Tajik", "ru": "таджикский"},
    {"code": "en", "en": "English", "ru": "английский"},
]


def administrator(organisation: Organisation) -> User:
    user: User = UserFactory(organisation=organisation, role=Role.ADMINISTRATOR)
    return user


def define(
    organisation: Organisation,
    key: str,
    field_type: str,
    *,
    user: User | None = None,
    **changes: Any,
) -> CustomField:
    """A field of the organisation, defined through custom_field_create."""
    values: dict[str, Any] = {
        "key": key,
        "field_type": field_type,
        "label_en": key.replace("_", " ").capitalize(),
        "label_ru": f"Поле {key}",
        "applies_to": FieldTarget.INCIDENT,
    }
    if field_type in (FieldType.CHOICE, FieldType.CHOICES) and "options" not in changes:
        values["options"] = LANGUAGES
    values.update(changes)
    return custom_field_create(
        organisation=organisation,
        user=user or administrator(organisation),
        data=CustomFieldInput(**values),
    )
