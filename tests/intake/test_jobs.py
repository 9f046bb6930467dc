"""Import jobs: their progress and outcome are rows any server process can read."""

from __future__ import annotations

import pytest
from django.db import transaction

from dozor.intake import jobs
from dozor.intake.models import ImportJob, ImportJobState

pytestmark = pytest.mark.django_db


def test_a_job_that_succeeds_records_its_import(cast) -> None:
    from dozor.intake.models import ImportBatch
    from tests.factories import SourceListFactory

    source_list = SourceListFactory(organisation=cast.organisation)
    batch = ImportBatch.objects.create(
        source_list=source_list,
        created_by=cast.owner,
        file_name="a.csv",
        file_sha256="0" * 64,
        file_size=1,
        rows=3,
        file_format="csv",
        mapping_name="m",
        mapping_text="m",
        mapping_sha256="0" * 64,
    )

    def work(progress: jobs.Progress) -> int:
        return batch.pk

    job = jobs.job_start(user=cast.owner, work=work, run_in_thread=False)
    assert (job.state, job.batch_id, job.done, job.total) == (ImportJobState.DONE, batch.pk, 3, 3)


def test_a_job_that_fails_records_why(cast) -> None:
    def work(progress: jobs.Progress) -> int:
        raise ValueError("row 7: the date is missing")

    job = jobs.job_start(user=cast.owner, work=work, run_in_thread=False)
    assert job.state == ImportJobState.FAILED and job.error == "row 7: the date is missing"


@pytest.mark.django_db(transaction=True)
def test_progress_outside_a_transaction_is_written_at_once(cast) -> None:
    job = ImportJob.objects.create(token="a" * 32, created_by=cast.owner)
    jobs.ProgressWriter(job)(40, 100)
    job.refresh_from_db()
    assert (job.done, job.total, job.percent) == (40, 100, 40)


@pytest.mark.postgres  # SQLite has one writer at a time
@pytest.mark.django_db(transaction=True)
def test_progress_inside_the_import_transaction_is_visible_before_it_ends(cast) -> None:
    job = ImportJob.objects.create(token="b" * 32, created_by=cast.owner)
    writer = jobs.ProgressWriter(job)
    with transaction.atomic():
        writer(500, 1000)
        transaction.set_rollback(True)  # the import's own writes vanish; its progress does not
    writer.close()
    job.refresh_from_db()
    assert (job.done, job.total) == (500, 1000)
