"""The named users every access test uses: an owner, a colleague, an outsider and anonymous."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from dozor.records.models import Incident, Organisation
from dozor.security.models import Role, User
from tests.factories import IncidentFactory, OrganisationFactory, UserFactory


@pytest.fixture(autouse=True)
def own_file_store(settings: Any, tmp_path: Path) -> None:
    """Each test gets an empty encrypted file store: files another test sealed (perhaps under
    another key) would otherwise show up in key checks and rotations."""
    settings.DOZOR_FILES = str(tmp_path / "files")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are checked in English, whatever language an earlier test left active: a test
    client request in Russian leaves Russian active in its thread after it returns."""
    with translation.override("en"):
        yield


@dataclass
class Cast:
    organisation: Organisation
    other_organisation: Organisation
    owner: User
    colleague: User
    reader: User
    outsider: User
    incident: Incident

    def client(self, who: str) -> Client:
        client = Client()
        if who != "anonymous":
            client.force_login(getattr(self, who))
        return client


@pytest.fixture
def cast(db: None) -> Cast:
    organisation = OrganisationFactory(name="Северный маяк")
    other = OrganisationFactory(name="Другая организация")
    owner = UserFactory(username="owner", organisation=organisation, role=Role.DOCUMENTER)
    return Cast(
        organisation=organisation,
        other_organisation=other,
        owner=owner,
        colleague=UserFactory(username="colleague", organisation=organisation),
        reader=UserFactory(username="reader", organisation=organisation, role=Role.READER),
        outsider=UserFactory(username="outsider", organisation=other),
        incident=IncidentFactory(organisation=organisation, created_by=owner, updated_by=owner),
    )
