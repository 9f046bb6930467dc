from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class KeyringState(models.Model):
    """What the database knows about its encryption key: its public id, never the key itself.

    One row. With a passphrase, the scrypt salt and cost are kept here too (they are not
    secret): the KEK is derived from the passphrase and this salt at start.
    """

    kek_id = models.CharField(_("key id"), max_length=16)
    kdf = models.CharField(_("key derivation"), max_length=20, blank=True)
    salt = models.CharField(_("salt"), max_length=64, blank=True)
    scrypt_n = models.PositiveIntegerField(default=0)
    scrypt_r = models.PositiveSmallIntegerField(default=0)
    scrypt_p = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    rotated_at = models.DateTimeField(_("last rotated"), null=True, blank=True)

    class Meta:
        verbose_name = _("key ring")
        verbose_name_plural = _("key ring")

    def __str__(self) -> str:
        return f"key {self.kek_id}"
