"""The administrators' pages of an organisation's own vocabulary terms (legal articles among
them): the standard terms beside the organisation's, a form to add one, a form to relabel one."""

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


class LocalTermLabelsForm(forms.Form):
    label_en = forms.CharField(label=_("Label in English"), max_length=LOCAL_TERM_LABEL_MAX_LENGTH)
    label_ru = forms.CharField(label=_("Label in Russian"), max_length=LOCAL_TERM_LABEL_MAX_LENGTH)


class LocalTermForm(LocalTermLabelsForm):
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

    field_order = ["vocabulary_name", "code", "label_en", "label_ru"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = get_language() or "en"
        self.fields["vocabulary_name"].choices = [  # type: ignore[attr-defined]
            (name, vocabulary(name).label(language)) for name in local_terms.EXTENDABLE_VOCABULARIES
        ]


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
            "local": local_terms.local_terms_of(user.organisation_id, name),
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
    initial = {"label_en": term.label_en, "label_ru": term.label_ru}
    form = LocalTermLabelsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                local_terms.local_term_update(term=term, user=user, **form.cleaned_data)
            except ValidationError as error:
                service_errors_attach(form, error)
            else:
                return redirect("vocabularies:local_term_list")
    return render(
        request, "records/local_term_form.html", {"form": form, "term": term}, status=status
    )
