"""Forms for response events, the raise list and the dialogue log: they parse what was typed."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import NOTE_MAX_LENGTH, User
from dozor.records.forms import DateInput, vocabulary_choices
from dozor.records.local_terms import choices_with_local
from dozor.responses.funnel import DIMENSIONS, FunnelFilters
from dozor.responses.models import TEXT_MAX_LENGTH, Body, Raising
from dozor.responses.selectors import today
from dozor.responses.services import EventInput, RaisingInput
from dozor.responses.vocab import response_vocabulary

MSG_PARTIAL_DATE = _("Give the date as YYYY-MM-DD, YYYY-MM or YYYY.")
PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
MOTIVE_CHOICES = [("", _("Not stated")), ("yes", _("Yes")), ("no", _("No"))]
DIMENSION_LABELS = {
    "all": _("All incidents"),
    "year": _("Year"),
    "region": _("Region"),
    "bias": _("Bias motivation"),
    "type": _("Incident type"),
}
# The heading of the table the statistics page breaks down by the chosen dimension.
DIMENSION_HEADINGS = {
    "all": _("All incidents"),
    "year": _("By year"),
    "region": _("By region"),
    "bias": _("By bias motivation"),
    "type": _("By incident type"),
}


def response_choices(name: str, *, blank: str | None = None) -> list[tuple[str, str]]:
    choices = response_vocabulary(name).choices(get_language() or "en")
    return [("", blank), *choices] if blank is not None else choices


def parse_partial_date(value: str) -> tuple[datetime.date, str]:
    """'2009-03-14', '2009-03' or '2009' as a date and its precision."""
    match = PARTIAL_DATE.match(value.strip())
    if not match:
        raise forms.ValidationError(MSG_PARTIAL_DATE)
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if day is not None:
            return datetime.date(year, month, day), "day"  # type: ignore[arg-type]
        if month is not None:
            return datetime.date(year, month, 1), "month"  # type: ignore[arg-type]
        return datetime.date(year, 1, 1), "year"  # type: ignore[arg-type]
    except ValueError:
        raise forms.ValidationError(MSG_PARTIAL_DATE) from None


def _tristate(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Event"))
    date = forms.CharField(
        label=_("Date"), max_length=10, help_text=_("YYYY-MM-DD, or YYYY-MM, or YYYY")
    )
    authority = forms.CharField(label=_("Authority"), max_length=300, required=False)
    source = forms.CharField(label=_("Source"), max_length=500, required=False)
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    articles = forms.MultipleChoiceField(
        label=_("Legal articles"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    verdict_outcome = forms.ChoiceField(label=_("Verdict"), required=False)
    motive_recognised = forms.ChoiceField(
        label=_("The verdict recognised the hate motive"), required=False, choices=MOTIVE_CHOICES
    )
    sentence_kind = forms.ChoiceField(label=_("Sentence"), required=False)
    sentence_months = forms.IntegerField(
        label=_("Sentence length in months"), required=False, min_value=1, max_value=360
    )
    sentence_suspended = forms.ChoiceField(
        label=_("Suspended sentence"), required=False, choices=MOTIVE_CHOICES
    )
    statement_kind = forms.ChoiceField(label=_("Statement"), required=False)

    def __init__(self, *args: Any, organisation_id: int | None = None, **kwargs: Any) -> None:
        """``organisation_id``: the incident's organisation, whose own legal articles are
        offered after the standard ones."""
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = response_choices("response_event_kind")  # type: ignore[attr-defined]
        self.fields["articles"].choices = choices_with_local(  # type: ignore[attr-defined]
            "legal_article", organisation_id, get_language() or "en"
        )
        self.fields["verdict_outcome"].choices = response_choices("verdict_outcome", blank="—")  # type: ignore[attr-defined]
        self.fields["sentence_kind"].choices = response_choices("sentence_kind", blank="—")  # type: ignore[attr-defined]
        self.fields["statement_kind"].choices = response_choices(  # type: ignore[attr-defined]
            "official_statement_kind", blank="—"
        )

    def clean_date(self) -> tuple[datetime.date, str]:
        return parse_partial_date(self.cleaned_data["date"])

    def event_input(self) -> EventInput:
        data = self.cleaned_data
        date, precision = data["date"]
        return EventInput(
            kind=data["kind"],
            date=date,
            date_precision=precision,
            authority=data["authority"],
            source=data["source"],
            note=data["note"],
            articles=tuple(data["articles"]),
            verdict_outcome=data["verdict_outcome"],
            motive_recognised=_tristate(data["motive_recognised"]),
            sentence_kind=data["sentence_kind"],
            sentence_months=data["sentence_months"],
            sentence_suspended=_tristate(data["sentence_suspended"]),
            statement_kind=data["statement_kind"],
        )

    @staticmethod
    def initial_from(event: Any) -> dict[str, Any]:
        def tri(value: bool | None) -> str:
            return "" if value is None else ("yes" if value else "no")

        date = event.date.isoformat()
        if event.date_precision == "month":
            date = date[:7]
        elif event.date_precision == "year":
            date = date[:4]
        return {
            "kind": event.kind,
            "date": date,
            "authority": event.authority,
            "source": event.source,
            "note": event.note,
            "articles": event.articles,
            "verdict_outcome": event.verdict_outcome,
            "motive_recognised": tri(event.motive_recognised),
            "sentence_kind": event.sentence_kind,
            "sentence_months": event.sentence_months,
            "sentence_suspended": tri(event.sentence_suspended),
            "statement_kind": event.statement_kind,
        }


class RaiseListForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"))
    reason = forms.CharField(
        label=_("Reason"), max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["priority"].choices = response_choices("raise_priority")  # type: ignore[attr-defined]
        self.fields["priority"].initial = "medium"


class RaisingForm(forms.Form):
    raised_on = forms.DateField(label=_("Raised on"), widget=DateInput())
    raised_by = forms.CharField(label=_("Raised by"), max_length=200)
    body = forms.ModelChoiceField(label=_("Body"), queryset=Body.objects.all())
    official = forms.CharField(label=_("Official"), max_length=300, required=False)
    channel = forms.ChoiceField(label=_("How"))
    request = forms.CharField(
        label=_("What was asked"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reply = forms.CharField(
        label=_("Reply"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reply_on = forms.DateField(label=_("Reply date"), required=False, widget=DateInput())
    follow_up_due = forms.DateField(label=_("Follow-up due"), required=False, widget=DateInput())
    status = forms.ChoiceField(label=_("Status"))
    impact = forms.ChoiceField(label=_("Impact"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = response_choices("dialogue_channel")  # type: ignore[attr-defined]
        self.fields["status"].choices = response_choices("dialogue_status")  # type: ignore[attr-defined]
        self.fields["impact"].choices = response_choices("dialogue_impact")  # type: ignore[attr-defined]

    def raising_input(self) -> RaisingInput:
        data = self.cleaned_data
        return RaisingInput(**{name: data[name] for name in RaisingInput.__dataclass_fields__})

    @staticmethod
    def initial_for(user: User) -> dict[str, Any]:
        """A new raising's values before anything is typed: raised today, by the user, awaiting
        a reply with no response yet (the model's defaults)."""
        return {
            "raised_on": today(),
            "raised_by": user.get_full_name() or user.username,
            "status": Raising._meta.get_field("status").get_default(),
            "impact": Raising._meta.get_field("impact").get_default(),
        }

    @staticmethod
    def initial_from(raising: Raising) -> dict[str, Any]:
        return {name: getattr(raising, name) for name in RaisingForm.base_fields}


class BodyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"))
    country = forms.CharField(label=_("Country"), max_length=2, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = response_choices("body_kind")  # type: ignore[attr-defined]


class FunnelForm(forms.Form):
    dimension = forms.ChoiceField(label=_("Break down by"), required=False)
    year_from = forms.IntegerField(
        label=_("From year"), required=False, min_value=1900, max_value=2100
    )
    year_to = forms.IntegerField(label=_("To year"), required=False, min_value=1900, max_value=2100)
    region = forms.CharField(label=_("Region"), required=False, max_length=6)
    bias = forms.ChoiceField(label=_("Bias motivation"), required=False)
    type = forms.ChoiceField(label=_("Incident type"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dimension"].choices = [(d, DIMENSION_LABELS[d]) for d in DIMENSIONS]  # type: ignore[attr-defined]
        self.fields["bias"].choices = vocabulary_choices("bias_motivation", blank=str(_("Any")))  # type: ignore[attr-defined]
        self.fields["type"].choices = vocabulary_choices("incident_type", blank=str(_("Any")))  # type: ignore[attr-defined]

    def chosen_dimension(self) -> str:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("dimension"):
            return str(self.cleaned_data["dimension"])
        return "all"

    def filters(self) -> FunnelFilters:
        if not self.is_bound or not self.is_valid():
            return FunnelFilters()
        data = self.cleaned_data
        return FunnelFilters(
            year_from=data.get("year_from"),
            year_to=data.get("year_to"),
            region=data.get("region") or "",
            bias_motivation=data.get("bias") or "",
            incident_type=data.get("type") or "",
        )
