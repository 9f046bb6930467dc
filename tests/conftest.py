"""The named users every access test uses: an owner, a colleague, an outsider and anonymous."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from dozor.records.models import Incident, Organisation
from dozor.security.models import Role, User
from tests.factories import IncidentFactory, OrganisationFactory, UserFactory


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
