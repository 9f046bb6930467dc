"""The response vocabularies (dozor/vocab/vocabularies/responses/) and the rules read from them."""

from __future__ import annotations

import functools

from django.utils.deconstruct import deconstructible

from dozor.analysis.responses import EventRules
from dozor.validators import VocabularyValidator
from dozor.vocab.registry import Vocabulary, VocabularyError, vocabularies_of


def response_vocabularies() -> dict[str, Vocabulary]:
    return vocabularies_of("responses")


def response_vocabulary(name: str) -> Vocabulary:
    try:
        return response_vocabularies()[name]
    except KeyError:
        raise VocabularyError(
            f"There is no response vocabulary '{name}'; known: {', '.join(response_vocabularies())}"
        ) from None


def label(name: str, code: str, language: str) -> str:
    try:
        return response_vocabulary(name).term(code).label(language)
    except VocabularyError:
        return code


@functools.cache
def event_rules() -> EventRules:
    kinds = response_vocabulary("response_event_kind")
    return EventRules(
        rank={term.code: term.attributes.get("stage") for term in kinds.terms},
        terminal=frozenset(term.code for term in kinds.terms if term.attributes.get("terminal")),
        hate_articles=hate_articles(),
    )


@functools.cache
def hate_articles() -> frozenset[str]:
    """The articles that carry the hate motive as a qualifying or aggravating feature."""
    return frozenset(
        term.code
        for term in response_vocabulary("legal_article").terms
        if term.attributes.get("hate_motive") is True
    )


@deconstructible
class ResponseVocabularyValidator(VocabularyValidator):
    """A code of one of the responses' vocabularies (the migrations name this class)."""

    def terms(self) -> Vocabulary:
        return response_vocabulary(self.name)
