"""Forms of the evaluation pages: they parse what a person typed; the services validate it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.evaluation.models import FIRST_YEAR, LAST_YEAR
from dozor.records.forms import ChoicesForm, country_choices

SCORE_CHOICES = [
    ("", _("n/a")),
    ("0", _("0 — absent")),
    ("1", _("1 — partial")),
    ("2", _("2 — met")),
]


class CardForm(ChoicesForm):
    """Which country and year the report card is of."""

    country = forms.ChoiceField(label=_("Country"), initial="RU")
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("country").choices = country_choices()


class AssessmentForm(forms.Form):
    score = forms.ChoiceField(label=_("Score"), choices=SCORE_CHOICES, required=False)
    justification = forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 4})
    )
    links = forms.CharField(
        label=_("Links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One web address a line."),
    )
    documents = forms.CharField(
        label=_("Documents"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One document a line: its title, date and where it is kept."),
    )
    incidents = forms.CharField(
        label=_("Incidents"),
        required=False,
        max_length=5000,
        help_text=_("References of incidents that show it, separated by spaces or commas."),
    )

    def cleaned_score(self) -> int | None:
        value = self.cleaned_data.get("score")
        return int(value) if value else None

    def cleaned_references(self) -> list[str]:
        text = self.cleaned_data.get("incidents") or ""
        return [part for part in text.replace(",", " ").split() if part]


class ThresholdForm(forms.Form):
    partial = forms.FloatField(label=_("Partial from"))
    met = forms.FloatField(label=_("Met from"))


class OfficialStatisticForm(ChoicesForm):
    country = forms.ChoiceField(label=_("Country"), initial="RU")
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    recorded = forms.IntegerField(label=_("Recorded by police"), min_value=0, required=False)
    prosecuted = forms.IntegerField(label=_("Prosecuted"), min_value=0, required=False)
    sentenced = forms.IntegerField(label=_("Sentenced"), min_value=0, required=False)
    source = forms.CharField(label=_("Source"), max_length=500)
    source_url = forms.URLField(
        label=_("Source address"), required=False, max_length=500, assume_scheme="https"
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("country").choices = country_choices()
