"""`dozor link accept`: the model's groups of the latest run become incidents, as one batch.

The reports are the demo generator's three lists imported from their files by `dozor import`
into one organisation (tests/linkage/demo_reports.py), linked once per module by `dozor link`;
each test accepts in its own transaction, rolled back after it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from dozor.analysis.linkage import cluster_scores, pairwise_scores
from dozor.audit.models import AuditEntry
from dozor.audit.selectors import audit_verify
from dozor.linkage import accept as accept_module
from dozor.linkage.accept import MSG_NO_RUN, MSG_NOTHING_TO_ACCEPT
from dozor.linkage.management.commands.link import MSG_BAD_MIN_PROBABILITY
from dozor.linkage.models import AcceptBatch, AcceptedIncident, AcceptedLink, CandidatePair
from dozor.linkage.selectors import review_queue
from dozor.linkage.services import incident_create_from_reports
from dozor.records.models import Incident, IncidentReport, LinkKind, Report
from dozor.records.services import report_create
from tests.conftest import Cast
from tests.linkage.demo_reports import DemoReports, incidents_of, linked_demo

# The module's tests share a fixture made once: one worker runs them all.
pytestmark = pytest.mark.xdist_group("linked-demo")

USER = "accepter"


@pytest.fixture(scope="module")
def linked(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoReports]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield linked_demo(size=120, seed=3, username=USER)
        transaction.set_rollback(True)


def accept(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("link", "accept", "--user", USER, "--json", *args, stdout=out)
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def _pairs(linked: DemoReports, *, low: float, high: float) -> list[CandidatePair]:
    """The run's pairs of two reports of one true incident with a probability in [low, high)."""
    return [
        pair
        for pair in CandidatePair.objects.filter(
            match_probability__gte=low, match_probability__lt=high
        )
        if linked.truth[pair.report_a_id] == linked.truth[pair.report_b_id]
    ]


def _incident(report_id: int) -> int | None:
    return (
        IncidentReport.objects.filter(report_id=report_id)
        .values_list("incident_id", flat=True)
        .first()
    )


@pytest.mark.django_db
def test_every_report_becomes_part_of_an_incident_that_matches_the_truth(
    linked: DemoReports,
) -> None:
    result = accept()
    predicted = incidents_of(linked.organisation)
    assert predicted.notna().all()
    assert result["incidents"] == Incident.objects.filter(organisation=linked.organisation).count()
    assert pairwise_scores(predicted, linked.truth).f1 >= 0.95
    assert cluster_scores(predicted, linked.truth).f1 >= 0.9


@pytest.mark.django_db
def test_a_dry_run_says_what_accept_would_do_and_stores_nothing(linked: DemoReports) -> None:
    entries = AuditEntry.objects.count()
    preview = accept("--dry-run")
    assert not Incident.objects.exists()
    assert AuditEntry.objects.count() == entries
    done = accept()
    for key in ("incidents", "links", "lone_reports", "pairs_left"):
        assert preview[key] == done[key], key


@pytest.mark.django_db
def test_accepted_links_are_the_models_and_belong_to_the_batch(linked: DemoReports) -> None:
    result = accept()
    batch = AcceptBatch.objects.get(pk=result["batch"])
    assert set(IncidentReport.objects.values_list("kind", flat=True)) == {LinkKind.MODEL}
    assert AcceptedLink.objects.filter(batch=batch).count() == result["links"] == linked.reports
    assert AcceptedIncident.objects.filter(batch=batch).count() == result["incidents"]
    assert batch.created_by.username == USER


@pytest.mark.django_db
def test_accepted_incidents_are_unverified(linked: DemoReports) -> None:
    accept()
    assert set(Incident.objects.values_list("verification_status", flat=True)) == {"unverified"}


@pytest.mark.django_db
def test_a_different_incidents_decision_separates_a_pair_above_the_probability(
    linked: DemoReports, cast: Cast
) -> None:
    pair = _pairs(linked, low=0.9, high=1.01)[0]
    client = cast.client("owner")
    client.force_login(linked.user)
    client.post(f"/linkage/pairs/{pair.pk}/", {"decision": "no_match", "note": ""})
    accept("--min-probability", "0.5")
    assert _incident(pair.report_a_id) != _incident(pair.report_b_id)


@pytest.mark.django_db
def test_a_same_incident_decision_joins_a_pair_below_the_probability(
    linked: DemoReports, cast: Cast
) -> None:
    pair = _pairs(linked, low=0.1, high=0.99)[0]
    client = cast.client("owner")
    client.force_login(linked.user)
    client.post(f"/linkage/pairs/{pair.pk}/", {"decision": "match", "note": ""})
    accept("--min-probability", "0.99")
    assert _incident(pair.report_a_id) == _incident(pair.report_b_id) is not None


@pytest.mark.django_db
def test_the_pairs_left_are_what_the_review_queue_shows(linked: DemoReports) -> None:
    band = CandidatePair.objects.filter(match_probability__lt=0.9).count()
    result = accept("--min-probability", "0.9")
    queue = review_queue(linked.user)
    assert result["pairs_left"] == len(queue)
    below = [entry for entry in queue if entry.candidate.match_probability < 0.9]
    assert 0 < len(below) <= band


@pytest.mark.django_db
def test_a_group_with_one_existing_incident_adds_its_other_reports_to_it(
    linked: DemoReports,
) -> None:
    pair = _pairs(linked, low=0.9, high=1.01)[0]
    existing = incident_create_from_reports(
        user=linked.user, reports=[Report.objects.get(pk=pair.report_a_id)]
    )
    result = accept()
    assert _incident(pair.report_b_id) == existing.pk
    assert result["joined_existing"] >= 1
    link = IncidentReport.objects.get(report_id=pair.report_a_id)
    assert link.kind == LinkKind.PERSON  # the report a person linked stays as it was


@pytest.mark.django_db
def test_a_group_touching_two_incidents_is_left_for_a_person(linked: DemoReports) -> None:
    pair = _pairs(linked, low=0.9, high=1.01)[0]
    first = incident_create_from_reports(
        user=linked.user, reports=[Report.objects.get(pk=pair.report_a_id)]
    )
    second = incident_create_from_reports(
        user=linked.user, reports=[Report.objects.get(pk=pair.report_b_id)]
    )
    result = accept()
    left = [
        group
        for group in result["groups_left"]
        if {pair.report_a_id, pair.report_b_id} <= {r["id"] for r in group["reports"]}
    ]
    assert len(left) == 1
    assert first.reference in left[0]["reason"] and second.reference in left[0]["reason"]
    assert _incident(pair.report_a_id) == first.pk and _incident(pair.report_b_id) == second.pk


@pytest.mark.django_db
def test_reports_stored_after_the_run_are_left_alone(linked: DemoReports) -> None:
    some = Report.objects.filter(source_list__organisation=linked.organisation).first()
    assert some is not None
    late = report_create(
        source_list=some.source_list,
        external_id="late-1",
        payload={"id": "late-1"},
        fields=some.fields,
        received_on=some.received_on,
        user=linked.user,
    )
    result = accept()
    assert result["reports_not_in_run"] == 1
    assert _incident(late.pk) is None


@pytest.mark.django_db
def test_accepting_again_finds_nothing_to_accept(linked: DemoReports) -> None:
    accept()
    with pytest.raises(CommandError, match=str(MSG_NOTHING_TO_ACCEPT)):
        accept()


@pytest.mark.django_db
def test_a_failure_midway_leaves_nothing_of_the_batch(
    linked: DemoReports, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = AuditEntry.objects.count()

    def fail(*args: Any, **kwargs: Any) -> None:
        assert Incident.objects.exists(), "the failure should come after incidents are written"
        raise RuntimeError("the machine stopped")

    monkeypatch.setattr(accept_module.AcceptedLink.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        accept()
    assert not Incident.objects.exists()
    assert not IncidentReport.objects.exists()
    assert not AcceptBatch.objects.exists()
    assert AuditEntry.objects.count() == entries
    assert list(audit_verify()) == []


@pytest.mark.django_db
def test_a_probability_that_is_not_one_is_refused(linked: DemoReports) -> None:
    with pytest.raises(CommandError) as error:
        accept("--min-probability", "1.5")
    assert str(error.value) == MSG_BAD_MIN_PROBABILITY.format(value="1.5")


@pytest.mark.django_db
def test_an_organisation_without_a_run_is_told_to_run_linkage(
    linked: DemoReports, cast: Cast
) -> None:
    with pytest.raises(CommandError) as error:
        call_command("link", "accept", "--user", "owner")
    assert str(error.value) == str(MSG_NO_RUN % {"user": "owner"})
    assert not Incident.objects.filter(organisation=linked.organisation).exists()


@pytest.mark.django_db
def test_accept_prints_counts_and_report_identifiers_never_names(linked: DemoReports) -> None:
    pair = _pairs(linked, low=0.9, high=1.01)[0]
    for report_id in (pair.report_a_id, pair.report_b_id):
        incident_create_from_reports(user=linked.user, reports=[Report.objects.get(pk=report_id)])
    out = StringIO()
    call_command("link", "accept", "--user", USER, "--dry-run", stdout=out)
    text = out.getvalue()
    assert "groups left for a person" in text
    names = {
        person["name"]
        for report in Report.objects.filter(source_list__organisation=linked.organisation)
        for person in report.fields.get("victims") or []
        if person.get("name")
    }
    assert names and not any(name in text for name in names)
