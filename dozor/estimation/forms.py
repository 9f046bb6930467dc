"""The form that starts an estimate run."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.analysis.mse import METHODS
from dozor.estimation.replicates import MAX_REPLICATES, SUGGESTED_REPLICATES
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

LINKAGE_REPLICATES_HELP = _(
    "To carry the uncertainty of the links no person reviewed into the interval, draw this many "
    "linkages from the linkage model's match probabilities and estimate on each (%(suggested)s "
    "is a good start; each costs one estimate per group)."
)


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
    linkage_replicates = forms.IntegerField(
        label=_("Replicate linkages (0: links taken as they are)"),
        min_value=0,
        max_value=MAX_REPLICATES,
        required=False,
        initial=0,
    )

    def __init__(self, *args: Any, list_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lists = self.fields["lists"]
        assert isinstance(lists, forms.MultipleChoiceField)
        lists.choices = list_choices
        # Said in the language of the request, with the number filled in.
        self.fields["linkage_replicates"].help_text = str(LINKAGE_REPLICATES_HELP) % {
            "suggested": SUGGESTED_REPLICATES
        }
