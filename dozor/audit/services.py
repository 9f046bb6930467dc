"""Appending to the audit trail. Every app calls audit_record() inside its own transaction.

The entry is written in the caller's transaction, so a write and its audit entry are stored
together or not at all. Appends are serialised on the chain head row (SELECT ... FOR UPDATE on
PostgreSQL; on SQLite every write transaction is IMMEDIATE and so already exclusive), so two
writers can never both append after the same entry.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from dozor.audit import chain
from dozor.audit.models import GENESIS_HASH, Action, AuditChainHead, AuditEntry
from dozor.lib import origin

__all__ = [
    "Action",
    "audit_record",
    "audit_records",
    "audit_write",
    "changes_between",
    "sensitive_digest",
]

CHANGED = "changed"


def _actor(user: AbstractBaseUser | AnonymousUser | None) -> tuple[int | None, str]:
    if isinstance(user, AbstractBaseUser) and user.pk is not None:
        return user.pk, user.get_username()
    return None, ""


def _target(target: models.Model | None) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    label = str(getattr(target, "reference", "") or target.pk)
    return target._meta.label_lower, str(target.pk), label[:120]


def _plain(value: Any) -> Any:
    """A JSON value that survives a round trip through the database unchanged."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | float):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    return str(value)


def sensitive_digest(value: str) -> str:
    """A keyed digest of a sensitive value: equal values match, the value cannot be read back."""
    return hmac.new(
        settings.SECRET_KEY.encode(), str(value).encode("utf-8"), hashlib.sha256
    ).hexdigest()[:16]


def changes_between(
    before: Mapping[str, Any], after: Mapping[str, Any], *, sensitive: Iterable[str] = ()
) -> dict[str, Any]:
    """{field: {"before": …, "after": …}} for each field that differs; sensitive fields say only
    "changed", so the trail never holds a name or a free-text account in clear."""
    hidden = set(sensitive)
    changes: dict[str, Any] = {}
    for name in sorted(set(before) | set(after)):
        old, new = _plain(before.get(name)), _plain(after.get(name))
        if old == new:
            continue
        changes[name] = CHANGED if name in hidden else {"before": old, "after": new}
    return changes


CHAIN_ATTEMPTS = 3


def audit_record(
    *,
    action: str,
    user: AbstractBaseUser | AnonymousUser | None,
    target: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry: who (user), what (action, target, changes), when, from where."""
    if action not in Action.values:
        raise ValueError(f"'{action}' is not an audit action; expected one of {Action.values}.")
    where = origin.current()
    actor_id, actor = _actor(user)
    # Two threads that share one connection (a test's live server on in-memory SQLite) are not
    # kept apart by the head's lock and may both take the next number: the second takes the
    # one after. (Each connection of a server is: FOR UPDATE on PostgreSQL, an IMMEDIATE
    # transaction on SQLite.)
    for attempt in range(CHAIN_ATTEMPTS):
        try:
            with transaction.atomic():
                head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
                entry = _chained(
                    (head.last_entry_id or 0) + 1,
                    head.last_hash or GENESIS_HASH,
                    where,
                    (actor_id, actor),
                    action,
                    _target(target),
                    changes or {},
                )
                entry.save(force_insert=True)
                AuditChainHead.objects.filter(pk=1).update(
                    last_entry_id=entry.pk,
                    last_hash=entry.entry_hash,
                    entries=models.F("entries") + 1,
                )
        except IntegrityError:
            if attempt == CHAIN_ATTEMPTS - 1:
                raise
            continue
        return entry
    raise AssertionError("unreachable")


def _chained(
    entry_id: int,
    previous_hash: str,
    where: Any,
    actor: tuple[int | None, str],
    action: str,
    target: tuple[str, str, str],
    changes: Mapping[str, Any],
) -> AuditEntry:
    """The entry of this number after the entry of ``previous_hash``, its hash computed."""
    target_type, target_id, target_label = target
    values: dict[str, Any] = {
        "id": entry_id,
        "at": timezone.now().astimezone(datetime.UTC),
        "actor_id": actor[0],
        "actor": actor[1],
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "target_label": target_label,
        "changes": _plain(dict(changes)),
        "origin": where.channel[:60],
        "ip_address": where.ip_address,
        "user_agent": where.user_agent,
        "previous_hash": previous_hash,
    }
    return AuditEntry(entry_hash=chain.entry_hash(values), **values)


def audit_records(
    *,
    action: str,
    user: AbstractBaseUser | AnonymousUser | None,
    items: Iterable[tuple[models.Model, Mapping[str, Any]]],
) -> list[AuditEntry]:
    """Append one entry per (target, changes), all by one user with one action, in order.

    The same entries as that many audit_record() calls, chained one to the next, with the head
    locked and moved once: for services that write many records at once (accepting thousands of
    incidents), where one lock and two statements per entry cost more than the work itself.
    """
    if action not in Action.values:
        raise ValueError(f"'{action}' is not an audit action; expected one of {Action.values}.")
    where = origin.current()
    actor_id, actor = _actor(user)
    entries: list[AuditEntry] = []
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        last_id, last_hash = head.last_entry_id or 0, head.last_hash or GENESIS_HASH
        for target, changes in items:
            entry = _chained(
                last_id + 1, last_hash, where, (actor_id, actor), action, _target(target), changes
            )
            entries.append(entry)
            last_id, last_hash = entry.id, entry.entry_hash
        if not entries:
            return entries
        AuditEntry.objects.bulk_create(entries, batch_size=500)
        AuditChainHead.objects.filter(pk=1).update(
            last_entry_id=last_id, last_hash=last_hash, entries=models.F("entries") + len(entries)
        )
    return entries


def audit_write(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    target: models.Model,
    after: Mapping[str, Any],
    before: Mapping[str, Any] | None = None,
    sensitive: Iterable[str] = (),
) -> AuditEntry:
    """The entry for one record a service has just written: a creation when there was nothing
    ``before``, else a change with each differing field before and after.

    For services that keep a record's fields as plain values (say, official statistics: country,
    year, figures and their source): call it inside the service's transaction, after the save,
    with the values before and after. Fields in ``sensitive`` are recorded only as "changed".
    """
    if before is None:
        return audit_record(
            action=Action.CREATE,
            user=user,
            target=target,
            changes=changes_between({}, after, sensitive=sensitive),
        )
    return audit_record(
        action=Action.UPDATE,
        user=user,
        target=target,
        changes=changes_between(before, after, sensitive=sensitive),
    )


def report_file_record(
    *,
    user: AbstractBaseUser,
    kind: str,
    country: str,
    year: int,
    file_format: str,
    language: str = "",
    public: bool = False,
) -> AuditEntry:
    """The entry for a report written as a file (the annual report, one of its charts, the
    report card): who, which report (``kind``), for which country and year. Reports hold
    counts, never names, so the entry says so."""
    return audit_record(
        action=Action.EXPORT,
        user=user,
        changes={
            "export": kind,
            "format": file_format,
            "country": country,
            "year": year,
            "language": language,
            "public": public,
            "names": False,
        },
    )
