"""The report card as a stand-alone HTML document, for PDF and for the command line."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.utils import translation

from dozor.accounts.models import User
from dozor.evaluation.card import report_card

LANGUAGES = ("en", "ru")


def card_html(*, user: User | AnonymousUser, country: str, year: int, language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    with translation.override(language):
        result = report_card(user=user, country=country, year=year, language=language)
        return render_to_string("evaluation/card_print.html", {"card": result})
