"""Reports drafted from press texts, waiting for a person's review."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dozor.records.models import Report, SourceList
from dozor.security.fields import EncryptedJSONField, EncryptedTextField


class DraftStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class DraftReport(models.Model):
    """One press text and the fields drafted from it. Never published by itself: a reviewer
    corrects the fields and accepts it (it becomes a records.Report) or rejects it."""

    source_list = models.ForeignKey(
        SourceList, on_delete=models.PROTECT, related_name="drafts", verbose_name=_("source list")
    )
    # The article text, the drafted fields and the reviewer's note name victims: all sealed.
    text = EncryptedTextField(_("text"))
    sha256 = models.CharField(_("SHA-256 of the text"), max_length=64)
    url = models.URLField(_("address"), max_length=2000, blank=True)
    origin = models.CharField(_("file or feed entry"), max_length=500, blank=True)
    published = models.DateField(_("published"))
    language = models.CharField(_("language"), max_length=2)
    extracted = EncryptedJSONField(_("drafted fields"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=DraftStatus.choices, default=DraftStatus.PENDING
    )
    review_note = EncryptedTextField(_("reviewer's note"), blank=True, max_length=2000)
    report = models.OneToOneField(
        Report,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="press_draft",
        verbose_name=_("report"),
    )
    created_at = models.DateTimeField(_("drafted"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("drafted by"),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        ordering = ["-published", "-id"]
        verbose_name = _("press draft")
        verbose_name_plural = _("press drafts")
        constraints = [
            models.UniqueConstraint(
                fields=["source_list", "sha256"], name="press_draft_unique_text_per_list"
            )
        ]
        indexes = [models.Index(fields=["source_list", "status"], name="press_draft_status_idx")]

    def __str__(self) -> str:
        return self.extracted.get("fields", {}).get("title") or self.sha256[:12]

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self.extracted.get("fields", {}))
