"""Imports: every row of a file becomes a report or a quarantined row, in one transaction."""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from collections.abc import Mapping as MappingABC
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import User
from dozor.accounts.policy import require
from dozor.audit import services as audit
from dozor.intake import selectors
from dozor.intake.mapping import (
    Mapping,
    Problem,
    RowResult,
    cell_text,
    mapping_parse,
    row_fingerprint,
)
from dozor.intake.models import (
    ImportBatch,
    ImportJob,
    ImportJobState,
    PendingUpload,
    QuarantinedRow,
    QuarantineStatus,
)
from dozor.intake.readers import MSG_FILE_COLUMNS_MISSING, ImportFileError, RawRow, table_open
from dozor.records.bulk import bulk_insert
from dozor.records.custom_fields import MAPPING_PREFIX as CUSTOM_PREFIX
from dozor.records.custom_fields import CustomField, FieldTarget
from dozor.records.models import Incident, IncidentReport, Report, SourceList
from dozor.records.services import (
    ReportInput,
    custom_fields_of,
    incident_link_reports,
    reports_create_many,
)
from dozor.responses.services import events_from_reports
from dozor.security.crypto import KeyringLocked
from dozor.security.files import file_store
from dozor.security.keyring import keyring

logger = logging.getLogger(__name__)

CHUNK_ROWS = 1000
PREVIEW_ROWS = 20
SUMMARY_PROBLEMS = 100
MSG_IMPORT_NOT_ALLOWED = _(
    "Only documenters and administrators of the organisation that owns “%(source)s” may import "
    "into it."
)
MSG_IMPORT_LOCKED = _(
    "Dozor is locked (no encryption key was given), so it cannot import: imported rows hold "
    "names and are stored encrypted. Nothing was read or stored. An administrator restarts Dozor "
    "with the key (DOZOR_KEY_FILE or DOZOR_KEY_PASSPHRASE_FILE)."
)
MSG_QUARANTINE_NOT_OPEN = _("Row %(row)s of this import was already corrected and stored.")
MSG_QUARANTINE_UNKNOWN_COLUMN = _(
    "“%(column)s” is not a column of this row; its columns are %(columns)s."
)
MSG_CUSTOM_KEY_UNKNOWN = _(
    "The mapping's field “%(field)s” fills the custom field “%(key)s” on %(target)s, but the "
    "organisation has no active field of that key there: its values stay on the reports only, "
    "unchecked, and no incident takes them. Add the field (Custom fields) or correct the key."
)

Progress = Callable[[int, int], None]


@dataclass
class RowOutcome:
    """What happened to one row (kept for previews and for the first problems of a summary)."""

    row: int
    outcome: str  # stored, revised, quarantined, already_present, duplicate_in_file
    external_id: str
    payload: dict[str, Any]
    fields: dict[str, Any] | None
    problems: list[dict[str, Any]]


@dataclass
class ImportSummary:
    file: str
    sha256: str
    format: str
    encoding: str
    delimiter: str
    mapping: str
    source_list: str
    dry_run: bool
    batch: int | None = None
    rows: int = 0
    stored: int = 0
    revised: int = 0
    quarantined: int = 0
    already_present: int = 0
    duplicate_in_file: int = 0
    blank_lines: int = 0
    # What the import could not use of the mapping for this organisation (custom_field_warnings).
    warnings: list[str] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self, *, outcomes: int = 0) -> dict[str, Any]:
        data = asdict(self)
        data["outcomes"] = data["outcomes"][:outcomes]
        data["problems"] = data["problems"][:SUMMARY_PROBLEMS]
        return data


def _check_unlocked() -> None:
    if keyring().locked:
        raise KeyringLocked(str(MSG_IMPORT_LOCKED))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_import(user: User, source_list: SourceList) -> None:
    """Imports need the key (rows are sealed as they are read) and a writer of the list."""
    _check_unlocked()
    message = str(MSG_IMPORT_NOT_ALLOWED) % {"source": source_list.name}
    require(user, "source_list.write", source_list, message=message)


def _latest_payloads(source_list: SourceList, ids: Iterable[str]) -> dict[str, tuple[int, Any]]:
    latest: dict[str, tuple[int, Any]] = {}
    rows = Report.objects.filter(source_list=source_list, external_id__in=list(ids)).values_list(
        "external_id", "revision", "payload"
    )
    for external_id, revision, payload in rows:
        if external_id not in latest or revision > latest[external_id][0]:
            latest[external_id] = (revision, payload)
    return latest


class _Importer:
    """One import inside its transaction: decides each row and writes them in chunks."""

    def __init__(
        self,
        *,
        batch: ImportBatch,
        mapping: Mapping,
        summary: ImportSummary,
        user: User,
        keep_outcomes: int,
    ) -> None:
        self.batch = batch
        self.mapping = mapping
        self.summary = summary
        self.user = user
        self.keep_outcomes = keep_outcomes
        self.source_list = batch.source_list
        self.received_on = timezone.localdate()
        self.seen: dict[str, tuple[int, Any]] = {}
        self.open_quarantine = set(
            QuarantinedRow.objects.filter(
                source_list=self.source_list, status=QuarantineStatus.OPEN
            ).values_list("row_key", flat=True)
        )
        # Only rows quarantined by earlier imports can be resolved by a row stored now.
        self.earlier_quarantine = frozenset(self.open_quarantine)
        self.custom_checks = CustomChecks.of(mapping, self.source_list.organisation_id)

    def _keep(self, outcome: RowOutcome) -> None:
        if len(self.summary.outcomes) < self.keep_outcomes:
            self.summary.outcomes.append(outcome)

    def run_chunk(self, chunk: list[RawRow]) -> None:
        decided: list[tuple[RawRow, str, dict[str, Any] | None, list[Problem]]] = []
        for raw in chunk:
            key, id_problem = self.mapping.identity(raw.cells, raw.number)
            problems = [raw.problem] if raw.problem else []
            if id_problem:
                problems.append(id_problem)
            fields = None
            if not raw.problem:
                result = self.mapping.apply(raw.cells, raw.number)
                problems.extend(result.problems)
                problems.extend(self.custom_checks.problems(result, raw.number))
                fields = result.fields
            decided.append((raw, key, fields, problems))
        existing = _latest_payloads(
            self.source_list, {key for _, key, _, problems in decided if not problems}
        )
        fingerprints: list[str] = []
        inputs: list[ReportInput] = []
        quarantined: list[QuarantinedRow] = []
        for raw, key, fields, problems in decided:
            if not problems and self.mapping.id_column and key in self.seen:
                first_row, first_payload = self.seen[key]
                if first_payload != raw.cells:
                    problems.append(
                        Problem(
                            raw.number,
                            self.mapping.id_column,
                            key[:80],
                            "id_twice",
                            {"first": first_row},
                        )
                    )
            if problems:
                problem_dicts = [problem.as_dict() for problem in problems]
                fingerprint = row_fingerprint(raw.cells)
                if fingerprint in self.open_quarantine:
                    outcome = "already_present"
                else:
                    outcome = "quarantined"
                    self.open_quarantine.add(fingerprint)
                    quarantined.append(
                        QuarantinedRow(
                            batch=self.batch,
                            source_list=self.source_list,
                            row_number=raw.number,
                            row_key=fingerprint,
                            raw=raw.cells,
                            problems=problem_dicts,
                        )
                    )
                self._count(outcome, raw, key, None, problem_dicts)
                continue
            if key in self.seen:
                self._count("duplicate_in_file", raw, key, fields, [])
                continue
            self.seen[key] = (raw.number, raw.cells)
            revision = 1
            if key in existing:
                latest_revision, latest_payload = existing[key]
                if latest_payload == raw.cells or not self.mapping.id_column:
                    self._count("already_present", raw, key, fields, [])
                    continue
                revision = latest_revision + 1
            assert fields is not None
            fields["_import"] = {"batch": self.batch.pk, "row": raw.number}
            inputs.append(
                ReportInput(
                    external_id=key,
                    payload=raw.cells,
                    fields=fields,
                    received_on=self.received_on,
                    revision=revision,
                )
            )
            fingerprints.append(row_fingerprint(raw.cells) if self.earlier_quarantine else "")
            self._count("revised" if revision > 1 else "stored", raw, key, fields, [])
        reports = reports_create_many(
            source_list=self.source_list,
            user=self.user,
            items=inputs,
            context={"import": self.batch.pk},
        )
        bulk_insert(quarantined)
        self._resolve_quarantine(
            {fp: report for fp, report in zip(fingerprints, reports, strict=True) if fp}
        )
        self._revisions_join_incidents([report for report in reports if report.revision > 1])

    def _revisions_join_incidents(self, revisions: list[Report]) -> None:
        revisions_join_incidents(source_list=self.source_list, revisions=revisions, user=self.user)

    def _resolve_quarantine(self, stored: dict[str, Report]) -> None:
        """Rows quarantined by an earlier import and now stored (say, under a better mapping)."""
        waiting = set(stored) & self.open_quarantine
        if not waiting:
            return
        for row in QuarantinedRow.objects.filter(
            source_list=self.source_list, status=QuarantineStatus.OPEN, row_key__in=waiting
        ):
            row.status = QuarantineStatus.STORED
            row.report = stored[row.row_key]
            row.resolved_by = self.user
            row.resolved_at = timezone.now()
            row.save(update_fields=["status", "report", "resolved_by", "resolved_at"])
        self.open_quarantine -= waiting

    def _count(
        self,
        outcome: str,
        raw: RawRow,
        key: str,
        fields: dict[str, Any] | None,
        problems: list[dict[str, Any]],
    ) -> None:
        setattr(self.summary, outcome, getattr(self.summary, outcome) + 1)
        if problems and len(self.summary.problems) < SUMMARY_PROBLEMS:
            self.summary.problems.extend(problems)
        self._keep(RowOutcome(raw.number, outcome, key, raw.cells, fields, problems))


def revisions_join_incidents(
    *, source_list: SourceList, revisions: list[Report], user: User
) -> int:
    """A new revision of a report that is part of an incident becomes part of it too, with
    the response events it carries (each added once). Returns how many joined one."""
    if not revisions:
        return 0
    # The latest earlier revision that is part of an incident decides which.
    links = (
        IncidentReport.objects.filter(
            report__source_list=source_list,
            report__external_id__in=[report.external_id for report in revisions],
        )
        .order_by("report__external_id", "report__revision")
        .values_list("report__external_id", "incident_id")
    )
    incident_of = dict(links)
    incidents = Incident.objects.in_bulk(set(incident_of.values()))
    joined = 0
    for report in revisions:
        if report.external_id in incident_of:
            incident = incidents[incident_of[report.external_id]]
            incident_link_reports(incident=incident, reports=[report], user=user)
            events_from_reports(incident=incident, reports=[report], user=user)
            joined += 1
    return joined


def mapped_custom_fields(mapping: Mapping, organisation_id: int) -> dict[str, CustomField]:
    """The organisation's active incident fields the mapping fills (``custom_<key>``), by the
    mapping's field name."""
    names = {name for name in mapping.fields if name.startswith(CUSTOM_PREFIX)}
    if not names:
        return {}
    return {
        CUSTOM_PREFIX + field.key: field
        for field in custom_fields_of(organisation_id, FieldTarget.INCIDENT)
        if CUSTOM_PREFIX + field.key in names
    }


def custom_problems(
    mapping: Mapping, fields: dict[str, CustomField], result: RowResult, row: int
) -> list[Problem]:
    """A row's values of custom fields that their field refuses, each named by its column: the
    row is quarantined as for any other problem, not stored to stop an incident later."""
    problems = []
    for name, custom in fields.items():
        value = (result.fields or {}).get(name)
        try:
            custom.canonical(value)
        except ValidationError as error:
            column = mapping.fields[name].column or name
            problems.append(
                Problem(
                    row, column, str(value)[:80], "custom_field", {"problem": error.messages[0]}
                )
            )
    return problems


def mapped_person_fields(mapping: Mapping, organisation_id: int) -> dict[str, CustomField]:
    """The organisation's active fields on people the mapping's people fields fill (their
    ``custom``), by key."""
    keys = {key for keys in mapping.person_custom_keys().values() for key in keys}
    if not keys:
        return {}
    return {
        field.key: field
        for field in custom_fields_of(organisation_id, FieldTarget.PERSON)
        if field.key in keys
    }


def person_custom_problems(
    fields: dict[str, CustomField], result: RowResult, row: int
) -> list[Problem]:
    """Each person's custom values that their field refuses, named by the column read (a
    person's own numbered column, or the column every person of the row took), once each."""
    problems: dict[tuple[str, str], Problem] = {}
    for (name, position), columns in result.person_columns.items():
        person = (result.fields or {})[name][position]
        for key, column in columns.items():
            if key not in fields:
                continue
            value = person.get(CUSTOM_PREFIX + key)
            try:
                fields[key].canonical(value)
            except ValidationError as error:
                problems.setdefault(
                    (column, str(value)),
                    Problem(
                        row,
                        column,
                        str(value)[:80],
                        "custom_field",
                        {"problem": error.messages[0]},
                    ),
                )
    return list(problems.values())


@dataclass(frozen=True)
class CustomChecks:
    """The organisation's custom fields a mapping fills, on incidents and on people, read once
    for a run over many rows: what checks each row's values (an import, a re-read, a
    correction of a quarantined row)."""

    mapping: Mapping
    incident: dict[str, CustomField]
    people: dict[str, CustomField]

    @classmethod
    def of(cls, mapping: Mapping, organisation_id: int) -> CustomChecks:
        return cls(
            mapping,
            mapped_custom_fields(mapping, organisation_id),
            mapped_person_fields(mapping, organisation_id),
        )

    def problems(self, result: RowResult, row: int) -> list[Problem]:
        """The row's custom values that their fields refuse, each named by its column."""
        return [
            *custom_problems(self.mapping, self.incident, result, row),
            *person_custom_problems(self.people, result, row),
        ]


def custom_field_warnings(mapping: Mapping, organisation_id: int) -> list[str]:
    """A warning for each custom field the mapping fills that the organisation has no active
    field of: those values are kept on the reports, never checked, never taken by an incident."""
    incident_keys = {field.key for field in custom_fields_of(organisation_id, FieldTarget.INCIDENT)}
    person_keys = {field.key for field in custom_fields_of(organisation_id, FieldTarget.PERSON)}
    unknown = [
        (name, name.removeprefix(CUSTOM_PREFIX), FieldTarget.INCIDENT.label)
        for name in mapping.fields
        if name.startswith(CUSTOM_PREFIX) and name.removeprefix(CUSTOM_PREFIX) not in incident_keys
    ]
    unknown += [
        (name, key, FieldTarget.PERSON.label)
        for name, keys in mapping.person_custom_keys().items()
        for key in keys
        if key not in person_keys
    ]
    return [
        str(MSG_CUSTOM_KEY_UNKNOWN) % {"field": name, "key": key, "target": target}
        for name, key, target in unknown
    ]


def import_run(
    *,
    user: User,
    source_list: SourceList,
    path: Path | None = None,
    data: bytes | None = None,
    file_name: str,
    mapping: Mapping,
    file_format: str | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
    limit: int | None = None,
    keep_outcomes: int = PREVIEW_ROWS,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import a file into a source list: all of it, or (on any error) none of it.

    Each row becomes a report (the row verbatim as the payload, the mapping's result as the
    fields) or a quarantined row with every problem found in it. A row already stored for the
    source list (same identity, same cells) is counted and skipped; the same identity with other
    cells is stored as the next revision. With ``dry_run`` everything is decided and then rolled
    back; ``limit`` reads only the first rows (for previews). The file is ``path`` or, for an
    upload kept sealed, its ``data``.
    """
    _check_import(user, source_list)
    if (path is None) == (data is None):
        raise ValueError("import_run reads either a path or data")
    source: Path | bytes = data if data is not None else path  # type: ignore[assignment]
    table = table_open(
        source,
        file=file_name,
        file_format=file_format,
        encoding=encoding or mapping.encoding,
        delimiter=mapping.delimiter,
        sheet=mapping.sheet,
    )
    if table.columns:
        missing = mapping.missing_columns(table.columns)
        if missing:
            raise ImportFileError(
                str(MSG_FILE_COLUMNS_MISSING)
                % {
                    "file": file_name,
                    "missing": ", ".join(missing),
                    "columns": ", ".join(table.columns),
                }
            )
    if progress:
        progress(0, table.estimated_rows)
    summary = ImportSummary(
        file=file_name,
        sha256=(
            hashlib.sha256(source).hexdigest() if isinstance(source, bytes) else file_sha256(source)
        ),
        format=table.format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        mapping=mapping.name,
        source_list=source_list.name,
        dry_run=dry_run,
        warnings=custom_field_warnings(mapping, source_list.organisation_id),
    )
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            source_list=source_list,
            created_by=user,
            file_name=file_name[:255],
            file_sha256=summary.sha256,
            file_size=len(source) if isinstance(source, bytes) else source.stat().st_size,
            file_format=table.format,
            encoding=table.encoding,
            delimiter=table.delimiter,
            mapping_name=mapping.name[:200],
            mapping_text=mapping.text,
            mapping_sha256=hashlib.sha256(mapping.text.encode("utf-8")).hexdigest(),
        )
        importer = _Importer(
            batch=batch, mapping=mapping, summary=summary, user=user, keep_outcomes=keep_outcomes
        )
        chunk: list[RawRow] = []
        for raw in table.rows:
            chunk.append(raw)
            summary.rows += 1
            if len(chunk) >= CHUNK_ROWS:
                importer.run_chunk(chunk)
                chunk = []
                if progress:
                    progress(summary.rows, table.estimated_rows)
            if limit is not None and summary.rows >= limit:
                break
        if chunk:
            importer.run_chunk(chunk)
        summary.blank_lines = table.blank_lines
        for name in (
            "rows",
            "stored",
            "revised",
            "quarantined",
            "already_present",
            "duplicate_in_file",
            "blank_lines",
        ):
            setattr(batch, name, getattr(summary, name))
        batch.finished_at = timezone.now()
        batch.save()
        if progress:
            progress(summary.rows, summary.rows)
        if dry_run:
            transaction.set_rollback(True)
        else:
            summary.batch = batch.pk
            _import_audit(user=user, batch=batch)
    logger.info(
        "import %s into source list %s: %s rows, %s stored, %s quarantined%s",
        summary.sha256[:12],
        source_list.pk,
        summary.rows,
        summary.stored + summary.revised,
        summary.quarantined,
        " (dry run, rolled back)" if dry_run else "",
    )
    return summary


def _import_audit(*, user: User, batch: ImportBatch) -> None:
    """One entry per stored import, from the web or the command alike: the file by its hash (its
    name may name someone), the source list, the mapping and what became of the rows."""
    audit.audit_record(
        action=audit.Action.IMPORT,
        user=user,
        target=batch,
        changes={
            "source_list": batch.source_list.name,
            "file_sha256": batch.file_sha256,
            "file_size": batch.file_size,
            "format": batch.file_format,
            "mapping_sha256": batch.mapping_sha256,
            **{
                name: getattr(batch, name)
                for name in ("rows", "stored", "revised", "quarantined", "already_present")
            },
        },
    )


def quarantine_read_record(
    *, user: User, action: str, rows: int, target: QuarantinedRow | ImportBatch | None = None
) -> None:
    """The entry for a read of quarantined rows (a page, a list, an export): they are rows as
    the source gave them, names included for those who may see names."""
    audit.audit_record(
        action=action,
        user=user,
        target=target,
        changes={"quarantined_rows": rows, "names": selectors.quarantine_names_shown(user)},
    )


def quarantine_resubmit(
    *, user: User, row: QuarantinedRow, corrections: MappingABC[str, str]
) -> tuple[Report | None, list[Problem]]:
    """Store a quarantined row with corrected cells, or return why it still cannot be stored.

    The corrected cells become the report's payload; the row as it first came stays in the
    quarantine, linked to the report, so nothing of what the source gave is lost. Columns not
    named in ``corrections`` keep their value; cells beyond the header (``(extra N)``) are left
    out when the correction names every header column.
    """
    _check_import(user, row.source_list)
    if row.status != QuarantineStatus.OPEN:
        raise ValueError(str(MSG_QUARANTINE_NOT_OPEN) % {"row": row.row_number})
    original = row.raw if isinstance(row.raw, dict) else {}
    unknown = [column for column in corrections if column not in original]
    if unknown:
        raise ValueError(
            str(MSG_QUARANTINE_UNKNOWN_COLUMN)
            % {"column": unknown[0], "columns": ", ".join(original)}
        )
    mapping = mapping_parse(row.batch.mapping_text, row.batch.mapping_name)
    cells = {
        column: corrections.get(column, value)
        for column, value in original.items()
        if not column.startswith("(extra ")
    }
    with transaction.atomic():
        key, id_problem = mapping.identity(cells, row.row_number)
        result = mapping.apply(cells, row.row_number)
        checks = CustomChecks.of(mapping, row.source_list.organisation_id)
        problems = [
            *([id_problem] if id_problem else []),
            *result.problems,
            *checks.problems(result, row.row_number),
        ]
        if problems:
            return None, problems
        assert result.fields is not None
        latest = _latest_payloads(row.source_list, [key]).get(key)
        fields = {
            **result.fields,
            "_import": {"batch": row.batch_id, "row": row.row_number, "corrected": row.pk},
        }
        [report] = reports_create_many(
            source_list=row.source_list,
            user=user,
            items=[
                ReportInput(
                    external_id=key,
                    revision=latest[0] + 1 if latest else 1,
                    payload=cells,
                    fields=fields,
                    received_on=timezone.localdate(),
                )
            ],
            context={"import": row.batch_id, "quarantined": row.pk},
        )
        row.status = QuarantineStatus.STORED
        row.report = report
        row.resolved_by = user
        row.resolved_at = timezone.now()
        row.save(update_fields=["status", "report", "resolved_by", "resolved_at"])
        audit.audit_record(
            action=audit.Action.UPDATE,
            user=user,
            target=row,
            changes={
                "status": {"before": QuarantineStatus.OPEN, "after": QuarantineStatus.STORED},
                "report": {"before": None, "after": report.pk},
                # The columns corrected, not their values: a cell may hold a name.
                "corrected": sorted(column for column in corrections if column in cells),
            },
        )
    logger.info("quarantined row %s stored as report %s", row.pk, report.pk)
    return report, []


def correction_cells(raw: Any) -> dict[str, str]:
    """A quarantined row's cells as texts, for a correction form."""
    if not isinstance(raw, dict):
        return {}
    return {str(column): cell_text(value) for column, value in raw.items()}


def _upload_expired_before(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(hours=settings.DOZOR_IMPORT_UPLOAD_HOURS)


def uploads_clean(*, now: datetime.datetime | None = None) -> int:
    """Delete uploads never confirmed within DOZOR_IMPORT_UPLOAD_HOURS; return how many.

    The progress rows of web imports that finished longer ago go too: the import itself stays
    on record as its ImportBatch.
    """
    before = _upload_expired_before(now)
    expired = list(PendingUpload.objects.filter(created_at__lt=before))
    for upload in expired:
        upload_discard(upload=upload)
    if expired:
        logger.info("deleted %s unconfirmed uploads", len(expired))
    finished, _ = (
        ImportJob.objects.filter(updated_at__lt=before)
        .exclude(state=ImportJobState.RUNNING)
        .delete()
    )
    if finished:
        logger.info("deleted the progress of %s finished imports", finished)
    return len(expired)


def upload_store(
    *,
    user: User,
    source_list: SourceList,
    file_name: str,
    data: bytes,
    mapping_name: str,
    mapping_text: str,
    encoding: str = "",
) -> PendingUpload:
    """Keep an uploaded file, sealed in the file store, until its import is confirmed.

    Uploads older than DOZOR_IMPORT_UPLOAD_HOURS are deleted first.
    """
    _check_import(user, source_list)
    uploads_clean()
    stored = file_store().store(data)
    try:
        with transaction.atomic():
            return PendingUpload.objects.create(
                token=secrets.token_hex(16),
                created_by=user,
                source_list=source_list,
                file_name=Path(file_name).name[:200] or "upload",
                file_id=stored.file_id,
                file_size=stored.size,
                mapping_name=mapping_name[:200],
                mapping_text=mapping_text,
                encoding=encoding.strip()[:40],
            )
    except BaseException:
        file_store().delete(stored.file_id)
        raise


def upload_encoding_choose(*, user: User, upload: PendingUpload, encoding: str) -> None:
    """Read an upload waiting for confirmation with this encoding ("" to detect it again)."""
    _check_import(user, upload.source_list)
    upload.encoding = encoding.strip()[:40]
    upload.save(update_fields=["encoding"])


def upload_read(*, upload: PendingUpload) -> bytes:
    """The uploaded file's bytes, opened from the file store."""
    _check_unlocked()
    return file_store().read(upload.file_id)


def upload_discard(*, upload: PendingUpload) -> None:
    """Delete an upload and its sealed file (after its import, or when it expired)."""
    with transaction.atomic():
        PendingUpload.objects.filter(pk=upload.pk).delete()
    file_store().delete(upload.file_id)
