"""The ODIHR export's choices, read from the query string or a form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.exports.models import FIRST_REPORT_YEAR, LAST_REPORT_YEAR
from dozor.records.forms import country_choices

FORMATS = ("xlsx", "csv")
LANGUAGES = (("en", _("English")), ("ru", _("Russian")))


class OdihrForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), initial="RU")
    year = forms.IntegerField(
        label=_("Report year"), min_value=FIRST_REPORT_YEAR, max_value=LAST_REPORT_YEAR
    )
    lang = forms.ChoiceField(label=_("Language"), choices=LANGUAGES, initial="en", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["country"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = country_choices()


class MarkForm(forms.Form):
    year = forms.IntegerField(
        label=_("Report year"),
        min_value=FIRST_REPORT_YEAR,
        max_value=LAST_REPORT_YEAR,
        required=False,
    )
