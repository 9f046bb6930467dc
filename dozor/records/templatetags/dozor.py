from __future__ import annotations

from django import template
from django.utils.translation import get_language

from dozor.records import geography
from dozor.records.vocab import VocabularyError, vocabulary

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
