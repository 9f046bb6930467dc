"""Forms of the review queue."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import User
from dozor.linkage import services
from dozor.linkage.models import CandidatePair, Decision, LinkDecision


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea)

    def record(self, *, user: User, candidate: CandidatePair) -> LinkDecision:
        """The valid decision stored for the candidate's two reports, with the model's
        probability beside it; the pair page and the API both decide through this.

        Raises ValidationError when the service refuses (a report gone, a read-only lock)."""
        return services.link_decision_record(
            user=user,
            first=candidate.report_a,
            second=candidate.report_b,
            decision=self.cleaned_data["decision"],
            note=self.cleaned_data["note"],
            match_probability=candidate.match_probability,
        )


MSG_GROUP_NOT_UNDERSTOOD = _("The group of reports was not understood.")
# The largest id a database's bigint holds; a larger number overflows the query.
MAX_ID = 2**63 - 1


class ClusterActionForm(forms.Form):
    reports = forms.CharField(widget=forms.HiddenInput)
    incident = forms.CharField(label=_("Incident reference"), required=False, max_length=20)

    def report_ids(self) -> list[int]:
        """The reports' ids; anything that cannot be a database id is refused, not looked up."""
        text = self.cleaned_data["reports"]
        try:
            ids = [int(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(MSG_GROUP_NOT_UNDERSTOOD) from None
        if not ids or any(not 1 <= report_id <= MAX_ID for report_id in ids):
            raise forms.ValidationError(MSG_GROUP_NOT_UNDERSTOOD)
        return ids


class SplitForm(forms.Form):
    reports = forms.MultipleChoiceField(
        label=_("Reports to move into a new incident"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["reports"].choices = choices  # type: ignore[attr-defined]


class AcceptForm(forms.Form):
    """The lowest probability at which the model's groups are accepted (default: the setting)."""

    min_probability = forms.FloatField(
        label=_("Lowest match probability to accept"),
        min_value=0,
        max_value=1,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.05"}),
    )
