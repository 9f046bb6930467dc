"""The form renderer writes drop-down lists exactly as Django's templates would."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

import dozor
from dozor.lib.form_renderer import FormRenderer, ManyOptionsSelect
from dozor.records.forms import IncidentFilterForm

TRICKY = [
    ("", "Any"),
    ("a&b", 'Quote " and <tag> & ampersand'),
    (3, 7),
    ("lazy", gettext_lazy("Any")),
    ("safe", mark_safe("<b>kept</b>")),
    (mark_safe("x&amp;y"), "safe value"),
    ("Группа", [("ru-1", "Москва"), ("ru-2", "Санкт-Петербург «Север»")]),
    ("empty", []),
]


def both(widget: forms.Widget, name: str, value: Any, attrs: dict[str, Any] | None = None) -> None:
    ours = widget.render(name, value, attrs=attrs, renderer=FormRenderer())
    django = widget.render(name, value, attrs=attrs, renderer=DjangoTemplates())
    assert ours == django


@pytest.mark.parametrize(
    "widget",
    [
        forms.Select(choices=TRICKY),
        forms.Select(choices=TRICKY, attrs={"class": "wide", "disabled": True, "data-x": 0}),
        forms.Select(choices=TRICKY, attrs={"hidden": False, "aria-label": mark_safe("a&amp;b")}),
        forms.SelectMultiple(choices=TRICKY),
        forms.Select(choices=[]),
    ],
    ids=["plain", "attributes", "safe-and-false-attributes", "multiple", "empty"],
)
@pytest.mark.parametrize("value", [None, "", "a&b", 3, ["ru-1", "safe"], "unknown"])
def test_a_select_is_written_as_djangos_templates_write_it(
    widget: forms.Widget, value: Any
) -> None:
    both(widget, "field<&>", value, attrs={"id": 'id_"field"', "required": True})


@pytest.mark.parametrize("value", [None, True, False, "unknown"])
def test_a_yes_no_select_is_written_as_djangos_templates_write_it(value: Any) -> None:
    both(forms.NullBooleanSelect(), "field", value)


def test_a_select_whose_options_have_their_own_template_is_left_to_the_templates() -> None:
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/input.html"

    both(Custom(choices=[("a", "A")]), "field", "a")


def djangos(widget: forms.Widget) -> forms.Widget:
    """Django's own Select in place of a ManyOptionsSelect, the same choices and attributes."""
    if isinstance(widget, ManyOptionsSelect):
        return forms.Select(attrs=widget.attrs, choices=widget.choices)
    return widget


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("value", [None, "", "RU-MOW", "nowhere", ["RU-MOW", "RU-SPE"], 7])
def test_a_select_of_many_options_is_written_as_djangos_templates_write_it(
    language: str, value: Any
) -> None:
    with translation.override(language):
        for name in ("country", "region", "bias", "type", "status"):
            widget = IncidentFilterForm().fields[name].widget
            assert isinstance(widget, ManyOptionsSelect)
            for _twice in range(2):  # the second render reads the options' HTML kept
                ours = widget.render(name, value, attrs={"id": f"id_{name}"})
                django = djangos(widget).render(
                    name, value, attrs={"id": f"id_{name}"}, renderer=DjangoTemplates()
                )
                assert ours == django, (name, value)


@pytest.mark.parametrize("value", [None, "a&b", "3", "safe"])
def test_a_select_of_many_options_with_other_than_plain_text_takes_djangos_way(
    value: Any,
) -> None:
    ours = ManyOptionsSelect(choices=TRICKY).render("field", value, renderer=DjangoTemplates())
    django = forms.Select(choices=TRICKY).render("field", value, renderer=DjangoTemplates())
    assert ours == django


def _form_classes() -> list[type[forms.Form]]:
    for module in pkgutil.walk_packages(dozor.__path__, "dozor."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found: list[type[forms.Form]] = []
    pending: list[type[Any]] = [forms.Form]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.startswith("dozor."):
                found.append(subclass)
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_form_of_dozor_renders_as_with_djangos_templates(language: str) -> None:
    compared = []
    with translation.override(language):
        for form_class in _form_classes():
            try:
                form = form_class()
            except TypeError:
                continue  # a form that needs its record or user to be made
            for field in form:
                widget = field.field.widget
                if isinstance(widget, forms.Select):
                    form.renderer = FormRenderer()
                    ours = field.as_widget()
                    form.renderer = DjangoTemplates()
                    django = field.as_widget(widget=djangos(widget))
                    assert ours == django, (form_class.__name__, field.name)
                    compared.append((form_class.__name__, field.name))
    forms_compared = {name for name, _field in compared}
    # The incident list's filters and the incident form at least: the lists with most options.
    assert {"IncidentFilterForm", "IncidentForm"} <= forms_compared, forms_compared
