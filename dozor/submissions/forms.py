from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.submissions.models import (
    CONTACT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ReferralKind,
    ReferralStatus,
)

# The honeypot: a field a person never sees (hidden by the style sheet, skipped by screen
# readers and the keyboard) and a script filling every field fills.
HONEYPOT = "website"
MSG_HONEYPOT = _(
    "Nothing was sent: the field “Leave this empty” was filled in. It is there to catch "
    "programs that send spam. Clear it and send the form again."
)


class PublicReportForm(forms.Form):
    """What a victim, a witness or someone seeking help tells the organisation."""

    title = forms.CharField(label=_("In a few words"), required=False, max_length=TITLE_MAX_LENGTH)
    what_happened = forms.CharField(
        label=_("What happened"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Write what you saw or went through, in your own words."),
    )
    when_text = forms.CharField(
        label=_("When"),
        required=False,
        max_length=SHORT_TEXT_MAX_LENGTH,
        help_text=_("A date, or as near as you remember: “last Saturday night”."),
    )
    where_text = forms.CharField(
        label=_("Where"),
        required=False,
        max_length=SHORT_TEXT_MAX_LENGTH,
        help_text=_("Town, street, place."),
    )
    contact = forms.CharField(
        label=_("How can we reach you safely?"),
        required=False,
        max_length=CONTACT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "A way that is safe for you (Signal, an e-mail address only you read) and when. "
            "Leave it empty if we must not contact you."
        ),
    )
    do_not_contact = forms.BooleanField(label=_("Do not contact me"), required=False)
    wants_legal_help = forms.BooleanField(label=_("I need legal help"), required=False)
    wants_asylum_help = forms.BooleanField(
        label=_("I need help with asylum or leaving the country"), required=False
    )
    website = forms.CharField(label=_("Leave this empty"), required=False)
    challenge = forms.CharField(widget=forms.HiddenInput)
    answer = forms.CharField(
        label=_("The sum in the picture"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("do_not_contact"):
            cleaned["contact"] = ""
        return cleaned


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReferralForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of help"), choices=ReferralKind.choices)
    referred_to = forms.CharField(
        label=_("Referred to"), required=False, max_length=SHORT_TEXT_MAX_LENGTH
    )
    referred_on = forms.DateField(
        label=_("Referred on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReferralUpdateForm(ReferralForm):
    kind = None  # type: ignore[assignment]
    status = forms.ChoiceField(label=_("Status"), choices=ReferralStatus.choices)
