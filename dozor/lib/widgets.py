"""A drop-down list that renders its options in Python instead of one template include each.

Django renders a ``<select>`` by including ``select_option.html`` (and ``attrs.html`` inside it)
for every option. The incident list's filters hold a country list of about 250 names, some 85
regions and the vocabularies: rendering them that way was close to half of the list page's time.
:class:`Select` writes the same markup as Django's templates, character for character, with the
same escaping, so pages, tests and the browser see no difference.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

__all__ = ["Select", "attributes"]


def attributes(attrs: dict[str, Any]) -> str:
    """HTML attributes as django/forms/widgets/attrs.html writes them: True as a bare name,
    False left out, anything else as name="value" (escaped)."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {escape(name)}")
        else:
            parts.append(f' {escape(name)}="{escape(str(value))}"')
    return "".join(parts)


class Select(forms.Select):
    """forms.Select, rendered without a template per option (the same HTML).

    The options are written straight from ``choices`` with the selection rule of Django's
    ChoiceWidget.optgroups() (the first option whose value matches is selected; None is "");
    a drop-down list's options inherit no attributes (option_inherits_attrs is False).
    """

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        # Widget's context, not ChoiceWidget's: that one also builds a dictionary per option.
        widget = forms.Widget.get_context(self, name, value, attrs)["widget"]
        if self.allow_multiple_selected:
            widget["attrs"]["multiple"] = True
        values = widget["value"]
        # Every text below goes through escape() (a value's str()) or conditional_escape() (a
        # label, which may be safe markup already), as the templates' autoescape does.
        parts = [f'<select name="{escape(widget["name"])}"{attributes(widget["attrs"])}>']
        has_selected = False
        for option_value, option_label in self.choices:
            if isinstance(option_label, list | tuple):
                group: Any = option_value
                options = option_label
                if group:
                    parts.append(f'\n  <optgroup label="{conditional_escape(group)}">')
            else:
                group = None
                options = [("" if option_value is None else option_value, option_label)]
            for subvalue, sublabel in options:
                selected = (not has_selected or self.allow_multiple_selected) and str(
                    subvalue
                ) in values
                has_selected |= selected
                parts.append(
                    f'\n  <option value="{escape(str(subvalue))}"{" selected" if selected else ""}>'
                    f"{conditional_escape(sublabel)}</option>\n"
                )
            if group:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every text in it was escaped
