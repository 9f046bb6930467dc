"""Reading and checking the audit trail."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Model, QuerySet

from dozor.audit import chain
from dozor.audit.models import GENESIS_HASH, Action, AuditChainHead, AuditEntry

VERIFY_BATCH = 2000
VERSION_ACTIONS = (Action.CREATE, Action.UPDATE, Action.LINK, Action.UNLINK, Action.DELETE)


@dataclass(frozen=True)
class Problem:
    entry_id: int | None
    what: str

    def __str__(self) -> str:
        where = f"entry {self.entry_id}" if self.entry_id is not None else "chain head"
        return f"{where}: {self.what}"


def _values(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in chain.HASHED_FIELDS}


def audit_verify() -> Iterator[Problem]:
    """Every place where the stored trail differs from what was appended.

    An edited entry no longer matches its own hash; a deleted or reordered one breaks the link
    from the entry after it (and leaves a gap in the numbering); entries removed from the end
    leave the chain head pointing past the last entry.
    """
    previous_hash = GENESIS_HASH
    previous_id = 0
    last_id = 0
    entries = AuditEntry.objects.order_by("id")
    start = 0
    while True:
        batch = list(entries.filter(id__gt=start)[:VERIFY_BATCH])
        if not batch:
            break
        for entry in batch:
            if entry.pk != previous_id + 1:
                yield Problem(
                    entry.pk,
                    f"follows entry {previous_id}: entries {previous_id + 1}–{entry.pk - 1} "
                    "are missing (deleted).",
                )
            if entry.previous_hash != previous_hash:
                yield Problem(
                    entry.pk,
                    f"does not link to entry {previous_id} (previous hash "
                    f"{entry.previous_hash[:12]}…, expected {previous_hash[:12]}…): an entry "
                    "before it was deleted, edited or moved.",
                )
            recomputed = chain.entry_hash(_values(entry))
            if recomputed != entry.entry_hash:
                yield Problem(
                    entry.pk,
                    "its content does not match its hash: the entry was edited "
                    f"(stored {entry.entry_hash[:12]}…, content hashes to {recomputed[:12]}…).",
                )
            previous_hash, previous_id, last_id = entry.entry_hash, entry.pk, entry.pk
        start = batch[-1].pk
    head = AuditChainHead.objects.filter(pk=1).first()
    head_id = head.last_entry_id if head else None
    if (head_id or 0) != last_id:
        yield Problem(
            None,
            f"records entry {head_id} as the last one, but the trail ends at entry {last_id}: "
            "entries were removed from the end.",
        )
    elif head is not None and head.last_hash != previous_hash:
        yield Problem(
            None,
            f"records a different hash for the last entry {last_id}: it was edited or replaced.",
        )


def entries_check(entries: Sequence[AuditEntry]) -> dict[int, str]:
    """For each of the given entries, "" when its content matches its hash and it links to the
    entry numbered before it, else what is wrong.

    A cheap check of the entries a document cites (an evidence file's custody record): one
    query for their predecessors' hashes, not a walk of the whole chain (audit_verify)."""
    before = dict(
        AuditEntry.objects.filter(id__in=[entry.pk - 1 for entry in entries]).values_list(
            "id", "entry_hash"
        )
    )
    found: dict[int, str] = {}
    for entry in entries:
        problems = []
        if chain.entry_hash(_values(entry)) != entry.entry_hash:
            problems.append("its content does not match its hash")
        expected = GENESIS_HASH if entry.pk == 1 else before.get(entry.pk - 1)
        if expected is None:
            problems.append(f"entry {entry.pk - 1} before it is missing")
        elif entry.previous_hash != expected:
            problems.append(f"it does not link to entry {entry.pk - 1}")
        found[entry.pk] = "; ".join(problems)
    return found


def chain_head() -> AuditChainHead | None:
    return AuditChainHead.objects.filter(pk=1).first()


def audit_count() -> int:
    return AuditEntry.objects.count()


@dataclass(frozen=True)
class Change:
    field: str
    before: Any = None
    after: Any = None
    hidden: bool = False  # a sensitive field: the trail says only that it changed


@dataclass(frozen=True)
class Version:
    number: int
    entry: AuditEntry
    changes: list[Change]


def _changes(raw: Any) -> list[Change]:
    if not isinstance(raw, dict):
        return []
    changes = []
    for name, value in sorted(raw.items()):
        if isinstance(value, dict) and ("before" in value or "after" in value):
            changes.append(Change(name, value.get("before"), value.get("after")))
        else:
            changes.append(Change(name, after=value, hidden=value == "changed"))
    return changes


# An incident is typed as any model: the trail sits below the records and names what it records
# by its label ("records.incident"), never by importing it.
def incident_entries(*, incident: Model) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        target_type=incident._meta.label_lower, target_id=str(incident.pk)
    ).order_by("id")


def incident_versions(*, incident: Model) -> list[Version]:
    """The incident's versions from the trail, oldest first: each write with what it changed.

    Callers must have checked that the user may see the incident (records.selectors)."""
    versions: list[Version] = []
    for entry in incident_entries(incident=incident).filter(action__in=VERSION_ACTIONS):
        versions.append(
            Version(number=len(versions) + 1, entry=entry, changes=_changes(entry.changes))
        )
    return versions


REFUSAL_ACTIONS = (Action.REFUSED, Action.REFUSAL_ALERT)


def refusals_of_organisation(organisation_id: int) -> QuerySet[AuditEntry]:
    """The refused requests and alerts of the members of one organisation, newest first. Who may
    see them is the caller's to check (dozor.accounts.views.refusals: administrators)."""
    members = get_user_model().objects.filter(organisation_id=organisation_id).values("pk")
    return refusals_all().filter(actor_id__in=members)


def refusals_all() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(action__in=REFUSAL_ACTIONS).order_by("-id")
