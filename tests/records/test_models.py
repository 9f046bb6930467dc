import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from tests.factories import IncidentBiasFactory, IncidentFactory, ReportFactory

pytestmark = pytest.mark.django_db


def test_database_refuses_a_date_range_that_ends_before_it_starts() -> None:
    with pytest.raises(IntegrityError):
        IncidentFactory(
            date_precision="range",
            date_start=datetime.date(2008, 5, 2),
            date_end=datetime.date(2008, 5, 1),
        )


def test_database_refuses_an_unknown_date_that_has_a_date() -> None:
    with pytest.raises(IntegrityError):
        IncidentFactory(date_precision="unknown", date_start=datetime.date(2008, 5, 2))


def test_database_refuses_a_known_precision_without_a_date() -> None:
    with pytest.raises(IntegrityError):
        IncidentFactory(date_precision="day", date_start=None)


def test_database_refuses_a_bias_motivation_twice_on_one_incident() -> None:
    bias = IncidentBiasFactory()
    with pytest.raises(IntegrityError):
        IncidentBiasFactory(incident=bias.incident, motivation=bias.motivation)


def test_database_refuses_a_second_report_with_the_same_id_and_revision() -> None:
    report = ReportFactory()
    with pytest.raises(IntegrityError):
        ReportFactory(source_list=report.source_list, external_id=report.external_id)


def test_region_must_belong_to_the_country() -> None:
    incident = IncidentFactory.build(country="DE", region="RU-MOW")
    with pytest.raises(ValidationError) as caught:
        incident.full_clean(exclude=["organisation", "reference"])
    assert "region" in caught.value.message_dict


def test_latitude_without_longitude_is_refused() -> None:
    incident = IncidentFactory.build(latitude=55.75)
    with pytest.raises(ValidationError) as caught:
        incident.full_clean(exclude=["organisation", "reference"])
    assert "latitude" in caught.value.message_dict


def test_incident_type_rolls_up_to_its_odihr_group() -> None:
    assert IncidentFactory.build(incident_type="desecration").odihr_group == "attack_on_property"
    assert IncidentFactory.build(incident_type="detention").odihr_group == "violent_attack"
