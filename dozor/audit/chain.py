"""How an audit entry is hashed: SHA-256 over a canonical JSON of its fields and the previous hash.

Plain Python, so that anyone can re-check an exported trail without Dozor.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

HASHED_FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "changes",
    "origin",
    "ip_address",
    "user_agent",
    "previous_hash",
)


def canonical_json(values: dict[str, Any]) -> str:
    """Sorted keys, no spaces, UTF-8 text, times in UTC with microseconds."""

    def default(value: Any) -> str:
        if isinstance(value, datetime.datetime):
            return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value)

    return json.dumps(
        {name: values[name] for name in HASHED_FIELDS},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=default,
    )


def entry_hash(values: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(values).encode("utf-8")).hexdigest()
