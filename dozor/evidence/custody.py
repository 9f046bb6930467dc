"""The custody record of one evidence file, for a court, a UN body or an asylum case.

It says which file this is (its SHA-256, size, type, kind, the date it was made), who received it
and when, what record it is evidence of, the copies derived from it and the original it was
derived from, and every access the audit trail holds for it: its receipt, each view, download and
export, each copy made of it, with who, when and from where. Each entry cited is checked against
the hash chain (its own hash, and its link to the entry before it), and the record names the
chain's head, so that whoever receives it can have the trail checked in full later
(`dozor audit verify`).

Producing the record is itself an export in the trail; the record lists that entry too, as its
last. It is given only to those who may open the file (services.may_open), in JSON, as a page
or as a PDF (dozor.printing).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import User
from dozor.audit import selectors as audit_selectors
from dozor.audit import services as audit
from dozor.audit.models import AuditEntry
from dozor.evidence.models import Attachment, Preview
from dozor.evidence.services import MSG_MAY_NOT_OPEN, may_open
from dozor.printing import html_to_pdf
from dozor.records.models import Incident, Report
from dozor.responses.models import Raising, ResponseEvent

FORMATS = ("html", "pdf", "json")
ATTACHMENT_TYPE = Attachment._meta.label_lower
PREVIEW_TYPE = Preview._meta.label_lower
MSG_FORMAT = _("The custody record is made as %(formats)s, not %(found)s.")


class FormatRefused(ValueError):
    """A custody record asked for in a format it is not made in (MSG_FORMAT)."""


# What each audit action means for a file, as the record says it.
ACCESS_LABELS: dict[str, Any] = {
    audit.Action.CREATE: _("received"),
    audit.Action.VIEW_NAMES: _("downloaded (the original)"),
    audit.Action.VIEW: _("viewed"),
    audit.Action.EXPORT: _("exported"),
    audit.Action.PRINT: _("printed"),
}
EXPORT_LABELS = {
    "custody": _("custody record produced"),
    "download": _("downloaded without metadata"),
    "dossier": _("embedded in a dossier, without metadata"),
}
DERIVED_LABEL = _("copy made of it")
PREVIEW_MADE_LABEL = _("preview made from it")
PREVIEW_VIEWED_LABEL = _("preview viewed")
TEXT_READ_LABEL = _("its text read for search")


@dataclass(frozen=True)
class Access:
    """One entry of the audit trail about the file or a copy made of it."""

    entry_id: int
    at: datetime.datetime
    who: str
    action: str
    what: str
    origin: str
    details: dict[str, Any]
    entry_hash: str
    problem: str  # "" when the entry matches its hash and links to the one before

    def as_json(self) -> dict[str, Any]:
        return {
            "entry": self.entry_id,
            "at": self.at.isoformat(),
            "who": self.who,
            "action": self.action,
            "what": str(self.what),
            "from": self.origin,
            "details": self.details,
            "entry_hash": self.entry_hash,
            "chain": "intact" if not self.problem else self.problem,
        }


@dataclass(frozen=True)
class CustodyRecord:
    attachment: Attachment
    evidence_of: dict[str, Any]
    original: Attachment | None
    copies: list[Attachment]
    accesses: list[Access]
    head_id: int | None
    head_hash: str
    produced_at: datetime.datetime
    produced_by: str

    @property
    def chain_intact(self) -> bool:
        return not any(access.problem for access in self.accesses)


def _evidence_of(attachment: Attachment) -> dict[str, Any]:
    """The record the file is evidence of, by what names it in Dozor."""
    target = attachment.target()
    if isinstance(target, Incident):
        return {"record": "incident", "reference": target.reference}
    if isinstance(target, Report):
        return {"record": "report", "id": target.pk, "external_id": target.external_id}
    if isinstance(target, ResponseEvent):
        return {
            "record": "response_event",
            "id": target.pk,
            "reference": target.incident.reference,
            "date": target.date.isoformat(),
        }
    if isinstance(target, Raising):
        return {
            "record": "raising",
            "id": target.pk,
            "reference": target.incident.reference if target.incident else "",
            "date": target.raised_on.isoformat(),
        }
    raise TypeError(f"{type(target).__name__} cannot hold evidence")


def _what(entry: AuditEntry, attachment: Attachment) -> str:
    if entry.target_type == PREVIEW_TYPE:
        return str(PREVIEW_MADE_LABEL)
    if entry.target_id != str(attachment.pk):
        return f"{DERIVED_LABEL}: {_('attachment')} {entry.target_id}"
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    if entry.action == audit.Action.EXPORT and changes.get("export") in EXPORT_LABELS:
        return str(EXPORT_LABELS[changes["export"]])
    if entry.action == audit.Action.VIEW and changes.get("read") == "metadata":
        return str(_("viewed with its metadata"))
    if entry.action == audit.Action.UPDATE and "text" in changes:
        return str(TEXT_READ_LABEL)
    if entry.action == audit.Action.VIEW_NAMES and "preview" in changes:
        return str(PREVIEW_VIEWED_LABEL)
    return str(ACCESS_LABELS.get(entry.action, entry.get_action_display()))


def _accesses(attachment: Attachment, copies: list[Attachment]) -> list[Access]:
    """Every entry about the file, the making of its preview and the receipt of each copy made
    of it, in the trail's order."""
    previews = Preview.objects.filter(attachment=attachment).values_list("pk", flat=True)
    entries = list(
        AuditEntry.objects.filter(
            Q(target_type=ATTACHMENT_TYPE, target_id=str(attachment.pk))
            | Q(target_type=PREVIEW_TYPE, target_id__in=[str(pk) for pk in previews])
            | Q(
                target_type=ATTACHMENT_TYPE,
                target_id__in=[str(copy.pk) for copy in copies],
                action=audit.Action.CREATE,
            )
        ).order_by("id")
    )
    problems = audit_selectors.entries_check(entries)
    return [
        Access(
            entry_id=entry.pk,
            at=entry.at,
            who=entry.actor,
            action=entry.action,
            what=_what(entry, attachment),
            origin=entry.origin,
            details=entry.changes if isinstance(entry.changes, dict) else {},
            entry_hash=entry.entry_hash,
            problem=problems.get(entry.pk, ""),
        )
        for entry in entries
    ]


def custody_record(*, user: User, attachment: Attachment, file_format: str) -> CustodyRecord:
    """The record, with its own production appended to the trail first, so that it lists
    itself. Raises PermissionDenied when the user may not open the file. Call it inside the
    transaction that also renders the record (custody_render), so that a record that could
    not be made leaves no entry."""
    if not may_open(user, attachment):
        raise PermissionDenied(MSG_MAY_NOT_OPEN)
    audit.audit_record(
        action=audit.Action.EXPORT,
        user=user,
        target=attachment,
        changes={"export": "custody", "format": file_format, "sha256": attachment.sha256},
    )
    copies = list(
        Attachment.objects.filter(derived_from=attachment)
        .select_related("received_by")
        .order_by("pk")
    )
    original = None
    if attachment.derived_from_id is not None:
        original = Attachment.objects.select_related("received_by").get(
            pk=attachment.derived_from_id
        )
    head = audit_selectors.chain_head()
    return CustodyRecord(
        attachment=attachment,
        evidence_of=_evidence_of(attachment),
        original=original,
        copies=copies,
        accesses=_accesses(attachment, copies),
        head_id=head.last_entry_id if head else None,
        head_hash=head.last_hash if head else "",
        produced_at=timezone.now(),
        produced_by=user.get_username(),
    )


def _file_json(attachment: Attachment, *, names: bool) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": attachment.pk,
        "sha256": attachment.sha256,
        "size": attachment.size,
        "type": attachment.media_type,
        "kind": attachment.kind,
        "made_on": attachment.made_on.isoformat() if attachment.made_on else None,
        "received_at": attachment.received_at.isoformat(),
        "received_by": attachment.received_by.get_username() if attachment.received_by else None,
    }
    if names:
        found["file_name"] = str(attachment.file_name)
        found["description"] = str(attachment.description)
    return found


def _version() -> str:
    try:
        return version("dozor")
    except PackageNotFoundError:
        return ""


def custody_json(record: CustodyRecord) -> dict[str, Any]:
    return {
        "custody_record": {
            "produced_at": record.produced_at.isoformat(),
            "produced_by": record.produced_by,
            "dozor_version": _version(),
        },
        "file": _file_json(record.attachment, names=True),
        "evidence_of": record.evidence_of,
        "derived_from": (
            _file_json(record.original, names=False) if record.original is not None else None
        ),
        "copies": [_file_json(copy, names=False) for copy in record.copies],
        "accesses": [access.as_json() for access in record.accesses],
        "audit_chain": {
            "entries_checked": len(record.accesses),
            "all_intact": record.chain_intact,
            "checked": "each entry's own hash and its link to the entry before it",
            "head_entry": record.head_id,
            "head_hash": record.head_hash,
            "verify_all": "dozor audit verify",
        },
    }


def custody_html(record: CustodyRecord) -> str:
    return render_to_string(
        "evidence/custody.html",
        {
            "record": record,
            "attachment": record.attachment,
            "dozor_version": _version(),
        },
    )


def custody_render(*, user: User, attachment: Attachment, file_format: str) -> tuple[bytes, str]:
    """The custody record as bytes in ``file_format`` (html, pdf, json) and their content type,
    its production recorded in the trail. Raises FormatRefused for another format,
    PermissionDenied, and PdfUnavailable when a PDF cannot be made (then nothing is recorded:
    the chain head stays locked while the PDF is laid out, about a second, so that the entry
    and the record are written together or not at all)."""
    if file_format not in FORMATS:
        raise FormatRefused(
            MSG_FORMAT % {"formats": ", ".join(FORMATS), "found": file_format[:40] or '""'}
        )
    with transaction.atomic():
        record = custody_record(user=user, attachment=attachment, file_format=file_format)
        if file_format == "json":
            text = json.dumps(custody_json(record), ensure_ascii=False, indent=2)
            return text.encode("utf-8"), "application/json"
        html = custody_html(record)
        if file_format == "html":
            return html.encode("utf-8"), "text/html; charset=utf-8"
        return html_to_pdf(html), "application/pdf"
