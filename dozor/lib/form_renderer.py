"""Django's form renderer, with drop-down lists written in Python.

Django renders a ``<select>`` through a template that includes one more template for each of its
options, and another for each option's attributes. The incident list's filters alone hold over
400 options (countries, regions, vocabularies), so those includes were most of the time it took
to answer the list page. ``FormRenderer`` writes the same HTML, byte for byte, directly;
tests/lib/test_form_renderer.py checks it against Django's templates. A select whose options use
another template than Django's own is left to the templates.
"""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, SafeString, mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


class FormRenderer(DjangoTemplates):
    def render(
        self, template_name: str, context: dict[str, Any], request: Any | None = None
    ) -> str:
        if template_name == SELECT_TEMPLATE and _plain_options(context["widget"]):
            return select_html(context["widget"])
        return super().render(template_name, context, request)


def _plain_options(widget: dict[str, Any]) -> bool:
    return all(
        option["template_name"] == OPTION_TEMPLATE
        for _name, options, _index in widget["optgroups"]
        for option in options
    )


def select_html(widget: dict[str, Any]) -> SafeString:
    """What django/forms/widgets/select.html renders for this widget context."""
    context = Context(autoescape=True)

    def text(value: Any) -> str:
        # As {{ value }}: localised, made a string, escaped unless already safe. A string is
        # only escaped (localising leaves it as it is), without the general path's work.
        if isinstance(value, str):
            return str(conditional_escape(value))
        return render_value_in_context(value, context)

    def attrs(values: dict[str, Any]) -> str:
        # As django/forms/widgets/attrs.html: {{ value|stringformat:'s' }} keeps safe text safe.
        parts = []
        for name, value in values.items():
            if value is False:
                continue
            parts.append(f" {text(name)}")
            if value is not True:
                parts.append(f'="{_formatted(value)}"')
        return "".join(parts)

    parts = [f'<select name="{text(widget["name"])}"{attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{text(group_name)}">')
        for option in options:
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"{attrs(option["attrs"])}>'
                f"{text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above was escaped by text()


def _formatted(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: the value as %s, escaped unless it was safe text."""
    formatted = "%s" % (value,)  # noqa: UP031 - the filter's own formatting, kept exactly
    return formatted if isinstance(value, SafeData) else str(conditional_escape(formatted))


class ManyOptionsSelect(forms.Select):
    """A drop-down list of many plain options (countries, regions, vocabularies) whose options'
    HTML is written once per list of choices and kept, the selected one written for each render.

    Django builds a dictionary for every option of every render (the list page's filters: over
    400 of them a page) before any HTML is written. The output is Django's, byte for byte
    (tests/lib/test_form_renderer.py); choices with groups, non-text values or labels, or safe
    text take Django's way.
    """

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any | None = None,
    ) -> SafeString:
        choices = self._plain_choices()
        if choices is None or self.allow_multiple_selected:
            return super().render(name, value, attrs, renderer)
        # The select's own context without Django's option dictionaries (ChoiceWidget adds them).
        widget = forms.Widget.get_context(self, name, value, attrs)["widget"]
        empty = select_html({**widget, "optgroups": []})  # '<select …>' then '\n</select>'
        options = list(_options_html(choices))
        wanted = set(widget["value"])
        for index, (option_value, label) in enumerate(choices):
            if option_value in wanted:  # the first match only, as Django's optgroups()
                options[index] = (
                    f'\n  <option value="{escape(option_value)}" selected>{escape(label)}'
                    "</option>\n"
                )
                break
        body = empty[: -len(_SELECT_END)]
        return mark_safe(body + "".join(options) + _SELECT_END)  # noqa: S308 - escaped above

    def _plain_choices(self) -> tuple[tuple[str, str], ...] | None:
        """The choices as (value, label) text, or None when one is not plain text."""
        plain = []
        for option_value, label in self.choices:
            if isinstance(label, Promise):
                label = str(label)
            if type(option_value) is not str or type(label) is not str:
                return None
            plain.append((option_value, label))
        return tuple(plain)


_SELECT_END = "\n</select>"


@functools.lru_cache(maxsize=64)
def _options_html(choices: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    return tuple(
        f'\n  <option value="{escape(value)}">{escape(label)}</option>\n'
        for value, label in choices
    )
