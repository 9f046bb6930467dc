from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def get_chart(charts: dict[str, Any], key: str) -> Any:
    return charts.get(key, "")


@register.simple_tag
def reporting_nav() -> str:
    return format_html('<a href="{}">{}</a>', reverse("reporting:annual"), _("Annual report"))
