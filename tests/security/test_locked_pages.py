"""Locked mode in the web app, for each of the cast."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from dozor.records.models import Incident, PersonInvolvement
from dozor.security.crypto import KeyRing
from dozor.security.keyring import keyring_set
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(cast: Cast) -> PersonInvolvement:
    return PersonInvolvement.objects.create(
        incident=cast.incident, name="Ахмед Алиев", pseudonym="Victim A"
    )


@pytest.fixture
def locked() -> Iterator[None]:
    keyring_set(KeyRing.locked_because("no key given"))
    with translation.override("en"):
        yield
    keyring_set(None)


@pytest.mark.parametrize("who", ["owner", "colleague", "outsider"])
def test_every_page_carries_the_locked_banner(cast: Cast, locked: None, who: str) -> None:
    response = cast.client(who).get("/incidents/")
    assert response.status_code == 200
    assert 'id="locked-banner"' in response.content.decode()


def test_anonymous_is_sent_to_sign_in_even_when_locked(cast: Cast, locked: None) -> None:
    response = cast.client("anonymous").get("/incidents/")
    assert response.status_code == 302


def test_an_unlocked_page_has_no_banner(cast: Cast) -> None:
    assert 'id="locked-banner"' not in cast.client("owner").get("/incidents/").content.decode()


def test_the_owner_sees_locked_instead_of_a_name(
    cast: Cast, named: PersonInvolvement, locked: None
) -> None:
    page = cast.client("owner").get(f"/incidents/{cast.incident.reference}/").content.decode()
    assert "Алиев" not in page
    assert '<span class="locked">locked</span>' in page


def test_the_owner_sees_the_name_when_unlocked(cast: Cast, named: PersonInvolvement) -> None:
    page = cast.client("owner").get(f"/incidents/{cast.incident.reference}/").content.decode()
    assert "Ахмед Алиев" in page


def test_a_write_while_locked_is_refused_and_nothing_is_saved(cast: Cast, locked: None) -> None:
    before = Incident.objects.count()
    response = cast.client("owner").post(
        "/incidents/new/",
        {
            "title": "Нападение",
            "summary": "Избит Ахмед Алиев",
            "summary_language": "ru",
            "date_precision": "day",
            "date_start": "2008-12-04",
            "country": "RU",
            "region": "RU-SPE",
            "location_precision": "locality",
            "incident_type": "physical_assault",
            "target_kind": "people",
            "killed": "0",
            "injured": "1",
            "verification_status": "unverified",
            "confidentiality": "restricted",
            "bias-TOTAL_FORMS": "0",
            "bias-INITIAL_FORMS": "0",
            "person-TOTAL_FORMS": "0",
            "person-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 423
    assert "Nothing was saved" in response.content.decode()
    assert Incident.objects.count() == before
