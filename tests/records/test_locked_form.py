"""The incident form while Dozor runs without its key: refused up front, with a page saying why."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from dozor.records.views import MSG_LOCKED_FORM
from dozor.security.crypto import KeyRing
from dozor.security.keyring import keyring_set
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def locked() -> Iterator[None]:
    keyring_set(KeyRing.locked_because("no key given"))
    with translation.override("en"):
        yield
    keyring_set(None)


def test_the_edit_form_answers_423_with_the_reason(cast: Cast, locked: None) -> None:
    response = cast.client("owner").get(f"/incidents/{cast.incident.reference}/edit/")
    page = response.content.decode()
    assert response.status_code == 423
    assert "Dozor is locked" in page
    assert str(MSG_LOCKED_FORM) in page
    assert "<textarea" not in page


def test_the_locked_page_leads_back_to_the_incident(cast: Cast, locked: None) -> None:
    page = cast.client("owner").get(f"/incidents/{cast.incident.reference}/edit/")
    assert f'href="/incidents/{cast.incident.reference}/"' in page.content.decode()


def test_the_locked_page_runs_no_script(cast: Cast, locked: None) -> None:
    page = cast.client("owner").get(f"/incidents/{cast.incident.reference}/edit/")
    assert "javascript:" not in page.content.decode()


def test_the_new_incident_form_answers_423(cast: Cast, locked: None) -> None:
    assert cast.client("owner").get("/incidents/new/").status_code == 423


def test_a_reader_is_still_refused_the_edit_form_with_403(cast: Cast, locked: None) -> None:
    response = cast.client("reader").get(f"/incidents/{cast.incident.reference}/edit/")
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_others_learn_nothing_from_the_locked_edit_form(cast: Cast, locked: None, who: str) -> None:
    response = cast.client(who).get(f"/incidents/{cast.incident.reference}/edit/")
    assert response.status_code in (302, 404)
    assert str(MSG_LOCKED_FORM) not in response.content.decode()


def test_the_locked_page_is_translated(cast: Cast, locked: None) -> None:
    with translation.override("ru"):
        page = cast.client("owner").get(
            f"/incidents/{cast.incident.reference}/edit/", HTTP_ACCEPT_LANGUAGE="ru"
        )
    assert "Пока Дозор заблокирован, инциденты нельзя ни записывать" in page.content.decode()
