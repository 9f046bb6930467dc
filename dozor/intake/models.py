"""The audit of imports, the rows an import could not store, and the mappings an organisation
keeps for its imports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import Organisation
from dozor.records.models import Report, SourceList
from dozor.security.fields import EncryptedJSONField, EncryptedTextField


class ImportKind(models.TextChoices):
    IMPORT = "import", _("import of a file")
    REMAP = "remap", _("stored rows re-read with a corrected mapping")


class ImportBatch(models.Model):
    """One import of one file: who, when, which file, which mapping, and what came of it.

    A re-read of a source list's stored rows with a corrected mapping (dozor.intake.remap) is
    recorded the same way, with ``kind`` remap and no file.
    """

    source_list = models.ForeignKey(
        SourceList, on_delete=models.PROTECT, related_name="imports", verbose_name=_("source list")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("imported by"),
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=ImportKind.choices, default=ImportKind.IMPORT
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    file_size = models.PositiveBigIntegerField(_("file size in bytes"))
    file_format = models.CharField(_("format"), max_length=8)
    encoding = models.CharField(_("encoding"), max_length=40, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    mapping_name = models.CharField(_("mapping"), max_length=200)
    mapping_text = models.TextField(_("mapping as used"))
    mapping_sha256 = models.CharField(_("SHA-256 of the mapping"), max_length=64)
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    stored = models.PositiveIntegerField(_("stored"), default=0)
    revised = models.PositiveIntegerField(_("stored as new revisions"), default=0)
    quarantined = models.PositiveIntegerField(_("quarantined"), default=0)
    already_present = models.PositiveIntegerField(_("already present"), default=0)
    duplicate_in_file = models.PositiveIntegerField(_("repeated within the file"), default=0)
    blank_lines = models.PositiveIntegerField(_("blank lines"), default=0)
    unchanged = models.PositiveIntegerField(_("read again, unchanged"), default=0)
    unreadable = models.PositiveIntegerField(_("not readable with this mapping"), default=0)
    # The first problems of a re-read (the reports it left as they were, and why): they quote
    # cells, which can be names, so they are sealed. Empty (null) for imports of a file, whose
    # problems are their quarantined rows; null also lets the column be added without the key.
    problems = EncryptedJSONField(_("problems"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.file_name} → {self.source_list_id} ({self.created_at:%Y-%m-%d %H:%M})"


class QuarantineStatus(models.TextChoices):
    OPEN = "open", _("waiting for a correction")
    STORED = "stored", _("corrected and stored")


class QuarantinedRow(models.Model):
    """A row an import could not store, kept as it came with every problem found in it."""

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, related_name="quarantine", verbose_name=_("import")
    )
    source_list = models.ForeignKey(
        SourceList, on_delete=models.PROTECT, related_name="+", verbose_name=_("source list")
    )
    row_number = models.PositiveIntegerField(_("row"))
    row_key = models.CharField(_("row identity"), max_length=200)
    # The row as it came holds whatever the source wrote, names included, and each problem quotes
    # the cell it is about: both are sealed.
    raw = EncryptedJSONField(_("row as received"))
    problems = EncryptedJSONField(_("problems"))
    status = models.CharField(
        _("status"), max_length=10, choices=QuarantineStatus.choices, default=QuarantineStatus.OPEN
    )
    report = models.ForeignKey(
        Report,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("stored as"),
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("corrected by"),
    )
    resolved_at = models.DateTimeField(_("corrected"), null=True, blank=True)

    class Meta:
        ordering = ["source_list", "batch", "row_number"]
        verbose_name = _("quarantined row")
        verbose_name_plural = _("quarantined rows")
        constraints = [
            models.UniqueConstraint(
                fields=["source_list", "row_key"],
                condition=Q(status="open"),
                name="quarantine_one_open_row_per_key",
            ),
            models.CheckConstraint(
                condition=Q(status="open", report__isnull=True)
                | Q(status="stored", report__isnull=False),
                name="quarantine_stored_has_report",
            ),
        ]
        indexes = [models.Index(fields=["source_list", "status"], name="quarantine_list_idx")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"


class PendingUpload(models.Model):
    """A file uploaded for import, kept sealed in the file store until it is confirmed.

    Unconfirmed uploads are deleted after DOZOR_IMPORT_UPLOAD_HOURS (see
    dozor.intake.services.uploads_clean).
    """

    token = models.CharField(_("token"), max_length=32, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True, db_index=True)
    source_list = models.ForeignKey(
        SourceList, on_delete=models.CASCADE, related_name="+", verbose_name=_("source list")
    )
    # A file name can be a person's name ("Ivanov statement.csv"): sealed like the file.
    file_name = EncryptedTextField(_("file name"), max_length=255)
    file_id = models.CharField(_("stored file"), max_length=32, editable=False)
    file_size = models.PositiveBigIntegerField(_("file size in bytes"))
    mapping_name = models.CharField(_("mapping"), max_length=200)
    mapping_text = models.TextField(_("mapping as given"))
    encoding = models.CharField(_("encoding"), max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("upload waiting for confirmation")
        verbose_name_plural = _("uploads waiting for confirmation")

    def __str__(self) -> str:
        return self.token


class ImportJobState(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ImportJob(models.Model):
    """An import started from the web page: its progress, readable from any server process."""

    token = models.CharField(_("token"), max_length=32, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last news"), auto_now=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ImportJobState.choices, default=ImportJobState.RUNNING
    )
    done = models.PositiveIntegerField(_("rows read"), default=0)
    total = models.PositiveIntegerField(_("rows expected"), default=0)
    batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("import"),
    )
    # An error can quote the file's name or a cell: sealed.
    error = EncryptedTextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self) -> str:
        return self.token

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.total)) if self.total else 0


SAVED_MAPPING_NAME_MAX_LENGTH = 100


class SavedMapping(models.Model):
    """One version of a mapping an organisation keeps for its imports, chosen on the import page.

    A saved mapping is never changed: saving it again adds the next version, so an import names
    the exact text it used (ImportBatch keeps that text too) and the history stays readable.
    A mapping says how columns become fields; it holds no record, so it is kept in clear.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=SAVED_MAPPING_NAME_MAX_LENGTH)
    version = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("mapping (YAML)"))
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved by"),
    )

    class Meta:
        ordering = ["organisation", "name", "-version"]
        verbose_name = _("saved mapping")
        verbose_name_plural = _("saved mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name", "version"], name="saved_mapping_unique_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
