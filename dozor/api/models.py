"""What the API itself keeps: the idempotency keys of the requests that stored something."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dozor.intake.models import ImportBatch


class IdempotentImport(models.Model):
    """An import sent to the API with an ``Idempotency-Key``: the same key again from the same
    user is answered with this import, not a second one, so a request retried after a dropped
    connection stores nothing twice. The key is kept with the import, for as long as it is."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(_("idempotency key"), max_length=200)
    # The digest of the request as validated: the key again with another request is refused.
    request_sha256 = models.CharField(_("SHA-256 of the request"), max_length=64)
    batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("import"),
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotent import")
        verbose_name_plural = _("idempotent imports")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="api_one_import_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
