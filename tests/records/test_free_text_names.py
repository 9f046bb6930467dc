"""Summaries and coders' notes name people: shown whole only to those who may see names."""

from __future__ import annotations

import pytest

from dozor.accounts.models import Role
from tests.conftest import Cast
from tests.factories import UserFactory
from tests.named import VICTIM_PSEUDONYM, named_incident, names_in

pytestmark = pytest.mark.django_db


def page(cast: Cast, who: str, reference: str) -> str:
    response = cast.client(who).get(f"/incidents/{reference}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_reader_without_the_grant_sees_the_summary_with_the_pseudonym_not_the_name(
    cast: Cast,
) -> None:
    incident = named_incident(cast.organisation)
    body = page(cast, "reader", incident.reference)
    assert names_in(body) == []
    assert f"{VICTIM_PSEUDONYM} нанесли ножевые ранения у гаражей" in body


def test_an_analyst_without_names_does_not_see_a_declined_name_in_a_bias_note(
    cast: Cast,
) -> None:
    incident = named_incident(cast.organisation)
    client = cast.client("reader")
    client.force_login(UserFactory(organisation=cast.organisation, role=Role.ANALYST))
    body = client.get(f"/incidents/{incident.reference}/").content.decode()
    assert names_in(body) == []
    assert "выходец из Таджикистана" in body


def test_another_organisation_sees_no_name_in_a_public_incidents_free_text(cast: Cast) -> None:
    incident = named_incident(cast.organisation, confidentiality="public")
    body = page(cast, "outsider", incident.reference)
    assert names_in(body) == []


def test_a_witness_the_record_does_not_list_is_taken_out_as_a_name(cast: Cast) -> None:
    incident = named_incident(cast.organisation)
    body = page(cast, "reader", incident.reference)
    assert "Свидетель [name] вызвала скорую" in body


def test_the_owner_reads_the_summary_and_note_whole(cast: Cast) -> None:
    incident = named_incident(cast.organisation)
    body = page(cast, "owner", incident.reference)
    assert set(names_in(body)) >= {"Каримзоде", "Karimzoda", "Белова", "Фарходу"}


def test_a_reader_with_the_name_grant_reads_the_summary_whole(cast: Cast) -> None:
    incident = named_incident(cast.organisation)
    cast.reader.can_see_names = True
    cast.reader.save()
    body = page(cast, "reader", incident.reference)
    assert "Каримзоде" in body
