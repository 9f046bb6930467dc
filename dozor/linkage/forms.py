"""Forms of the review queue."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.linkage.models import Decision


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea)


class ClusterActionForm(forms.Form):
    reports = forms.CharField(widget=forms.HiddenInput)
    incident = forms.CharField(label=_("Incident reference"), required=False, max_length=20)

    def report_ids(self) -> list[int]:
        text = self.cleaned_data["reports"]
        try:
            return [int(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("The group of reports was not understood.")) from None


class SplitForm(forms.Form):
    reports = forms.MultipleChoiceField(
        label=_("Reports to move into a new incident"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["reports"].choices = choices  # type: ignore[attr-defined]
