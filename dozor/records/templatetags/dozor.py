from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from dozor.records.models import Incident
from dozor.records.redaction import free_text_for, incident_text_redacted
from dozor.records.report_selectors import value_text
from dozor.vocab import geography
from dozor.vocab.registry import VocabularyError, vocabulary

register = template.Library()


@register.filter
def term(code: str, vocabulary_name: str) -> str:
    """The label of a vocabulary code in the interface language; the code itself if unknown."""
    if not code:
        return ""
    try:
        return vocabulary(vocabulary_name).term(code).label(get_language() or "en")
    except VocabularyError:
        return code


@register.filter
def region_name(code: str) -> str:
    return geography.region_name(code, get_language() or "en") if code else ""


@register.filter
def country_name(code: str) -> str:
    return geography.country_name(code, get_language() or "en") if code else ""


@register.simple_tag(takes_context=True)
def free_text(
    context: template.Context, text: Any, incident: Incident, names: bool | None = None
) -> Any:
    """``{% free_text incident.summary incident as summary %}``: the text as the signed-in user
    may read it, names taken out unless they may see them (records.redaction).

    ``names=`` decides instead of the user where the page already decided (a dossier printed
    with or without names); a page rendered without a request is redacted.
    """
    if names is True:
        return text
    request = context.get("request")
    if names is None and request is not None:
        return free_text_for(request.user, incident, text)
    return incident_text_redacted(incident, text)


@register.filter
def plain(value: Any) -> str:
    """A value of a report's row or fields in words (report_selectors.value_text)."""
    return value_text(value)
