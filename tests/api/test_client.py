"""dozor.client against a live Dozor server, as a notebook would use it."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from dozor.accounts.services import api_token_create
from dozor.client import ApiError, Client
from dozor.records.models import Incident
from tests.conftest import Cast
from tests.factories import IncidentFactory
from tests.named import VICTIM_NAME, named_incident


@pytest.fixture
def owner_client(transactional_db: None, live_server: Any, cast: Cast) -> Client:
    _token, key = api_token_create(user=cast.owner, name="notebook", scope="write")
    return Client(live_server.url, key)


def test_the_client_pages_through_the_list_and_makes_a_frame(
    owner_client: Client, cast: Cast
) -> None:
    for _ in range(55):
        IncidentFactory(organisation=cast.organisation)
    rows = list(owner_client.incidents.list())
    assert len(rows) == 56 == len({row.reference for row in rows})
    frame = owner_client.incidents.frame(region="RU-SPE")
    assert len(frame) == 56 and set(frame["region"]) == {"RU-SPE"}


def test_the_client_records_reads_and_changes_an_incident(owner_client: Client) -> None:
    created = owner_client.incidents.create(
        title="Нападение на активиста",
        incident_type="physical_assault",
        date_start="2024-03-02",
        region="RU-MOW",
        people=[{"name": "Иван Петров", "sex": "male", "harm": "injured"}],
    )
    assert Incident.objects.filter(reference=created.reference).exists()
    assert created.people[0]["label"] == "Иван Петров"
    changed = owner_client.incidents.update(created.reference, killed=1)
    assert changed.killed == 1 and owner_client.incidents.get(created.reference).killed == 1


def test_a_refusal_reaches_the_caller_with_the_forms_messages(owner_client: Client) -> None:
    with pytest.raises(ApiError) as refused:
        owner_client.incidents.create(region="RU-MOW")
    assert refused.value.status == 400
    assert {"title", "incident_type"} <= {error["field"] for error in refused.value.errors}
    russian = Client(owner_client.base.removesuffix("/api/v1"), owner_client.token, language="ru")
    with pytest.raises(ApiError) as in_russian:
        russian.incidents.create(region="RU-MOW")
    assert "Обязательное поле." in {error["message"] for error in in_russian.value.errors}


def test_a_reader_gets_pseudonyms_through_the_client(
    transactional_db: None, live_server: Any, cast: Cast
) -> None:
    incident = named_incident(cast.organisation, user=cast.owner)
    _token, key = api_token_create(user=cast.reader, name="reader's notebook")
    shown = Client(live_server.url, key).incidents.get(incident.reference)
    assert VICTIM_NAME not in repr(shown) and shown.people[0]["named"] is False


def test_a_revoked_or_wrong_token_is_an_error_not_an_empty_list(
    transactional_db: None, live_server: Any
) -> None:
    with pytest.raises(ApiError) as refused:
        list(Client(live_server.url, "dozor_not-a-token").incidents.list())
    assert refused.value.status == 401


def test_the_client_imports_no_django() -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, dozor.client; print(','.join(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split(",")
    assert not [name for name in loaded if name.split(".")[0] in ("django", "ninja")]
    assert not [n for n in loaded if n.startswith("dozor.") and not n.startswith("dozor.client")]


def test_the_token_goes_only_to_the_server_it_was_made_for() -> None:
    client = Client("https://dozor.example.org", "dozor_key")
    with pytest.raises(ValueError, match="not an address of"):
        client.request("GET", "https://elsewhere.example.org/api/v1/incidents/")
    with pytest.raises(ValueError, match="http"):
        Client("file:///etc/passwd", "dozor_key")
