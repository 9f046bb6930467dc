import datetime

import pytest
from django.core.exceptions import ValidationError

from dozor.records.models import Incident, IncidentBias, IncidentReport, PersonInvolvement, Report
from dozor.records.services import (
    BiasInput,
    IncidentInput,
    PersonInput,
    incident_create,
    incident_link_reports,
    incident_update,
    report_create,
)
from tests.conftest import Cast
from tests.factories import IncidentFactory, ReportFactory, SourceListFactory

pytestmark = pytest.mark.django_db

TEN_MEGABYTES = 10 * 1024 * 1024


def valid_input(**changes: object) -> IncidentInput:
    values: dict[str, object] = {
        "title": "Нападение на рынке",
        "incident_type": "physical_assault",
        "date_start": datetime.date(2008, 12, 4),
        "region": "RU-SPE",
        "locality": "Санкт-Петербург",
        "injured": 1,
        "biases": (
            BiasInput("racist_xenophobic", ("perpetrator_statements",), "Кричали лозунги"),
            BiasInput("anti_muslim"),
        ),
        "people": (PersonInput(name="Фарход Каримзода", sex="male", age=27, harm="injured"),),
    }
    values.update(changes)
    return IncidentInput(**values)  # type: ignore[arg-type]


def test_create_stores_the_incident_with_its_biases_and_people(cast: Cast) -> None:
    incident = incident_create(organisation=cast.organisation, user=cast.owner, data=valid_input())
    assert incident.created_by == cast.owner and incident.updated_by == cast.owner
    assert sorted(incident.biases.values_list("motivation", flat=True)) == [
        "anti_muslim",
        "racist_xenophobic",
    ]
    victim = incident.people.get()
    assert victim.name == "Фарход Каримзода" and victim.pseudonym == "Victim A"


def test_references_count_up_within_country_and_year(cast: Cast) -> None:
    first = incident_create(organisation=cast.organisation, user=cast.owner, data=valid_input())
    second = incident_create(organisation=cast.organisation, user=cast.owner, data=valid_input())
    assert first.reference.startswith("RU-2008-")
    assert int(second.reference[-5:]) == int(first.reference[-5:]) + 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"region": "RU-XXX"}, "region"),
        ({"country": "DE", "region": "RU-MOW"}, "region"),
        ({"country": "XX", "region": ""}, "country"),
        ({"killed": -1}, "killed"),
        ({"injured": -3}, "injured"),
        ({"title": "x" * TEN_MEGABYTES}, "title"),
        ({"title": ""}, "title"),
        ({"incident_type": "riot"}, "incident_type"),
        ({"date_precision": "range", "date_end": None}, "date_end"),
        ({"date_end": datetime.date(2008, 12, 1), "date_precision": "range"}, "date_end"),
        ({"date_precision": "unknown"}, "date_start"),
        ({"biases": (BiasInput("nope"),)}, "biases"),
        ({"biases": (BiasInput("antisemitic"), BiasInput("antisemitic"))}, "biases"),
        ({"biases": (BiasInput("antisemitic", ("telepathy",)),)}, "biases"),
        ({"people": (PersonInput(age=300),)}, "people"),
        ({"people": (PersonInput(sex="robot"),)}, "people"),
    ],
)
def test_bad_input_is_refused_with_its_field_and_nothing_is_written(
    cast: Cast, changes: dict[str, object], field: str
) -> None:
    before = (
        Incident.objects.count(),
        IncidentBias.objects.count(),
        PersonInvolvement.objects.count(),
    )
    with pytest.raises(ValidationError) as caught:
        incident_create(
            organisation=cast.organisation, user=cast.owner, data=valid_input(**changes)
        )
    assert field in caught.value.message_dict
    after = (
        Incident.objects.count(),
        IncidentBias.objects.count(),
        PersonInvolvement.objects.count(),
    )
    assert after == before


def test_every_problem_is_reported_at_once(cast: Cast) -> None:
    with pytest.raises(ValidationError) as caught:
        incident_create(
            organisation=cast.organisation,
            user=cast.owner,
            data=valid_input(killed=-1, region="RU-XXX", biases=(BiasInput("nope"),)),
        )
    assert {"killed", "region", "biases"} <= set(caught.value.message_dict)


def test_update_replaces_biases_and_keeps_the_reference(cast: Cast) -> None:
    incident = incident_create(organisation=cast.organisation, user=cast.owner, data=valid_input())
    updated = incident_update(
        incident=incident,
        user=cast.colleague,
        data=valid_input(title="Исправлено", biases=(BiasInput("antisemitic"),)),
    )
    updated.refresh_from_db()
    assert updated.reference == incident.reference and updated.title == "Исправлено"
    assert list(updated.biases.values_list("motivation", flat=True)) == ["antisemitic"]
    assert updated.updated_by == cast.colleague and updated.created_by == cast.owner


def test_a_failed_update_changes_nothing(cast: Cast) -> None:
    incident = incident_create(organisation=cast.organisation, user=cast.owner, data=valid_input())
    with pytest.raises(ValidationError):
        incident_update(
            incident=incident, user=cast.owner, data=valid_input(title="Новое", killed=-5)
        )
    incident.refresh_from_db()
    assert incident.title == "Нападение на рынке"
    assert incident.biases.count() == 2


def test_a_report_with_a_known_id_becomes_the_next_revision() -> None:
    source = SourceListFactory()
    first = report_create(
        source_list=source,
        external_id="17",
        payload={"Дата": "04.12.2008"},
        fields={},
        received_on=datetime.date(2009, 1, 1),
    )
    second = report_create(
        source_list=source,
        external_id="17",
        payload={"Дата": "05.12.2008"},
        fields={},
        received_on=datetime.date(2009, 2, 1),
    )
    assert (first.revision, second.revision) == (1, 2)
    first.refresh_from_db()
    assert first.payload == {"Дата": "04.12.2008"}
    assert Report.objects.count() == 2


def test_linking_a_report_moves_it_without_deleting_anything(cast: Cast) -> None:
    report = ReportFactory()
    first = IncidentFactory(organisation=cast.organisation)
    second = IncidentFactory(organisation=cast.organisation)
    incident_link_reports(incident=first, reports=[report], user=cast.owner)
    incident_link_reports(incident=second, reports=[report], user=cast.colleague)
    link = IncidentReport.objects.get(report=report)
    assert link.incident == second and link.linked_by == cast.colleague
    assert Report.objects.filter(pk=report.pk).exists()
