"""Reads of imports and quarantined rows, limited to the user's own organisation's source lists."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from dozor.accounts.models import User
from dozor.intake.mapping import ColumnSet, Mapping, MappingError, cell_text, mapping_parse
from dozor.intake.models import ImportBatch, QuarantinedRow, QuarantineStatus
from dozor.records.custom_fields import CustomField
from dozor.records.models import Report, SourceList
from dozor.records.redaction import (
    NAME_PLACEHOLDER,
    SENSITIVE_PLACEHOLDER,
    is_name_column,
    report_victim_names,
    text_redacted,
)


def _organisation_id(user: User | AnonymousUser) -> int | None:
    if not user.is_authenticated or not user.is_active:
        return None
    assert isinstance(user, User)
    return user.organisation_id


def source_lists_importable(user: User | AnonymousUser) -> QuerySet[SourceList]:
    """Source lists the user may import into: their organisation's, if they write records."""
    if not isinstance(user, User) or not user.can_write_records() or not user.organisation_id:
        return SourceList.objects.none()
    return SourceList.objects.filter(organisation_id=user.organisation_id)


def batches_visible(user: User | AnonymousUser) -> QuerySet[ImportBatch]:
    organisation = _organisation_id(user)
    if organisation is None:
        return ImportBatch.objects.none()
    return ImportBatch.objects.filter(source_list__organisation_id=organisation).select_related(
        "source_list", "created_by"
    )


def quarantine_visible(
    user: User | AnonymousUser, *, status: str = QuarantineStatus.OPEN
) -> QuerySet[QuarantinedRow]:
    organisation = _organisation_id(user)
    if organisation is None:
        return QuarantinedRow.objects.none()
    rows = QuarantinedRow.objects.filter(source_list__organisation_id=organisation)
    if status:
        rows = rows.filter(status=status)
    return rows.select_related("batch", "source_list").order_by("batch_id", "row_number")


def quarantine_names_shown(user: User | AnonymousUser) -> bool:
    """Whether quarantined rows reach this user with the names in them: rows are the source's
    cells as received, shown to the organisation's members who may see its names."""
    return (
        isinstance(user, User)
        and user.organisation_id is not None
        and user.sees_names_of(user.organisation_id)
    )


QUARANTINE_EXPORT_HEADER = (
    "import",
    "file",
    "row",
    "column",
    "value",
    "expected",
    "row_as_received",
)


@dataclass(frozen=True)
class QuarantineShown:
    """A quarantined row as one user may read it."""

    row: QuarantinedRow
    raw: dict[str, Any]
    problems: list[dict[str, Any]]


@functools.lru_cache(maxsize=32)
def _mapping_of(text: str) -> Mapping:
    return mapping_parse(text, "the import's mapping")


@dataclass
class SensitiveColumns:
    """The columns each import's mapping read the organisation's sensitive custom fields from,
    read once per import for a page of rows. None for an import whose mapping no longer reads:
    nothing then says which cells are sensitive, so every cell is withheld."""

    found: dict[int, ColumnSet | None] = field(default_factory=dict)

    def __call__(self, batch: ImportBatch) -> ColumnSet | None:
        if batch.pk not in self.found:
            keys = set(
                CustomField.objects.filter(
                    organisation_id=batch.source_list.organisation_id, sensitive=True
                ).values_list("key", flat=True)
            )
            columns: ColumnSet | None = ColumnSet()
            if keys:
                try:
                    columns = _mapping_of(batch.mapping_text).custom_columns(keys)
                except MappingError:
                    columns = None
            self.found[batch.pk] = columns
        return self.found[batch.pk]


def _cells_redactor(
    raw: dict[str, Any], names: list[str], sensitive: ColumnSet | None
) -> Callable[[Any, Any], str]:
    """How a cell of a source list reads to a user who does not see its organisation's names: a
    name column's cell is the name placeholder, a cell the mapping read a sensitive custom field
    from is withheld, and in any other text the names, the sensitive cells' values and every
    person NER finds are taken out."""
    withheld = str(SENSITIVE_PLACEHOLDER)
    values = [
        text
        for column, value in raw.items()
        if sensitive is not None and column in sensitive and (text := cell_text(value).strip())
    ]
    known = [(name, "") for name in names] + [(value, withheld) for value in values]

    def redact(column: Any, value: Any) -> str:
        text = cell_text(value)
        if not text:
            return text
        if is_name_column(column):
            return str(NAME_PLACEHOLDER)
        if sensitive is None or column in sensitive:
            return withheld
        return str(text_redacted(text, known))

    return redact


def _params_redacted(problem: dict[str, Any], redact: Callable[[Any, Any], str]) -> dict[str, Any]:
    """A problem's parameters, whose texts may quote the cell (a field's refusal does), redacted;
    nothing when it has none."""
    params = problem.get("params")
    if not isinstance(params, dict):
        return {}
    return {
        "params": {
            key: redact("", value) if isinstance(value, str) else value
            for key, value in params.items()
        }
    }


def quarantine_shown(
    user: User | AnonymousUser, row: QuarantinedRow, sensitive: SensitiveColumns | None = None
) -> QuarantineShown:
    """The row as received and its problems: whole for those who see the organisation's names;
    for others every cell of a name column becomes the placeholder, every cell the import's
    mapping read a sensitive custom field from is withheld, and the names and sensitive values
    found there and every person NER finds are taken out of the other cells and of the
    problems' values and messages (which quote the value). ``sensitive`` keeps the columns
    read for a page of rows.

    A row is quarantined because it could not be read, so nothing parsed says which cell is a
    name: the columns' headers do.
    """
    raw = row.raw if isinstance(row.raw, dict) else {}
    problems = [p for p in row.problems if isinstance(p, dict)] if row.problems else []
    organisation_id = row.source_list.organisation_id
    if isinstance(user, User) and user.sees_names_of(organisation_id):
        return QuarantineShown(row=row, raw=raw, problems=problems)
    names = [cell_text(value) for column, value in raw.items() if is_name_column(column)]
    columns = (sensitive or SensitiveColumns())(row.batch)
    redact = _cells_redactor(raw, [name for name in names if name], columns)
    return QuarantineShown(
        row=row,
        raw={column: redact(column, value) for column, value in raw.items()},
        problems=[
            {
                **problem,
                "value": redact(problem.get("column", ""), problem.get("value", "")),
                "expected": redact("", problem.get("expected", "")),
                **_params_redacted(problem, redact),
            }
            for problem in problems
        ],
    )


def quarantine_shown_all(
    user: User | AnonymousUser, rows: Iterable[QuarantinedRow]
) -> Iterator[QuarantineShown]:
    """Each row as quarantine_shown gives it, each import's mapping read once."""
    sensitive = SensitiveColumns()
    for row in rows:
        yield quarantine_shown(user, row, sensitive)


def quarantine_export_rows(
    rows: QuerySet[QuarantinedRow], user: User | AnonymousUser
) -> Iterator[list[Any]]:
    """One line per problem: where it is, what was found, what was expected, and the whole row,
    as the user may read them (quarantine_shown)."""
    for shown in quarantine_shown_all(user, rows.iterator(chunk_size=1000)):
        row, raw = shown.row, shown.raw
        whole = "; ".join(f"{column}={cell_text(value)}" for column, value in raw.items())
        for problem in shown.problems:
            yield [
                row.batch_id,
                row.batch.file_name,
                problem.get("row", row.row_number),
                problem.get("column", ""),
                problem.get("value", ""),
                problem.get("expected", ""),
                whole,
            ]


def remap_problems_shown(user: User | AnonymousUser, batch: ImportBatch) -> list[dict[str, Any]]:
    """The problems a re-read listed (the reports it left as they were), as the user may read
    them: whole for those who see the organisation's names. For others the values of name
    columns become the placeholder, and the names the reports know (their rows' name columns,
    their victims) and every person NER finds are taken out of the other values, of the
    messages and of the reports' identifiers (a partner's identifier is a cell like any other).
    """
    problems = batch.problems if isinstance(batch.problems, list) else []
    problems = [problem for problem in problems if isinstance(problem, dict)]
    organisation_id = batch.source_list.organisation_id
    if not problems or (isinstance(user, User) and user.sees_names_of(organisation_id)):
        return problems
    names = _report_names(batch.source_list, {str(p.get("external_id", "")) for p in problems})
    columns = SensitiveColumns()(batch)
    raw = {str(p.get("column", "")): p.get("value", "") for p in problems}
    redact = _cells_redactor(raw, names, columns)
    return [
        {
            **problem,
            "value": redact(problem.get("column", ""), problem.get("value", "")),
            "external_id": redact("", problem.get("external_id", "")),
            "expected": redact("", problem.get("expected", "")),
            **_params_redacted(problem, redact),
        }
        for problem in problems
    ]


def _report_names(source_list: SourceList, external_ids: set[str]) -> list[str]:
    """The names the list's reports of these identifiers know: the cells of their rows' name
    columns and their victims' names."""
    names: list[str] = []
    for payload, fields in Report.objects.filter(
        source_list=source_list, external_id__in=external_ids
    ).values_list("payload", "fields"):
        if isinstance(payload, dict):
            names += [cell_text(v) for column, v in payload.items() if is_name_column(column)]
        names += report_victim_names(fields)
    return list(dict.fromkeys(name for name in names if name))
