import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dozor.audit.models import AuditEntry
from dozor.exports import services
from dozor.exports.models import OdihrSubmission
from tests.conftest import Cast
from tests.factories import IncidentBiasFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_bias(cast: Cast) -> Cast:
    IncidentBiasFactory(incident=cast.incident)
    return cast


def test_marking_takes_the_year_of_the_incident(with_bias: Cast) -> None:
    submission = services.submission_mark(incident=with_bias.incident, user=with_bias.owner)
    assert (submission.year, submission.marked_by) == (2008, with_bias.owner)


def test_marking_is_written_to_the_audit_trail(with_bias: Cast) -> None:
    services.submission_mark(incident=with_bias.incident, user=with_bias.owner, year=2009)
    entry = AuditEntry.objects.filter(target_id=str(with_bias.incident.pk)).last()
    assert entry is not None
    assert entry.changes == {"odihr_submission_year": {"before": None, "after": 2009}}


def test_marking_again_with_another_year_changes_the_year(with_bias: Cast) -> None:
    services.submission_mark(incident=with_bias.incident, user=with_bias.owner)
    services.submission_mark(incident=with_bias.incident, user=with_bias.owner, year=2010)
    assert OdihrSubmission.objects.get().year == 2010


def test_a_year_before_the_incident_is_refused(with_bias: Cast) -> None:
    with pytest.raises(ValidationError) as error:
        services.submission_mark(incident=with_bias.incident, user=with_bias.owner, year=2007)
    assert "happened in 2008" in str(error.value)
    assert not OdihrSubmission.objects.exists()


def test_a_year_out_of_range_is_refused(with_bias: Cast) -> None:
    with pytest.raises(ValidationError):
        services.submission_mark(incident=with_bias.incident, user=with_bias.owner, year=2200)


def test_an_incident_without_a_bias_motivation_cannot_be_marked(cast: Cast) -> None:
    with pytest.raises(ValidationError) as error:
        services.submission_mark(incident=cast.incident, user=cast.owner)
    assert "no bias motivation" in str(error.value)


def test_an_undated_incident_needs_a_year(cast: Cast) -> None:
    incident = IncidentFactory(
        organisation=cast.organisation, date_start=None, date_precision="unknown"
    )
    IncidentBiasFactory(incident=incident)
    with pytest.raises(ValidationError) as error:
        services.submission_mark(incident=incident, user=cast.owner)
    assert "no known date" in str(error.value)
    assert services.submission_mark(incident=incident, user=cast.owner, year=2012).year == 2012


@pytest.mark.parametrize("who", ["reader", "outsider"])
def test_only_writers_of_the_owning_organisation_mark(with_bias: Cast, who: str) -> None:
    with pytest.raises(PermissionDenied):
        services.submission_mark(incident=with_bias.incident, user=getattr(with_bias, who))


def test_unmarking_removes_the_mark_and_says_so_in_the_trail(with_bias: Cast) -> None:
    services.submission_mark(incident=with_bias.incident, user=with_bias.owner)
    assert services.submission_unmark(incident=with_bias.incident, user=with_bias.owner)
    assert not OdihrSubmission.objects.exists()
    entry = AuditEntry.objects.last()
    assert entry is not None
    assert entry.changes == {"odihr_submission_year": {"before": 2008, "after": None}}


def test_unmarking_by_an_outsider_is_refused(with_bias: Cast) -> None:
    services.submission_mark(incident=with_bias.incident, user=with_bias.owner)
    with pytest.raises(PermissionDenied):
        services.submission_unmark(incident=with_bias.incident, user=with_bias.outsider)
    assert OdihrSubmission.objects.exists()


def test_bulk_marking_lists_what_it_skipped_and_why(with_bias: Cast) -> None:
    bare = IncidentFactory(
        organisation=with_bias.organisation, date_start=datetime.date(2008, 5, 1)
    )
    result = services.submissions_mark_bulk(
        incidents=[with_bias.incident, bare], user=with_bias.owner
    )
    assert result.marked == [with_bias.incident.reference]
    assert list(result.skipped) == [bare.reference]
    assert "no bias motivation" in result.skipped[bare.reference]
    assert OdihrSubmission.objects.count() == 1


def test_an_export_is_written_to_the_audit_trail(cast: Cast) -> None:
    services.export_record(
        user=cast.owner, kind="odihr", file_format="csv", rows=3, parameters={"year": 2024}
    )
    entry = AuditEntry.objects.last()
    assert entry is not None and entry.action == "export" and entry.actor == "owner"
    assert entry.changes == {"export": "odihr", "format": "csv", "rows": 3, "year": 2024}
