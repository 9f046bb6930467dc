"""Decisions, incidents from groups of reports, and splits: nothing is merged destructively."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dozor.linkage import services
from dozor.linkage.models import LinkDecision
from dozor.linkage.selectors import confirmed_clusters, review_queue
from dozor.records.models import Report
from dozor.records.services import incident_link_reports
from tests.conftest import Cast
from tests.linkage.conftest import NGO_FIELDS, Linkable

pytestmark = pytest.mark.django_db


def test_earlier_decisions_are_kept_as_history(cast: Cast, linkable: Linkable) -> None:
    for decision in ("unsure", "match"):
        services.link_decision_record(
            user=cast.owner, first=linkable.ngo, second=linkable.press, decision=decision
        )
    assert list(LinkDecision.objects.values_list("decision", flat=True)) == ["match", "unsure"]


def test_a_decision_on_a_report_the_user_cannot_see_is_refused(
    cast: Cast, linkable: Linkable
) -> None:
    with pytest.raises(ValidationError):
        services.link_decision_record(
            user=cast.owner, first=linkable.ngo, second=linkable.foreign, decision="match"
        )


def test_a_reader_may_not_decide(cast: Cast, linkable: Linkable) -> None:
    with pytest.raises(PermissionDenied):
        services.link_decision_record(
            user=cast.reader, first=linkable.ngo, second=linkable.press, decision="match"
        )


def test_an_unsure_pair_stays_in_the_queue(cast: Cast, linkable: Linkable) -> None:
    services.link_decision_record(
        user=cast.owner, first=linkable.ngo, second=linkable.press, decision="unsure"
    )
    assert [entry.candidate for entry in review_queue(cast.owner)] == [linkable.candidate]


def test_an_incident_made_from_reports_keeps_them_unchanged(cast: Cast, linkable: Linkable) -> None:
    incident = services.incident_create_from_reports(
        user=cast.owner, reports=[linkable.ngo, linkable.press]
    )
    assert {link.report_id for link in incident.report_links.all()} == {
        linkable.ngo.id,
        linkable.press.id,
    }
    assert Report.objects.get(pk=linkable.ngo.pk).fields == NGO_FIELDS
    assert incident.region == "RU-SPE"
    assert incident.organisation == cast.organisation


def test_a_report_already_in_an_incident_is_not_put_in_a_second(
    cast: Cast, linkable: Linkable
) -> None:
    incident_link_reports(incident=cast.incident, reports=[linkable.ngo], user=cast.owner)
    with pytest.raises(ValidationError):
        services.incident_create_from_reports(
            user=cast.owner, reports=[linkable.ngo, linkable.press]
        )


def test_a_group_joins_an_existing_incident(cast: Cast, linkable: Linkable) -> None:
    services.reports_link_to_incident(
        user=cast.owner, incident=cast.incident, reports=[linkable.ngo, linkable.press]
    )
    assert cast.incident.report_links.count() == 2


def test_an_outsider_cannot_add_reports_to_an_incident(cast: Cast, linkable: Linkable) -> None:
    with pytest.raises(PermissionDenied):
        services.reports_link_to_incident(
            user=cast.outsider, incident=cast.incident, reports=[linkable.foreign]
        )


def test_confirmed_pairs_form_a_group_until_it_is_an_incident(
    cast: Cast, linkable: Linkable
) -> None:
    services.link_decision_record(
        user=cast.owner, first=linkable.ngo, second=linkable.press, decision="match"
    )
    assert [c.reports for c in confirmed_clusters(cast.owner)] == [
        sorted([linkable.ngo, linkable.press], key=lambda r: r.id)
    ]
    services.incident_create_from_reports(user=cast.owner, reports=[linkable.ngo, linkable.press])
    assert confirmed_clusters(cast.owner) == []


def test_a_split_moves_reports_to_a_new_incident_and_records_why(
    cast: Cast, linkable: Linkable
) -> None:
    incident_link_reports(
        incident=cast.incident, reports=[linkable.ngo, linkable.press], user=cast.owner
    )
    new = services.incident_split(user=cast.owner, incident=cast.incident, reports=[linkable.press])
    assert [link.report for link in new.report_links.all()] == [linkable.press]
    assert [link.report for link in cast.incident.report_links.all()] == [linkable.ngo]
    decision = LinkDecision.objects.get()
    assert (decision.decision, decision.decided_by) == ("no_match", cast.owner)
    assert Report.objects.filter(pk__in=[linkable.ngo.pk, linkable.press.pk]).count() == 2


def test_splitting_off_every_report_is_refused(cast: Cast, linkable: Linkable) -> None:
    incident_link_reports(
        incident=cast.incident, reports=[linkable.ngo, linkable.press], user=cast.owner
    )
    with pytest.raises(ValidationError):
        services.incident_split(
            user=cast.owner, incident=cast.incident, reports=[linkable.ngo, linkable.press]
        )


def test_a_colleague_of_another_organisation_cannot_split(cast: Cast, linkable: Linkable) -> None:
    incident_link_reports(
        incident=cast.incident, reports=[linkable.ngo, linkable.press], user=cast.owner
    )
    with pytest.raises(PermissionDenied):
        services.incident_split(user=cast.outsider, incident=cast.incident, reports=[linkable.ngo])
