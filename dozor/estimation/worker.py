"""Where queued estimate runs are executed: a thread of the web process, or a separate worker.

``DOZOR_ESTIMATION_WORKER=thread`` (the default) starts a daemon thread per run in the web process;
it suits one laptop (SQLite) and small servers. ``command`` leaves runs queued for
``dozor estimate --run-pending`` (a cron job, a systemd service with ``--wait``), which suits
several web workers behind a proxy (PostgreSQL). Both claim a run with one conditional UPDATE, so
a run never executes twice.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import connection

from dozor.estimation.services import estimate_run_execute

logger = logging.getLogger("dozor.estimation")


def _execute_and_close(run_id: int) -> None:
    try:
        estimate_run_execute(run_id=run_id)
    except Exception:
        logger.exception("estimate run %s: the background thread failed", run_id)
    finally:
        connection.close()


def estimate_run_dispatch(run_id: int) -> bool:
    """Start executing the run in a background thread if so configured; True if started."""
    if settings.DOZOR_ESTIMATION_WORKER != "thread":
        return False
    thread = threading.Thread(
        target=_execute_and_close, args=(run_id,), name=f"estimate-run-{run_id}", daemon=True
    )
    thread.start()
    return True
