"""An organisation's own terms beside the standard vocabularies: writes and reads.

The standard terms come from the versioned files of dozor/vocab/; an organisation adds terms of
its own to the vocabularies listed in EXTENDABLE_VOCABULARIES (a regional law's article beside
the Criminal Code's). A local term never replaces a standard one: its code begins with
``local_`` and may not be a standard code, forms offer it after the standard terms, and exports
and the API write its code as it is, so a reader sees at once that it is the organisation's own.
Another organisation neither sees it nor may use it.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import Organisation, User
from dozor.accounts.policy import require
from dozor.audit import services as audit
from dozor.records.models import (
    LOCAL_TERM_CODE_MAX_LENGTH,
    LOCAL_TERM_LABEL_MAX_LENGTH,
    LOCAL_TERM_PREFIX,
    LocalTerm,
)
from dozor.vocab.registry import vocabulary

# The vocabularies an organisation may extend, and where its terms are used: each one is wired
# into the forms and checks that accept its codes (legal articles: ResponseEvent.clean and the
# response event form).
EXTENDABLE_VOCABULARIES = ("legal_article",)

CODE_PATTERN = re.compile(rf"^{LOCAL_TERM_PREFIX}[a-z0-9_]+$")
MSG_NOT_EXTENDABLE = _("“%(value)s” cannot take local terms; these can: %(names)s.")
MSG_CODE_FORM = _(
    "A code is lower-case Latin letters, digits and “_” (e.g. koap_20_3), at most %(limit)s "
    "characters with the “local_” Dozor puts before it."
)
MSG_CODE_STANDARD = _(
    "“%(value)s” is a standard term of this vocabulary; a local term never replaces one. "
    "Choose another code."
)
MSG_CODE_TAKEN = _("Your organisation already has the term “%(value)s” in this vocabulary.")
MSG_LABEL_BLANK = _("Give the label in both English and Russian.")
MSG_LABEL_LONG = _("A label holds at most %(limit)s characters.")


def local_code(code: str) -> str:
    """The code as it is stored: lower case, with ``local_`` before it once."""
    code = code.strip().lower()
    return code if code.startswith(LOCAL_TERM_PREFIX) else LOCAL_TERM_PREFIX + code


def _labels_check(label_en: str, label_ru: str, errors: dict[str, list[ValidationError]]) -> None:
    for name, value in (("label_en", label_en), ("label_ru", label_ru)):
        if not value:
            errors[name] = [ValidationError(MSG_LABEL_BLANK, code="blank")]
        elif len(value) > LOCAL_TERM_LABEL_MAX_LENGTH:
            errors[name] = [
                ValidationError(
                    MSG_LABEL_LONG, code="long", params={"limit": LOCAL_TERM_LABEL_MAX_LENGTH}
                )
            ]


@transaction.atomic
def local_term_create(
    *,
    organisation: Organisation,
    user: User | None,
    vocabulary_name: str,
    code: str,
    label_en: str,
    label_ru: str,
) -> LocalTerm:
    """Add a term of ``organisation``'s own to a vocabulary. With a ``user``, an administrator of
    ``organisation`` (``organisation.administer``). Errors name the field they are about."""
    term = LocalTerm(
        organisation=organisation,
        vocabulary=vocabulary_name,
        code=local_code(code),
        label_en=label_en.strip(),
        label_ru=label_ru.strip(),
        created_by=user,
        updated_by=user,
    )
    if user is not None:
        require(user, "organisation.administer", term)
    errors: dict[str, list[ValidationError]] = {}
    if vocabulary_name not in EXTENDABLE_VOCABULARIES:
        errors["vocabulary"] = [
            ValidationError(
                MSG_NOT_EXTENDABLE,
                code="not_extendable",
                params={"value": vocabulary_name, "names": ", ".join(EXTENDABLE_VOCABULARIES)},
            )
        ]
    if not CODE_PATTERN.match(term.code) or len(term.code) > LOCAL_TERM_CODE_MAX_LENGTH:
        errors["code"] = [
            ValidationError(
                MSG_CODE_FORM, code="form", params={"limit": LOCAL_TERM_CODE_MAX_LENGTH}
            )
        ]
    elif "vocabulary" not in errors and term.code in vocabulary(vocabulary_name):
        errors["code"] = [
            ValidationError(MSG_CODE_STANDARD, code="standard", params={"value": term.code})
        ]
    _labels_check(term.label_en, term.label_ru, errors)
    taken = ValidationError(MSG_CODE_TAKEN, code="unique", params={"value": term.code})
    if (
        "code" not in errors
        and local_terms_of(organisation.pk, vocabulary_name).filter(code=term.code).exists()
    ):
        errors["code"] = [taken]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            term.save()
    except IntegrityError:
        raise ValidationError({"code": [taken]}) from None
    audit.audit_write(
        user=user,
        target=term,
        after={
            "organisation": organisation.pk,
            "vocabulary": term.vocabulary,
            "code": term.code,
            "label_en": term.label_en,
            "label_ru": term.label_ru,
        },
    )
    return term


@transaction.atomic
def local_term_update(
    *, term: LocalTerm, user: User | None, label_en: str, label_ru: str
) -> LocalTerm:
    """Change a local term's labels; its code stays, since records keep it."""
    term = LocalTerm.objects.select_for_update().get(pk=term.pk)
    if user is not None:
        require(user, "organisation.administer", term)
    before = {"label_en": term.label_en, "label_ru": term.label_ru}
    term.label_en, term.label_ru = label_en.strip(), label_ru.strip()
    errors: dict[str, list[ValidationError]] = {}
    _labels_check(term.label_en, term.label_ru, errors)
    if errors:
        raise ValidationError(errors)
    term.updated_by = user
    term.save(update_fields=["label_en", "label_ru", "updated_by", "updated_at"])
    audit.audit_write(
        user=user,
        target=term,
        before=before,
        after={"label_en": term.label_en, "label_ru": term.label_ru},
    )
    return term


def local_terms_of(organisation_id: int | None, vocabulary_name: str) -> QuerySet[LocalTerm]:
    """One organisation's own terms of a vocabulary, by code; none without an organisation."""
    if organisation_id is None:
        return LocalTerm.objects.none()
    return LocalTerm.objects.filter(
        organisation_id=organisation_id, vocabulary=vocabulary_name
    ).order_by("code")


def local_codes(organisation_id: int | None, vocabulary_name: str) -> frozenset[str]:
    return frozenset(
        local_terms_of(organisation_id, vocabulary_name).values_list("code", flat=True)
    )


def choices_with_local(
    vocabulary_name: str, organisation_id: int | None, language: str
) -> list[tuple[str, str]]:
    """The standard terms' choices, then the organisation's own (marked as its own)."""
    local = [
        (term.code, f"{term.label(language)} ({term.code})")
        for term in local_terms_of(organisation_id, vocabulary_name)
    ]
    return vocabulary(vocabulary_name).choices(language) + local
