"""Fields an organisation adds to its incidents and people, and the values stored in them.

An administrator defines a field (:class:`CustomField`): its key, its type, its labels in English
and Russian, whether it is required, whether it is sensitive, and for a choice the organisation's
own list. Each value is one row of :class:`CustomValue`, in the column of its type, so that the
list's filters read an index instead of a document:

- text: ``text`` (as typed) and ``folded`` (case-folded, ё read as е), filtered by equality of
  the folded text;
- number, date, yes/no: ``number``, ``date``, ``flag``, filtered by a range or equality;
- a choice: the code in ``text``; several choices: one row per chosen code.

A sensitive field's values are sealed like names: only ``sealed`` (the value in its canonical
text) and ``sealed_index`` (a keyed blind index of that text) are written, so a seized database
reveals none of them. They are filtered by equality through the blind index, and only by those
who may see names; ranges over them are not offered.

A removed field (``removed_at``) keeps its values: hidden from the form, the page and the
filters, still in the exports.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import Organisation, Tracked
from dozor.records.report_schema import CUSTOM_KEY_PATTERN, CUSTOM_PREFIX
from dozor.security.fields import EncryptedTextField, exact_index
from dozor.security.keyring import keyring

TEXT_MAX_LENGTH = 500
# A mapping fills a field by writing a report field (or a person's key) of this prefix and the
# field's key; the report schema, which has no Django, holds both.
MAPPING_PREFIX = CUSTOM_PREFIX
KEY_PATTERN = CUSTOM_KEY_PATTERN
CHOICES_MAX = 200
# A number's digits: twelve before the point, six after.
NUMBER_DIGITS, NUMBER_PLACES = 18, 6

MSG_KEY = _(
    "The key “%(key)s” is not usable: use 1 to 40 lower-case Latin letters, digits and "
    "underscores, starting with a letter (for example threat_language)."
)
MSG_KEY_TAKEN = _("This organisation already has a field with the key “%(key)s”.")
MSG_LABEL_MISSING = _("Give the field's label in both English and Russian.")
MSG_CHOICES_MISSING = _("A choice field needs its list: at least one option.")
MSG_CHOICES_MANY = _("A list holds at most %(limit)s options.")
MSG_CHOICES_ONLY = _("Only a choice field has a list of options; this one is of type “%(type)s”.")
MSG_CHOICE_BAD = _(
    "Option %(row)s of the list is not usable: write it as “code | English | Russian”, the code "
    "in lower-case Latin letters, digits and underscores."
)
MSG_CHOICE_TWICE = _("The option code “%(code)s” is in the list twice.")
MSG_CHOICE_DROPPED = _(
    "The option “%(code)s” cannot leave the list: %(count)s stored values use it. Keep it (a "
    "new label is fine)."
)
MSG_TYPE_FIXED = _(
    "The type of a field that holds values cannot change (it has %(count)s). Remove it and add "
    "a new field instead."
)
MSG_SENSITIVE_FIXED = _(
    "Whether a field is sensitive cannot change once it holds values (it has %(count)s): its "
    "values are stored sealed or readable. Remove it and add a new field instead."
)
MSG_VALUE_REQUIRED = _("“%(label)s” is required.")
MSG_VALUE_TEXT_LONG = _("“%(label)s” holds at most %(limit)s characters; this is %(length)s.")
MSG_VALUE_NUMBER = _("“%(label)s” takes a number (such as 3 or 2.5), not “%(value)s”.")
MSG_VALUE_NUMBER_RANGE = _("“%(label)s”: the number %(value)s is too large or too precise.")
MSG_VALUE_DATE = _("“%(label)s” takes a date as YYYY-MM-DD (such as 2024-03-08), not “%(value)s”.")
MSG_VALUE_FLAG = _("“%(label)s” takes yes or no, not “%(value)s”.")
MSG_VALUE_CHOICE = _("“%(label)s” has no option “%(value)s”; its options are: %(options)s.")
MSG_VALUE_ONE_CHOICE = _("“%(label)s” takes one option, not %(count)s.")
MSG_VALUE_UNKNOWN_FIELD = _("There is no field with the key “%(key)s” for %(target)s.")

YES_WORDS = frozenset({"yes", "y", "true", "1", "да", "д"})
NO_WORDS = frozenset({"no", "n", "false", "0", "нет", "н"})


class FieldType(models.TextChoices):
    TEXT = "text", _("text")
    NUMBER = "number", _("number")
    DATE = "date", _("date")
    FLAG = "flag", _("yes or no")
    CHOICE = "choice", _("one choice from a list")
    CHOICES = "choices", _("several choices from a list")


class FieldTarget(models.TextChoices):
    INCIDENT = "incident", _("incidents")
    PERSON = "person", _("people involved")


def fold(text: str) -> str:
    """Text as a filter compares it: case-folded, ё read as е, spaces collapsed."""
    return " ".join(text.split()).casefold().replace("ё", "е")


class CustomField(Tracked):
    """One field an organisation added to its incidents or to the people in them."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="custom_fields",
        verbose_name=_("organisation"),
    )
    applies_to = models.CharField(
        _("applies to"), max_length=10, choices=FieldTarget.choices, default=FieldTarget.INCIDENT
    )
    key = models.CharField(_("key"), max_length=40)
    field_type = models.CharField(_("type"), max_length=10, choices=FieldType.choices)
    label_en = models.CharField(_("label in English"), max_length=200)
    label_ru = models.CharField(_("label in Russian"), max_length=200)
    required = models.BooleanField(_("required"), default=False)
    sensitive = models.BooleanField(_("sensitive"), default=False)
    # [{"code": ..., "en": ..., "ru": ...}, ...] for the choice types, in the order shown.
    options = models.JSONField(_("options"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        ordering = ["organisation", "applies_to", "position", "id"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "applies_to", "key"], name="custom_field_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.applies_to}.{self.key}"

    @property
    def active(self) -> bool:
        return self.removed_at is None

    def label(self, language: str) -> str:
        return self.label_ru if language == "ru" and self.label_ru else self.label_en

    def option_labels(self, language: str) -> dict[str, str]:
        return {
            option["code"]: option.get(language) or option.get("en") or option["code"]
            for option in self.options
        }

    @property
    def is_choice(self) -> bool:
        return self.field_type in (FieldType.CHOICE, FieldType.CHOICES)

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        if not KEY_PATTERN.match(self.key or ""):
            errors.setdefault("key", []).append(ValidationError(MSG_KEY, params={"key": self.key}))
        if not (self.label_en or "").strip() or not (self.label_ru or "").strip():
            errors.setdefault("label_en", []).append(MSG_LABEL_MISSING)
        if self.is_choice and not self.options:
            errors.setdefault("options", []).append(MSG_CHOICES_MISSING)
        if not self.is_choice and self.options:
            errors.setdefault("options", []).append(
                ValidationError(MSG_CHOICES_ONLY, params={"type": self.field_type})
            )
        seen: set[str] = set()
        for row, option in enumerate(self.options or [], start=1):
            code = option.get("code", "") if isinstance(option, dict) else ""
            if not KEY_PATTERN.match(code) or not option.get("en") or not option.get("ru"):
                errors.setdefault("options", []).append(
                    ValidationError(MSG_CHOICE_BAD, params={"row": row})
                )
            elif code in seen:
                errors.setdefault("options", []).append(
                    ValidationError(MSG_CHOICE_TWICE, params={"code": code})
                )
            seen.add(code)
        if len(self.options or []) > CHOICES_MAX:
            errors.setdefault("options", []).append(
                ValidationError(MSG_CHOICES_MANY, params={"limit": CHOICES_MAX})
            )
        if errors:
            raise ValidationError(errors)

    def canonical(self, raw: Any) -> list[str]:
        """The value as stored text (for a sealed value, the export and the API): ``[]`` when
        empty, one item per chosen option for several choices. Raises a ValidationError naming
        the field's label and what it takes."""
        label = self.label(get_language() or "en")
        values = _as_list(raw)
        if not values:
            return []
        if self.field_type == FieldType.CHOICES:
            chosen = {self._one(label, value) for value in values}
            # In the list's order, whatever order they came in.
            return [option["code"] for option in self.options if option["code"] in chosen]
        if len(values) > 1:
            raise ValidationError(
                MSG_VALUE_ONE_CHOICE, params={"label": label, "count": len(values)}
            )
        return [self._one(label, values[0])]

    def _one(self, label: str, value: Any) -> str:
        text = value.isoformat() if isinstance(value, datetime.date) else str(value).strip()
        if self.field_type == FieldType.TEXT:
            if len(text) > TEXT_MAX_LENGTH:
                raise ValidationError(
                    MSG_VALUE_TEXT_LONG,
                    params={"label": label, "limit": TEXT_MAX_LENGTH, "length": len(text)},
                )
            return text
        if self.field_type == FieldType.NUMBER:
            return _number_text(label, value, text)
        if self.field_type == FieldType.DATE:
            try:
                return datetime.date.fromisoformat(text).isoformat()
            except ValueError:
                raise ValidationError(
                    MSG_VALUE_DATE, params={"label": label, "value": text}
                ) from None
        if self.field_type == FieldType.FLAG:
            if isinstance(value, bool):
                return "yes" if value else "no"
            if text.casefold() in YES_WORDS:
                return "yes"
            if text.casefold() in NO_WORDS:
                return "no"
            raise ValidationError(MSG_VALUE_FLAG, params={"label": label, "value": text})
        codes = [option["code"] for option in self.options]
        by_label = {
            fold(str(option.get(language, ""))): option["code"]
            for option in self.options
            for language in ("en", "ru")
        }
        if text in codes:
            return text
        if fold(text) in by_label:
            return str(by_label[fold(text)])
        raise ValidationError(
            MSG_VALUE_CHOICE, params={"label": label, "value": text, "options": ", ".join(codes)}
        )


def _as_list(raw: Any) -> list[Any]:
    if raw is None:
        return []
    items = list(raw) if isinstance(raw, list | tuple | set | frozenset) else [raw]
    return [item for item in items if item is not None and str(item).strip() != ""]


def _number_text(label: str, value: Any, text: str) -> str:
    try:
        number = value if isinstance(value, decimal.Decimal) else decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise ValidationError(MSG_VALUE_NUMBER, params={"label": label, "value": text}) from None
    if not number.is_finite():
        raise ValidationError(MSG_VALUE_NUMBER, params={"label": label, "value": text})
    exponent = number.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places > NUMBER_PLACES or abs(number) >= 10 ** (NUMBER_DIGITS - NUMBER_PLACES):
        raise ValidationError(MSG_VALUE_NUMBER_RANGE, params={"label": label, "value": text})
    normal = number.normalize()
    return format(normal, "f") if normal != 0 else "0"


class CustomValue(models.Model):
    """One value of a custom field, on an incident or on one person of an incident."""

    field = models.ForeignKey(CustomField, on_delete=models.PROTECT, related_name="values")
    incident = models.ForeignKey(
        "records.Incident",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="custom_values",
    )
    person = models.ForeignKey(
        "records.PersonInvolvement",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="custom_values",
    )
    text = models.CharField(max_length=TEXT_MAX_LENGTH, blank=True, default="")
    folded = models.CharField(max_length=TEXT_MAX_LENGTH, blank=True, default="")
    number = models.DecimalField(
        max_digits=NUMBER_DIGITS, decimal_places=NUMBER_PLACES, null=True, blank=True
    )
    date = models.DateField(null=True, blank=True)
    flag = models.BooleanField(null=True, blank=True)
    # A sensitive field's value, sealed, and its keyed index for filtering by equality.
    sealed = EncryptedTextField(
        blank=True, max_length=TEXT_MAX_LENGTH, indexes={"sealed_index": exact_index}
    )
    sealed_index = models.CharField(max_length=16, editable=False, default="")

    class Meta:
        ordering = ["field", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(incident__isnull=False, person__isnull=True)
                | Q(incident__isnull=True, person__isnull=False),
                name="custom_value_one_owner",
            )
        ]
        indexes = [
            models.Index(fields=["field", "folded"], name="custom_value_text_idx"),
            models.Index(fields=["field", "number"], name="custom_value_number_idx"),
            models.Index(fields=["field", "date"], name="custom_value_date_idx"),
            models.Index(fields=["field", "flag"], name="custom_value_flag_idx"),
            models.Index(fields=["field", "sealed_index"], name="custom_value_sealed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.field_id}: {self.incident_id or self.person_id}"

    def shown(self) -> str:
        """The canonical text of the value (a sealed one opened)."""
        if self.field.sensitive:
            return str(self.sealed)
        if self.number is not None:
            normal = self.number.normalize()
            return format(normal, "f") if normal != 0 else "0"
        if self.date is not None:
            return self.date.isoformat()
        if self.flag is not None:
            return "yes" if self.flag else "no"
        return self.text


def values_holding(field: CustomField, canonical: str) -> models.QuerySet[CustomValue]:
    """The values of ``field`` equal to ``canonical``: through the blind index for a sealed one."""
    if field.sensitive:
        return field.values.filter(sealed_index=exact_index(keyring(), canonical))
    if field.field_type == FieldType.NUMBER:
        return field.values.filter(number=decimal.Decimal(canonical))
    if field.field_type == FieldType.DATE:
        return field.values.filter(date=datetime.date.fromisoformat(canonical))
    if field.field_type == FieldType.FLAG:
        return field.values.filter(flag=canonical == "yes")
    return field.values.filter(folded=fold(canonical))


@dataclass(frozen=True)
class CustomFilter:
    """The list's filter on one custom field: a value equal to ``equals`` (canonical text), or a
    number or date between ``low`` and ``high`` (either may be None)."""

    field: CustomField
    equals: str = ""
    low: Any = None
    high: Any = None

    def incident_ids(self) -> models.QuerySet[Any, Any]:
        """The ids of the incidents holding a matching value: one index range of the values."""
        if self.equals:
            values = values_holding(self.field, self.equals)
        else:
            column = "number" if self.field.field_type == FieldType.NUMBER else "date"
            values = self.field.values.all()
            if self.low is not None:
                values = values.filter(**{f"{column}__gte": self.low})
            if self.high is not None:
                values = values.filter(**{f"{column}__lte": self.high})
        return values.filter(incident__isnull=False).values("incident_id")


def value_rows(field: CustomField, canonical: Iterable[str]) -> list[CustomValue]:
    """Unsaved rows holding ``canonical`` values of ``field`` (owner set by the caller)."""
    rows = []
    for text in canonical:
        row = CustomValue(field=field)
        if field.sensitive:
            row.sealed = text
        elif field.field_type == FieldType.NUMBER:
            row.number = decimal.Decimal(text)
        elif field.field_type == FieldType.DATE:
            row.date = datetime.date.fromisoformat(text)
        elif field.field_type == FieldType.FLAG:
            row.flag = text == "yes"
        else:
            row.text = text
            row.folded = fold(text)[:TEXT_MAX_LENGTH]
        rows.append(row)
    return rows
