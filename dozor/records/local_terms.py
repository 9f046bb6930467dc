"""An organisation's own terms beside the standard vocabularies: writes and reads.

The standard terms come from the versioned files of dozor/vocab/; an organisation adds terms of
its own to the vocabularies listed in EXTENDABLE_VOCABULARIES (a regional law's article beside
the Criminal Code's, a bias indicator its monitors single out). A local term never replaces a
standard one: its code begins with ``local_`` and may not be a standard code, forms offer it
after the standard terms, and the list exports and the API write its code as it is, so a reader
sees at once that it is the organisation's own. Another organisation neither sees it nor may use
it.

A local term names the standard term it rolls up to (``broader``, as in SKOS): what is counted or
sent to ODIHR reads that code in its place (StandardCodes), so it still speaks the standard
vocabulary. A local legal article may carry the hate motive (``hate_motive``); the case status,
the response funnel and the report card then read it as a hate article, for the incidents of the
organisation that owns it only (hate_articles_by_organisation), since another organisation may
give the same code to another article.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

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
    Incident,
    IncidentBias,
    LocalTerm,
)
from dozor.vocab.registry import vocabulary

# The vocabularies an organisation may extend, and where its terms are used: each one is wired
# into the forms and checks that accept its codes (legal articles: ResponseEvent.clean and the
# response event form; bias indicators: IncidentBias.clean and the incident form).
EXTENDABLE_VOCABULARIES = ("legal_article", "bias_indicator")
# Where a local term must name its broader standard term: bias indicators are counted and sent
# to ODIHR, which knows only the standard ones.
BROADER_REQUIRED = frozenset({"bias_indicator"})
# The vocabulary whose local terms may carry the motive of hatred or enmity.
HATE_MOTIVE_VOCABULARY = "legal_article"

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
MSG_BROADER_REQUIRED = _(
    "Choose the standard term this one belongs under: counts and the ODIHR submission use it in "
    "its place."
)
MSG_BROADER_UNKNOWN = _(
    "“%(value)s” is not a standard term of “%(vocabulary)s”; choose the broader term from its "
    "standard terms."
)
MSG_HATE_MOTIVE_ARTICLES_ONLY = _(
    "Only a legal article carries the hate motive; leave it unticked for “%(vocabulary)s”."
)


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


def _roll_up_check(
    vocabulary_name: str, broader: str, hate_motive: bool, errors: dict[str, list[ValidationError]]
) -> None:
    """The broader term is a standard code of the term's own vocabulary, given where one is
    required; only a legal article carries the hate motive."""
    if vocabulary_name not in EXTENDABLE_VOCABULARIES:
        return
    if not broader:
        if vocabulary_name in BROADER_REQUIRED:
            errors["broader"] = [ValidationError(MSG_BROADER_REQUIRED, code="required")]
    elif broader not in vocabulary(vocabulary_name):
        errors["broader"] = [
            ValidationError(
                MSG_BROADER_UNKNOWN,
                code="unknown",
                params={"value": broader, "vocabulary": vocabulary_name},
            )
        ]
    if hate_motive and vocabulary_name != HATE_MOTIVE_VOCABULARY:
        errors["hate_motive"] = [
            ValidationError(
                MSG_HATE_MOTIVE_ARTICLES_ONLY,
                code="articles_only",
                params={"vocabulary": vocabulary_name},
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
    broader: str = "",
    hate_motive: bool = False,
) -> LocalTerm:
    """Add a term of ``organisation``'s own to a vocabulary, rolling up to the standard term
    ``broader``. With a ``user``, an administrator of ``organisation``
    (``organisation.administer``). Errors name the field they are about."""
    term = LocalTerm(
        organisation=organisation,
        vocabulary=vocabulary_name,
        code=local_code(code),
        label_en=label_en.strip(),
        label_ru=label_ru.strip(),
        broader=broader.strip(),
        hate_motive=hate_motive,
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
    _roll_up_check(vocabulary_name, term.broader, term.hate_motive, errors)
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
            "broader": term.broader,
            "hate_motive": term.hate_motive,
        },
    )
    return term


# What an administrator may change of a term; its code and vocabulary stay, since records keep them.
CHANGEABLE = ("label_en", "label_ru", "broader", "hate_motive")


@transaction.atomic
def local_term_update(
    *,
    term: LocalTerm,
    user: User | None,
    label_en: str,
    label_ru: str,
    broader: str | None = None,
    hate_motive: bool | None = None,
) -> LocalTerm:
    """Change a local term's labels and, when given, its broader term and hate motive; its code
    stays, since records keep it."""
    term = LocalTerm.objects.select_for_update().get(pk=term.pk)
    if user is not None:
        require(user, "organisation.administer", term)
    before = {name: getattr(term, name) for name in CHANGEABLE}
    term.label_en, term.label_ru = label_en.strip(), label_ru.strip()
    if broader is not None:
        term.broader = broader.strip()
    if hate_motive is not None:
        term.hate_motive = hate_motive
    errors: dict[str, list[ValidationError]] = {}
    _labels_check(term.label_en, term.label_ru, errors)
    _roll_up_check(term.vocabulary, term.broader, term.hate_motive, errors)
    if errors:
        raise ValidationError(errors)
    term.updated_by = user
    term.save(update_fields=[*CHANGEABLE, "updated_by", "updated_at"])
    audit.audit_write(
        user=user,
        target=term,
        before=before,
        after={name: getattr(term, name) for name in CHANGEABLE},
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
    return LocalTerm.codes_of(organisation_id, vocabulary_name)


def choices_with_local(
    vocabulary_name: str, organisation_id: int | None, language: str
) -> list[tuple[str, str]]:
    """The standard terms' choices, then the organisation's own (marked as its own)."""
    local = [
        (term.code, f"{term.label(language)} ({term.code})")
        for term in local_terms_of(organisation_id, vocabulary_name)
    ]
    return vocabulary(vocabulary_name).choices(language) + local


def broader_choices(vocabulary_name: str, language: str) -> list[tuple[str, str]]:
    """The standard terms a local term of the vocabulary may roll up to, blank first where it
    may have none."""
    blank = [] if vocabulary_name in BROADER_REQUIRED else [("", "—")]
    return blank + vocabulary(vocabulary_name).choices(language)


@dataclass(frozen=True)
class StandardCodes:
    """Every organisation's local codes of one vocabulary with the standard code each rolls up
    to, loaded once for an export or a count: ``standard(organisation_id, code)`` is the code a
    count or an ODIHR submission reads."""

    vocabulary_name: str
    broader: dict[tuple[int, str], str]

    @classmethod
    def load(
        cls, vocabulary_name: str, organisation_ids: Iterable[int] | None = None
    ) -> StandardCodes:
        """One query: the local terms of ``organisation_ids`` (of every organisation without)."""
        terms = LocalTerm.objects.filter(vocabulary=vocabulary_name).exclude(broader="")
        if organisation_ids is not None:
            terms = terms.filter(organisation_id__in=list(organisation_ids))
        rows = terms.values_list("organisation_id", "code", "broader")
        return cls(vocabulary_name, {(org, code): broader for org, code, broader in rows})

    def standard(self, organisation_id: int | None, code: str) -> str:
        """The standard code for ``code`` of a record of ``organisation_id``: the broader term of
        the organisation's own, a standard (or unknown) code as it is."""
        if organisation_id is None:
            return code
        return self.broader.get((organisation_id, code), code)


def hate_articles_by_organisation(
    organisation_ids: Iterable[int] | None = None,
) -> dict[int, frozenset[str]]:
    """Each organisation's own legal articles that carry the hate motive, in one query: they
    count as hate articles for that organisation's incidents only."""
    terms = LocalTerm.objects.filter(vocabulary=HATE_MOTIVE_VOCABULARY, hate_motive=True)
    if organisation_ids is not None:
        terms = terms.filter(organisation_id__in=list(organisation_ids))
    found: dict[int, set[str]] = defaultdict(set)
    for organisation_id, code in terms.values_list("organisation_id", "code"):
        found[organisation_id].add(code)
    return {organisation_id: frozenset(codes) for organisation_id, codes in found.items()}


def labels_shown(
    vocabulary_name: str, organisation_id: int | None, *, own: bool, language: str
) -> dict[str, str]:
    """The labels a page shows for the local codes in a record of ``organisation_id``: the
    organisation's own labels to its members (``own``); to anyone else the broader standard
    term's label, since an organisation's own wording is its own business."""
    labels: dict[str, str] = {}
    terms = vocabulary(vocabulary_name)
    for term in local_terms_of(organisation_id, vocabulary_name):
        if own:
            labels[term.code] = term.label(language)
        elif term.broader in terms:
            labels[term.code] = terms.term(term.broader).label(language)
    return labels


MSG_OWN_ARTICLE = _("an article of the organisation's own")


def articles_shown(
    incident: Incident, codes: Iterable[str], *, viewer_organisation_id: int | None, language: str
) -> dict[str, str]:
    """The labels of the local legal articles among ``codes`` (an incident's events' articles),
    as a page or a dossier shows them to a member of ``viewer_organisation_id``: the
    organisation's own label to its members; to anyone else the broader standard article, or
    only that it is an article of the organisation's own. Read only when a code is local."""
    local = {code for code in codes if code.startswith(LOCAL_TERM_PREFIX)}
    if not local:
        return {}
    labels = labels_shown(
        "legal_article",
        incident.organisation_id,
        own=viewer_organisation_id == incident.organisation_id,
        language=language,
    )
    return {code: labels.get(code) or str(MSG_OWN_ARTICLE) for code in local}


def biases_shown(
    incident: Incident, *, viewer_organisation_id: int | None, language: str
) -> list[tuple[IncidentBias, list[str]]]:
    """Each bias motivation of ``incident`` with its indicators' labels, as a page or a dossier
    shows them to a member of ``viewer_organisation_id``: a local indicator under its
    organisation's own label to its members and as its broader standard term to anyone else.
    The local terms are read only when an indicator is local."""
    biases = list(incident.biases.all())
    labels: dict[str, str] = {}
    if any(code.startswith(LOCAL_TERM_PREFIX) for bias in biases for code in bias.indicators):
        labels = labels_shown(
            "bias_indicator",
            incident.organisation_id,
            own=viewer_organisation_id == incident.organisation_id,
            language=language,
        )
    standard = vocabulary("bias_indicator")
    return [
        (
            bias,
            [
                labels.get(code)
                or (standard.term(code).label(language) if code in standard else code)
                for code in bias.indicators
            ],
        )
        for bias in biases
    ]
