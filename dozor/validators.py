"""Field validators for vocabulary codes and places, and the field that holds a vocabulary code.

Shared by every app's models (accounts' organisations, records, responses); the messages are for
the person who typed the value.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from dozor.vocab import geography
from dozor.vocab.registry import Vocabulary, vocabulary

MSG_NOT_IN_VOCABULARY = _(
    "“%(value)s” is not a term of “%(vocabulary)s”. Expected one of: %(codes)s."
)
MSG_UNKNOWN_COUNTRY = _("“%(value)s” is not an ISO 3166-1 country code (two letters, e.g. RU).")
MSG_UNKNOWN_REGION = _(
    "“%(value)s” is not a region of %(country)s. Use an ISO 3166-2 code such as RU-MOW."
)


@deconstructible
class VocabularyValidator:
    """A code of the named vocabulary; the message lists the codes it may be."""

    def __init__(self, name: str) -> None:
        self.name = name

    def terms(self) -> Vocabulary:
        return vocabulary(self.name)

    def __call__(self, value: Any) -> None:
        terms = self.terms()
        if value not in terms:
            raise ValidationError(
                MSG_NOT_IN_VOCABULARY,
                code="not_in_vocabulary",
                params={"value": value, "vocabulary": self.name, "codes": ", ".join(terms.codes)},
            )

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and getattr(other, "name", None) == self.name

    def __hash__(self) -> int:
        return hash(self.name)


def validate_country(value: str) -> None:
    if not geography.country_exists(value):
        raise ValidationError(MSG_UNKNOWN_COUNTRY, code="unknown_country", params={"value": value})


def validate_region_of_country(region: str, country: str) -> None:
    if region not in geography.country_regions(country):
        raise ValidationError(
            MSG_UNKNOWN_REGION,
            code="unknown_region",
            params={"value": region, "country": geography.country_name(country)},
        )


def vocabulary_field(name: str, verbose_name: Any, **kwargs: Any) -> models.CharField[str, str]:
    """A code of the named vocabulary, checked against it on validation."""
    return models.CharField(
        verbose_name, max_length=40, validators=[VocabularyValidator(name)], **kwargs
    )
