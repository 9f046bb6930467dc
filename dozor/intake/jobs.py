"""Imports started from the web page run in a background thread; their progress is an ImportJob row.

The import's data is one transaction, so its progress cannot travel inside it. The job row is
written in its own short transactions: before the import, after it, and while it runs through a
second database connection. The status page reads the row, so any server process can serve it.

SQLite lets one connection write at a time: while the import holds the write lock, progress
cannot be written, and the page shows the job running until it finishes. PostgreSQL shows the
rows read as they go.
"""

from __future__ import annotations

import contextvars
import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from dozor.accounts.models import User
from dozor.intake.models import ImportBatch, ImportJob, ImportJobState
from dozor.security.crypto import KeyringLocked

logger = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 0.5

Progress = Callable[[int, int], None]


class ProgressWriter:
    """Writes a job's rows done/total outside the import's transaction, at most twice a second."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.side: Any = None
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_SECONDS and done < total:
            return
        self.last = now
        total = max(total, done)
        if not connection.in_atomic_block:
            ImportJob.objects.filter(pk=self.job.pk).update(
                done=done, total=total, updated_at=timezone.now()
            )
        elif connection.vendor == "postgresql":
            self._write_aside(done, total)

    def _write_aside(self, done: int, total: int) -> None:
        if self.side is None:
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)
        table = ImportJob._meta.db_table
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET done = %s, total = %s, updated_at = %s WHERE id = %s",  # noqa: S608 - the model's own table name
                [done, total, timezone.now(), self.job.pk],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


def job_get(token: str, user_id: int) -> ImportJob | None:
    return ImportJob.objects.filter(token=token, created_by_id=user_id).first()


def job_start(
    *, user: User, work: Callable[[Progress], int], run_in_thread: bool = True
) -> ImportJob:
    """Run ``work`` (which returns the import's batch id) and record how it went."""
    job = ImportJob.objects.create(token=secrets.token_hex(16), created_by=user)

    def run() -> None:
        progress = ProgressWriter(job)
        try:
            batch_id = work(progress)
        except Exception as error:  # the page must say that it failed, whatever failed
            logger.exception("import job %s failed", job.token)
            _job_finish(job, state=ImportJobState.FAILED, error=str(error))
        else:
            _job_finish(job, state=ImportJobState.DONE, batch_id=batch_id)
        finally:
            progress.close()
            if run_in_thread:
                connection.close()

    if run_in_thread:
        # The thread runs in a copy of the request's context, so that what it writes to the
        # audit trail comes from the request's address and browser, not from "system".
        context = contextvars.copy_context()
        threading.Thread(
            target=context.run, args=(run,), name=f"import-{job.token[:8]}", daemon=True
        ).start()
    else:
        run()
    job.refresh_from_db()
    return job


def _job_finish(
    job: ImportJob, *, state: str, batch_id: int | None = None, error: str = ""
) -> None:
    job.refresh_from_db(fields=["done", "total"])
    job.state = state
    job.batch_id = batch_id
    job.error = error
    if state == ImportJobState.DONE and batch_id is not None:
        rows = ImportBatch.objects.filter(pk=batch_id).values_list("rows", flat=True).first()
        job.done = job.total = rows or 0
    try:
        job.save()
    except KeyringLocked:  # the error cannot be sealed without the key: keep the state only
        job.error = ""
        job.save()
