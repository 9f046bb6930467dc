"""The Tella Web protocol's writes: signing a phone in, receiving a report, its files' pieces.

A phone signs in with a Dozor account (:func:`tella_sign_in`) through the same lockout as the
sign-in page (django-axes counts every failure). A user with an authenticator app types the
current six-digit code straight after the password, in Tella's one password field: the phone
has no second step to ask for it, and a password alone must not open an account that needs two.

Each file arrives in pieces; every piece is sealed in the store as it is read
(:func:`tella_piece_receive`), and closing the file (:func:`tella_upload_close`) streams the
pieces in order into one sealed file whose SHA-256 is computed on the way, reads its type from its
first bytes, and records it as a file of the submission (audited there with its digest). Nothing is
half-stored: a piece that cannot be recorded takes its sealed bytes with it, and a closed file's
pieces are deleted once the file is recorded.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dozor.accounts.middleware import two_factor_required
from dozor.accounts.models import User
from dozor.accounts.selectors import totp_device_confirmed
from dozor.audit import services as audit
from dozor.evidence.models import FILE_NAME_MAX_LENGTH
from dozor.evidence.services import type_refused
from dozor.evidence.uploads import ALLOWED_MEDIA_TYPES, MB, SNIFF_BYTES, media_type_of
from dozor.security.files import FileTooLarge, Readable, StoredFile, file_store
from dozor.submissions.models import SubmissionFile
from dozor.submissions.services import SubmissionText, submission_file_add, submission_receive
from dozor.tella.models import TellaReport, TellaToken, TellaUpload, TellaUploadPart
from dozor.tella.ranges import ByteRange

# The key a phone gets: 32 random bytes after a prefix that says what the string is.
TOKEN_PREFIX = "dozor_tella_"  # noqa: S105 - the public prefix of every key, not a secret
TOKEN_BYTES = 32
TOKEN_SHOWN_PREFIX = len(TOKEN_PREFIX) + 6
TOKEN_MAX_LENGTH = 200
TOKEN_USE_RECORDED_EVERY = datetime.timedelta(minutes=1)
CODE_DIGITS = 6
USERNAME_MAX_LENGTH = 150
PASSWORD_MAX_LENGTH = 4096
READ_BYTES = 64 * 1024
# A file whose pieces stopped arriving this long ago is deleted: a monitor's phone may be offline
# for weeks, but sealed pieces nobody will finish should not stay on the server for ever.
UNFINISHED_UPLOAD_DAYS = 30

MSG_SIGN_IN_WRONG = _(
    "The user name or the password is wrong. If you sign in to Dozor with a code from an "
    "authenticator app, type the current six-digit code straight after the password."
)
MSG_SIGN_IN_LOCKED = _(
    "Too many failed sign-ins with this user name from this address: try again in "
    "%(minutes)s minutes, or ask an administrator to unlock the account."
)
MSG_SIGN_IN_TWO_FACTOR_FIRST = _(
    "Your role signs in with a code from an authenticator app: sign in to Dozor in a browser "
    "first and set one up, then sign in from Tella with the password followed by the code."
)
MSG_SIGN_IN_ROLE = _(
    "Your role does not record incidents, so it cannot send reports from Tella. Ask an "
    "administrator of your organisation."
)
MSG_TITLE_MISSING = _("A report sent from Tella needs a title.")
MSG_FILE_NAME = _(
    "A file name is 1 to %(limit)s characters, without control characters; got %(length)s "
    "characters."
)
MSG_FILE_TOO_LARGE = _(
    "The file is larger than %(limit)s MB, the most one file may be; nothing of this piece "
    "was kept."
)
MSG_PIECE_OUT_OF_PLACE = _(
    "Dozor holds the first %(received)s bytes of this file: send the piece that starts at byte "
    "%(received)s. This piece starts at byte %(start)s and was not kept."
)
MSG_TOTAL_CHANGED = _(
    "Content-Range: this file was announced as %(declared)s bytes, and this piece says "
    "%(total)s; nothing of it was kept."
)
MSG_LENGTH_MISMATCH = _(
    "The piece carried %(arrived)s bytes where Content-Range announced %(announced)s; nothing "
    "of it was kept. Send it again."
)
MSG_BEYOND_ANNOUNCED = _(
    "This piece would take the file past the %(declared)s bytes it was announced with; nothing "
    "of it was kept."
)
MSG_FILE_CLOSED = _("This file is complete and closed: nothing more is added to it.")
MSG_NO_SUCH_FILE = _("No byte of a file of that name has arrived for this report.")
MSG_FILE_UNFINISHED = _(
    "%(received)s of the %(declared)s bytes announced have arrived: send the rest before "
    "closing the file."
)
MSG_REPORT_TRIAGED = _(
    "This report has been triaged in Dozor and takes no more files: send them in a new report."
)


class TellaRefused(Exception):
    """A request the protocol answers with an error: its HTTP status and the reason."""

    def __init__(self, status: int, message: Any, *, received: int | None = None) -> None:
        super().__init__(str(message))
        self.status = status
        self.message = str(message)
        self.received = received


# Signing in ------------------------------------------------------------------------------------


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def password_mark(user: User) -> str:
    """A digest of the user's password hash: a sign-in ends when the password changes."""
    return hashlib.sha256(user.password.encode("utf-8")).hexdigest()


def _lockout_minutes() -> int:
    cooloff = settings.AXES_COOLOFF_TIME
    return max(1, int(cooloff.total_seconds() // 60)) if cooloff else 0


def tella_sign_in(*, request: HttpRequest, username: str, password: str) -> tuple[TellaToken, str]:
    """Sign a phone in: a new TellaToken for the user and the key the phone keeps (shown once).

    The password goes through Django's authenticate(), so the lockout counts a wrong one and
    refuses a locked-out user name at this address. A user with an authenticator gives the
    password followed by the current code; a wrong code counts as a failed sign-in too. Raises
    TellaRefused: 401 wrong credentials, 429 locked out, 403 a role that records nothing or that
    must set up an authenticator first.
    """
    if not (0 < len(username) <= USERNAME_MAX_LENGTH and 0 < len(password) <= PASSWORD_MAX_LENGTH):
        raise TellaRefused(401, MSG_SIGN_IN_WRONG)
    candidate = User.objects.filter(username=username).first()
    device = totp_device_confirmed(candidate) if candidate is not None else None
    secret, code = password, ""
    if device is not None:
        secret, code = password[:-CODE_DIGITS], password[-CODE_DIGITS:]
        if not (secret and code.isascii() and code.isdigit()):
            user_login_failed.send(
                sender=__name__, credentials={"username": username}, request=request
            )
            raise TellaRefused(401, MSG_SIGN_IN_WRONG)
    user = authenticate(request, username=username, password=secret)
    if getattr(request, "axes_locked_out", False):
        raise TellaRefused(429, MSG_SIGN_IN_LOCKED % {"minutes": _lockout_minutes()})
    if not isinstance(user, User):
        raise TellaRefused(401, MSG_SIGN_IN_WRONG)
    if device is not None and not device.verify_token(code):
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
        if getattr(request, "axes_locked_out", False):
            raise TellaRefused(429, MSG_SIGN_IN_LOCKED % {"minutes": _lockout_minutes()})
        raise TellaRefused(401, MSG_SIGN_IN_WRONG)
    if device is None and two_factor_required(user):
        raise TellaRefused(403, MSG_SIGN_IN_TWO_FACTOR_FIRST)
    if not user.can_write_records():
        raise TellaRefused(403, MSG_SIGN_IN_ROLE)
    # Clears the lockout's count of this user name's failures, and records the sign-in.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return tella_token_create(user=user)


@transaction.atomic
def tella_token_create(*, user: User) -> tuple[TellaToken, str]:
    """A new sign-in of the user's phone and its key (shown once; only its digest is kept),
    audited without the key. tella_sign_in calls it once the user has proved who they are."""
    # The user's sign-ins that expired are of no use to anyone: they go as a new one comes.
    TellaToken.objects.filter(user=user, expires_at__lte=timezone.now()).delete()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    token = TellaToken.objects.create(
        user=user,
        prefix=secret[:TOKEN_SHOWN_PREFIX],
        digest=token_digest(secret),
        password_mark=password_mark(user),
        expires_at=timezone.now() + datetime.timedelta(days=settings.DOZOR_TELLA_TOKEN_DAYS),
    )
    audit.audit_record(
        action=audit.Action.USER_CHANGE,
        user=user,
        target=user,
        changes={
            "tella_sign_in": token.prefix,
            "expires": token.expires_at.isoformat(),
        },
    )
    return token, secret


def tella_token_use(secret: str) -> TellaToken | None:
    """The sign-in a phone's key belongs to, if it may be used now: not expired, its user active,
    still recording incidents, and with the password they signed in with. Records when it was
    last used (at most once a minute)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > TOKEN_MAX_LENGTH:
        return None
    token = (
        TellaToken.objects.select_related("user", "user__organisation")
        .filter(digest=token_digest(secret))
        .first()
    )
    now = timezone.now()
    if (
        token is None
        or token.expires_at <= now
        or not token.user.can_write_records()
        or not secrets.compare_digest(token.password_mark, password_mark(token.user))
    ):
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RECORDED_EVERY:
        TellaToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# Reports -------------------------------------------------------------------------------------


def tella_report_create(
    *, user: User, title: str, description: str, language: str = "ru"
) -> TellaReport:
    """A report from a phone: a new submission of the user's organisation (channel Tella), in its
    triage queue, under a random id the phone uses for its files.

    Tella has a title and a description; the description is what happened (the title when the
    description is empty). Raises ValidationError keyed ``title`` or ``description``."""
    title, description = title.strip(), description.strip()
    if not title:
        raise ValidationError({"title": ValidationError(MSG_TITLE_MISSING)})
    assert user.organisation is not None  # a user who records incidents has one
    text = SubmissionText(
        title=title,
        what_happened=description or title,
        language=language if language in ("en", "ru") else "ru",
    )
    tella_uploads_clean()
    try:
        with transaction.atomic():
            submission = submission_receive(
                organisation=user.organisation, channel="tella", text=text, submitted_by=user
            )
            return TellaReport.objects.create(submission=submission)
    except ValidationError as error:
        raise _in_tella_terms(error) from None


def _in_tella_terms(error: ValidationError) -> ValidationError:
    """A submission's field errors under the names Tella sends (``what_happened`` is Tella's
    ``description``)."""
    if not hasattr(error, "error_dict"):
        return error
    names = {"what_happened": "description"}
    return ValidationError(
        {names.get(field, field): errors for field, errors in error.error_dict.items()}
    )


# Files -----------------------------------------------------------------------------------------


def file_limit() -> int:
    return int(settings.DOZOR_EVIDENCE_FILE_MAX_MB) * MB


def clean_file_name(name: str) -> str:
    """The name Tella gave a file (its vault id and extension), checked."""
    if not 0 < len(name) <= FILE_NAME_MAX_LENGTH or any(
        ord(character) < 32 or ord(character) == 127 for character in name
    ):
        raise TellaRefused(
            400, MSG_FILE_NAME % {"limit": FILE_NAME_MAX_LENGTH, "length": len(name)}
        )
    return name


def name_digest(report: TellaReport, name: str) -> str:
    return hashlib.sha256(f"{report.pk}/{name}".encode()).hexdigest()


def upload_find(report: TellaReport, name: str) -> TellaUpload | None:
    return TellaUpload.objects.filter(report=report, name_digest=name_digest(report, name)).first()


def _refuse_unless_receiving(report: TellaReport, upload: TellaUpload | None) -> None:
    if not report.submission.open:
        raise TellaRefused(409, MSG_REPORT_TRIAGED)
    if upload is not None and upload.closed:
        raise TellaRefused(409, MSG_FILE_CLOSED, received=upload.received)


@dataclass(frozen=True)
class _Piece:
    stored: StoredFile | None
    complete: bool  # the body arrived whole (the connection did not break)


def _seal_piece(body: Readable, *, max_bytes: int) -> _Piece:
    """Read the body into a new sealed file; at most ``max_bytes`` (FileTooLarge beyond, and
    nothing kept). A body that breaks off keeps what arrived, marked incomplete."""
    writer = file_store().writer(max_bytes=max_bytes)
    complete = True
    try:
        while True:
            try:
                data = body.read(READ_BYTES)
            except OSError:
                complete = False
                break
            if not data:
                break
            writer.write(data)
        if writer.size == 0:
            writer.abort()
            return _Piece(stored=None, complete=complete)
        return _Piece(stored=writer.finish(), complete=complete)
    finally:
        writer.abort()


def _piece_max_bytes(
    byte_range: ByteRange | None,
    *,
    received: int,
    declared: int | None,
    limit: int,
    body_length: int | None,
) -> int:
    """How many bytes the next piece may hold, or TellaRefused: with a Content-Range, exactly
    the range's length, which must start where the received bytes end, keep the total announced
    before and fit the file limit; without one, what is left of the file limit."""
    if byte_range is None:
        if limit - received <= 0:
            raise TellaRefused(413, MSG_FILE_TOO_LARGE % {"limit": limit // MB}, received=received)
        return limit - received
    if byte_range.total > limit:
        raise TellaRefused(413, MSG_FILE_TOO_LARGE % {"limit": limit // MB}, received=received)
    if declared is not None and declared != byte_range.total:
        raise TellaRefused(
            400,
            MSG_TOTAL_CHANGED % {"declared": declared, "total": byte_range.total},
            received=received,
        )
    if byte_range.start != received:
        raise TellaRefused(
            409,
            MSG_PIECE_OUT_OF_PLACE % {"received": received, "start": byte_range.start},
            received=received,
        )
    if body_length is not None and body_length != byte_range.length:
        raise TellaRefused(
            400,
            MSG_LENGTH_MISMATCH % {"arrived": body_length, "announced": byte_range.length},
            received=received,
        )
    return byte_range.length


def tella_piece_receive(
    *,
    report: TellaReport,
    name: str,
    body: Readable,
    byte_range: ByteRange | None,
    body_length: int | None,
) -> TellaUpload | None:
    """Append one piece of a file: sealed in the store, then recorded after the bytes before it.

    With a Content-Range the piece must start where the received bytes end, keep the total the
    file was announced with, stay within DOZOR_EVIDENCE_FILE_MAX_MB and arrive whole; without one
    (Tella's first protocol: the rest of the file from the size HEAD reported) it is appended and
    whatever arrived before a broken connection is kept. Raises TellaRefused naming the problem,
    having kept nothing of the piece; what was stored before stays. Returns the upload (None when
    an empty body added nothing to a file not yet started).
    """
    name = clean_file_name(name)
    upload = upload_find(report, name)
    _refuse_unless_receiving(report, upload)
    received = upload.received if upload is not None else 0
    declared = upload.declared_size if upload is not None else None
    limit = file_limit()
    max_bytes = _piece_max_bytes(
        byte_range, received=received, declared=declared, limit=limit, body_length=body_length
    )
    try:
        piece = _seal_piece(body, max_bytes=max_bytes)
    except FileTooLarge:
        if byte_range is not None:  # more body than Content-Length said: not what was announced
            raise TellaRefused(
                400,
                MSG_LENGTH_MISMATCH % {"arrived": max_bytes + 1, "announced": byte_range.length},
                received=received,
            ) from None
        raise TellaRefused(
            413, MSG_FILE_TOO_LARGE % {"limit": limit // MB}, received=received
        ) from None
    stored = piece.stored
    if byte_range is not None and (
        not piece.complete or (stored.size if stored else 0) != byte_range.length
    ):
        if stored is not None:
            file_store().delete(stored.file_id)
        raise TellaRefused(
            400,
            MSG_LENGTH_MISMATCH
            % {"arrived": stored.size if stored else 0, "announced": byte_range.length},
            received=received,
        )
    if stored is None:
        return upload
    try:
        return _piece_record(
            report=report,
            name=name,
            offset=received,
            stored=stored,
            total=byte_range.total if byte_range else None,
        )
    except BaseException:
        file_store().delete(stored.file_id)
        raise


def _piece_record(
    *, report: TellaReport, name: str, offset: int, stored: StoredFile, total: int | None
) -> TellaUpload:
    """Record a sealed piece after the bytes before it, the upload locked meanwhile: two
    requests with the same piece record it once (the other is refused, its bytes deleted)."""
    digest = name_digest(report, name)
    with transaction.atomic():
        try:
            with transaction.atomic():
                upload, _created = TellaUpload.objects.get_or_create(
                    report=report, name_digest=digest, defaults={"name": name}
                )
        except IntegrityError:  # started by a request at the same moment
            upload = TellaUpload.objects.get(report=report, name_digest=digest)
        upload = TellaUpload.objects.select_for_update().get(pk=upload.pk)
        _refuse_unless_receiving(report, upload)
        if upload.received != offset:
            raise TellaRefused(
                409,
                MSG_PIECE_OUT_OF_PLACE % {"received": upload.received, "start": offset},
                received=upload.received,
            )
        if upload.declared_size is not None and (
            upload.received + stored.size > upload.declared_size
        ):
            raise TellaRefused(
                400,
                MSG_BEYOND_ANNOUNCED % {"declared": upload.declared_size},
                received=upload.received,
            )
        if upload.received + stored.size > file_limit():
            raise TellaRefused(
                413, MSG_FILE_TOO_LARGE % {"limit": file_limit() // MB}, received=upload.received
            )
        TellaUploadPart.objects.create(
            upload=upload, offset=offset, size=stored.size, file_id=stored.file_id
        )
        upload.received += stored.size
        if total is not None:
            upload.declared_size = total
        upload.save(update_fields=["received", "declared_size"])
    return upload


class _PiecesInOrder:
    """An upload's pieces read back one after the other, as one readable file; checks that
    they follow each other without a gap or an overlap."""

    def __init__(self, pieces: list[TellaUploadPart]) -> None:
        self._chunks = self._iterate(pieces)
        self._left = b""

    @staticmethod
    def _iterate(pieces: list[TellaUploadPart]) -> Iterator[bytes]:
        store = file_store()
        expected = 0
        for piece in pieces:
            if piece.offset != expected:
                raise ValueError(f"upload pieces are not contiguous at byte {expected}")
            expected += piece.size
            yield from store.iter_chunks(piece.file_id)

    def read(self, size: int = -1, /) -> bytes:
        while not self._left:
            chunk = next(self._chunks, None)
            if chunk is None:
                return b""
            self._left = chunk
        if size < 0:
            size = len(self._left)
        data, self._left = self._left[:size], self._left[size:]
        return data


def tella_upload_close(*, report: TellaReport, name: str) -> SubmissionFile:
    """Close a file whose pieces have all arrived: stream them into one sealed file (its SHA-256
    computed on the way), read its type from the content, record it as a file of the submission
    (audited with the digest), and delete the pieces.

    Closing a closed file returns its record again (a phone that did not hear the answer asks
    twice). Raises TellaRefused: 404 nothing arrived, 409 bytes still missing or the report
    triaged, 415 a type Dozor does not keep (the pieces are deleted then: no piece can change
    what the file is).
    """
    name = clean_file_name(name)
    upload = upload_find(report, name)
    if upload is None:
        raise TellaRefused(404, MSG_NO_SUCH_FILE)
    if upload.closed:
        assert upload.submitted_file is not None
        return upload.submitted_file
    _refuse_unless_receiving(report, upload)
    if upload.declared_size is not None and upload.received != upload.declared_size:
        raise TellaRefused(
            409,
            MSG_FILE_UNFINISHED % {"received": upload.received, "declared": upload.declared_size},
            received=upload.received,
        )
    assembled = _assemble(upload)
    if assembled is None:  # closed meanwhile by a request at the same moment
        upload.refresh_from_db()
        assert upload.submitted_file is not None
        return upload.submitted_file
    media_type, stored, received = assembled
    store = file_store()
    if stored is None:
        _upload_discard(upload)
        raise TellaRefused(415, type_refused(name, media_type or None).messages[0])
    try:
        with transaction.atomic():
            upload = TellaUpload.objects.select_for_update().get(pk=upload.pk)
            if upload.received != received:
                raise TellaRefused(
                    409,
                    MSG_PIECE_OUT_OF_PLACE % {"received": received, "start": upload.received},
                    received=upload.received,
                )
            submitted = submission_file_add(
                submission=report.submission, name=name, media_type=media_type, stored=stored
            )
            upload.submitted_file = submitted
            upload.save(update_fields=["submitted_file"])
            piece_ids = list(upload.parts.values_list("file_id", flat=True))
            upload.parts.all().delete()
    except ValidationError as error:
        store.delete(stored.file_id)
        raise TellaRefused(409, " ".join(error.messages)) from None
    except BaseException:
        store.delete(stored.file_id)
        raise
    for file_id in piece_ids:
        store.delete(file_id)
    return submitted


def _assemble(upload: TellaUpload) -> tuple[str, StoredFile | None, int] | None:
    """Stream an upload's pieces into one new sealed file, the upload locked meanwhile.

    Returns the type the content shows (empty when none is known), the sealed file (None when
    the type is not one Dozor keeps: nothing is written then) and the bytes it holds; None when
    the upload was closed meanwhile."""
    with transaction.atomic():
        upload = TellaUpload.objects.select_for_update().get(pk=upload.pk)
        if upload.closed:
            return None
        whole = _PiecesInOrder(list(upload.parts.order_by("offset")))
        head = b""
        while len(head) < SNIFF_BYTES and (more := whole.read(SNIFF_BYTES - len(head))):
            head += more
        media_type = media_type_of(head) or ""
        if media_type not in ALLOWED_MEDIA_TYPES:
            return media_type, None, upload.received
        writer = file_store().writer(max_bytes=file_limit())
        try:
            writer.write(head)
            while data := whole.read(READ_BYTES):
                writer.write(data)
            return media_type, writer.finish(), upload.received
        finally:
            writer.abort()


def _upload_discard(upload: TellaUpload) -> None:
    """Delete an upload that can never become a file, with its sealed pieces."""
    with transaction.atomic():
        piece_ids = list(upload.parts.values_list("file_id", flat=True))
        upload.parts.all().delete()
        upload.delete()
    store = file_store()
    for file_id in piece_ids:
        store.delete(file_id)


def tella_uploads_clean(*, days: int = UNFINISHED_UPLOAD_DAYS) -> int:
    """Delete the files whose last piece arrived more than ``days`` ago and that were never
    closed, with their sealed pieces; returns how many. Run whenever a phone sends a new report,
    as the import page cleans its own waiting uploads."""
    stale = list(
        TellaUpload.objects.filter(
            submitted_file__isnull=True,
            touched_at__lt=timezone.now() - datetime.timedelta(days=days),
        )
    )
    for upload in stale:
        _upload_discard(upload)
    return len(stale)


@transaction.atomic
def tella_sign_ins_end(*, user: User) -> int:
    """End every Tella sign-in of the user at once (a phone lost or seized): each phone must
    sign in again with the password. Returns how many were ended; ending none writes no entry."""
    ended, _by_model = TellaToken.objects.filter(user=user).delete()
    if ended:
        audit.audit_record(
            action=audit.Action.USER_CHANGE,
            user=user,
            target=user,
            changes={"tella_sign_ins_ended": ended},
        )
    return int(ended)
