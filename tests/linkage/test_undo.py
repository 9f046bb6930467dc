"""`dozor link undo`: an accepted batch's links and incidents go, unless something happened since.

The demo generator's lists imported from their files and linked once per module (tests/linkage/
demo_reports.py); each test accepts and undoes in its own transaction, rolled back after it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client

from dozor.accounts.models import Role
from dozor.audit.models import Action, AuditEntry
from dozor.audit.selectors import audit_verify
from dozor.linkage import undo as undo_module
from dozor.linkage.accept import KEPT_EDITED, KEPT_EVENTS, KEPT_LINKS, MSG_ALREADY_UNDONE
from dozor.linkage.models import AcceptBatch, CandidatePair
from dozor.linkage.services import incident_create_from_reports, reports_link_to_incident
from dozor.records.models import Incident, IncidentReport
from dozor.records.services import IncidentInput, incident_update
from tests.factories import UserFactory
from tests.linkage.demo_reports import DemoReports, linked_demo

# The module's tests share a fixture made once: one worker runs them all.
pytestmark = pytest.mark.xdist_group("linked-demo-undo")

USER = "undoer"


@pytest.fixture(scope="module")
def linked(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoReports]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield linked_demo(size=100, seed=4, username=USER)
        transaction.set_rollback(True)


def command(*args: str, user: str = USER) -> dict[str, Any]:
    out = StringIO()
    call_command("link", *args, "--user", user, "--json", stdout=out)
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def accepted() -> tuple[int, list[Incident]]:
    batch = command("accept")["batch"]
    return batch, list(Incident.objects.order_by("pk"))


@pytest.mark.django_db
def test_undo_deletes_the_batchs_incidents_and_links(linked: DemoReports) -> None:
    batch, incidents = accepted()
    result = command("undo", str(batch))
    assert len(result["incidents_deleted"]) == len(incidents)
    assert not Incident.objects.exists() and not IncidentReport.objects.exists()
    assert AcceptBatch.objects.get(pk=batch).undone_by == linked.user
    assert list(audit_verify()) == []


@pytest.mark.django_db
def test_undo_records_each_deleted_incident_and_the_batch_in_the_trail(
    linked: DemoReports,
) -> None:
    batch, incidents = accepted()
    last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    command("undo", str(batch))
    written = AuditEntry.objects.filter(id__gt=last)
    deleted = written.filter(action=Action.DELETE, target_type="records.incident")
    assert deleted.count() == len(incidents)
    assert written.filter(action=Action.UPDATE, target_type="linkage.acceptbatch").exists()
    assert {entry.origin for entry in written} == {"command:link"}


@pytest.mark.django_db
def test_a_dry_run_changes_nothing(linked: DemoReports) -> None:
    batch, incidents = accepted()
    entries = AuditEntry.objects.count()
    result = command("undo", str(batch), "--dry-run")
    assert len(result["incidents_deleted"]) == len(incidents)
    assert Incident.objects.count() == len(incidents)
    assert AuditEntry.objects.count() == entries
    assert AcceptBatch.objects.get(pk=batch).undone_at is None


@pytest.mark.django_db
def test_an_incident_a_person_changed_is_kept(linked: DemoReports) -> None:
    batch, incidents = accepted()
    edited = incidents[0]
    incident_update(
        incident=edited,
        user=linked.user,
        data=IncidentInput(
            title="Исправлено",
            incident_type=edited.incident_type,
            date_start=edited.date_start,
            date_end=edited.date_end,
            date_precision=edited.date_precision,
            country=edited.country,
            region=edited.region,
        ),
    )
    result = command("undo", str(batch))
    assert result["incidents_kept"] == [{"incident": edited.reference, "why": str(KEPT_EDITED)}]
    assert list(Incident.objects.all()) == [edited]
    assert edited.report_links.exists()


@pytest.mark.django_db
def test_an_incident_with_a_response_event_added_since_is_kept(linked: DemoReports) -> None:
    batch, incidents = accepted()
    chosen = incidents[1]
    client = UserFactory(
        username="documenter", organisation=linked.organisation, role=Role.DOCUMENTER
    )
    browser = Client()
    browser.force_login(client)
    response = browser.post(
        f"/responses/incident/{chosen.reference}/", {"kind": "detained", "date": "2008-12-20"}
    )
    assert response.status_code == 302
    result = command("undo", str(batch))
    kept = {item["incident"]: item["why"] for item in result["incidents_kept"]}
    assert chosen.reference in kept
    assert kept[chosen.reference] in (str(KEPT_EVENTS), str(KEPT_EDITED))
    assert Incident.objects.filter(pk=chosen.pk).exists()


@pytest.mark.django_db
def test_incidents_a_person_moved_a_report_between_are_kept(linked: DemoReports) -> None:
    batch, incidents = accepted()
    source, target = incidents[0], incidents[1]
    moved = source.report_links.first()
    assert moved is not None
    reports_link_to_incident(user=linked.user, incident=target, reports=[moved.report])
    result = command("undo", str(batch))
    kept = {item["incident"]: item["why"] for item in result["incidents_kept"]}
    assert kept == {source.reference: str(KEPT_LINKS), target.reference: str(KEPT_LINKS)}
    assert IncidentReport.objects.get(report=moved.report).incident_id == target.pk


@pytest.mark.django_db
def test_links_into_an_existing_incident_are_removed_and_the_incident_stays(
    linked: DemoReports,
) -> None:
    pair = CandidatePair.objects.order_by("-match_probability").first()
    assert pair is not None
    existing = incident_create_from_reports(user=linked.user, reports=[pair.report_a])
    batch, _incidents = accepted()
    assert IncidentReport.objects.get(report=pair.report_b).incident_id == existing.pk
    command("undo", str(batch))
    assert Incident.objects.filter(organisation=linked.organisation).get() == existing
    assert not IncidentReport.objects.filter(report=pair.report_b).exists()
    assert IncidentReport.objects.get(report=pair.report_a).incident_id == existing.pk


@pytest.mark.django_db
def test_a_batch_is_undone_once(linked: DemoReports) -> None:
    batch, _incidents = accepted()
    command("undo", str(batch))
    with pytest.raises(CommandError, match=str(MSG_ALREADY_UNDONE % {"id": batch})):
        command("undo", str(batch))


@pytest.mark.django_db
def test_another_organisation_cannot_undo_the_batch(linked: DemoReports) -> None:
    batch, incidents = accepted()
    UserFactory(username="stranger", role=Role.DOCUMENTER)
    with pytest.raises(CommandError, match=f"no accepted batch {batch}"):
        command("undo", str(batch), user="stranger")
    assert Incident.objects.count() == len(incidents)


@pytest.mark.django_db
def test_a_failure_midway_leaves_the_batch_as_it_was(
    linked: DemoReports, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch, incidents = accepted()
    entries = AuditEntry.objects.count()
    real = undo_module.audit.audit_records
    calls = []

    def fail_after_first(**kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("the machine stopped")
        return real(**kwargs)

    monkeypatch.setattr(undo_module.audit, "audit_records", fail_after_first)
    monkeypatch.setattr(undo_module, "chunks", lambda items: [items[:10], items[10:]])
    with pytest.raises(RuntimeError):
        command("undo", str(batch))
    assert Incident.objects.count() == len(incidents)
    assert IncidentReport.objects.count() == linked.reports
    assert AcceptBatch.objects.get(pk=batch).undone_at is None
    assert AuditEntry.objects.count() == entries
