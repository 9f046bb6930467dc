"""Who works in Dozor: organisations, their users and the users' roles.

The tables keep the names they had before this app held them (``records_organisation``,
``security_user``): the models moved, the data did not (migrations/0001_initial.py).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dozor.validators import validate_country, validate_region_of_country, vocabulary_field

NOTE_MAX_LENGTH = 5_000


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    DOCUMENTER = "documenter", _("Documenter")
    ANALYST = "analyst", _("Analyst")
    ADVOCATE = "advocate", _("Advocate")
    READER = "reader", _("Reader")


ROLES_THAT_WRITE = frozenset({Role.ADMINISTRATOR, Role.DOCUMENTER})
# Roles that work with the owning organisation's confidential records and with names.
ROLES_TRUSTED_WITH_CONFIDENTIAL = frozenset({Role.ADMINISTRATOR, Role.DOCUMENTER, Role.ADVOCATE})


class Tracked(models.Model):
    """Who created and last changed a row, and when."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        abstract = True


class Organisation(Tracked):
    """An organisation: a monitoring NGO that owns records, or one targeted by an attack."""

    name = models.CharField(_("name"), max_length=300, unique=True)
    name_en = models.CharField(_("name in English"), max_length=300, blank=True)
    kind = vocabulary_field("organisation_kind", _("kind"), default="ngo")
    country = models.CharField(
        _("country"), max_length=2, default="RU", validators=[validate_country]
    )
    region = models.CharField(_("region"), max_length=6, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=NOTE_MAX_LENGTH)

    class Meta:
        db_table = "records_organisation"
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.region and self.country:
            try:
                validate_region_of_country(self.region, self.country)
            except ValidationError as error:
                raise ValidationError({"region": error}) from None


class User(AbstractUser):
    """A person who signs in. Belongs to one organisation, whose records they work on."""

    organisation = models.ForeignKey(
        Organisation,
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

    class Meta:
        db_table = "security_user"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def can_write_records(self) -> bool:
        return self.is_active and self.organisation_id is not None and self.role in ROLES_THAT_WRITE

    def may_have_writing_token(self) -> bool:
        """Whether a personal API token of this user may be of the write scope: whenever the
        user may change something through the API. Every signed-in user may start an estimate
        run (on the Estimates page too), so every active user may; each endpoint still checks
        its own permission as its page does (a reader's token of the write scope starts an
        estimate run and is refused recording an incident)."""
        return self.is_active

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


class TokenScope(models.TextChoices):
    READ = "read", _("read")
    WRITE = "write", _("read and write")


class TokenState(models.TextChoices):
    """Where a token stands; not stored: it follows from its dates. (The labels have a context
    of their own: a project-wide "active" would otherwise take their place in Russian.)"""

    ACTIVE = "active", pgettext_lazy("API token state", "active")
    EXPIRED = "expired", pgettext_lazy("API token state", "expired")
    REVOKED = "revoked", pgettext_lazy("API token state", "revoked")


API_TOKEN_NAME_MAX_LENGTH = 100


class ApiToken(models.Model):
    """A personal key to the JSON API (/api/v1/), made by its user, shown to them once.

    Only the key's SHA-256 digest is kept: a key is 32 random bytes, so a slow hash would add
    nothing, and a stolen database or backup holds no key that works. The first characters
    (``prefix``) tell a user's keys apart in lists. A request made with a key acts as its user,
    with the user's role, organisation and name grant as they are at that moment, narrowed to
    reading when the scope is ``read``.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=API_TOKEN_NAME_MAX_LENGTH)
    scope = models.CharField(
        _("scope"), max_length=10, choices=TokenScope.choices, default=TokenScope.READ
    )
    prefix = models.CharField(_("begins with"), max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # The rate limit's count, kept here so that every server process counts the same calls:
    # the minute being counted (minutes since 1970) and the calls made in it.
    rate_minute = models.BigIntegerField(default=0)
    rate_calls = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def writes(self) -> bool:
        return self.scope == TokenScope.WRITE

    def state(self, now: datetime.datetime | None = None) -> TokenState:
        """Revoked whatever its date once revoked; expired from the moment api_token_use
        refuses it."""
        if self.revoked_at is not None:
            return TokenState.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return TokenState.EXPIRED
        return TokenState.ACTIVE
