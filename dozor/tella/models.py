"""What Dozor keeps of the Tella app's conversation with it, the Tella Web protocol.

A field monitor's phone signs in with a Dozor account and gets a :class:`TellaToken`, which it
sends with every request. Each report the phone sends becomes a submission in the organisation's
triage queue (dozor.submissions); :class:`TellaReport` gives it the random id the phone uses in
its file addresses. Each file arrives in pieces, resumably: every piece is sealed in the encrypted
store as it comes (:class:`TellaUploadPart`), never kept in clear, and when the phone closes the
file the pieces are streamed in order into one sealed file, hashed, and recorded as a file of the
submission; the pieces are then deleted.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dozor.evidence.models import FILE_NAME_MAX_LENGTH
from dozor.security.fields import EncryptedTextField
from dozor.submissions.models import Submission, SubmissionFile


class TellaToken(models.Model):
    """The key a phone received when it signed in; only its SHA-256 digest is kept.

    It stands for its user while the user is active, until it expires (DOZOR_TELLA_TOKEN_DAYS)
    and while the user's password is the one they signed in with: changing the password, or an
    administrator deactivating the account, cuts off every phone at once.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="tella_tokens",
        verbose_name=_("user"),
    )
    prefix = models.CharField(_("begins with"), max_length=24)
    digest = models.CharField(max_length=64, unique=True)
    # A digest of the user's password hash at sign-in (see services.password_mark).
    password_mark = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Tella sign-in")
        verbose_name_plural = _("Tella sign-ins")

    def __str__(self) -> str:
        return f"{self.prefix}…"


class TellaReport(models.Model):
    """A report sent from Tella: the submission it became, under the id the phone uses."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    submission = models.OneToOneField(
        Submission,
        on_delete=models.PROTECT,
        related_name="tella_report",
        verbose_name=_("submission"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Tella report")
        verbose_name_plural = _("Tella reports")

    def __str__(self) -> str:
        return str(self.id)


class TellaUpload(models.Model):
    """One file of a Tella report, arriving in pieces until the phone closes it."""

    report = models.ForeignKey(
        TellaReport, on_delete=models.CASCADE, related_name="uploads", verbose_name=_("report")
    )
    name = EncryptedTextField(_("file name"), max_length=FILE_NAME_MAX_LENGTH)
    # The name is sealed; its digest (keyed by the report's random id) finds the upload again.
    name_digest = models.CharField(max_length=64)
    # The size the pieces declared (Content-Range's total), once one did.
    declared_size = models.PositiveBigIntegerField(_("declared size"), null=True, blank=True)
    received = models.PositiveBigIntegerField(_("bytes received"), default=0)
    submitted_file = models.OneToOneField(
        SubmissionFile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tella_upload",
        verbose_name=_("submitted file"),
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    # When the last piece arrived: a file left unfinished this long is deleted (uploads_clean).
    touched_at = models.DateTimeField(_("last piece"), auto_now=True)

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("Tella upload")
        verbose_name_plural = _("Tella uploads")
        constraints = [
            models.UniqueConstraint(fields=["report", "name_digest"], name="tella_upload_once"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.received} bytes"

    @property
    def closed(self) -> bool:
        return self.submitted_file_id is not None


class TellaUploadPart(models.Model):
    """A piece of an upload, sealed in the store under its own random id."""

    upload = models.ForeignKey(
        TellaUpload, on_delete=models.CASCADE, related_name="parts", verbose_name=_("upload")
    )
    offset = models.PositiveBigIntegerField(_("first byte"))
    size = models.PositiveBigIntegerField(_("size in bytes"))
    file_id = models.CharField(max_length=32, unique=True)

    class Meta:
        ordering = ["offset"]
        verbose_name = _("upload piece")
        verbose_name_plural = _("upload pieces")
        constraints = [
            models.UniqueConstraint(fields=["upload", "offset"], name="tella_part_once"),
        ]

    def __str__(self) -> str:
        return f"{self.offset}+{self.size}"
