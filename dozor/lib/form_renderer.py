"""Django's form renderer, with drop-down lists written in Python.

Django renders a ``<select>`` through a template that includes one more template for each of its
options, and another for each option's attributes. The incident list's filters alone hold over
400 options (countries, regions, vocabularies), so those includes were most of the time it took
to answer the list page. ``FormRenderer`` writes the same HTML, byte for byte, directly;
tests/lib/test_form_renderer.py checks it against Django's templates. A select whose options use
another template than Django's own is left to the templates.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.html import conditional_escape
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
