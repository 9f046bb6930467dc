"""Forms parse what a person typed; the services validate it against the domain rules."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import NOTE_MAX_LENGTH
from dozor.lib.form_renderer import ManyOptionsSelect
from dozor.records.custom_field_forms import (
    custom_filters,
    fields_add,
    filter_fields_add,
    values_given,
)
from dozor.records.custom_fields import CustomField
from dozor.records.local_terms import choices_with_local
from dozor.records.models import SUMMARY_MAX_LENGTH, Incident, SourceList
from dozor.records.report_selectors import DEFAULT_REPORT_SORT, REPORT_SORTS, ReportFilters
from dozor.records.selectors import DEFAULT_SORT, SORTS, IncidentFilters
from dozor.records.services import BiasInput, IncidentInput, PersonInput
from dozor.vocab import geography
from dozor.vocab.registry import vocabulary

SORT_LABELS = {
    "-date": _("Newest first"),
    "date": _("Oldest first"),
    "reference": _("Reference"),
    "-reference": _("Reference, descending"),
    "region": _("Region"),
    "type": _("Incident type"),
    "-killed": _("Most killed"),
    "-injured": _("Most injured"),
}
MSG_DATES_REVERSED = _("“From” is after “to”.")


def vocabulary_choices(name: str, *, blank: str | None = None) -> list[tuple[str, str]]:
    choices = vocabulary(name).choices(get_language() or "en")
    return [("", blank), *choices] if blank is not None else choices


def country_choices() -> list[tuple[str, str]]:
    """Every country by its name in the interface language, sorted by that name."""
    return list(_country_choices(get_language() or "en"))


def region_choices() -> list[tuple[str, str]]:
    """Russia's regions by their name in the interface language, sorted by that name."""
    return list(_region_choices(get_language() or "en"))


# The lists are the same for every form of one language; sorting them took a part of every page.
@functools.cache
def _country_choices(language: str) -> tuple[tuple[str, str], ...]:
    import pycountry

    names = [(c.alpha_2, geography.country_name(c.alpha_2, language)) for c in pycountry.countries]
    return tuple(sorted(names, key=lambda pair: pair[1]))


@functools.cache
def _region_choices(language: str) -> tuple[tuple[str, str], ...]:
    regions = geography.russian_regions().values()
    return tuple(
        sorted(((region.code, region.name(language)) for region in regions), key=lambda p: p[1])
    )


class Choices(BaseChoiceIterator):
    """Choices already as Django keeps them, (value, label) pairs, which a field takes as they
    are: a list given to a field is checked pair by pair, for the field and again for its
    widget, every time a form is made (the list's filters: over 400 pairs on every page)."""

    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self.pairs = tuple(pairs)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.pairs)


@functools.cache
def _filter_choices(language: str) -> dict[str, Choices]:
    """The list's filters' choices in one language (the function's callers are in it), with
    "Any" first; the same for every filter form of that language."""
    any_ = str(_("Any"))
    return {
        "country": Choices([("", any_), *_country_choices(language)]),
        "region": Choices([("", any_), *_region_choices(language)]),
        "bias": Choices(vocabulary_choices("bias_motivation", blank=any_)),
        "type": Choices(vocabulary_choices("incident_type", blank=any_)),
        "status": Choices(vocabulary_choices("verification_status", blank=any_)),
        "sort": Choices([(key, str(SORT_LABELS[key])) for key in SORTS]),
    }


class ChoicesForm(forms.Form):
    """A form whose choices are filled in the interface language when it is made."""

    def choice_field(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class IncidentFilterForm(ChoicesForm):
    """The list's filters, read from the query string."""

    q = forms.CharField(label=_("Text"), required=False, max_length=200)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    country = forms.ChoiceField(label=_("Country"), required=False, widget=ManyOptionsSelect)
    region = forms.ChoiceField(label=_("Region"), required=False, widget=ManyOptionsSelect)
    bias = forms.ChoiceField(label=_("Bias motivation"), required=False, widget=ManyOptionsSelect)
    type = forms.ChoiceField(label=_("Incident type"), required=False, widget=ManyOptionsSelect)
    status = forms.ChoiceField(label=_("Verification"), required=False, widget=ManyOptionsSelect)
    defenders = forms.ChoiceField(
        label=_("Defenders targeted"),
        required=False,
        choices=[("", _("Any")), ("yes", _("Yes")), ("no", _("No"))],
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, initial=DEFAULT_SORT)

    def __init__(
        self, *args: Any, custom_fields: Sequence[CustomField] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # The organisation's own fields the user may filter by, after the standard filters.
        self.custom_fields = list(custom_fields)
        filter_fields_add(self, self.custom_fields)
        for name, choices in _filter_choices(get_language() or "en").items():
            self.choice_field(name).choices = choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", MSG_DATES_REVERSED)
        return cleaned

    def filters(self) -> IncidentFilters:
        """The filters from valid fields; a field with an error is left out, not guessed."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if self.is_bound and not self.is_valid():
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        defenders = data.get("defenders") or ""
        return IncidentFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            country=data.get("country") or "",
            region=data.get("region") or "",
            bias_motivation=data.get("bias") or "",
            incident_type=data.get("type") or "",
            verification_status=data.get("status") or "",
            defender_targeted={"yes": True, "no": False}.get(defenders),
            text=(data.get("q") or "").strip(),
            sort=data.get("sort") or DEFAULT_SORT,
            custom=custom_filters(data, self.custom_fields),
        )


class IncidentForm(ChoicesForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    summary_language = forms.ChoiceField(
        label=_("Language of the summary"), choices=[("ru", _("Russian")), ("en", _("English"))]
    )
    date_precision = forms.ChoiceField(label=_("Date precision"))
    date_start = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    date_end = forms.DateField(
        label=_("Last possible date (ranges only)"), required=False, widget=DateInput()
    )
    country = forms.ChoiceField(label=_("Country"))
    region = forms.CharField(
        label=_("Region (ISO 3166-2 code)"),
        required=False,
        max_length=6,
        widget=forms.TextInput(attrs={"list": "region-codes", "autocomplete": "off"}),
    )
    locality = forms.CharField(label=_("Locality"), required=False, max_length=200)
    location_precision = forms.ChoiceField(label=_("Location precision"))
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=8, decimal_places=5
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=8, decimal_places=5
    )
    incident_type = forms.ChoiceField(label=_("Incident type"))
    target_kind = forms.ChoiceField(label=_("Target"))
    killed = forms.IntegerField(label=_("Killed"), min_value=0, initial=0)
    injured = forms.IntegerField(label=_("Injured"), min_value=0, initial=0)
    verification_status = forms.ChoiceField(label=_("Verification status"))
    confidentiality = forms.ChoiceField(label=_("Confidentiality"))
    defender_targeted = forms.BooleanField(
        label=_("A human-rights defender or organisation was targeted"), required=False
    )

    # A new incident starts restricted to its organisation, in Russia, with nothing guessed for
    # what the documenter must choose (the type has an empty first option).
    INITIAL = {
        "summary_language": "ru",
        "date_precision": "day",
        "country": "RU",
        "location_precision": "locality",
        "target_kind": "people",
        "verification_status": "unverified",
        "confidentiality": "restricted",
        "killed": 0,
        "injured": 0,
    }

    def __init__(
        self, *args: Any, custom_fields: Sequence[CustomField] = (), **kwargs: Any
    ) -> None:
        kwargs["initial"] = {**self.INITIAL, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        # The organisation's own fields (dozor.records.custom_fields), after the standard ones.
        self.custom_fields = list(custom_fields)
        fields_add(self, self.custom_fields)
        self.choice_field("country").choices = country_choices()
        for field_name, vocabulary_name in (
            ("date_precision", "date_precision"),
            ("location_precision", "location_precision"),
            ("incident_type", "incident_type"),
            ("target_kind", "target_kind"),
            ("verification_status", "verification_status"),
            ("confidentiality", "confidentiality"),
        ):
            self.choice_field(field_name).choices = vocabulary_choices(vocabulary_name)
        self.choice_field("incident_type").choices = vocabulary_choices("incident_type", blank="—")

    @staticmethod
    def initial_from(incident: Incident) -> dict[str, Any]:
        return {name: getattr(incident, name) for name in IncidentForm.base_fields}


class BiasForm(ChoicesForm):
    motivation = forms.ChoiceField(label=_("Bias motivation"), required=False)
    indicators = forms.MultipleChoiceField(
        label=_("Bias indicators"), required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label=_("Coder's note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args: Any,
        indicator_choices: Sequence[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        """``indicator_choices``: bias_form_kwargs' options, the organisation's own indicators
        after the standard ones (read once for every row); the standard ones alone without."""
        super().__init__(*args, **kwargs)
        self.choice_field("motivation").choices = vocabulary_choices("bias_motivation", blank="—")
        self.choice_field("indicators").choices = (
            list(indicator_choices)
            if indicator_choices is not None
            else vocabulary_choices("bias_indicator")
        )


def bias_form_kwargs(organisation_id: int | None) -> dict[str, Any]:
    """What each bias row of an incident of ``organisation_id`` is made with: the standard bias
    indicators, then the organisation's own."""
    return {
        "indicator_choices": choices_with_local(
            "bias_indicator", organisation_id, get_language() or "en"
        )
    }


class PersonForm(ChoicesForm):
    role = forms.ChoiceField(label=_("Role"), initial="victim")
    name = forms.CharField(label=_("Name"), required=False, max_length=300)
    pseudonym = forms.CharField(label=_("Pseudonym"), required=False, max_length=100)
    sex = forms.ChoiceField(label=_("Sex"), initial="unknown")
    age = forms.IntegerField(label=_("Age"), required=False, min_value=0, max_value=120)
    perceived_group = forms.ChoiceField(label=_("Perceived group"), required=False)
    harm = forms.ChoiceField(label=_("Harm"), initial="unknown")
    group_affiliation = forms.CharField(
        label=_("Group affiliation"), required=False, max_length=300
    )
    count = forms.IntegerField(label=_("Number of people"), min_value=1, initial=1)

    def __init__(
        self, *args: Any, custom_fields: Sequence[CustomField] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.custom_fields = list(custom_fields)
        fields_add(self, self.custom_fields)
        self.choice_field("role").choices = vocabulary_choices("person_role")
        self.choice_field("sex").choices = vocabulary_choices("sex")
        self.choice_field("perceived_group").choices = vocabulary_choices(
            "perceived_group", blank="—"
        )
        self.choice_field("harm").choices = vocabulary_choices("harm")

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("name") or data.get("pseudonym") or data.get("age") is not None)


BiasFormSet = forms.formset_factory(BiasForm, extra=3, max_num=10, validate_max=True)
PersonFormSet = forms.formset_factory(PersonForm, extra=2, max_num=200, validate_max=True)


def incident_input(
    form: IncidentForm, biases: forms.BaseFormSet[Any], people: forms.BaseFormSet[Any]
) -> IncidentInput:
    """The service input from three valid forms; empty rows of the formsets are skipped."""
    bias_inputs = [
        BiasInput(
            motivation=row.cleaned_data["motivation"],
            indicators=tuple(row.cleaned_data.get("indicators") or ()),
            note=row.cleaned_data.get("note") or "",
        )
        for row in biases
        if row.cleaned_data.get("motivation")
    ]
    person_inputs = [
        PersonInput(
            role=row.cleaned_data["role"],
            name=row.cleaned_data.get("name") or "",
            pseudonym=row.cleaned_data.get("pseudonym") or "",
            sex=row.cleaned_data["sex"],
            age=row.cleaned_data.get("age"),
            perceived_group=row.cleaned_data.get("perceived_group") or "",
            harm=row.cleaned_data["harm"],
            group_affiliation=row.cleaned_data.get("group_affiliation") or "",
            count=row.cleaned_data.get("count") or 1,
            custom=values_given(row, row.custom_fields) if row.custom_fields else None,
        )
        for row in people
        if row.cleaned_data and not row.is_blank()
    ]
    fields = {name: form.cleaned_data[name] for name in IncidentForm.base_fields}
    fields["region"] = fields["region"].strip().upper()
    return IncidentInput(
        **fields,
        biases=tuple(bias_inputs),
        people=tuple(person_inputs),
        custom=values_given(form, form.custom_fields),
        custom_complete=True,
    )


# --- reports and source lists ---------------------------------------------------------------

REPORT_SORT_LABELS = {
    "-stored": _("Last stored first"),
    "stored": _("First stored first"),
    "-date": _("Newest first"),
    "date": _("Oldest first"),
    "external_id": _("Source list and identifier"),
    "region": _("Region"),
    "type": _("Incident type"),
    "-killed": _("Most killed"),
    "-injured": _("Most injured"),
}
LINKED_CHOICES = [
    ("", _("Any")),
    ("yes", _("Part of an incident")),
    ("no", _("In no incident")),
]


class ReportFilterForm(ChoicesForm):
    """The Reports list's filters, read from the query string."""

    source_list = forms.ModelChoiceField(
        label=_("Source list"), required=False, queryset=SourceList.objects.none()
    )
    batch = forms.IntegerField(label=_("Import number"), required=False, min_value=1)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    region = forms.ChoiceField(label=_("Region"), required=False, widget=ManyOptionsSelect)
    type = forms.ChoiceField(label=_("Incident type"), required=False, widget=ManyOptionsSelect)
    linked = forms.ChoiceField(label=_("Incident"), required=False, choices=LINKED_CHOICES)
    q = forms.CharField(label=_("Identifier contains"), required=False, max_length=200)
    sort = forms.ChoiceField(label=_("Sort"), required=False, initial=DEFAULT_REPORT_SORT)

    def __init__(self, *args: Any, source_lists: QuerySet[SourceList], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["source_list"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = source_lists
        field.empty_label = str(_("Any"))
        any_ = str(_("Any"))
        self.choice_field("region").choices = [("", any_), *region_choices()]
        self.choice_field("type").choices = vocabulary_choices("incident_type", blank=any_)
        self.choice_field("sort").choices = [(key, REPORT_SORT_LABELS[key]) for key in REPORT_SORTS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", MSG_DATES_REVERSED)
        return cleaned

    def filters(self) -> ReportFilters:
        """The filters from valid fields; a field with an error is left out, not guessed."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return ReportFilters(
            source_list=data.get("source_list"),
            batch=data.get("batch"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            region=data.get("region") or "",
            incident_type=data.get("type") or "",
            linked={"yes": True, "no": False}.get(data.get("linked") or ""),
            external_id=(data.get("q") or "").strip(),
            sort=data.get("sort") or DEFAULT_REPORT_SORT,
        )


def language_choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in settings.LANGUAGES]


class SourceListEditForm(ChoicesForm):
    """Rename a source list and say what it is: its reliability, language and description."""

    name = forms.CharField(label=_("Name"), max_length=200)
    reliability = forms.ChoiceField(label=_("Reliability"))
    language = forms.ChoiceField(label=_("Language of its records"))
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("reliability").choices = vocabulary_choices("source_reliability")
        self.choice_field("language").choices = language_choices()

    @staticmethod
    def initial_from(source_list: SourceList) -> dict[str, Any]:
        return {name: getattr(source_list, name) for name in SourceListEditForm.base_fields}


class SourceListForm(SourceListEditForm):
    """A new source list of the user's organisation."""

    kind = forms.ChoiceField(label=_("Kind"))
    field_order = ["name", "kind", "reliability", "language", "description"]

    INITIAL = {"reliability": "unknown", "language": "ru"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["initial"] = {**self.INITIAL, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.choice_field("kind").choices = vocabulary_choices("source_kind", blank="—")
