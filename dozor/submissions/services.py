"""Receiving submissions and deciding on them; each step is an entry in the audit trail.

A submission is received whole or not at all: its texts validated and sealed, its files already
sealed in the store as they arrived (dozor.evidence.uploads) and recorded beside it. Nothing that
tells who sent it is kept: no IP address unless the administrator turns DOZOR_INTAKE_KEEP_IP on,
and then sealed like the texts; the audit entries of an anonymous submission carry no address or
browser either.
"""

from __future__ import annotations

import datetime
import itertools
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import Organisation, User
from dozor.accounts.policy import may, require
from dozor.audit import services as audit
from dozor.evidence.models import FILE_NAME_MAX_LENGTH, AttachmentKind
from dozor.evidence.services import Arrived, attachments_record, type_refused
from dozor.evidence.uploads import ALLOWED_MEDIA_TYPES
from dozor.lib import origin
from dozor.records.models import Report, SourceList
from dozor.records.services import report_create, source_list_create
from dozor.security.files import StoredFile, file_store
from dozor.submissions.models import (
    NOTE_MAX_LENGTH,
    Referral,
    Status,
    Submission,
    SubmissionFile,
)

MSG_NO_FILE_NAME = _("A file needs a name.")
MSG_EMPTY_FILE = _("%(name)s is empty.")
MSG_NOT_RECEIVING = _("This submission no longer takes files: it has been triaged.")
MSG_ALREADY_TRIAGED = _(
    "This submission was %(status)s already; only a new one or one waiting for more can be "
    "accepted, sent back for more or closed."
)
MSG_NOTE_NEEDED = _("Write what you ask for, so that whoever reads it next knows.")
MSG_REASON_NEEDED = _("Write why the submission is closed.")
MSG_NO_HELP_ASKED = _(
    "This submission asked for no legal or asylum help: a referral is made for one that did."
)
MSG_MAY_NOT_REFER = _("Only advocates, documenters and administrators of the organisation refer.")
# The source list every accepted submission of an organisation becomes a report of.
INTAKE_LIST_NAME = "intake: %(organisation)s"
INTAKE_LIST_KIND = "victim_report"
TITLE_FROM_TEXT = 80

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


def intake_source_list(*, organisation: Organisation, user: User) -> SourceList:
    """The organisation's "intake" source list, created (and audited) on first use."""
    name = (INTAKE_LIST_NAME % {"organisation": organisation.name})[:200]
    existing = SourceList.objects.filter(organisation=organisation, name=name).first()
    if existing is not None:
        return existing
    return source_list_create(
        name=name,
        kind=INTAKE_LIST_KIND,
        organisation=organisation,
        user=user,
        description="Accounts sent through the public form and Tella, accepted in triage.",
    )


def _locked_open(user: User, submission: Submission) -> Submission:
    """The submission, locked for this transaction, when it still waits for a decision."""
    require(user, "submissions.triage", submission)
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if not locked.open:
        raise ValidationError(
            MSG_ALREADY_TRIAGED, code="triaged", params={"status": locked.get_status_display()}
        )
    return locked


def _decided(user: User, submission: Submission, status: str, note: str | None) -> None:
    submission.status = status
    if note is not None:
        submission.triage_note = note
    submission.triaged_by = user
    submission.triaged_at = timezone.now()
    submission.full_clean(exclude=["organisation", "submitted_by", "receipt"])
    submission.save()


def submission_payload(submission: Submission) -> dict[str, object]:
    """The submission as the report keeps it: every text as the person wrote it."""
    return {
        "receipt": submission.receipt,
        "channel": submission.channel,
        "received_at": submission.received_at.isoformat(),
        "language": submission.language,
        "title": str(submission.title),
        "what_happened": str(submission.what_happened),
        "when": str(submission.when_text),
        "where": str(submission.where_text),
        "contact": str(submission.contact),
        "wants_legal_help": submission.wants_legal_help,
        "wants_asylum_help": submission.wants_asylum_help,
    }


@transaction.atomic
def submission_accept(*, user: User, submission: Submission) -> Report:
    """Accept a submission as a report of the organisation's "intake" source list, its files
    becoming evidence attachments of the report: the same sealed files, not copies.

    Raises PermissionDenied for someone who does not triage the organisation's submissions, and
    ValidationError when the submission was accepted or closed already."""
    locked = _locked_open(user, submission)
    source_list = intake_source_list(organisation=locked.organisation, user=user)
    what_happened = str(locked.what_happened)
    report = report_create(
        source_list=source_list,
        external_id=locked.receipt,
        payload=submission_payload(locked),
        fields={
            "title": str(locked.title) or what_happened[:TITLE_FROM_TEXT],
            "summary": what_happened,
        },
        received_on=timezone.localdate(locked.received_at),
        user=user,
    )
    files = list(locked.files.all())
    attachments = attachments_record(
        user=user,
        target=report,
        arrived=[
            Arrived(
                name=str(one.file_name),
                media_type=one.media_type,
                stored=StoredFile(file_id=one.file_id, sha256=one.sha256, size=one.size),
            )
            for one in files
        ],
        kind=AttachmentKind.OTHER,
        description=f"Sent with submission {locked.receipt}",
    )
    for one, attachment in zip(files, attachments, strict=True):
        one.attachment = attachment
        one.save(update_fields=["attachment"])
    before = locked.status
    _decided(user, locked, Status.ACCEPTED, None)
    locked.accepted_report = report
    locked.save(update_fields=["accepted_report"])
    audit.audit_record(
        action=audit.Action.UPDATE,
        user=user,
        target=locked,
        changes={
            "status": {"before": before, "after": Status.ACCEPTED},
            "report": report.pk,
            "attachments": [attachment.pk for attachment in attachments],
        },
    )
    submission.refresh_from_db()
    return report


@transaction.atomic
def submission_ask_more(*, user: User, submission: Submission, note: str) -> Submission:
    """Mark the submission as waiting for more from its sender, with what was asked (sealed)."""
    return _note_and_status(user, submission, Status.MORE_ASKED, note, MSG_NOTE_NEEDED)


@transaction.atomic
def submission_close(*, user: User, submission: Submission, reason: str) -> Submission:
    """Close the submission without a report, with the reason (sealed)."""
    return _note_and_status(user, submission, Status.CLOSED, reason, MSG_REASON_NEEDED)


def _note_and_status(
    user: User, submission: Submission, status: str, note: str, needed: object
) -> Submission:
    locked = _locked_open(user, submission)
    text = note.strip()
    if not text:
        raise ValidationError({"triage_note": needed})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"triage_note": _("At most %(limit)s characters.") % {"limit": NOTE_MAX_LENGTH}}
        )
    before = locked.status
    _decided(user, locked, status, text)
    audit.audit_record(
        action=audit.Action.UPDATE,
        user=user,
        target=locked,
        changes={"status": {"before": before, "after": status}, "triage_note": audit.CHANGED},
    )
    submission.refresh_from_db()
    return locked


def submission_view_record(*, user: User, submission: Submission) -> None:
    """Put a reading of the submission's texts in the audit trail."""
    audit.audit_record(
        action=audit.Action.VIEW_NAMES,
        user=user,
        target=submission,
        changes={"status": submission.status},
    )


def submission_file_open(*, user: User, submitted_file: SubmissionFile) -> Iterator[bytes]:
    """The file's bytes, verified as they are read; the reading is audited once the first chunk
    has opened (a missing or damaged file raises before anything is sent)."""
    require(user, "submissions.triage", submitted_file.submission)
    if not may(user, "names.view", submitted_file.submission):
        raise PermissionDenied(_("You may not open this file: it can show who sent it."))
    chunks = iter(file_store().iter_chunks(submitted_file.file_id))
    first = next(chunks, b"")
    audit.audit_record(
        action=audit.Action.VIEW_NAMES,
        user=user,
        target=submitted_file,
        changes={"sha256": submitted_file.sha256},
    )
    return itertools.chain([first], chunks)


REFERRAL_SEALED = ("referred_to", "note")


def _referral_snapshot(referral: Referral) -> dict[str, object]:
    return {
        "kind": referral.kind,
        "status": referral.status,
        "referred_on": referral.referred_on,
        "referred_to": str(referral.referred_to),
        "note": str(referral.note),
    }


@transaction.atomic
def referral_create(
    *,
    user: User,
    submission: Submission,
    kind: str,
    referred_to: str = "",
    referred_on: datetime.date | None = None,
    note: str = "",
) -> Referral:
    """Refer the person who sent ``submission`` and asked for help: to whom, when, why."""
    require(user, "submissions.triage", submission)
    if not may(user, "referrals.use", submission):
        raise PermissionDenied(MSG_MAY_NOT_REFER)
    if not submission.wants_help:
        raise ValidationError(MSG_NO_HELP_ASKED, code="no_help")
    referral = Referral(
        submission=submission,
        organisation_id=submission.organisation_id,
        kind=kind,
        referred_to=referred_to.strip(),
        referred_on=referred_on,
        note=note.strip(),
        created_by=user,
    )
    referral.full_clean(exclude=["submission", "organisation", "created_by"])
    referral.save()
    audit.audit_record(
        action=audit.Action.CREATE,
        user=user,
        target=referral,
        changes={
            "submission": submission.pk,
            "kind": kind,
            "status": referral.status,
            "referred_on": referred_on,
            **{name: audit.CHANGED for name in REFERRAL_SEALED if getattr(referral, name)},
        },
    )
    return referral


@transaction.atomic
def referral_update(
    *,
    user: User,
    referral: Referral,
    status: str,
    referred_to: str,
    referred_on: datetime.date | None,
    note: str,
) -> Referral:
    """Record how a referral stands: its status, to whom and when, a note."""
    require(user, "referrals.use", referral)
    before = _referral_snapshot(referral)
    referral.status = status
    referral.referred_to = referred_to.strip()
    referral.referred_on = referred_on
    referral.note = note.strip()
    referral.full_clean(exclude=["submission", "organisation", "created_by"])
    changes = audit.changes_between(before, _referral_snapshot(referral), sensitive=REFERRAL_SEALED)
    if not changes:
        return referral
    referral.save()
    audit.audit_record(action=audit.Action.UPDATE, user=user, target=referral, changes=changes)
    return referral


def referrals_view_record(*, user: User, count: int) -> None:
    """Put a reading of the referral list (who was sent where) in the audit trail."""
    audit.audit_record(action=audit.Action.VIEW_NAMES, user=user, changes={"referrals": count})
