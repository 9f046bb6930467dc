"""Marking incidents for the ODIHR submission, and recording every export in the audit trail."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import User
from dozor.accounts.policy import may
from dozor.audit import services as audit
from dozor.exports import odihr, selectors, writers
from dozor.exports.models import FIRST_REPORT_YEAR, LAST_REPORT_YEAR, OdihrSubmission
from dozor.records.models import Incident

MSG_NOT_WRITER = _("Only documenters and administrators of the owning organisation can mark this.")
MSG_NO_BIAS = _(
    "%(reference)s has no bias motivation: ODIHR counts only incidents with a bias motive. "
    "Record the motivation first."
)
MSG_YEAR_RANGE = _("The report year must be between %(first)s and %(last)s.")
MSG_YEAR_NEEDED = _("%(reference)s has no known date: give the report year it belongs to.")
MSG_YEAR_BEFORE_INCIDENT = _(
    "%(reference)s happened in %(incident_year)s; it cannot be reported for %(year)s."
)


def _can_mark(user: User, incident: Incident) -> bool:
    return may(user, "incident.write", incident)


def _year_for(incident: Incident, year: int | None) -> int:
    """The report year: the given one, else the year of the incident; checked either way."""
    reference = incident.reference
    if year is None:
        if incident.date_start is None:
            raise ValidationError({"year": [MSG_YEAR_NEEDED % {"reference": reference}]})
        year = incident.date_start.year
    if not FIRST_REPORT_YEAR <= year <= LAST_REPORT_YEAR:
        raise ValidationError(
            {"year": [MSG_YEAR_RANGE % {"first": FIRST_REPORT_YEAR, "last": LAST_REPORT_YEAR}]}
        )
    if incident.date_start is not None and year < incident.date_start.year:
        raise ValidationError(
            {
                "year": [
                    MSG_YEAR_BEFORE_INCIDENT
                    % {
                        "reference": reference,
                        "incident_year": incident.date_start.year,
                        "year": year,
                    }
                ]
            }
        )
    return year


def _check(incident: Incident, user: User, year: int | None) -> int:
    if not _can_mark(user, incident):
        raise PermissionDenied(MSG_NOT_WRITER)
    if not incident.biases.all():
        raise ValidationError({"incident": [MSG_NO_BIAS % {"reference": incident.reference}]})
    return _year_for(incident, year)


def _store(incident: Incident, user: User, year: int) -> OdihrSubmission:
    existing = OdihrSubmission.objects.filter(incident=incident).first()
    if existing is not None and existing.year == year:
        return existing
    before = existing.year if existing is not None else None
    submission, _created = OdihrSubmission.objects.update_or_create(
        incident=incident, defaults={"year": year, "marked_by": user}
    )
    audit.audit_record(
        action=audit.Action.UPDATE,
        user=user,
        target=incident,
        changes={"odihr_submission_year": {"before": before, "after": year}},
    )
    return submission


def submission_mark(*, incident: Incident, user: User, year: int | None = None) -> OdihrSubmission:
    """Mark one incident for the ODIHR submission of a report year (by default its own year)."""
    checked_year = _check(incident, user, year)
    with transaction.atomic():
        return _store(incident, user, checked_year)


def submission_unmark(*, incident: Incident, user: User) -> bool:
    """Take an incident out of the submission; False when it was not marked."""
    if not _can_mark(user, incident):
        raise PermissionDenied(MSG_NOT_WRITER)
    with transaction.atomic():
        submission = OdihrSubmission.objects.filter(incident=incident).first()
        if submission is None:
            return False
        audit.audit_record(
            action=audit.Action.UPDATE,
            user=user,
            target=incident,
            changes={"odihr_submission_year": {"before": submission.year, "after": None}},
        )
        submission.delete()
        return True


@dataclass(frozen=True)
class BulkMarkResult:
    marked: list[str]
    skipped: dict[str, str]  # reference -> why it was not marked


def submissions_mark_bulk(
    *, incidents: Iterable[Incident], user: User, year: int | None = None
) -> BulkMarkResult:
    """Mark every incident the user may mark; the others are listed with the reason, not guessed.

    All marks are stored together or none: the checks run first, then one transaction writes.
    """
    ready: list[tuple[Incident, int]] = []
    skipped: dict[str, str] = {}
    for incident in incidents:
        try:
            ready.append((incident, _check(incident, user, year)))
        except PermissionDenied:
            skipped[incident.reference] = str(MSG_NOT_WRITER)
        except ValidationError as error:
            skipped[incident.reference] = " ".join(error.messages)
    with transaction.atomic():
        for incident, checked_year in ready:
            _store(incident, user, checked_year)
    return BulkMarkResult(marked=[incident.reference for incident, _ in ready], skipped=skipped)


def export_record(
    *, user: User, kind: str, file_format: str, rows: int, parameters: Mapping[str, Any]
) -> None:
    """One audit entry per export: who, which export, the filters or year, how many rows."""
    audit.audit_record(
        action=audit.Action.EXPORT,
        user=user,
        changes={"export": kind, "format": file_format, "rows": rows, **parameters},
    )


@dataclass(frozen=True)
class ExportedFile:
    content: bytes
    name: str
    rows: int


def odihr_export(
    *, user: User, country: str, year: int, language: str, file_format: str
) -> ExportedFile:
    """The submission file (xlsx or csv) of the user's organisation; written to the audit trail."""
    rows = odihr.odihr_rows(
        selectors.odihr_incidents(user=user, country=country, year=year), language
    )
    header = odihr.headers(language)
    cells = [row.cells() for row in rows]
    if file_format == "xlsx":
        content = writers.xlsx_bytes(f"ODIHR {country} {year}", header, cells)
    else:
        content = "".join(writers.csv_lines(header, cells)).encode("utf-8")
    export_record(
        user=user,
        kind="odihr",
        file_format=file_format,
        rows=len(rows),
        # The submission holds no names and no free text (exports.odihr).
        parameters={"country": country, "year": year, "language": language, "names": False},
    )
    return ExportedFile(
        content=content, name=f"odihr-{country}-{year}.{file_format}", rows=len(rows)
    )
