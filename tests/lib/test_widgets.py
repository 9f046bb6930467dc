"""dozor.lib.widgets.Select writes exactly what Django's template-rendered Select writes."""

from __future__ import annotations

import pytest
from django import forms
from django.utils.safestring import mark_safe

from dozor.lib.widgets import Select
from dozor.records.forms import IncidentFilterForm

CHOICES = [
    ("", "Any"),
    ('a<&"', "A & <b>"),
    ("Gro<up", [("x", "X"), ("y", mark_safe("<i>Y</i>"))]),
    (3, "three"),
    ("", [("z", "in a group without a name")]),
    (None, "none"),
]


@pytest.mark.parametrize("value", ["", "x", 3, None, ['a<&"']])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_f", "required": True, "disabled": False, "class": 'a"b'}]
)
def test_select_renders_the_same_html_as_djangos_templates(value: object, attrs: object) -> None:
    expected = forms.Select(choices=CHOICES).render("f", value, attrs)  # type: ignore[arg-type]
    assert Select(choices=CHOICES).render("f", value, attrs) == expected  # type: ignore[arg-type]


def test_the_incident_filters_render_as_with_djangos_select() -> None:
    form = IncidentFilterForm({"region": "RU-MOW", "sort": "-killed", "q": "<script>"})
    for name in ("country", "region", "bias", "type", "status", "defenders", "sort"):
        widget = form.fields[name].widget
        assert type(widget) is Select
        plain = forms.Select(attrs=widget.attrs, choices=widget.choices)
        plain.is_required = widget.is_required
        assert str(form[name]) == form[name].as_widget(widget=plain)
