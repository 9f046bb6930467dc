"""Reads of imports and quarantined rows, limited to the user's own organisation's source lists."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from dozor.intake.mapping import cell_text
from dozor.intake.models import ImportBatch, QuarantinedRow, QuarantineStatus
from dozor.records.models import SourceList
from dozor.security.models import User


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


QUARANTINE_EXPORT_HEADER = (
    "import",
    "file",
    "row",
    "column",
    "value",
    "expected",
    "row_as_received",
)


def quarantine_export_rows(rows: QuerySet[QuarantinedRow]) -> Iterator[list[Any]]:
    """One line per problem: where it is, what was found, what was expected, and the whole row."""
    for row in rows.iterator(chunk_size=1000):
        raw = row.raw if isinstance(row.raw, dict) else {}
        whole = "; ".join(f"{column}={cell_text(value)}" for column, value in raw.items())
        for problem in row.problems:
            yield [
                row.batch_id,
                row.batch.file_name,
                problem.get("row", row.row_number),
                problem.get("column", ""),
                problem.get("value", ""),
                problem.get("expected", ""),
                whole,
            ]
