"""The form that starts an estimate run."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.analysis.mse import METHODS
from dozor.estimation.services import MAX_SEED

METHOD_LABELS = {
    "loglinear": _("Log-linear models (quick; list dependence chosen by AIC)"),
    "lcmcr": _("Latent classes, LCMCR (Bayesian; allows for heterogeneity; slower)"),
    "dga": _("Averaging over dependence graphs, dga (Bayesian; 3 to 5 lists)"),
}
STRATIFY_LABELS = {
    "year": _("Year"),
    "region": _("Federal district"),
    "bias": _("Bias motivation"),
    "none": _("No grouping"),
}


class EstimateRunForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Method"), choices=[(m, METHOD_LABELS[m]) for m in METHODS], initial="loglinear"
    )
    stratify_by = forms.ChoiceField(
        label=_("Estimate separately by"),
        choices=list(STRATIFY_LABELS.items()),
        initial="year",
    )
    lists = forms.MultipleChoiceField(
        label=_("Source lists to treat as lists"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: every list that recorded an incident you may see."),
    )
    country = forms.CharField(
        label=_("Country (ISO code, empty for all)"), max_length=2, required=False
    )
    seed = forms.IntegerField(
        label=_("Seed (empty: a new one)"), min_value=0, max_value=MAX_SEED, required=False
    )

    def __init__(self, *args: Any, list_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lists = self.fields["lists"]
        assert isinstance(lists, forms.MultipleChoiceField)
        lists.choices = list_choices
