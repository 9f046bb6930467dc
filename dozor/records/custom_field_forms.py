"""Forms of custom fields: an administrator's definition, and the fields a definition adds to
the incident form, the person rows and the list's filters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dozor.records.custom_fields import (
    CHOICES_MAX,
    KEY_PATTERN,
    NUMBER_DIGITS,
    NUMBER_PLACES,
    TEXT_MAX_LENGTH,
    CustomField,
    CustomFilter,
    CustomValue,
    FieldTarget,
    FieldType,
)
from dozor.records.services import CustomFieldInput

PREFIX = "custom_"
MSG_OPTION_LINE = _(
    "Line %(line)s of the options: write “code | English | Russian”, such as "
    "“tg | Tajik | таджикский” (the code in lower-case Latin letters, digits and underscores)."
)
MSG_OPTIONS_MANY = _("A list holds at most %(limit)s options.")
YES_NO = [("", "—"), ("yes", _("yes")), ("no", _("no"))]


def form_name(field: CustomField) -> str:
    return PREFIX + field.key


def _language() -> str:
    return get_language() or "en"


class CustomFieldForm(forms.Form):
    """A field's definition; the options one per line, “code | English | Russian”."""

    key = forms.CharField(
        label=_("Key"),
        max_length=40,
        help_text=_(
            "Used in exports, the API and import mappings (custom_ before it in a mapping); "
            "cannot change later. Lower-case Latin letters, digits and underscores."
        ),
    )
    applies_to = forms.ChoiceField(label=_("Applies to"), choices=FieldTarget.choices)
    field_type = forms.ChoiceField(label=_("Type"), choices=FieldType.choices)
    label_en = forms.CharField(label=_("Label in English"), max_length=200)
    label_ru = forms.CharField(label=_("Label in Russian"), max_length=200)
    options = forms.CharField(
        label=_("Options (choice types only)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One per line: code | English | Russian."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    sensitive = forms.BooleanField(
        label=_("Sensitive: sealed like names, shown only to those who see names"),
        required=False,
    )
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=1000, initial=0)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["key"].disabled = True
            self.fields["applies_to"].disabled = True

    def clean_options(self) -> list[dict[str, str]]:
        options = []
        lines = [line for line in self.cleaned_data.get("options", "").splitlines() if line.strip()]
        if len(lines) > CHOICES_MAX:
            raise forms.ValidationError(MSG_OPTIONS_MANY, params={"limit": CHOICES_MAX})
        for number, line in enumerate(lines, start=1):
            parts = [part.strip() for part in line.split("|")]
            if len(parts) != 3 or not KEY_PATTERN.match(parts[0]) or not all(parts):
                raise forms.ValidationError(MSG_OPTION_LINE, params={"line": number})
            options.append({"code": parts[0], "en": parts[1], "ru": parts[2]})
        return options

    def field_input(self) -> CustomFieldInput:
        data = self.cleaned_data
        return CustomFieldInput(
            key=data["key"],
            applies_to=data["applies_to"],
            field_type=data["field_type"],
            label_en=data["label_en"],
            label_ru=data["label_ru"],
            required=data["required"],
            sensitive=data["sensitive"],
            options=data["options"],
            position=data["position"],
        )

    @staticmethod
    def initial_from(custom: CustomField) -> dict[str, Any]:
        return {
            "key": custom.key,
            "applies_to": custom.applies_to,
            "field_type": custom.field_type,
            "label_en": custom.label_en,
            "label_ru": custom.label_ru,
            "required": custom.required,
            "sensitive": custom.sensitive,
            "options": "\n".join(
                f"{option['code']} | {option['en']} | {option['ru']}" for option in custom.options
            ),
            "position": custom.position,
        }


def value_field(custom: CustomField) -> forms.Field:
    """The form field of one custom field in the incident form or a person row. Required ones
    are checked by the service (with the other problems at once), not here."""
    label = custom.label(_language())
    options = list(custom.option_labels(_language()).items())
    if custom.field_type == FieldType.NUMBER:
        return forms.DecimalField(
            label=label,
            required=False,
            max_digits=NUMBER_DIGITS,
            decimal_places=NUMBER_PLACES,
        )
    if custom.field_type == FieldType.DATE:
        return forms.DateField(
            label=label,
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        )
    if custom.field_type == FieldType.FLAG:
        return forms.ChoiceField(label=label, required=False, choices=YES_NO)
    if custom.field_type == FieldType.CHOICE:
        return forms.ChoiceField(label=label, required=False, choices=[("", "—"), *options])
    if custom.field_type == FieldType.CHOICES:
        return forms.MultipleChoiceField(
            label=label, required=False, choices=options, widget=forms.CheckboxSelectMultiple
        )
    return forms.CharField(label=label, required=False, max_length=TEXT_MAX_LENGTH)


def fields_add(form: forms.Form, fields: Iterable[CustomField]) -> None:
    for custom in fields:
        field = value_field(custom)
        if custom.required:
            field.widget.attrs["aria-required"] = "true"
            field.label = f"{field.label} *"
        form.fields[form_name(custom)] = field


def values_given(form: forms.Form, fields: Iterable[CustomField]) -> dict[str, Any]:
    """The custom values of a valid form, by key."""
    return {custom.key: form.cleaned_data.get(form_name(custom)) for custom in fields}


def initial_values(values: Sequence[CustomValue]) -> dict[str, Any]:
    """A form's initial custom values from stored ones (the active fields')."""
    initial: dict[str, Any] = {}
    for value in values:
        name = form_name(value.field)
        if value.field.field_type == FieldType.CHOICES:
            initial.setdefault(name, []).append(value.shown())
        else:
            initial[name] = value.shown()
    return initial


# --- the list's filters ----------------------------------------------------------------------

RANGED = (FieldType.NUMBER, FieldType.DATE)


# A person field's filter has a name of its own: an incident field and a person field may share
# a key, and no incident field's name (custom_<key>) starts like this.
PERSON_FILTER_PREFIX = "person_"


def filter_name(field: CustomField) -> str:
    """The list's filter parameter of a field: ``custom_<key>`` for an incident field,
    ``person_custom_<key>`` for a person field (with ``_from`` and ``_to`` for a range)."""
    if field.applies_to == FieldTarget.PERSON:
        return PERSON_FILTER_PREFIX + form_name(field)
    return form_name(field)


def filter_label(field: CustomField, language: str) -> str:
    label = field.label(language)
    if field.applies_to == FieldTarget.PERSON:
        return str(_("%(label)s (a person's)") % {"label": label})
    return label


def _any() -> list[tuple[str, Any]]:
    return [("", _("Any"))]


def filter_fields_add(form: forms.Form, fields: Iterable[CustomField]) -> None:
    """Filters on the fields the user may filter by (custom_field_selectors.filterable_fields):
    a range for a number or a date, one value for the rest. A sealed field is filtered by an
    exact value only (its blind index), never by a range. A person field's filter says so in
    its label and finds the incidents with at least one person holding the value."""
    language = _language()
    for custom in fields:
        label = filter_label(custom, language)
        name = filter_name(custom)
        if custom.field_type in RANGED and not custom.sensitive:
            low, high = value_field(custom), value_field(custom)
            low.label = _("%(label)s from") % {"label": label}
            high.label = _("%(label)s to") % {"label": label}
            form.fields[name + "_from"] = low
            form.fields[name + "_to"] = high
        elif custom.field_type == FieldType.FLAG:
            form.fields[name] = forms.ChoiceField(
                label=label, required=False, choices=_any() + YES_NO[1:]
            )
        elif custom.is_choice:
            options = list(custom.option_labels(language).items())
            form.fields[name] = forms.ChoiceField(
                label=label, required=False, choices=_any() + options
            )
        else:
            field = value_field(custom)
            field.label = label
            form.fields[name] = field


def custom_filters(data: dict[str, Any], fields: Iterable[CustomField]) -> tuple[CustomFilter, ...]:
    """The filters from a filter form's valid data (a field with an error is left out)."""
    chosen = []
    for custom in fields:
        name = filter_name(custom)
        if custom.field_type in RANGED and not custom.sensitive:
            low, high = data.get(name + "_from"), data.get(name + "_to")
            if low is not None or high is not None:
                chosen.append(CustomFilter(field=custom, low=low, high=high))
            continue
        given = data.get(name)
        if given is None or given == "":
            continue
        try:
            canonical = custom.canonical(given)
        except ValidationError:
            continue
        if canonical:
            chosen.append(CustomFilter(field=custom, equals=canonical[0]))
    return tuple(chosen)
