from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.records.forms import ChoicesForm, country_choices


class AnnualForm(ChoicesForm):
    country = forms.ChoiceField(label=_("Country"), initial="RU")
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    public = forms.BooleanField(label=_("For publication (counts under 5 as “<5”)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("country").choices = country_choices()
