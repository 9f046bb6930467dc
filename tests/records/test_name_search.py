"""The list's text search reaches sealed names and summaries through the blind indexes."""

from __future__ import annotations

import pytest

from dozor.records.models import PersonInvolvement
from dozor.records.selectors import IncidentFilters, incident_list
from dozor.security.crypto import KeyRing
from dozor.security.keyring import keyring_set
from tests.conftest import Cast
from tests.factories import IncidentFactory
from tests.named import named_incident

pytestmark = pytest.mark.django_db


def found(cast: Cast, text: str, who: str = "owner") -> set[str]:
    user = getattr(cast, who)
    return {i.reference for i in incident_list(user=user, filters=IncidentFilters(text=text))}


@pytest.fixture
def named(cast: Cast) -> str:
    incident = IncidentFactory(organisation=cast.organisation, summary="Нападение у метро.")
    PersonInvolvement.objects.create(incident=incident, name="Семён Фёдоров", pseudonym="Victim A")
    return incident.reference


def test_a_victims_full_name_finds_the_incident(cast: Cast, named: str) -> None:
    assert found(cast, "семен федоров") == {named}


def test_one_word_of_a_name_finds_the_incident(cast: Cast, named: str) -> None:
    assert found(cast, "Фёдоров") == {named}


def test_the_beginning_of_a_word_of_a_name_finds_the_incident(cast: Cast, named: str) -> None:
    assert found(cast, "Фёдор") == {named}


def test_a_beginning_shorter_than_the_prefix_minimum_does_not_match(cast: Cast, named: str) -> None:
    assert found(cast, "Фё") == set()


def test_the_middle_of_a_word_of_a_name_does_not_match(cast: Cast, named: str) -> None:
    assert found(cast, "едоров") == set()


def test_words_of_two_different_people_do_not_make_one_name(cast: Cast, named: str) -> None:
    incident = PersonInvolvement.objects.get(name_index__gt="").incident
    PersonInvolvement.objects.create(incident=incident, name="Анна Белова", pseudonym="Victim B")
    assert found(cast, "Семён Белова") == set()


def test_an_outsider_does_not_find_a_restricted_incident_by_name(cast: Cast, named: str) -> None:
    assert found(cast, "Фёдоров", who="outsider") == set()


def test_a_stem_finds_a_word_of_the_sealed_summary(cast: Cast) -> None:
    incident = IncidentFactory(
        organisation=cast.organisation, summary="Избили Ахмеда Алиева у гаражей."
    )
    assert found(cast, "гараж") == {incident.reference}


def test_without_the_key_search_covers_titles_only(cast: Cast, named: str) -> None:
    keyring_set(KeyRing.locked_because("no key"))
    try:
        assert found(cast, "Фёдоров") == set()
    finally:
        keyring_set(None)


def listed(cast: Cast, who: str, query: str, reference: str) -> bool:
    """Whether the incident list page, searched for the query, lists the incident."""
    response = cast.client(who).get("/incidents/", {"q": query})
    assert response.status_code == 200
    return reference in response.content.decode()


@pytest.fixture
def victim(cast: Cast) -> str:
    incident = named_incident(cast.organisation, confidentiality="public")
    cast.incident.delete()
    return incident.reference


def test_a_reader_without_the_grant_does_not_find_an_incident_by_a_victims_surname(
    cast: Cast, victim: str
) -> None:
    assert found(cast, "Каримзода", who="reader") == set()
    assert not listed(cast, "reader", "Каримзода", victim)
    assert listed(cast, "owner", "Каримзода", victim)


def test_a_reader_without_the_grant_does_not_find_a_declined_name_in_the_summary(
    cast: Cast, victim: str
) -> None:
    assert found(cast, "Каримзоде", who="reader") == set()
    assert found(cast, "Фарх", who="reader") == set()
    assert found(cast, "Белова", who="reader") == set()


def test_a_reader_without_the_grant_still_finds_a_common_word_of_the_summary(
    cast: Cast, victim: str
) -> None:
    assert found(cast, "гаражей", who="reader") == {victim}


def test_another_organisation_does_not_find_a_public_incident_by_its_victims_name(
    cast: Cast, victim: str
) -> None:
    assert found(cast, "Каримзода", who="outsider") == set()
    assert found(cast, "Каримзоде", who="outsider") == set()
    assert found(cast, "гараж", who="outsider") == {victim}


def test_a_reader_with_the_name_grant_finds_the_incident_by_name(cast: Cast, victim: str) -> None:
    cast.reader.can_see_names = True
    cast.reader.save()
    assert found(cast, "Каримзода", who="reader") == {victim}
    assert found(cast, "Каримзоде", who="reader") == {victim}
