from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def in_language(item: Any) -> str:
    """A catalogue entry's label in the current language."""
    return str(item.label((get_language() or "en")[:2]))


@register.simple_tag
def evaluation_nav() -> str:
    from django.urls import reverse
    from django.utils.html import format_html
    from django.utils.translation import gettext as _

    return format_html('<a href="{}">{}</a>', reverse("evaluation:dashboard"), _("Commitments"))
