"""Linkage runs and acceptances started from the Linkage page work in a background thread.

As with imports (dozor.intake.jobs): the work is one transaction of its own, and its progress
is a LinkageJob row written outside it, before and after, so that any server process can serve
the status page, which refreshes itself. A job that fails says why with Dozor's own message;
anything unexpected is logged and the page says only that it failed.
"""

from __future__ import annotations

import contextvars
import datetime
import logging
import secrets
import threading
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import User
from dozor.analysis.linkage import EngineUnavailableError, LinkageInputError
from dozor.linkage.models import AcceptBatch, LinkageJob, LinkageJobState, LinkageRun

logger = logging.getLogger(__name__)

MSG_JOB_FAILED = _("It failed unexpectedly; the server's log says why.")
# A job whose thread died with its server process stays "running": after this long it no
# longer stops the organisation from starting another.
RUNNING_AT_MOST = datetime.timedelta(hours=2)

Work = Callable[[], LinkageRun | AcceptBatch]


def job_get(token: str, user: User) -> LinkageJob | None:
    """The user's own job with this token (another's, even a colleague's, is not found)."""
    return LinkageJob.objects.filter(token=token, created_by_id=user.pk).first()


def job_running(user: User) -> LinkageJob | None:
    """A job of the user's organisation that is still working, if any."""
    if user.organisation_id is None:
        return None
    return (
        LinkageJob.objects.filter(
            organisation_id=user.organisation_id,
            state=LinkageJobState.RUNNING,
            updated_at__gte=timezone.now() - RUNNING_AT_MOST,
        )
        .order_by("-created_at")
        .first()
    )


def job_start(
    *,
    user: User,
    kind: str,
    work: Work,
    reports: int = 0,
    min_probability: float | None = None,
    run_in_thread: bool = True,
) -> LinkageJob:
    """Record a job and do ``work`` (in a thread unless ``run_in_thread`` is False)."""
    assert user.organisation_id is not None
    job = LinkageJob.objects.create(
        token=secrets.token_hex(16),
        kind=kind,
        organisation_id=user.organisation_id,
        created_by=user,
        reports=reports,
        min_probability=min_probability,
    )

    def run() -> None:
        try:
            result = work()
        except (ValidationError, PermissionDenied, LinkageInputError) as error:
            messages = getattr(error, "messages", None) or [str(error)]
            _finish(job, state=LinkageJobState.FAILED, error=" ".join(map(str, messages)))
        except EngineUnavailableError as error:
            _finish(job, state=LinkageJobState.FAILED, error=str(error))
        except Exception:  # the page must say that it failed, whatever failed
            logger.exception("linkage job %s failed", job.token)
            _finish(job, state=LinkageJobState.FAILED, error=str(MSG_JOB_FAILED))
        else:
            if isinstance(result, LinkageRun):
                job.run = result
            else:
                job.batch = result
            _finish(job, state=LinkageJobState.DONE)
        finally:
            if run_in_thread:
                connection.close()

    if run_in_thread:
        # The thread runs in a copy of the request's context, so that what it writes to the
        # audit trail comes from the request's address and browser.
        context = contextvars.copy_context()
        threading.Thread(
            target=context.run, args=(run,), name=f"linkage-{job.token[:8]}", daemon=True
        ).start()
    else:
        run()
    job.refresh_from_db()
    return job


def _finish(job: LinkageJob, *, state: str, error: str = "") -> None:
    job.state = state
    job.error = error[:2000]
    job.save(update_fields=["state", "error", "run", "batch", "updated_at"])
