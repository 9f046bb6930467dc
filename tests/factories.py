"""Factories for the test suite: valid rows with as little said as possible."""

from __future__ import annotations

import datetime

import factory

from dozor.accounts.models import Organisation, Role, User
from dozor.records.models import (
    Incident,
    IncidentBias,
    PersonInvolvement,
    Report,
    SourceList,
    search_text,
)

TEST_PASSWORD = "correct horse battery staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Организация {n}")
    kind = "ngo"
    country = "RU"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.DOCUMENTER
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def saved(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class SourceListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceList

    name = factory.Sequence(lambda n: f"Source list {n}")
    kind = "ngo_database"
    organisation = factory.SubFactory(OrganisationFactory)


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    source_list = factory.SubFactory(SourceListFactory)
    external_id = factory.Sequence(lambda n: f"R{n}")
    payload = factory.LazyAttribute(lambda o: {"id": o.external_id, "Дата": "2008-12-04"})
    fields = factory.Dict({"date": "2008-12-04"})
    received_on = datetime.date(2009, 1, 10)


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    reference = factory.Sequence(lambda n: f"RU-2008-{n + 1:05d}")
    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Нападение {n}")
    summary = "Неизвестные напали на мужчину у станции метро."
    date_start = datetime.date(2008, 12, 4)
    date_precision = "day"
    country = "RU"
    region = "RU-SPE"
    locality = "Санкт-Петербург"
    incident_type = "physical_assault"
    confidentiality = "restricted"
    search_text = factory.LazyAttribute(lambda o: search_text(o.title))


class IncidentBiasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentBias

    incident = factory.SubFactory(IncidentFactory)
    motivation = "racist_xenophobic"
    indicators = factory.List(["perpetrator_statements"])


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonInvolvement

    incident = factory.SubFactory(IncidentFactory)
    role = "victim"
    name = "Фарход Каримзода"
    pseudonym = "Victim A"
    sex = "male"
    age = 27
    perceived_group = "central_asian"
    harm = "injured"
