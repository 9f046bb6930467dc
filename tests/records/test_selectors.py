import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dozor.records import selectors
from dozor.records.models import Incident
from dozor.records.selectors import IncidentFilters, incident_can_edit, incident_list
from tests.conftest import Cast
from tests.factories import IncidentBiasFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def references(cast: Cast, **filters: object) -> set[str]:
    found = incident_list(user=cast.owner, filters=IncidentFilters(**filters))  # type: ignore[arg-type]
    return set(found.values_list("reference", flat=True))


def test_a_user_sees_their_organisations_incidents_and_public_ones(cast: Cast) -> None:
    foreign_public = IncidentFactory(organisation=cast.other_organisation, confidentiality="public")
    foreign = IncidentFactory(organisation=cast.other_organisation)
    seen = references(cast)
    assert cast.incident.reference in seen and foreign_public.reference in seen
    assert foreign.reference not in seen


def test_an_outsider_does_not_see_a_restricted_incident(cast: Cast) -> None:
    found = incident_list(user=cast.outsider, filters=IncidentFilters())
    assert cast.incident not in found


def test_anonymous_sees_nothing(cast: Cast) -> None:
    IncidentFactory(confidentiality="public")
    assert not incident_list(user=AnonymousUser(), filters=IncidentFilters()).exists()


def test_filters_by_date_range(cast: Cast) -> None:
    old = IncidentFactory(organisation=cast.organisation, date_start=datetime.date(2005, 3, 1))
    found = references(
        cast, date_from=datetime.date(2005, 1, 1), date_to=datetime.date(2005, 12, 31)
    )
    assert found == {old.reference}


def test_filters_by_region_and_country(cast: Cast) -> None:
    moscow = IncidentFactory(organisation=cast.organisation, region="RU-MOW")
    berlin = IncidentFactory(organisation=cast.organisation, country="DE", region="DE-BE")
    assert references(cast, region="RU-MOW") == {moscow.reference}
    assert references(cast, country="DE") == {berlin.reference}


def test_filters_by_bias_motivation_without_duplicates(cast: Cast) -> None:
    both = IncidentFactory(organisation=cast.organisation)
    IncidentBiasFactory(incident=both, motivation="antisemitic")
    IncidentBiasFactory(incident=both, motivation="anti_muslim")
    found = incident_list(user=cast.owner, filters=IncidentFilters(bias_motivation="antisemitic"))
    assert list(found.values_list("reference", flat=True)) == [both.reference]


def test_filters_by_type_status_and_defenders(cast: Cast) -> None:
    raid = IncidentFactory(
        organisation=cast.organisation,
        incident_type="search_raid",
        target_kind="organisation",
        defender_targeted=True,
        verification_status="verified",
    )
    assert references(cast, incident_type="search_raid") == {raid.reference}
    assert references(cast, verification_status="verified") == {raid.reference}
    assert references(cast, defender_targeted=True) == {raid.reference}
    assert raid.reference not in references(cast, defender_targeted=False)


def test_text_search_looks_in_title_and_summary_ignoring_case(cast: Cast) -> None:
    by_title = IncidentFactory(organisation=cast.organisation, title="Поджог синагоги")
    by_summary = IncidentFactory(
        organisation=cast.organisation, summary="Неизвестные подожгли СИНАГОГУ"
    )
    assert references(cast, text="синагог") == {by_title.reference, by_summary.reference}


def test_sorting_by_killed_puts_the_deadliest_first(cast: Cast) -> None:
    deadly = IncidentFactory(organisation=cast.organisation, incident_type="homicide", killed=3)
    found = incident_list(user=cast.owner, filters=IncidentFilters(sort="-killed"))
    assert found.first() == deadly


def test_only_writers_of_the_owning_organisation_may_edit(cast: Cast) -> None:
    assert incident_can_edit(cast.owner, cast.incident)
    assert incident_can_edit(cast.colleague, cast.incident)
    assert not incident_can_edit(cast.reader, cast.incident)
    assert not incident_can_edit(cast.outsider, cast.incident)
    assert not incident_can_edit(AnonymousUser(), cast.incident)


def test_a_reference_of_the_columns_full_length_is_still_looked_up(cast: Cast) -> None:
    longest = "R" * Incident._meta.get_field("reference").max_length
    with CaptureQueriesContext(connection) as queries, pytest.raises(Incident.DoesNotExist):
        selectors.incident_get(user=cast.owner, reference=longest)
    assert len(queries) == 1


@pytest.mark.parametrize("reference", ["RU-2024-\x0000001", "R" * 21])
def test_a_reference_no_incident_can_have_is_not_found_without_a_query(
    cast: Cast, reference: str
) -> None:
    with CaptureQueriesContext(connection) as queries, pytest.raises(Incident.DoesNotExist):
        selectors.incident_get(user=cast.owner, reference=reference)
    assert len(queries) == 0


def test_a_real_reference_is_still_found(cast: Cast) -> None:
    found = selectors.incident_get(user=cast.owner, reference=cast.incident.reference)
    assert found == cast.incident
