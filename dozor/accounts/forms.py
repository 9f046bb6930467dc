from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import Role

TOKEN_MAX_LENGTH = 12


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        max_length=TOKEN_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class UserAccessForm(forms.Form):
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    can_see_names = forms.BooleanField(label=_("may see names"), required=False)
    is_active = forms.BooleanField(label=_("active"), required=False)


class TwoFactorRemoveForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have made sure the person asking is this user: remove their authenticator."),
        error_messages={"required": _("Tick the box to confirm the removal.")},
    )
