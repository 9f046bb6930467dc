from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    DOCUMENTER = "documenter", _("Documenter")
    ANALYST = "analyst", _("Analyst")
    ADVOCATE = "advocate", _("Advocate")
    READER = "reader", _("Reader")


ROLES_THAT_WRITE = frozenset({Role.ADMINISTRATOR, Role.DOCUMENTER})
# Roles that work with the owning organisation's confidential records and with names.
ROLES_TRUSTED_WITH_CONFIDENTIAL = frozenset({Role.ADMINISTRATOR, Role.DOCUMENTER, Role.ADVOCATE})


class User(AbstractUser):
    """A person who signs in. Belongs to one organisation, whose records they work on."""

    organisation = models.ForeignKey(
        "records.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.READER)
    can_see_names = models.BooleanField(
        _("may see names"),
        default=False,
        help_text=_(
            "Analysts and readers see pseudonyms; an administrator may let this user see the "
            "names in their organisation's records."
        ),
    )

    def can_write_records(self) -> bool:
        return self.is_active and self.organisation_id is not None and self.role in ROLES_THAT_WRITE

    def is_trusted_with_confidential(self) -> bool:
        return (
            self.is_active
            and self.organisation_id is not None
            and self.role in ROLES_TRUSTED_WITH_CONFIDENTIAL
        )

    def sees_names_of(self, organisation_id: int) -> bool:
        """Whether this user sees people's names in records owned by the given organisation."""
        if not self.is_active or self.organisation_id != organisation_id:
            return False
        return self.role in ROLES_TRUSTED_WITH_CONFIDENTIAL or self.can_see_names


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
