from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dozor.accounts.models import API_TOKEN_NAME_MAX_LENGTH, NOTE_MAX_LENGTH, Role, TokenScope
from dozor.accounts.services import API_TOKEN_DAYS_DEFAULT, API_TOKEN_DAYS_MAX
from dozor.vocab.registry import vocabulary

TOKEN_MAX_LENGTH = 12
USERNAME_MAX_LENGTH = 150  # AbstractUser.username


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


class UserNewForm(forms.Form):
    """A new user of the administrator's own organisation: the form has no organisation field,
    so none can be posted. user_create decides what is allowed (a name free and well formed, an
    e-mail address, a role) and says why not."""

    username = forms.CharField(
        label=_("User name"),
        max_length=USERNAME_MAX_LENGTH,
        help_text=_("What the person signs in with: letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    email = forms.CharField(label=_("E-mail address"), max_length=254, required=False)
    role = forms.ChoiceField(label=_("role"), choices=Role.choices, initial=Role.READER)
    can_see_names = forms.BooleanField(
        label=_("may see names"),
        required=False,
        help_text=_("For analysts and readers; the other roles see names anyway."),
    )


class TwoFactorRemoveForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have made sure the person asking is this user: remove their authenticator."),
        error_messages={"required": _("Tick the box to confirm the removal.")},
    )


class ApiTokenForm(forms.Form):
    """A new personal API token. The form reads the input; api_token_create decides what is
    allowed (the name, the scope for the user's role, the days) and says why not."""

    name = forms.CharField(
        label=pgettext_lazy("API token", "Name"),
        required=False,
        help_text=_("What the token is for, e.g. “laptop script” or “partner sync”."),
        widget=forms.TextInput(
            attrs={"maxlength": API_TOKEN_NAME_MAX_LENGTH, "required": True, "autocomplete": "off"}
        ),
    )
    scope = forms.ChoiceField(label=_("Access"), initial=TokenScope.READ)
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        initial=API_TOKEN_DAYS_DEFAULT,
        widget=forms.NumberInput(attrs={"min": 1, "max": API_TOKEN_DAYS_MAX}),
    )

    def __init__(self, *args: Any, writes: bool, **kwargs: Any) -> None:
        """``writes``: the user may change something through the API, so a token of theirs may
        write too."""
        super().__init__(*args, **kwargs)
        choices = TokenScope.choices if writes else [(TokenScope.READ, TokenScope.READ.label)]
        self.fields["scope"].choices = choices  # type: ignore[attr-defined]


ORGANISATION_NAME_MAX_LENGTH = 300


class OrganisationRenameForm(forms.Form):
    """An organisation's names. The form reads them; organisation_rename decides (a name taken,
    a name empty) and says why not, as it does for `dozor createuser`."""

    name = forms.CharField(label=_("Name"), max_length=ORGANISATION_NAME_MAX_LENGTH)
    name_en = forms.CharField(
        label=_("Name in English"), max_length=ORGANISATION_NAME_MAX_LENGTH, required=False
    )


class OrganisationForm(OrganisationRenameForm):
    """A new organisation: a targeted one, or a partner not yet working in Dozor."""

    kind = forms.ChoiceField(label=_("Kind"), initial="ngo")
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        initial="RU",
        help_text=_("Two letters (ISO 3166-1), e.g. RU."),
    )
    region = forms.CharField(
        label=_("Region"),
        max_length=6,
        required=False,
        help_text=_("Optional: an ISO 3166-2 code such as RU-MOW."),
    )
    description = forms.CharField(
        label=_("Description"), max_length=NOTE_MAX_LENGTH, required=False, widget=forms.Textarea
    )

    def __init__(self, *args: Any, language: str = "en", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = vocabulary("organisation_kind").choices(language)  # type: ignore[attr-defined]
