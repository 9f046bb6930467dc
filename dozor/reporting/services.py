"""Reports leaving Dozor as files: each one is recorded in the audit trail."""

from __future__ import annotations

from dozor.audit import services as audit
from dozor.security.models import User


def report_export_record(
    *,
    user: User,
    kind: str,
    country: str,
    year: int,
    file_format: str,
    language: str = "",
    public: bool = False,
) -> None:
    """One audit entry per report written as a file (the annual report, one of its charts, the
    report card): who, which report, for which country and year. Reports hold counts, never
    names, so the entry says so."""
    audit.audit_record(
        action=audit.Action.EXPORT,
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
