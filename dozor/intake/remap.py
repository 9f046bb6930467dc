"""Re-reading a source list's stored rows with a corrected mapping.

A partner's file imported with a mapping that left a column as text, or missed one, cannot be
fixed by importing the file again: every row is already present. A re-read takes each imported
report of the list at its current revision and reads its payload — the row exactly as received —
with the corrected mapping:

- a report whose fields come out different gets a new revision: the same payload, the new
  fields, and ``fields["_import"]`` naming the re-read and the revision it replaces; if an earlier
  revision is part of an incident the new one joins it, with the response events it carries
  (``services.revisions_join_incidents``, as for an import's revisions);
- a report whose fields come out the same is counted as unchanged and left alone;
- a report the mapping cannot read (a value it rejects, a column it lacks, an identifier other
  than the report's) is left exactly as it is, and the problem is listed. Quarantining it would
  put one row in two places — a current report that incidents, linkage and estimates count, and
  an open quarantined row whose correction would be yet another revision — and a re-read is
  meant to improve what is stored, never to withdraw any of it;
- rows of the list waiting in the quarantine that the mapping can read are stored, as an import
  under a better mapping stores them, unless the list already holds a later version of the row.

The whole re-read is one transaction, recorded as an ImportBatch of kind ``remap`` (so the import
pages list it) with one audit entry. The file is not needed: the payloads are the rows as
received, so reading the file again could only add a chance of reading another version of it.
Reports not made by an import (press drafts, records entered by hand) have no row to re-read and
are left out.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import User
from dozor.accounts.policy import require
from dozor.audit import services as audit
from dozor.intake.mapping import Mapping, Problem
from dozor.intake.models import ImportBatch, ImportKind, QuarantinedRow, QuarantineStatus
from dozor.intake.services import (
    MSG_IMPORT_NOT_ALLOWED,
    CustomChecks,
    revisions_join_incidents,
)
from dozor.records.models import Report, SourceList
from dozor.records.services import ReportInput, reports_create_many
from dozor.security.crypto import KeyringLocked
from dozor.security.fields import is_locked
from dozor.security.keyring import keyring

logger = logging.getLogger(__name__)

CHUNK_REPORTS = 500
SHOWN_CHANGES = 20
KEPT_PROBLEMS = 100
# The key under which an import writes where a report's fields came from.
IMPORT_KEY = "_import"

MSG_REMAP_LOCKED = _(
    "Dozor is locked (no encryption key was given), so it cannot re-read stored rows: they are "
    "stored encrypted. Nothing was read or changed. An administrator restarts Dozor with the key "
    "(DOZOR_KEY_FILE or DOZOR_KEY_PASSPHRASE_FILE)."
)
# Problems only a re-read finds; the mapping's own problems keep their codes and texts.
REMAP_PROBLEM_MESSAGES = {
    "identity_changed": _(
        "the corrected mapping reads the identifier “%(found)s” from this row, but the report is "
        "“%(expected)s”: a re-read keeps each report's identifier, so the report was left as it was"
    ),
    "unopened": _("the stored row does not open with Dozor's key, so it was left as it was"),
    "superseded": _(
        "the source list already holds report “%(id)s” from the same or a later import, with other "
        "cells; the row stays in the quarantine (correct it there if it is the better one)"
    ),
}

Progress = Callable[[int, int], None]


@dataclass
class ReportChange:
    """One report whose fields a re-read changes: which fields, from what to what."""

    external_id: str
    row: int | None
    revision: int
    previous_revision: int
    fields: list[dict[str, Any]]  # {"field", "before", "after"}


@dataclass
class RemapSummary:
    source_list: str
    mapping: str
    dry_run: bool
    batch: int | None = None
    reports: int = 0
    revised: int = 0
    unchanged: int = 0
    unreadable: int = 0
    not_imported: int = 0
    joined_incidents: int = 0
    quarantine_stored: int = 0
    quarantine_left: int = 0
    # The mappings that made the fields of the reports read, by name, with how many each.
    mappings: dict[str, int] = field(default_factory=dict)
    changes: list[ReportChange] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_remap(user: User, source_list: SourceList) -> None:
    if keyring().locked:
        raise KeyringLocked(str(MSG_REMAP_LOCKED))
    message = str(MSG_IMPORT_NOT_ALLOWED) % {"source": source_list.name}
    require(user, "source_list.write", source_list, message=message)


def _plain(value: Any) -> Any:
    """A value as JSON stores it, so that parsed fields compare with stored ones."""
    return json.loads(json.dumps(value, ensure_ascii=False))


def fields_changed(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Each field whose value differs, in the new mapping's order, then the ones it dropped."""
    names = [name for name in after if name != IMPORT_KEY]
    names += [name for name in before if name not in after and name != IMPORT_KEY]
    return [
        {"field": name, "before": before.get(name), "after": after.get(name)}
        for name in names
        if before.get(name) != after.get(name)
    ]


def value_text(value: Any) -> str:
    """A parsed field's value as one line: a text as it is, anything else as JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _problem(external_id: str, problem: Problem | dict[str, Any]) -> dict[str, Any]:
    data = problem.as_dict() if isinstance(problem, Problem) else problem
    return {"external_id": external_id, **data}


def _remap_problem(
    external_id: str, row: int, column: str, value: str, code: str, params: dict[str, Any]
) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "row": row,
        "column": column,
        "value": value,
        "code": code,
        "params": params,
        "expected": str(REMAP_PROBLEM_MESSAGES[code]) % params,
    }


def _origin(report: Report) -> int | None:
    """The import the report's payload came in with (a re-read keeps the payload, and says so)."""
    imported = report.fields.get(IMPORT_KEY) if isinstance(report.fields, dict) else None
    if not isinstance(imported, dict):
        return None
    origin = imported.get("received_in", imported.get("batch"))
    return origin if isinstance(origin, int) else None


def current_reports(source_list: SourceList) -> list[int]:
    """The ids of the list's reports at their latest revision, by identifier."""
    later = Report.objects.filter(
        source_list=source_list,
        external_id=OuterRef("external_id"),
        revision__gt=OuterRef("revision"),
    )
    return list(
        Report.objects.filter(source_list=source_list)
        .filter(~Exists(later))
        .order_by("external_id")
        .values_list("pk", flat=True)
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


class _Remap:
    """One re-read inside its transaction."""

    def __init__(
        self, *, batch: ImportBatch, mapping: Mapping, summary: RemapSummary, user: User
    ) -> None:
        self.batch = batch
        self.mapping = mapping
        self.summary = summary
        self.user = user
        self.source_list = batch.source_list
        self.made_by: Counter[int | None] = Counter()
        self.custom_checks = CustomChecks.of(mapping, self.source_list.organisation_id)

    def _problem_add(self, problem: dict[str, Any]) -> None:
        if len(self.summary.problems) < KEPT_PROBLEMS:
            self.summary.problems.append(problem)

    def reports_chunk(self, ids: list[int]) -> None:
        inputs: list[ReportInput] = []
        for report in Report.objects.filter(pk__in=ids).order_by("external_id"):
            if is_locked(report.fields) or is_locked(report.payload):
                self.summary.reports += 1
                self.summary.unreadable += 1
                self._problem_add(_remap_problem(report.external_id, 0, "", "", "unopened", {}))
                continue
            imported = report.fields.get(IMPORT_KEY) if isinstance(report.fields, dict) else None
            if not isinstance(imported, dict) or not isinstance(report.payload, dict):
                self.summary.not_imported += 1
                continue
            self.summary.reports += 1
            made_by = imported.get("batch")
            self.made_by[made_by if isinstance(made_by, int) else None] += 1
            revision = self._read(report, imported)
            if revision is not None:
                inputs.append(revision)
        revisions = reports_create_many(
            source_list=self.source_list,
            user=self.user,
            items=inputs,
            context={"import": self.batch.pk},
        )
        self.summary.joined_incidents += revisions_join_incidents(
            source_list=self.source_list, revisions=revisions, user=self.user
        )

    def _read(self, report: Report, imported: dict[str, Any]) -> ReportInput | None:
        number = imported.get("row")
        row = number if isinstance(number, int) else 0
        key, id_problem = self.mapping.identity(report.payload, row)
        if id_problem is not None or key != report.external_id:
            self.summary.unreadable += 1
            if id_problem is not None:
                self._problem_add(_problem(report.external_id, id_problem))
            else:
                self._problem_add(
                    _remap_problem(
                        report.external_id,
                        row,
                        self.mapping.id_column or "",
                        key[:80],
                        "identity_changed",
                        {"found": key[:80], "expected": report.external_id},
                    )
                )
            return None
        result = self.mapping.apply(report.payload, row)
        problems = [*result.problems, *self.custom_checks.problems(result, row)]
        if problems or result.fields is None:
            self.summary.unreadable += 1
            for problem in problems:
                self._problem_add(_problem(report.external_id, problem))
            return None
        after = _plain(result.fields)
        before = {name: value for name, value in report.fields.items() if name != IMPORT_KEY}
        changed = fields_changed(before, after)
        if not changed:
            self.summary.unchanged += 1
            return None
        self.summary.revised += 1
        origin = _origin(report)
        after[IMPORT_KEY] = {
            "batch": self.batch.pk,
            "kind": ImportKind.REMAP.value,
            "row": row,
            "previous_revision": report.revision,
            "previous_report": report.pk,
            **({"received_in": origin} if origin is not None else {}),
        }
        if len(self.summary.changes) < SHOWN_CHANGES:
            self.summary.changes.append(
                ReportChange(
                    external_id=report.external_id,
                    row=row or None,
                    revision=report.revision + 1,
                    previous_revision=report.revision,
                    fields=changed,
                )
            )
        return ReportInput(
            external_id=report.external_id,
            revision=report.revision + 1,
            payload=report.payload,
            fields=after,
            # The row was received when the earlier revision's was: only its reading changed.
            received_on=report.received_on,
        )

    def quarantine(self) -> None:
        """Store the list's quarantined rows that the corrected mapping reads."""
        rows = list(
            QuarantinedRow.objects.filter(
                source_list=self.source_list, status=QuarantineStatus.OPEN
            )
            .select_related("batch")
            .order_by("batch_id", "row_number")
        )
        readable: list[tuple[QuarantinedRow, str, dict[str, Any]]] = []
        for row in rows:
            raw = row.raw if isinstance(row.raw, dict) else None
            if raw is None:
                self.summary.quarantine_left += 1
                continue
            key, id_problem = self.mapping.identity(raw, row.row_number)
            result = self.mapping.apply(raw, row.row_number)
            refused = self.custom_checks.problems(result, row.row_number)
            if id_problem is not None or result.problems or refused or result.fields is None:
                self.summary.quarantine_left += 1
                continue
            readable.append((row, key, _plain(result.fields)))
        if not readable:
            return
        latest: dict[str, Report] = {}
        for report in Report.objects.filter(
            source_list=self.source_list, external_id__in={item[1] for item in readable}
        ).order_by("external_id", "revision"):
            latest[report.external_id] = report
        revisions: list[Report] = []
        for row, key, fields in readable:
            current = latest.get(key)
            if current is not None and current.payload == row.raw:
                self._resolve(row, current)
                continue
            if current is not None and not self._row_is_newer(row, current):
                self.summary.quarantine_left += 1
                self._problem_add(
                    _remap_problem(key, row.row_number, "", "", "superseded", {"id": key})
                )
                continue
            fields[IMPORT_KEY] = {
                "batch": self.batch.pk,
                "kind": ImportKind.REMAP.value,
                "row": row.row_number,
                "quarantined": row.pk,
                "received_in": row.batch_id,
            }
            # Saved one by one: a later quarantined row of the same identity follows this one.
            [report] = reports_create_many(
                source_list=self.source_list,
                user=self.user,
                items=[
                    ReportInput(
                        external_id=key,
                        revision=current.revision + 1 if current is not None else 1,
                        payload=row.raw,
                        fields=fields,
                        received_on=timezone.localdate(row.batch.created_at),
                    )
                ],
                context={"import": self.batch.pk, "quarantined": row.pk},
            )
            latest[key] = report
            self._resolve(row, report)
            if report.revision > 1:
                revisions.append(report)
        self.summary.joined_incidents += revisions_join_incidents(
            source_list=self.source_list, revisions=revisions, user=self.user
        )

    @staticmethod
    def _row_is_newer(row: QuarantinedRow, current: Report) -> bool:
        """Whether a quarantined row came after the payload of the report's current revision."""
        origin = _origin(current)
        if origin is not None:
            return row.batch_id > origin
        return row.batch.created_at > current.created_at

    def _resolve(self, row: QuarantinedRow, report: Report) -> None:
        row.status = QuarantineStatus.STORED
        row.report = report
        row.resolved_by = self.user
        row.resolved_at = timezone.now()
        row.save(update_fields=["status", "report", "resolved_by", "resolved_at"])
        self.summary.quarantine_stored += 1

    def mapping_names(self) -> dict[str, int]:
        names = dict(
            ImportBatch.objects.filter(
                pk__in=[pk for pk in self.made_by if pk is not None]
            ).values_list("pk", "mapping_name")
        )
        counted: Counter[str] = Counter()
        for pk, count in self.made_by.items():
            counted[names.get(pk, "?") if pk is not None else "?"] += count
        return dict(counted.most_common())


def remap_run(
    *,
    user: User,
    source_list: SourceList,
    mapping: Mapping,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RemapSummary:
    """Re-read every imported report of the source list with ``mapping``: all of it, or (on any
    error, or with ``dry_run``) none of it. See the module's description for what happens to
    each report and quarantined row."""
    _check_remap(user, source_list)
    summary = RemapSummary(source_list=source_list.name, mapping=mapping.name, dry_run=dry_run)
    with transaction.atomic():
        # One re-read of a list at a time: a second one waits, then reads what the first wrote.
        SourceList.objects.select_for_update().filter(pk=source_list.pk).first()
        batch = ImportBatch.objects.create(
            kind=ImportKind.REMAP,
            source_list=source_list,
            created_by=user,
            file_name="",
            file_sha256="",
            file_size=0,
            file_format="",
            mapping_name=mapping.name[:200],
            mapping_text=mapping.text,
            mapping_sha256=_sha256(mapping.text),
        )
        remap = _Remap(batch=batch, mapping=mapping, summary=summary, user=user)
        ids = current_reports(source_list)
        if progress:
            progress(0, len(ids))
        done = 0
        for chunk in _chunks(ids, CHUNK_REPORTS):
            remap.reports_chunk(chunk)
            done += len(chunk)
            if progress:
                progress(done, len(ids))
        remap.quarantine()
        summary.mappings = remap.mapping_names()
        batch.rows = summary.reports
        batch.revised = summary.revised
        batch.unchanged = summary.unchanged
        batch.unreadable = summary.unreadable
        batch.stored = summary.quarantine_stored
        batch.problems = summary.problems
        batch.finished_at = timezone.now()
        batch.save()
        if dry_run:
            transaction.set_rollback(True)
        else:
            summary.batch = batch.pk
            _remap_audit(user=user, batch=batch, summary=summary)
    if dry_run:
        _remap_preview_audit(user=user, source_list=source_list, mapping=mapping, summary=summary)
    logger.info(
        "re-read of source list %s: %s reports, %s revised, %s unchanged, %s unreadable%s",
        source_list.pk,
        summary.reports,
        summary.revised,
        summary.unchanged,
        summary.unreadable,
        " (dry run, rolled back)" if dry_run else "",
    )
    return summary


def _names_shown(user: User, source_list: SourceList, summary: RemapSummary) -> bool:
    """Whether the summary, as the command prints it and the preview shows it, can hold names:
    it quotes stored rows' values, whole for those who see the list's names."""
    return bool(summary.changes or summary.problems) and user.sees_names_of(
        source_list.organisation_id
    )


def _remap_audit(*, user: User, batch: ImportBatch, summary: RemapSummary) -> None:
    """One entry per stored re-read, from the web or the command alike."""
    audit.audit_record(
        action=audit.Action.IMPORT,
        user=user,
        target=batch,
        changes={
            "kind": ImportKind.REMAP.value,
            "source_list": batch.source_list.name,
            "mapping_sha256": batch.mapping_sha256,
            "reports": summary.reports,
            "revised": summary.revised,
            "unchanged": summary.unchanged,
            "unreadable": summary.unreadable,
            "not_imported": summary.not_imported,
            "joined_incidents": summary.joined_incidents,
            "quarantine_stored": summary.quarantine_stored,
            "names": _names_shown(user, batch.source_list, summary),
        },
    )


def _remap_preview_audit(
    *, user: User, source_list: SourceList, mapping: Mapping, summary: RemapSummary
) -> None:
    """The entry for a dry run (the preview on the web): nothing is stored, but the stored rows
    were read and their values shown."""
    audit.audit_record(
        action=audit.Action.VIEW,
        user=user,
        target=source_list,
        changes={
            "kind": ImportKind.REMAP.value,
            "dry_run": True,
            "mapping_sha256": _sha256(mapping.text),
            "reports": summary.reports,
            "revised": summary.revised,
            "unreadable": summary.unreadable,
            "names": _names_shown(user, source_list, summary),
        },
    )


def remap_problems_read_record(*, user: User, batch: ImportBatch) -> None:
    """The entry for a read of the problems a re-read listed: they quote stored rows' cells."""
    problems = batch.problems if isinstance(batch.problems, list) else []
    audit.audit_record(
        action=audit.Action.VIEW,
        user=user,
        target=batch,
        changes={
            "problems_shown": len(problems),
            "names": user.sees_names_of(batch.source_list.organisation_id),
        },
    )
