"""An organisation's own vocabulary terms (legal articles first): added and relabelled by its
administrators, checked field by field, audited, offered after the standard terms, accepted in
its own records only, and never seen or used by another organisation."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from dozor.accounts.models import User
from dozor.audit.models import Action, AuditEntry
from dozor.records.local_terms import (
    MSG_BROADER_UNKNOWN,
    MSG_CODE_FORM,
    MSG_CODE_TAKEN,
    MSG_HATE_MOTIVE_ARTICLES_ONLY,
    MSG_LABEL_BLANK,
    MSG_NOT_EXTENDABLE,
    local_term_create,
    local_term_update,
)
from dozor.records.models import LocalTerm
from dozor.responses.forms import EventForm
from dozor.responses.services import EventInput, event_add
from tests.conftest import Cast
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2008, 12, 15)


@pytest.fixture
def article(cast: Cast, admin: User) -> LocalTerm:
    return local_term_create(
        organisation=cast.organisation,
        user=admin,
        vocabulary_name="legal_article",
        code="koap_20_3",
        label_en="Administrative Code, art. 20.3",
        label_ru="КоАП РФ, ст. 20.3",
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_local_code_is_kept_with_its_prefix(article: LocalTerm) -> None:
    assert article.code == "local_koap_20_3"


def test_adding_a_term_is_audited(admin: User, article: LocalTerm) -> None:
    entry = AuditEntry.objects.get(action=Action.CREATE, target_id=str(article.pk))
    assert entry.actor_id == admin.pk
    assert entry.changes["code"]["after"] == "local_koap_20_3"


def test_relabelling_is_audited_and_keeps_the_code(admin: User, article: LocalTerm) -> None:
    local_term_update(term=article, user=admin, label_en="CAO, art. 20.3", label_ru="КоАП, 20.3")
    entry = AuditEntry.objects.get(action=Action.UPDATE, target_id=str(article.pk))
    assert entry.changes["label_en"]["after"] == "CAO, art. 20.3"
    article.refresh_from_db()
    assert article.code == "local_koap_20_3"


def test_an_article_needs_no_broader_term(article: LocalTerm) -> None:
    assert (article.broader, article.hate_motive) == ("", False)


def test_changing_the_broader_term_and_the_motive_is_audited(
    admin: User, article: LocalTerm
) -> None:
    local_term_update(
        term=article,
        user=admin,
        label_en=article.label_en,
        label_ru=article.label_ru,
        broader="ru_cc_116",
        hate_motive=True,
    )
    entry = AuditEntry.objects.get(action=Action.UPDATE, target_id=str(article.pk))
    assert entry.changes["broader"] == {"before": "", "after": "ru_cc_116"}
    assert entry.changes["hate_motive"] == {"before": False, "after": True}


def test_the_edit_page_offers_only_the_terms_own_vocabulary_as_broader(
    admin: User, article: LocalTerm
) -> None:
    form = signed_in(admin).get(f"/vocabularies/{article.pk}/").context["form"]
    codes = [code for code, _label in form.fields["broader"].choices]
    assert codes[0] == "" and "ru_cc_116" in codes and "symbols" not in codes
    assert "hate_motive" in form.fields


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"code": "КоАП 20.3"}, "code", MSG_CODE_FORM % {"limit": 40}),
        (
            {"broader": "symbols"},
            "broader",
            MSG_BROADER_UNKNOWN % {"value": "symbols", "vocabulary": "legal_article"},
        ),
        (
            {"vocabulary_name": "bias_indicator", "broader": "symbols", "hate_motive": True},
            "hate_motive",
            MSG_HATE_MOTIVE_ARTICLES_ONLY % {"vocabulary": "bias_indicator"},
        ),
        ({"label_ru": " "}, "label_ru", MSG_LABEL_BLANK),
        (
            {"vocabulary_name": "bias_motivation"},
            "vocabulary",
            MSG_NOT_EXTENDABLE
            % {"value": "bias_motivation", "names": "legal_article, bias_indicator"},
        ),
    ],
)
def test_each_mistake_is_named_by_its_field(
    cast: Cast, admin: User, values: dict[str, object], field: str, message: str
) -> None:
    given: dict[str, object] = {
        "vocabulary_name": "legal_article",
        "code": "koap_5_61",
        "label_en": "Insult",
        "label_ru": "Оскорбление",
        **values,
    }
    with pytest.raises(ValidationError) as error:
        local_term_create(organisation=cast.organisation, user=admin, **given)
    assert error.value.message_dict == {field: [str(message)]}


def test_typing_the_prefix_finds_the_same_code_taken(
    cast: Cast, admin: User, article: LocalTerm
) -> None:
    with pytest.raises(ValidationError) as error:
        local_term_create(
            organisation=cast.organisation,
            user=admin,
            vocabulary_name="legal_article",
            code="local_koap_20_3",
            label_en="Again",
            label_ru="Снова",
        )
    assert error.value.message_dict == {
        "code": [str(MSG_CODE_TAKEN % {"value": "local_koap_20_3"})]
    }


def test_the_page_names_a_taken_code_under_the_code_field(admin: User, article: LocalTerm) -> None:
    response = signed_in(admin).post(
        "/vocabularies/new/",
        {"vocabulary_name": "legal_article", "code": "koap_20_3", "label_en": "A", "label_ru": "Б"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == [
        MSG_CODE_TAKEN % {"value": "local_koap_20_3"}
    ]


def test_another_organisation_may_use_the_same_code_for_its_own_term(
    cast: Cast, other_admin: User, article: LocalTerm
) -> None:
    theirs = local_term_create(
        organisation=cast.other_organisation,
        user=other_admin,
        vocabulary_name="legal_article",
        code="koap_20_3",
        label_en="Their own",
        label_ru="Их",
    )
    assert theirs.code == article.code and theirs.pk != article.pk


def test_the_event_form_offers_the_organisations_articles_after_the_standard_ones(
    cast: Cast, article: LocalTerm
) -> None:
    codes = [
        code
        for code, _label in EventForm(organisation_id=cast.organisation.pk)
        .fields["articles"]
        .choices
    ]
    assert codes[-1] == "local_koap_20_3"
    assert "local_koap_20_3" not in [
        code
        for code, _label in EventForm(organisation_id=cast.other_organisation.pk)
        .fields["articles"]
        .choices
    ]


def test_an_event_of_the_organisation_may_cite_its_own_article(
    cast: Cast, article: LocalTerm
) -> None:
    event = event_add(
        incident=cast.incident,
        user=cast.owner,
        data=EventInput(kind="case_opened", date=DAY, articles=("local_koap_20_3",)),
    )
    assert event.articles == ["local_koap_20_3"]


def test_another_organisations_event_may_not_cite_it(cast: Cast, article: LocalTerm) -> None:
    theirs = IncidentFactory(organisation=cast.other_organisation)
    with pytest.raises(ValidationError) as error:
        event_add(
            incident=theirs,
            user=cast.outsider,
            data=EventInput(kind="case_opened", date=DAY, articles=("local_koap_20_3",)),
        )
    assert "articles" in error.value.message_dict


def test_another_organisations_administrator_can_neither_see_nor_change_the_term(
    cast: Cast, other_admin: User, article: LocalTerm
) -> None:
    client = signed_in(other_admin)
    assert "local_koap_20_3" not in client.get("/vocabularies/").content.decode()
    assert client.get(f"/vocabularies/{article.pk}/").status_code == 404
    assert (
        client.post(f"/vocabularies/{article.pk}/", {"label_en": "x", "label_ru": "y"}).status_code
        == 404
    )
    with pytest.raises(PermissionDenied):
        local_term_update(term=article, user=other_admin, label_en="x", label_ru="y")


def test_a_documenter_does_not_open_the_terms_pages(cast: Cast, article: LocalTerm) -> None:
    for address in ("/vocabularies/", "/vocabularies/new/", f"/vocabularies/{article.pk}/"):
        assert cast.client("owner").get(address).status_code == 403, address
