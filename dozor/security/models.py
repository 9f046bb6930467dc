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

    def can_write_records(self) -> bool:
        return self.is_active and self.organisation_id is not None and self.role in ROLES_THAT_WRITE
