"""Imports started from the web run in a background thread; their progress is kept in memory.

The import itself is one transaction, so its progress cannot be read from the database until it
ends; this registry is what the status page reads meanwhile. It lives in the serving process:
with several worker processes, the status page must be served by the one that started the job
(`dozor serve` runs one process).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection

logger = logging.getLogger(__name__)


@dataclass
class Job:
    token: str
    user_id: int
    state: str = "running"  # running, done, failed
    done: int = 0
    total: int = 0
    batch_id: int | None = None
    error: str = ""

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.total)) if self.total else 0


_jobs: dict[str, Job] = {}
_lock = threading.Lock()


def job_get(token: str, user_id: int) -> Job | None:
    with _lock:
        job = _jobs.get(token)
    return job if job is not None and job.user_id == user_id else None


def job_start(*, user_id: int, work: Callable[[Job], int], run_in_thread: bool = True) -> Job:
    """Run ``work`` (which returns the import's batch id) and record how it went."""
    job = Job(token=uuid.uuid4().hex, user_id=user_id)
    with _lock:
        _jobs[job.token] = job

    def run() -> None:
        try:
            job.batch_id = work(job)
            job.state = "done"
        except Exception as error:  # the page must say that it failed, whatever failed
            logger.exception("import job %s failed", job.token)
            job.error = str(error)
            job.state = "failed"
        finally:
            if run_in_thread:
                connection.close()

    if run_in_thread:
        threading.Thread(target=run, name=f"import-{job.token[:8]}", daemon=True).start()
    else:
        run()
    return job
