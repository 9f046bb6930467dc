"""The form that starts an estimate run, and the one that publishes a figure of it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import User
from dozor.analysis.mse import DEFAULT_METHOD, METHODS
from dozor.estimation import selectors, services
from dozor.estimation.models import EstimateRun, FigureKind
from dozor.estimation.outcomes import method_name
from dozor.estimation.replicates import MAX_REPLICATES, SUGGESTED_REPLICATES
from dozor.estimation.services import MAX_SEED
from dozor.estimation.worker import estimate_run_dispatch

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
# Why the default method is ticked: the method the coverage study recommends, unless this
# installation chose another (the setting's declared default is the study's choice).
MSG_DEFAULT_RECOMMENDED = _(
    "%(method)s is ticked by default: it is the method the coverage study recommends (its "
    "intervals held the true total most often over simulated lists of three to five sources; "
    "see “The default method” in docs/estimation.md). Tick several to compare them side by side."
)
MSG_DEFAULT_CHOSEN = _(
    "%(method)s is ticked by default because this installation chose it "
    "(DOZOR_ESTIMATION_DEFAULT_METHOD); the coverage study in docs/estimation.md recommends "
    "%(recommended)s. Tick several to compare them side by side."
)


def recommended_method() -> str:
    """The method the coverage study recommends (the analysis's default method)."""
    return DEFAULT_METHOD


def default_method_reason() -> str:
    """The sentence the Estimates page gives for the method ticked by default."""
    default, recommended = settings.DOZOR_ESTIMATION_DEFAULT_METHOD, recommended_method()
    if default == recommended:
        return str(MSG_DEFAULT_RECOMMENDED) % {"method": method_name(default)}
    return str(MSG_DEFAULT_CHOSEN) % {
        "method": method_name(default),
        "recommended": method_name(recommended),
    }


LINKAGE_REPLICATES_HELP = _(
    "To carry the uncertainty of the links no person reviewed into the interval, draw this many "
    "linkages from the linkage model's match probabilities and estimate on each (%(suggested)s "
    "is a good start; each costs one estimate per group and method)."
)


class EstimateRunForm(forms.Form):
    method = forms.MultipleChoiceField(
        label=_("Methods"),
        choices=[(m, METHOD_LABELS[m]) for m in METHODS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: the default method."),
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
        self.fields["method"].initial = [settings.DOZOR_ESTIMATION_DEFAULT_METHOD]
        lists = self.fields["lists"]
        assert isinstance(lists, forms.MultipleChoiceField)
        lists.choices = list_choices
        self.list_count = len(list_choices)
        # Said in the language of the request, with the number filled in.
        self.fields["linkage_replicates"].help_text = str(LINKAGE_REPLICATES_HELP) % {
            "suggested": SUGGESTED_REPLICATES
        }

    @classmethod
    def for_user(cls, user: User, data: Any = None) -> EstimateRunForm:
        """The form offering the source lists that recorded an incident the user may see."""
        choices = [
            (str(source.pk), source.name) for source in selectors.source_lists_with_records(user)
        ]
        return cls(data, list_choices=choices)

    def has_enough_lists(self) -> bool:
        return self.list_count >= selectors.MIN_LISTS

    def start(self, user: User) -> EstimateRun:
        """The valid form's run, queued and handed to the worker; the Estimates page and the
        API both start runs through this.

        Raises ValidationError when the service refuses (too few lists, a lock)."""
        data = self.cleaned_data
        run = services.estimate_run_start(
            user=user,
            method=data["method"] or None,
            stratify_by=data["stratify_by"],
            lists=data["lists"] or None,
            country=data["country"],
            seed=data["seed"],
            linkage_replicates=data["linkage_replicates"],
        )
        estimate_run_dispatch(run.pk)
        return run


class PublishForm(forms.Form):
    """One group's figure of a run: which group, by which method, and what."""

    stratum = forms.CharField(max_length=100)
    method = forms.ChoiceField(choices=[(m, m) for m in METHODS], required=False)
    kind = forms.ChoiceField(choices=FigureKind.choices)
