"""Receiving, opening and verifying evidence files; each step is an entry in the audit trail.

A file is read in chunks straight into the sealed store (never whole in memory), its type read
from its first bytes (not its name), its SHA-256 computed as it arrives. Nothing is half-stored:
a file refused part-way leaves nothing in the store, and a row that cannot be saved takes its
stored file with it.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import User
from dozor.accounts.policy import may
from dozor.audit import services as audit
from dozor.audit.models import AuditEntry
from dozor.evidence import metadata, previews, text
from dozor.evidence.models import FILE_NAME_MAX_LENGTH, Attachment, Preview
from dozor.evidence.uploads import ALLOWED_MEDIA_TYPES, SNIFF_BYTES, media_type_of
from dozor.records.models import Incident, Report
from dozor.responses.models import Raising, ResponseEvent
from dozor.security.files import FileIntegrityError, FileTooLarge, StoredFile, file_store

MSG_TYPE_REFUSED = _(
    "%(name)s: Dozor keeps photos, documents, audio and video as evidence, and this file's "
    "content is %(found)s. Allowed: %(allowed)s."
)
MSG_UNKNOWN_TYPE = _("of no type Dozor recognises")
MSG_TOO_LARGE = _("%(name)s is larger than %(limit)s MB, the most one file may be.")
MSG_EMPTY = _("%(name)s is empty.")
MSG_UPLOAD_TOO_LARGE = _(
    "The files together are larger than %(limit)s MB, the most one upload may be."
)
MSG_MAY_NOT_ATTACH = _("You may not add evidence to this record.")
MSG_MAY_NOT_OPEN = _("You may not open this file: it can show who the people in it are.")
MSG_NO_NAME = _("A file needs a name.")
MSG_COPY_ELSEWHERE = _("A copy is kept as evidence of the same record as its original.")
MB = 2**20

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Received:
    """One file as it came: its name, and a readable of its bytes."""

    name: str
    content: IO[bytes]


@dataclass(frozen=True)
class Arrived:
    """One file already sealed in the store as it arrived (dozor.evidence.uploads), its type
    read from its first bytes."""

    name: str
    media_type: str
    stored: StoredFile


def _owner_of(target: models.Model) -> int:
    """The organisation that holds the record, and so its evidence."""
    if isinstance(target, Incident | Raising):
        owner = target.organisation_id
    elif isinstance(target, ResponseEvent):
        owner = target.incident.organisation_id
    elif isinstance(target, Report):
        owner = target.source_list.organisation_id
    else:
        raise TypeError(f"{type(target).__name__} cannot hold evidence")
    if owner is None:
        raise TypeError(f"{type(target).__name__} {target.pk} belongs to no organisation")
    return owner


def _incident_of(target: models.Model) -> Incident | None:
    if isinstance(target, Incident):
        return target
    if isinstance(target, ResponseEvent | Raising):
        return target.incident
    return None


def may_attach(user: User, target: models.Model) -> bool:
    """Whoever may change the record may add evidence to it: an incident's and its response
    events' writers, a report's source list's writers, a raising's organisation's dialogue."""
    if isinstance(target, Incident | ResponseEvent):
        return may(user, "incident.write", _incident_of(target))
    if isinstance(target, Report):
        return may(user, "source_list.write", target.source_list)
    if isinstance(target, Raising):
        # A raising is its organisation's: the dialogue rule asks of the incident it is about.
        return target.organisation_id == user.organisation_id and may(
            user, "dialogue.write", target.incident
        )
    return False


def may_open(user: User, attachment: Attachment) -> bool:
    """A file can show a face, a wound, an address: it is opened by those who may see the
    names of the organisation's records (names.view), and only while they may see its record."""
    if not may(user, "names.view", attachment):
        return False
    incident = _incident_of(attachment.target())
    return incident is None or may(user, "incident.view", incident)


def type_refused(name: str, found: str | None) -> ValidationError:
    return ValidationError(
        MSG_TYPE_REFUSED,
        code="type",
        params={
            "name": name,
            "found": found or MSG_UNKNOWN_TYPE,
            "allowed": ", ".join(sorted(set(ALLOWED_MEDIA_TYPES.values()))),
        },
    )


class _Prefixed(io.RawIOBase):
    """The bytes already read to learn the type, then the rest of the upload."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head = head
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.head:
            count = min(len(buffer), len(self.head))
            buffer[:count] = self.head[:count]
            self.head = self.head[count:]
            return count
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _require_attacher(user: User | None, target: models.Model) -> None:
    # No user: the command line (the demo), whose operator has the database itself.
    if user is not None and not may_attach(user, target):
        raise PermissionDenied(MSG_MAY_NOT_ATTACH)


def attachment_receive(
    *,
    user: User | None,
    target: models.Model,
    received: Received,
    kind: str,
    description: str = "",
    made_on: datetime.date | None = None,
    max_bytes: int | None = None,
) -> Attachment:
    """Store one file read from ``received`` as evidence of ``target``: checked, sealed,
    hashed, recorded, audited.

    Raises PermissionDenied when the user may not add evidence there, and ValidationError
    (naming the file) for a refused type, an empty file or one over the limit; nothing is left
    in the store then. No user: the command line (the demo), whose operator has the database
    itself. Its preview and text are made once it is kept (attachment_after_receipt)."""
    _require_attacher(user, target)
    name = _file_name(received.name)
    limit = max_bytes if max_bytes is not None else settings.DOZOR_EVIDENCE_FILE_MAX_MB * MB
    head = received.content.read(SNIFF_BYTES)
    if not head:
        raise ValidationError(MSG_EMPTY, code="empty", params={"name": name})
    media_type = media_type_of(head)
    if media_type not in ALLOWED_MEDIA_TYPES:
        raise type_refused(name, media_type)
    store = file_store()
    try:
        stored = store.store_stream(_Prefixed(head, received.content), max_bytes=limit)
    except FileTooLarge:
        raise ValidationError(
            MSG_TOO_LARGE, code="size", params={"name": name, "limit": limit // MB}
        ) from None
    try:
        (attachment,) = attachments_record(
            user=user,
            target=target,
            arrived=[Arrived(name=name, media_type=media_type, stored=stored)],
            kind=kind,
            description=description,
            made_on=made_on,
        )
    except BaseException:
        store.delete(stored.file_id)
        raise
    attachment_after_receipt(user=user, attachment=attachment)
    return attachment


def attachments_record(
    *,
    user: User | None,
    target: models.Model,
    arrived: list[Arrived],
    kind: str,
    description: str = "",
    made_on: datetime.date | None = None,
    derived_from: Attachment | None = None,
) -> list[Attachment]:
    """Record files already sealed in the store as evidence of ``target``, all or none, each
    with its receipt in the audit trail (its SHA-256, size and type). The caller deletes the
    stored files when this raises.

    With ``derived_from``, each file is a redacted or converted copy of that attachment (which
    must be evidence of the same record, and one the user may open): the original is never
    changed, the copy names it, and its receipt names the original's SHA-256."""
    _require_attacher(user, target)
    if derived_from is not None:
        _require_original(user, target, derived_from)
    attachments = []
    with transaction.atomic():
        for one in arrived:
            attachment = Attachment(
                organisation_id=_owner_of(target),
                kind=kind,
                description=description,
                file_name=_file_name(one.name),
                made_on=made_on,
                media_type=one.media_type,
                size=one.stored.size,
                sha256=one.stored.sha256,
                file_id=one.stored.file_id,
                received_by=user,
                derived_from=derived_from,
                **{_target_field(target): target},
            )
            attachment.full_clean(exclude=["organisation", "received_by", "derived_from"])
            attachment.save()
            receipt = {
                "sha256": one.stored.sha256,
                "size": one.stored.size,
                "type": one.media_type,
            }
            if derived_from is not None:
                receipt |= {"copy_of": derived_from.pk, "original_sha256": derived_from.sha256}
            audit.audit_record(
                action=audit.Action.CREATE, user=user, target=attachment, changes=receipt
            )
            attachments.append(attachment)
    return attachments


def _require_original(user: User | None, target: models.Model, original: Attachment) -> None:
    """A copy is made by someone who may open the original, as evidence of the same record."""
    if user is not None and not may_open(user, original):
        raise PermissionDenied(MSG_MAY_NOT_OPEN)
    if original.target() != target:
        raise ValidationError(MSG_COPY_ELSEWHERE, code="copy")


def _file_name(name: str) -> str:
    name = name.strip()[:FILE_NAME_MAX_LENGTH]
    if not name:
        raise ValidationError(MSG_NO_NAME, code="name")
    return name


# The attachment's field that holds each kind of record.
TARGET_FIELDS: dict[type[models.Model], str] = {
    Incident: "incident",
    Report: "report",
    ResponseEvent: "response_event",
    Raising: "raising",
}


def _target_field(target: models.Model) -> str:
    try:
        return TARGET_FIELDS[type(target)]
    except KeyError:
        raise TypeError(f"{type(target).__name__} cannot hold evidence") from None


def attachment_open(*, user: User, attachment: Attachment) -> Iterator[bytes]:
    """The file's bytes, verified chunk by chunk as they are read.

    The first chunk is opened before anything is returned, so a missing or damaged file (or a
    locked key ring) raises here, before a byte is sent; the reading is then audited."""
    if not may_open(user, attachment):
        raise PermissionDenied(MSG_MAY_NOT_OPEN)
    chunks = iter(file_store().iter_chunks(attachment.file_id))
    first = next(chunks, b"")
    audit.audit_record(
        action=audit.Action.VIEW_NAMES,
        user=user,
        target=attachment,
        changes={"sha256": attachment.sha256},
    )
    return itertools.chain([first], chunks)


def _read_whole(attachment: Attachment) -> bytes:
    """The file's bytes in memory, for the readers that need it whole (metadata.py); refused
    above metadata.CLEAN_MAX_BYTES before a byte is read."""
    if attachment.size > metadata.CLEAN_MAX_BYTES:
        raise metadata.MetadataError(
            metadata.MSG_TOO_LARGE_TO_CLEAN % {"limit": metadata.CLEAN_MAX_BYTES // MB}
        )
    return b"".join(file_store().iter_chunks(attachment.file_id))


def attachment_metadata(*, user: User, attachment: Attachment) -> metadata.Metadata | None:
    """What the file says of itself (GPS position, device, time, software, author), read from
    the sealed file; None for a type Dozor does not read. Reading it is a view of the file, in
    the audit trail."""
    if not may_open(user, attachment):
        raise PermissionDenied(MSG_MAY_NOT_OPEN)
    if not metadata.can_clean(attachment.media_type):
        return None
    found = metadata.metadata_read(_read_whole(attachment), attachment.media_type)
    audit.audit_record(
        action=audit.Action.VIEW,
        user=user,
        target=attachment,
        changes={"sha256": attachment.sha256, "read": "metadata"},
    )
    return found


@dataclass(frozen=True)
class CleanCopy:
    """A copy of a file without its metadata, made in memory (dozor.evidence.metadata)."""

    data: bytes
    media_type: str
    sha256: str


def attachment_clean(
    *, user: User, attachment: Attachment, max_side: int | None = None
) -> CleanCopy:
    """A copy of the file without its metadata, for a copy that leaves Dozor (a photo scaled
    down to ``max_side`` pixels if given). Not audited here: the caller records the export
    once the copy is sent or printed (attachment_export_record).

    Raises PermissionDenied, and MetadataError for a type Dozor does not clean or a file too
    large to clean."""
    if not may_open(user, attachment):
        raise PermissionDenied(MSG_MAY_NOT_OPEN)
    if not metadata.can_clean(attachment.media_type):
        raise metadata.MetadataError(metadata.MSG_NOT_CLEANABLE % {"type": attachment.media_type})
    data, media_type = metadata.clean_copy(
        _read_whole(attachment), attachment.media_type, max_side=max_side
    )
    return CleanCopy(data=data, media_type=media_type, sha256=hashlib.sha256(data).hexdigest())


def attachment_export_record(
    *, user: User, attachment: Attachment, copy: CleanCopy, export: str
) -> AuditEntry:
    """The audit entry of a copy without metadata that left Dozor: where to (``export``: a
    download, a dossier), and the digests of the original and of the copy."""
    return audit.audit_record(
        action=audit.Action.EXPORT,
        user=user,
        target=attachment,
        changes={
            "export": export,
            "metadata": "removed",
            "sha256": attachment.sha256,
            "copy_sha256": copy.sha256,
            "copy_type": copy.media_type,
        },
    )


def attachment_open_clean(*, user: User, attachment: Attachment) -> CleanCopy:
    """The file without its metadata, to download; the download is an export in the audit
    trail."""
    copy = attachment_clean(user=user, attachment=attachment)
    attachment_export_record(user=user, attachment=attachment, copy=copy, export="download")
    return copy


@dataclass(frozen=True)
class VerifyProblem:
    attachment_id: int
    file_id: str
    problem: str


def evidence_verify(*, progress: Any = None) -> tuple[int, list[VerifyProblem]]:
    """Re-hash every stored evidence file against the SHA-256 taken on receipt; the number of
    files checked and each one that is missing, damaged or changed."""
    store = file_store()
    problems = []
    checked = 0
    for attachment in Attachment.objects.order_by("pk").iterator():
        checked += 1
        try:
            found = store.verify(attachment.file_id)
        except FileNotFoundError:
            problems.append(VerifyProblem(attachment.pk, attachment.file_id, "missing"))
            continue
        except FileIntegrityError as error:
            problems.append(VerifyProblem(attachment.pk, attachment.file_id, str(error)))
            continue
        if found.sha256 != attachment.sha256 or found.size != attachment.size:
            problems.append(
                VerifyProblem(
                    attachment.pk,
                    attachment.file_id,
                    f"SHA-256 {found.sha256} ({found.size} bytes), "
                    f"received as {attachment.sha256} ({attachment.size} bytes)",
                )
            )
        if progress is not None:
            progress(checked)
    return checked, problems


def _preview_of(attachment: Attachment) -> Preview | None:
    # A reverse one-to-one without a row raises an AttributeError subclass (read once, or
    # from the select_related of the panel's query).
    return getattr(attachment, "preview", None)


def attachment_preview_make(*, user: User | None, attachment: Attachment) -> Preview | None:
    """The attachment's preview, made from its sealed original once and kept sealed; None for
    a type Dozor makes no preview of.

    A file that cannot be previewed (too large, too many pixels, unreadable as its type) gets a
    row saying why, so it is not decoded again. A missing or damaged original raises
    (FileNotFoundError, FileIntegrityError) and records nothing: that is the store's problem,
    for `dozor evidence verify`, not the file's. The making is a derivation: it is audited with
    the original's and the preview's SHA-256."""
    existing = _preview_of(attachment)
    if existing is not None or not previews.previewable(attachment.media_type):
        return existing
    store = file_store()
    stored: StoredFile | None = None
    rendered: previews.Rendered | None = None
    missing_because = ""
    if attachment.size > previews.PREVIEW_SOURCE_MAX_BYTES:
        missing_because = previews.MSG_TOO_LARGE.format(
            limit=previews.PREVIEW_SOURCE_MAX_BYTES // MB
        )
    else:
        original = store.read(attachment.file_id)
        try:
            rendered = previews.preview_render(original, attachment.media_type)
        except previews.NoPreview as reason:
            missing_because = str(reason)
        del original
    if rendered is not None:
        stored = store.store(rendered.data)
    preview = Preview(
        attachment=attachment,
        file_id=stored.file_id if stored else "",
        media_type=rendered.media_type if rendered else "",
        size=stored.size if stored else 0,
        sha256=stored.sha256 if stored else "",
        missing_because=missing_because[:300],
    )
    try:
        with transaction.atomic():
            preview.save()
            audit.audit_record(
                action=audit.Action.CREATE,
                user=user,
                target=preview,
                changes={
                    "attachment": attachment.pk,
                    "of_sha256": attachment.sha256,
                    **(
                        {"sha256": preview.sha256, "type": preview.media_type}
                        if stored
                        else {"none": preview.missing_because}
                    ),
                },
            )
    except IntegrityError:
        # Another request made it at the same moment: its preview is the one kept.
        if stored is not None:
            store.delete(stored.file_id)
        return Preview.objects.get(attachment=attachment)
    except BaseException:
        if stored is not None:
            store.delete(stored.file_id)
        raise
    attachment.preview = preview
    return preview


def attachment_text_read(*, user: User | None, attachment: Attachment) -> bool:
    """Read a document's words from its sealed original into its sealed, searched ``text``
    (dozor.evidence.text); whether any were found. The reading is a derivation of the file: it
    is audited, with how many characters were kept. A file that cannot be read as its type
    keeps no text; a missing or damaged original raises, as for a preview."""
    if attachment.text or not text.text_readable(attachment.media_type):
        return bool(attachment.text)
    if attachment.size > text.TEXT_SOURCE_MAX_BYTES:
        return False
    try:
        found = text.text_read(file_store().read(attachment.file_id), attachment.media_type)
    except text.NoText as reason:
        logger.info("no text read from attachment %s: %s", attachment.pk, reason)
        return False
    if not found:
        return False
    attachment.text = found
    with transaction.atomic():
        attachment.save(update_fields=["text"])
        audit.audit_record(
            action=audit.Action.UPDATE,
            user=user,
            target=attachment,
            changes={"text": "read for search", "characters": len(found)},
        )
    return True


def evidence_text_read(*, progress: Any = None) -> tuple[int, int]:
    """Read the text of every document that has none (received before Dozor read text, or
    when reading failed): how many were tried, and how many had text. A file that cannot be
    opened is logged and left for `dozor evidence verify` to name."""
    readable = [media_type for media_type in ALLOWED_MEDIA_TYPES if text.text_readable(media_type)]
    checked = found = 0
    # The text is sealed, so "none yet" is read from each row, not asked of the database.
    for attachment in Attachment.objects.filter(media_type__in=readable).order_by("pk").iterator():
        if attachment.text:
            continue
        checked += 1
        try:
            found += attachment_text_read(user=None, attachment=attachment)
        except (FileNotFoundError, FileIntegrityError):
            logger.exception("no text read from attachment %s", attachment.pk)
        if progress is not None:
            progress(checked)
    return checked, found


def attachment_after_receipt(*, user: User | None, attachment: Attachment) -> None:
    """Make the preview and read the text of a file right after its receipt, never failing the
    receipt: whatever goes wrong is logged. A preview is tried again when it is first asked
    for; text is read again by `dozor evidence text`."""
    try:
        attachment_preview_make(user=user, attachment=attachment)
    except Exception:
        logger.exception("no preview made of attachment %s on receipt", attachment.pk)
    try:
        attachment_text_read(user=user, attachment=attachment)
    except Exception:
        logger.exception("no text read from attachment %s on receipt", attachment.pk)


def attachment_preview_open(*, user: User, attachment: Attachment) -> previews.Rendered | None:
    """The attachment's preview for those who may open the file (a thumbnail shows a face),
    made at this first request if it was not at receipt; None when it has none. Each viewing
    is audited like a download."""
    if not may_open(user, attachment):
        raise PermissionDenied(MSG_MAY_NOT_OPEN)
    preview = attachment_preview_make(user=user, attachment=attachment)
    if preview is None or not preview.exists:
        return None
    data = file_store().read(preview.file_id)
    audit.audit_record(
        action=audit.Action.VIEW_NAMES,
        user=user,
        target=attachment,
        changes={"sha256": attachment.sha256, "preview": preview.sha256},
    )
    return previews.Rendered(data, preview.media_type)
