import datetime

import pytest

from dozor.exports import odihr
from dozor.exports.selectors import odihr_incidents
from dozor.records.models import Incident
from tests.conftest import Cast
from tests.exports.helpers import marked_incident, police_report

pytestmark = pytest.mark.django_db


def row_of(incident: Incident, language: str = "en") -> odihr.OdihrRow:
    fetched = Incident.objects.prefetch_related("biases", "people").get(pk=incident.pk)
    return odihr.odihr_row(fetched, language)


def test_a_row_holds_each_column_from_the_coded_fields(cast: Cast) -> None:
    incident = marked_incident(cast.owner, year=2024)
    row = row_of(incident)
    assert row.reference == incident.reference
    assert row.country == "Russian Federation"
    assert row.location == "Saint Petersburg"
    assert row.date == "2024-03-14"
    assert row.bias_motivation == "Racist and xenophobic"
    assert row.incident_type == "Violent attack against people"
    assert row.incident_subtype == "Physical assault"
    assert row.bias_indicators == "What the perpetrators said or shouted; Symbols or insignia"
    assert row.victims == "2 victims; perceived as: Natives of Central Asia; Dark-skinned people"
    assert (row.killed, row.injured) == (0, 2)
    assert row.perpetrators == "3 perpetrators"


def test_the_description_is_generated_with_the_bias_indicators(cast: Cast) -> None:
    row = row_of(marked_incident(cast.owner))
    assert row.description == (
        "Physical assault in Saint Petersburg on 2024-03-14. 2 people injured. "
        "The victims were perceived as: natives of central asia; dark-skinned people. "
        "Bias indicators: what the perpetrators said or shouted; symbols or insignia."
    )


def test_a_row_in_russian_uses_the_russian_labels(cast: Cast) -> None:
    row = row_of(marked_incident(cast.owner), "ru")
    assert row.country == "Российская Федерация"
    assert row.bias_motivation == "Расизм и ксенофобия"
    assert row.incident_type == "Насильственное нападение на людей"


def test_the_response_is_the_status_line_of_the_timeline(cast: Cast) -> None:
    incident = marked_incident(cast.owner)
    police_report(incident, cast.owner, datetime.date(2024, 3, 15))
    assert row_of(incident).authorities_response.startswith(
        "Reported to the police since 15.03.2024"
    )


def test_without_events_the_response_says_none_is_recorded(cast: Cast) -> None:
    row = row_of(marked_incident(cast.owner))
    assert row.authorities_response == "No response from the authorities is recorded."


def test_a_locality_in_another_city_adds_it_to_the_region(cast: Cast) -> None:
    incident = marked_incident(cast.owner, region="RU-TA", locality="Набережные Челны")
    assert row_of(incident).location == "Naberezhnye Chelny, Republic of Tatarstan"


def test_a_typed_address_is_left_out_of_the_location(cast: Cast) -> None:
    incident = marked_incident(cast.owner, region="RU-TA", locality="ул. Баумана, 12")
    assert row_of(incident).location == "Republic of Tatarstan"


def test_region_precision_drops_even_a_known_locality(cast: Cast) -> None:
    incident = marked_incident(
        cast.owner, region="RU-TA", locality="Казань", location_precision="region"
    )
    assert row_of(incident).location == "Republic of Tatarstan"


def test_country_precision_leaves_the_location_empty(cast: Cast) -> None:
    incident = marked_incident(cast.owner, location_precision="country")
    assert row_of(incident).location == ""


@pytest.mark.parametrize(
    ("precision", "end", "shown"),
    [
        ("month", None, "2024-03"),
        ("year", None, "2024"),
        ("range", datetime.date(2024, 3, 20), "2024-03-14/2024-03-20"),
    ],
)
def test_the_date_follows_its_precision(
    cast: Cast, precision: str, end: datetime.date | None, shown: str
) -> None:
    incident = marked_incident(cast.owner, date_precision=precision, date_end=end)
    assert row_of(incident).date == shown


def test_an_other_motivation_is_shown_without_its_note(cast: Cast) -> None:
    incident = marked_incident(cast.owner)
    incident.biases.update(motivation="other", note="Каримзода")
    assert row_of(incident).bias_motivation == "Other"


def test_an_attack_on_property_without_victims_says_so(cast: Cast) -> None:
    incident = marked_incident(cast.owner, incident_type="desecration", target_kind="property")
    incident.people.filter(role="victim").delete()
    row = row_of(incident)
    assert row.incident_type == "Attack against property"
    assert row.victims == "No people: property"


def test_only_the_organisations_marks_for_the_year_and_country_are_taken(cast: Cast) -> None:
    wanted = marked_incident(cast.owner, year=2024)
    marked_incident(cast.owner, year=2023)
    marked_incident(cast.owner, year=2024, country="KZ", region="")
    other_owner = cast.outsider
    marked_incident(other_owner, year=2024, confidentiality="public")
    found = list(odihr_incidents(user=cast.owner, country="RU", year=2024))
    assert found == [wanted]


def test_a_reader_does_not_get_confidential_incidents(cast: Cast) -> None:
    marked_incident(cast.owner, confidentiality="confidential")
    restricted = marked_incident(cast.owner)
    assert list(odihr_incidents(user=cast.reader, country="RU", year=2024)) == [restricted]


def test_the_response_read_with_the_submission_query_is_the_same(cast: Cast) -> None:
    incident = marked_incident(cast.owner)
    police_report(incident, cast.owner, datetime.date(2024, 3, 15))
    [row] = odihr.odihr_rows(odihr_incidents(user=cast.owner, country="RU", year=2024), "en")
    assert row.authorities_response == row_of(incident).authorities_response
    assert row.authorities_response.startswith("Reported to the police since 15.03.2024")


def test_the_description_reads_in_russian(cast: Cast) -> None:
    row = row_of(marked_incident(cast.owner), "ru")
    assert row.description.startswith("Нападение: Санкт-Петербург, 2024-03-14. 2 человека ранены.")
