"""The Linkage page's runs and acceptances: started in the background, previewed, undone."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from dozor.linkage import views
from dozor.linkage.jobs import MSG_JOB_FAILED
from dozor.linkage.models import AcceptBatch, LinkageJob, LinkageRun
from dozor.records.models import Incident
from tests.conftest import Cast
from tests.linkage.conftest import Linkable
from tests.linkage.demo_reports import demo_reports_store

pytestmark = pytest.mark.django_db

VICTIM_WORD = "Нурматов"


@pytest.fixture(autouse=True)
def jobs_run_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "RUN_IN_THREAD", False)


def _accepted(cast: Cast) -> AcceptBatch:
    response = cast.client("owner").post(
        reverse("linkage:accept"), {"min_probability": "0.5", "confirm": "yes"}
    )
    job = LinkageJob.objects.get()
    assert response["Location"] == reverse("linkage:job", args=[job.token])
    return AcceptBatch.objects.get()


def test_the_preview_counts_what_accept_would_make(cast: Cast, linkable: Linkable) -> None:
    response = cast.client("owner").get(reverse("linkage:accept"), {"min_probability": "0.5"})
    plan = response.context["plan"]
    assert (plan.incidents, len(plan.new_groups), len(plan.lone)) == (2, 1, 1)
    assert not Incident.objects.filter(report_links__isnull=False).exists()


def test_the_preview_shows_no_names(cast: Cast, linkable: Linkable) -> None:
    response = cast.client("owner").get(reverse("linkage:accept"))
    assert VICTIM_WORD not in response.content.decode()


def test_a_probability_that_is_not_one_is_refused(cast: Cast, linkable: Linkable) -> None:
    response = cast.client("owner").get(reverse("linkage:accept"), {"min_probability": "7"})
    assert response.status_code == 400


def test_accepting_makes_the_incidents_and_opens_the_batch(cast: Cast, linkable: Linkable) -> None:
    batch = _accepted(cast)
    job = LinkageJob.objects.get()
    response = cast.client("owner").get(reverse("linkage:job", args=[job.token]))
    assert response["Location"] == reverse("linkage:batch", args=[batch.pk])
    assert batch.incidents_created == 2
    assert linkable.ngo.incident_link.incident_id == linkable.press.incident_link.incident_id


def test_the_batch_page_undoes_the_batch(cast: Cast, linkable: Linkable) -> None:
    batch = _accepted(cast)
    page = cast.client("owner").get(reverse("linkage:batch", args=[batch.pk]))
    assert page.context["preview"].incidents_deleted
    cast.client("owner").post(reverse("linkage:batch", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.undone_at is not None
    assert not Incident.objects.filter(report_links__isnull=False).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_organisations_batch_is_not_found(
    cast: Cast, linkable: Linkable, method: str
) -> None:
    batch = _accepted(cast)
    response = getattr(cast.client("outsider"), method)(reverse("linkage:batch", args=[batch.pk]))
    assert response.status_code == 404
    batch.refresh_from_db()
    assert batch.undone_at is None


def test_another_users_job_is_not_found(cast: Cast, linkable: Linkable) -> None:
    _accepted(cast)
    job = LinkageJob.objects.get()
    response = cast.client("colleague").get(reverse("linkage:job", args=[job.token]))
    assert response.status_code == 404


def test_a_run_started_from_the_page_fills_the_queue(cast: Cast) -> None:
    data = demo_reports_store(size=80, seed=5, organisation=cast.organisation, username="linker")
    client = cast.client("owner")
    client.force_login(data.user)
    response = client.post(reverse("linkage:run_start"))
    job = LinkageJob.objects.get()
    assert response["Location"] == reverse("linkage:job", args=[job.token])
    followed = client.get(response["Location"])
    assert followed["Location"] == reverse("linkage:queue")
    assert job.run == LinkageRun.objects.get() and job.run.pairs > 0


def test_a_run_that_cannot_be_made_says_why_and_stores_nothing(
    cast: Cast, linkable: Linkable
) -> None:
    LinkageRun.objects.all().delete()
    client = cast.client("owner")
    response = client.post(reverse("linkage:run_start"))
    page = client.get(response["Location"])
    job = LinkageJob.objects.get()
    assert job.state == "failed" and job.error and job.error != str(MSG_JOB_FAILED)
    assert job.error in html.unescape(page.content.decode())
    assert not LinkageRun.objects.exists()


def test_accepting_needs_the_previews_confirmation(cast: Cast, linkable: Linkable) -> None:
    response = cast.client("owner").post(reverse("linkage:accept"), {"min_probability": "0.5"})
    assert response.status_code == 400
    assert not AcceptBatch.objects.exists()


def test_a_run_is_started_by_post_only(cast: Cast) -> None:
    assert cast.client("owner").get(reverse("linkage:run_start")).status_code == 405
