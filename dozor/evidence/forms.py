from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.evidence.models import DESCRIPTION_MAX_LENGTH, AttachmentKind


class AttachForm(forms.Form):
    """What is said of the files of one upload (the files themselves arrive sealed: uploads.py)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=AttachmentKind.choices)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    made_on = forms.DateField(
        label=_("Made on (if known)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
