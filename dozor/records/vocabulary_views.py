"""The administrators' pages of an organisation's own vocabulary terms (legal articles and bias
indicators): the standard terms beside the organisation's, a form to add one, a form to change
one's labels, broader term and hate motive."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dozor.accounts.policy import may, require, requires, signed_in_user
from dozor.lib.form_problems import service_errors_attach
from dozor.records import local_terms
from dozor.records.models import (
    LOCAL_TERM_CODE_MAX_LENGTH,
    LOCAL_TERM_LABEL_MAX_LENGTH,
    LocalTerm,
)
from dozor.vocab.registry import vocabulary

MSG_NO_TERM = _("Your organisation has no local term with this number.")


class LocalTermChangeForm(forms.Form):
    """What may change of a term of ``vocabulary_name``: its labels, the standard term it rolls
    up to and, for a legal article, the hate motive. local_term_update says what is allowed."""

    label_en = forms.CharField(label=_("Label in English"), max_length=LOCAL_TERM_LABEL_MAX_LENGTH)
    label_ru = forms.CharField(label=_("Label in Russian"), max_length=LOCAL_TERM_LABEL_MAX_LENGTH)
    broader = forms.ChoiceField(
        label=_("Broader standard term"),
        required=False,
        help_text=_(
            "The standard term it belongs under: counts and the ODIHR submission use that term "
            "in its place. Required for a bias indicator."
        ),
    )
    hate_motive = forms.BooleanField(
        label=_("Carries the motive of hatred or enmity"),
        required=False,
        help_text=_(
            "Legal articles only: the case status, the response funnel and the report card then "
            "count a case under it as one with the hate motive recognised."
        ),
    )

    def __init__(self, *args: Any, vocabulary_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = get_language() or "en"
        self.fields["broader"].choices = local_terms.broader_choices(  # type: ignore[attr-defined]
            vocabulary_name, language
        )
        if vocabulary_name != local_terms.HATE_MOTIVE_VOCABULARY:
            del self.fields["hate_motive"]


class LocalTermForm(LocalTermChangeForm):
    """A new local term. local_term_create decides what is allowed and says why not."""

    vocabulary_name = forms.ChoiceField(label=_("Vocabulary"))
    code = forms.CharField(
        label=_("Code"),
        max_length=LOCAL_TERM_CODE_MAX_LENGTH,
        help_text=_(
            "Lower-case Latin letters, digits and “_”, e.g. koap_20_3; Dozor puts “local_” "
            "before it. Records keep the code: it cannot be changed later."
        ),
    )

    field_order = ["vocabulary_name", "code", "label_en", "label_ru", "broader", "hate_motive"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The vocabulary is chosen on this form: every extendable vocabulary's standard terms
        # are offered as the broader one, grouped by vocabulary, and the hate motive is shown
        # (local_term_create refuses it for anything but a legal article).
        super().__init__(*args, vocabulary_name=local_terms.HATE_MOTIVE_VOCABULARY, **kwargs)
        language = get_language() or "en"
        names = local_terms.EXTENDABLE_VOCABULARIES
        self.fields["vocabulary_name"].choices = [  # type: ignore[attr-defined]
            (name, vocabulary(name).label(language)) for name in names
        ]
        self.fields["broader"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (vocabulary(name).label(language), vocabulary(name).choices(language)) for name in names
        ]


def _broader_label(vocabulary_name: str, code: str, language: str) -> str:
    terms = vocabulary(vocabulary_name)
    return terms.term(code).label(language) if code in terms else ""


@requires("organisation.administer")
def local_term_list(request: HttpRequest) -> HttpResponse:
    """Each vocabulary an organisation may extend: its standard terms, then the organisation's."""
    user = signed_in_user(request)
    language = get_language() or "en"
    sections = [
        {
            "name": name,
            "label": vocabulary(name).label(language),
            "standard": [(term.code, term.label(language)) for term in vocabulary(name).terms],
            "local": [
                (term, _broader_label(name, term.broader, language))
                for term in local_terms.local_terms_of(user.organisation_id, name)
            ],
            "hate_motive": name == local_terms.HATE_MOTIVE_VOCABULARY,
        }
        for name in local_terms.EXTENDABLE_VOCABULARIES
    ]
    return render(request, "records/local_term_list.html", {"sections": sections})


@requires("organisation.administer")
def local_term_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = LocalTermForm(
        request.POST or None, initial={"vocabulary_name": request.GET.get("vocabulary")}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            assert user.organisation is not None
            try:
                local_terms.local_term_create(
                    organisation=user.organisation, user=user, **form.cleaned_data
                )
            except ValidationError as error:
                service_errors_attach(form, error, renamed={"vocabulary": "vocabulary_name"})
            else:
                return redirect("vocabularies:local_term_list")
    return render(
        request, "records/local_term_form.html", {"form": form, "term": None}, status=status
    )


def _own_term(request: HttpRequest, term_id: int) -> LocalTerm:
    """A local term of the user's organisation; another's is not found, as for none. Anyone but
    an administrator is refused before it is looked for."""
    require(request.user, "organisation.administer")
    term = LocalTerm.objects.filter(pk=term_id).first()
    if term is None or not may(request.user, "organisation.administer", term):
        raise Http404(MSG_NO_TERM)
    return term


@requires("organisation.administer", load=_own_term)
def local_term_edit(request: HttpRequest, term: LocalTerm, term_id: int) -> HttpResponse:
    user = signed_in_user(request)
    initial = {name: getattr(term, name) for name in local_terms.CHANGEABLE}
    form = LocalTermChangeForm(
        request.POST or None, initial=initial, vocabulary_name=term.vocabulary
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                data = form.cleaned_data
                local_terms.local_term_update(
                    term=term,
                    user=user,
                    label_en=data["label_en"],
                    label_ru=data["label_ru"],
                    broader=data["broader"],
                    hate_motive=data.get("hate_motive"),
                )
            except ValidationError as error:
                service_errors_attach(form, error)
            else:
                return redirect("vocabularies:local_term_list")
    return render(
        request, "records/local_term_form.html", {"form": form, "term": term}, status=status
    )
