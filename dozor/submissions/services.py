"""Receiving submissions and deciding on them; each step is an entry in the audit trail.

A submission is received whole or not at all: its texts validated and sealed, its files already
sealed in the store as they arrived (dozor.evidence.uploads) and recorded beside it. Nothing that
tells who sent it is kept: no IP address unless the administrator turns DOZOR_INTAKE_KEEP_IP on,
and then sealed like the texts; the audit entries of an anonymous submission carry no address or
browser either.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import Organisation, User
from dozor.audit import services as audit
from dozor.evidence.models import FILE_NAME_MAX_LENGTH
from dozor.evidence.services import type_refused
from dozor.evidence.uploads import ALLOWED_MEDIA_TYPES
from dozor.lib import origin
from dozor.security.files import StoredFile
from dozor.submissions.models import Submission, SubmissionFile

MSG_NO_FILE_NAME = _("A file needs a name.")
MSG_EMPTY_FILE = _("%(name)s is empty.")
MSG_NOT_RECEIVING = _("This submission no longer takes files: it has been triaged.")

# The receipt code's letters: no 0/O, 1/I/L that a person copying it by hand could confuse.
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECEIPT_GROUPS = 4
RECEIPT_GROUP_LENGTH = 4


@dataclass(frozen=True)
class SubmissionText:
    """What a person wrote: every field free text but the language and the two requests."""

    title: str = ""
    what_happened: str = ""
    when_text: str = ""
    where_text: str = ""
    contact: str = ""
    language: str = "ru"
    wants_legal_help: bool = False
    wants_asylum_help: bool = False


def receipt_code() -> str:
    """A random code the person keeps to refer to what they sent, e.g. ``K7QM-2XPD-9RTA-HC4N``."""
    return "-".join(
        "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_GROUP_LENGTH))
        for _ in range(RECEIPT_GROUPS)
    )


@contextmanager
def _unseen(keep_address: bool) -> Iterator[None]:
    """Audit entries written inside carry no address or browser, unless the address is kept:
    the trail must not hold in clear what the submission itself does not keep."""
    if keep_address:
        yield
        return
    with origin.acting_from(origin.Origin(channel=origin.current().channel)):
        yield


def submission_receive(
    *,
    organisation: Organisation,
    channel: str,
    text: SubmissionText,
    submitted_by: User | None = None,
    ip_address: str = "",
) -> Submission:
    """Store one submission for ``organisation``'s triage queue: validated, sealed, audited.

    Raises ValidationError keyed by the field at fault (``what_happened``, ``contact``...) when
    a text is too long, a required one is missing or a choice is unknown; nothing is stored then.
    ``ip_address`` is kept only when the caller passes one (the form does when
    DOZOR_INTAKE_KEEP_IP is on)."""
    submission = Submission(
        organisation=organisation,
        channel=channel,
        submitted_by=submitted_by,
        title=text.title.strip(),
        what_happened=text.what_happened.strip(),
        when_text=text.when_text.strip(),
        where_text=text.where_text.strip(),
        contact=text.contact.strip(),
        language=text.language,
        wants_legal_help=text.wants_legal_help,
        wants_asylum_help=text.wants_asylum_help,
        ip_address=ip_address,
        receipt=receipt_code(),
    )
    submission.full_clean(exclude=["organisation", "submitted_by", "receipt"])
    with _unseen(bool(ip_address)), transaction.atomic():
        submission.save()
        audit.audit_record(
            action=audit.Action.CREATE,
            user=submitted_by,
            target=submission,
            changes={
                "channel": channel,
                "language": submission.language,
                "wants_legal_help": submission.wants_legal_help,
                "wants_asylum_help": submission.wants_asylum_help,
                "ip_address_kept": bool(ip_address),
            },
        )
    return submission


def submission_file_add(
    *, submission: Submission, name: str, media_type: str, stored: StoredFile
) -> SubmissionFile:
    """Record a file already sealed in the store as part of ``submission``, audited with its
    SHA-256, size and type.

    The type must be one the evidence store keeps (dozor.evidence.uploads.ALLOWED_MEDIA_TYPES),
    read from the content by whoever sealed it. Raises ValidationError naming the file for a
    refused type, an empty file or no name; the caller deletes the stored file then."""
    clean_name = name.strip()[:FILE_NAME_MAX_LENGTH]
    if not clean_name:
        raise ValidationError({"file_name": MSG_NO_FILE_NAME})
    if media_type not in ALLOWED_MEDIA_TYPES:
        raise type_refused(clean_name, media_type or None)
    if stored.size == 0:
        raise ValidationError(MSG_EMPTY_FILE, code="empty", params={"name": clean_name})
    if not submission.open:
        raise ValidationError(MSG_NOT_RECEIVING, code="triaged")
    submitted_file = SubmissionFile(
        submission=submission,
        file_name=clean_name,
        media_type=media_type,
        size=stored.size,
        sha256=stored.sha256,
        file_id=stored.file_id,
    )
    submitted_file.full_clean(exclude=["submission"])
    with _unseen(bool(submission.ip_address)), transaction.atomic():
        submitted_file.save()
        audit.audit_record(
            action=audit.Action.CREATE,
            user=submission.submitted_by,
            target=submitted_file,
            changes={"sha256": stored.sha256, "size": stored.size, "type": media_type},
        )
    return submitted_file
