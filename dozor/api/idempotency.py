"""Idempotency keys (the ``Idempotency-Key`` header): a request retried after a dropped
connection, a timeout or a crash is answered with what the first one stored, never stored again.

The key is claimed in the same transaction that stores the import: a failed import leaves no key
behind (the request may be sent again as it was), and a second request with the key while the
first is running waits for it (PostgreSQL's unique index; SQLite's single writer) and then gets
its import.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import User
from dozor.api.models import IdempotentImport
from dozor.intake.models import ImportBatch

KEY_MAX_LENGTH = 200
MSG_KEY_NEEDED = _(
    "Send an “Idempotency-Key” header (a new random value, such as a UUID, for each batch; the "
    "same value when sending the batch again) so that a retried request stores nothing twice."
)
MSG_KEY_TOO_LONG = _("The Idempotency-Key is longer than %(limit)s characters.")
MSG_KEY_REUSED = _(
    "This Idempotency-Key was sent before with another request. A key stands for one batch: "
    "send a new key with new records."
)


class KeyReused(Exception):
    """The key came before with a request of other content."""

    def __init__(self) -> None:
        super().__init__(str(MSG_KEY_REUSED))


def request_digest(values: Any) -> str:
    """The SHA-256 of a request's validated content, its keys in order."""
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _replayed(user: User, key: str, digest: str) -> ImportBatch | None:
    claimed = IdempotentImport.objects.filter(user=user, key=key).select_related("batch").first()
    if claimed is None:
        return None
    if claimed.request_sha256 != digest:
        raise KeyReused
    assert claimed.batch is not None  # set in the transaction that claimed the key
    return claimed.batch


def import_once(
    *, user: User, key: str, digest: str, run: Callable[[], ImportBatch]
) -> tuple[ImportBatch, bool]:
    """The import this key stands for, and whether it was stored before: ``run`` stores it
    when the key is new. Raises KeyReused for the key with a request of other content."""
    before = _replayed(user, key, digest)
    if before is not None:
        return before, True
    try:
        with transaction.atomic():
            claim = IdempotentImport.objects.create(user=user, key=key, request_sha256=digest)
            claim.batch = run()
            claim.save(update_fields=["batch"])
    except IntegrityError:
        # Another request with this key committed first: it answers this one too.
        before = _replayed(user, key, digest)
        if before is None:
            raise
        return before, True
    return claim.batch, False
