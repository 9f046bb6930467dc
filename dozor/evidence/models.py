"""Evidence: files kept as proof of what happened, each with its chain of custody.

An attachment belongs to exactly one incident, report, response event or raising, and to the
organisation that holds it. The file itself is in the encrypted file store (dozor.security.files),
sealed, under a random id; the row keeps its SHA-256 computed on receipt, which never changes: a
redacted or converted copy is a new attachment that names its original (``derived_from``).
Every receipt, view, download and derivation is an entry in the audit trail.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import Organisation
from dozor.records.models import Incident, Report
from dozor.responses.models import Raising, ResponseEvent
from dozor.security.fields import EncryptedTextField
from dozor.security.search import Searchable, SearchIndex, SearchToken

DESCRIPTION_MAX_LENGTH = 2000
FILE_NAME_MAX_LENGTH = 255
# The words kept of a document's text (dozor.evidence.text).
TEXT_MAX_LENGTH = 200_000
TARGETS = ("incident", "report", "response_event", "raising")


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("photo")
    MEDICAL = "medical", _("medical record")
    OFFICIAL = "official", _("police or court document")
    THREAT = "threat", _("threat")
    WEB_CAPTURE = "web_capture", _("web capture")
    OTHER = "other", _("other")


def _exactly_one_target() -> Q:
    alone = [
        Q(**{f"{name}__isnull": False})
        & Q(**{f"{other}__isnull": True for other in TARGETS if other != name})
        for name in TARGETS
    ]
    condition = alone[0]
    for more in alone[1:]:
        condition |= more
    return condition


class Attachment(Searchable):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="attachments"
    )
    # What the file is evidence of; exactly one is set. PROTECT: evidence is never deleted
    # with the record it belongs to.
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    response_event = models.ForeignKey(
        ResponseEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    raising = models.ForeignKey(
        Raising, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    derived_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="derivatives",
        verbose_name=_("copy of"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AttachmentKind.choices)
    # A description and a file's own name can name the people in it: sealed like notes.
    description = EncryptedTextField(
        _("description"), blank=True, max_length=DESCRIPTION_MAX_LENGTH
    )
    file_name = EncryptedTextField(_("file name"), max_length=FILE_NAME_MAX_LENGTH)
    # The words of a document (dozor.evidence.text), read on receipt: sealed, and searched by
    # keyed tokens of whole words, so that a search finds the incident the document proves.
    text = EncryptedTextField(
        _("text found in the file"),
        blank=True,
        editable=False,
        max_length=TEXT_MAX_LENGTH,
        search=SearchIndex("evidence.AttachmentToken", prefixes=False),
    )
    made_on = models.DateField(_("made on"), null=True, blank=True)
    media_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # The store's random id: it says nothing of the file.
    file_id = models.CharField(max_length=32, unique=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one_target(), name="evidence_attachment_one_target"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sha256[:12]}"

    def target(self) -> models.Model:
        """The incident, report, response event or raising the file is evidence of."""
        for name in TARGETS:
            value = getattr(self, name)
            if value is not None:
                return value  # type: ignore[no-any-return]
        raise ValueError(f"attachment {self.pk} belongs to nothing")


class Preview(models.Model):
    """The small picture shown beside an attachment (evidence.previews), made once from the
    sealed original and kept sealed in the file store under its own random id. It is a copy
    for the eye, not evidence: its SHA-256 is kept so that the custody trail can name it.

    A row without ``file_id`` records that none can be made (``missing_because`` says why),
    so that a file is not decoded again at every visit."""

    attachment = models.OneToOneField(Attachment, on_delete=models.PROTECT, related_name="preview")
    file_id = models.CharField(max_length=32, blank=True)
    media_type = models.CharField(max_length=20, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    missing_because = models.CharField(max_length=300, blank=True)
    made_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("preview")
        verbose_name_plural = _("previews")
        constraints = [
            models.UniqueConstraint(
                fields=["file_id"],
                condition=~Q(file_id=""),
                name="evidence_preview_file_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"preview of attachment {self.attachment_id}"

    @property
    def exists(self) -> bool:
        return bool(self.file_id)


class AttachmentToken(SearchToken):
    """The search tokens of an attachment's text (dozor.security.search)."""

    record = models.ForeignKey(
        Attachment, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    pk = models.CompositePrimaryKey("field", "token", "record")

    class Meta:
        indexes = [models.Index(fields=["record", "field"], name="attachment_token_record_idx")]
