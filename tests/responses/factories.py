"""Factories of the responses app."""

from __future__ import annotations

import datetime

import factory

from dozor.responses.models import Body, RaiseListEntry, Raising, ResponseEvent
from tests.factories import IncidentFactory, OrganisationFactory


class ResponseEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResponseEvent

    incident = factory.SubFactory(IncidentFactory)
    kind = "reported_to_police"
    date = datetime.date(2008, 12, 5)
    authority = "Отдел полиции, Санкт-Петербург"


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body

    name = factory.Sequence(lambda n: f"Prosecutor's office {n}")
    kind = "prosecutor"


class RaiseListEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RaiseListEntry

    organisation = factory.SubFactory(OrganisationFactory)
    incident = factory.SubFactory(IncidentFactory)
    priority = "high"
    reason = "No one has been charged."


class RaisingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Raising

    organisation = factory.SubFactory(OrganisationFactory)
    incident = factory.SubFactory(IncidentFactory)
    raised_on = datetime.date(2009, 3, 1)
    raised_by = "Advocate"
    body = factory.SubFactory(BodyFactory)
    channel = "letter"
    request = "Please open a criminal case."
