import io
from pathlib import Path

import pytest
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from PIL import Image

from dozor.accounts.models import Role
from dozor.demo.generator import DemoDataset, demo_generate
from dozor.demo.models import DemoLoad, ReportTruth, TrueIncident
from dozor.demo.services import demo_load
from dozor.evidence.models import Attachment, Preview
from dozor.records.models import Incident, IncidentReport, PersonInvolvement, Report
from dozor.records.title_search import titles_matching
from dozor.security.files import file_store
from dozor.submissions.models import Submission
from tests.factories import UserFactory
from tests.test_config import run_dozor

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
GPS_LATITUDE_REF = 1


@pytest.fixture(scope="module")
def dataset() -> DemoDataset:
    return demo_generate(size=120, seed=7)


def test_every_documented_incident_is_stored_with_all_its_reports(dataset: DemoDataset) -> None:
    summary = demo_load(dataset=dataset, user=None)
    documented = [incident for incident in dataset.incidents if incident.documented]
    assert summary.incidents == Incident.objects.count() == len(documented) == 120
    assert Report.objects.count() == IncidentReport.objects.count() == len(dataset.reports)
    assert not Incident.objects.annotate(n=Count("report_links")).filter(n=0).exists()


def test_the_truth_is_kept_apart_and_complete(dataset: DemoDataset) -> None:
    demo_load(dataset=dataset, user=None)
    assert TrueIncident.objects.count() == len(dataset.incidents)
    assert TrueIncident.objects.filter(documented=False, incident__isnull=False).count() == 0
    assert ReportTruth.objects.count() == Report.objects.count()
    link = IncidentReport.objects.select_related("report__truth__true_incident").first()
    assert link is not None
    assert link.report.truth.true_incident.incident_id == link.incident_id
    assert DemoLoad.objects.get().documented_incidents == 120


def test_references_are_unique_and_follow_the_year(dataset: DemoDataset) -> None:
    demo_load(dataset=dataset, user=None)
    for reference, date in Incident.objects.values_list("reference", "date_start"):
        assert reference.startswith(f"RU-{date.year}-")


def test_people_get_pseudonyms(dataset: DemoDataset) -> None:
    demo_load(dataset=dataset, user=None)
    assert PersonInvolvement.objects.exists()
    assert not PersonInvolvement.objects.filter(pseudonym="").exists()


def test_incidents_can_be_found_by_text_search(dataset: DemoDataset) -> None:
    """The loader writes in bulk: the titles' full-text index still holds every one."""
    demo_load(dataset=dataset, user=None)
    for incident in Incident.objects.order_by("id")[:20]:
        found = {id_ for row in titles_matching(incident.title) for id_ in row.values()}
        assert incident.pk in found, incident.title


@pytest.mark.database_free  # `dozor` on a SQLite home of its own
def test_demo_command_is_idempotent(tmp_path: Path) -> None:
    """A process of its own: `dozor demo` makes its home and database from nothing, as a first
    user runs it."""
    first = run_dozor(tmp_path, "demo", "--no-serve", "--size", "40", "--seed", "3")
    assert first.returncode == 0, first.stderr
    assert "Loaded 40 incidents" in first.stdout
    assert "Password (shown once" in first.stdout
    second = run_dozor(tmp_path, "demo", "--no-serve", "--size", "40", "--seed", "3")
    assert second.returncode == 0, second.stderr
    assert "already loaded (40 incidents, seed 3)" in second.stdout
    assert "Password" not in second.stdout.replace("password printed", "")


@pytest.mark.database_free  # `dozor` on a SQLite home of its own
def test_demo_refuses_an_absurd_size(tmp_path: Path) -> None:
    """A process of its own: the exit status is the point."""
    result = run_dozor(tmp_path, "demo", "--no-serve", "--size", "0")
    assert result.returncode == 1
    assert "--size 0: expected a number from 1 to 1,000,000" in result.stderr


def test_every_record_the_demo_makes_is_in_the_audit_trail(dataset: DemoDataset) -> None:
    from dozor.audit.models import AuditEntry
    from dozor.audit.selectors import audit_verify
    from dozor.responses.models import RaiseListEntry, Raising, ResponseEvent

    demo_load(dataset=dataset, user=None)
    created = AuditEntry.objects.filter(action="create")

    def entries(target_type: str) -> int:
        return created.filter(target_type=target_type).count()

    assert entries("records.incident") == Incident.objects.count()
    assert entries("responses.responseevent") == ResponseEvent.objects.count()
    assert entries("responses.raiselistentry") == RaiseListEntry.objects.count()
    assert entries("responses.raising") == Raising.objects.count()
    assert entries("accounts.organisation") == len(dataset.organisations)
    assert entries("evidence.attachment") == Attachment.objects.count() > 0
    batches = created.filter(target_type="records.sourcelist", changes__has_key="reports")
    assert sum(entry.changes["reports"] for entry in batches) == Report.objects.count()
    assert list(audit_verify()) == []


def test_the_demo_carries_evidence_with_previews_and_a_photos_gps(dataset: DemoDataset) -> None:
    summary = demo_load(dataset=dataset, user=None)
    kept = {attachment.kind: attachment for attachment in Attachment.objects.all()}
    assert summary.attachments == len(kept) == 3
    assert kept["medical"].incident is not None and kept["photo"].incident is not None
    assert kept["official"].response_event is not None
    assert kept["official"].response_event.kind == "refusal_to_open"
    assert {a.media_type for a in kept.values()} == {"application/pdf", "image/jpeg"}
    photo = Image.open(io.BytesIO(file_store().read(kept["photo"].file_id)))
    assert photo.getexif().get_ifd(GPS_IFD)[GPS_LATITUDE_REF] == "N"
    assert Preview.objects.exclude(file_id="").count() == 3
    assert all(a.description.startswith("[DEMO]") for a in kept.values())


def test_the_demo_leaves_submissions_waiting_in_the_owners_triage_queue(
    dataset: DemoDataset,
) -> None:
    summary = demo_load(dataset=dataset, user=None)
    waiting = list(Submission.objects.order_by("pk"))
    assert summary.submissions == len(waiting) == 3
    owner = waiting[0].organisation
    assert all(s.status == "new" and s.channel == "form" and not s.ip_address for s in waiting)
    assert {s.wants_legal_help for s in waiting} == {True, False}
    assert waiting[-1].files.get().media_type == "image/jpeg"
    documenter = UserFactory(organisation=owner, role=Role.DOCUMENTER)
    client = Client()
    client.force_login(documenter)
    queue = client.get(reverse("submissions:queue")).content.decode()
    assert all(str(s.title) in queue for s in waiting), queue
