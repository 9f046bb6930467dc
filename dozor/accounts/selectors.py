"""Reads about users, their authenticators and their API tokens, and the organisations an
administrator sees."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from dozor.accounts.backends import TOTP_CONFIRMED
from dozor.accounts.models import ApiToken, Organisation, User
from dozor.accounts.policy import may


def totp_device_confirmed(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def totp_device_has_confirmed(user: User) -> bool:
    """Whether the user has a confirmed authenticator: as read with the signed-in user of this
    request (backends.UserBackend), or asked of the database."""
    known = getattr(user, TOTP_CONFIRMED, None)
    if known is not None:
        return bool(known)
    return totp_device_confirmed(user) is not None


def totp_device_pending(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def users_administered(admin: User) -> QuerySet[User]:
    """The users an administrator manages: those of their organisation."""
    if not admin.is_active or admin.role != "administrator" or admin.organisation_id is None:
        return User.objects.none()
    return User.objects.filter(organisation_id=admin.organisation_id).order_by("username")


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """Every token of the user, revoked and expired ones too, newest first: what they made and
    what became of each."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def api_token_of(user: User, token_id: int) -> ApiToken:
    """One of the user's own tokens; ApiToken.DoesNotExist for anyone else's, as for none."""
    return ApiToken.objects.get(user=user, pk=token_id)


def organisations_administered(admin: User) -> QuerySet[Organisation]:
    """The organisations an administrator may rename (policy ``organisation.administer``): their
    own, and those a user of their organisation added that have no members of their own. No
    other: which organisations another one recorded (the targets of attacks it documents) is
    that organisation's business."""
    if not may(admin, "organisation.administer"):
        return Organisation.objects.none()
    own = admin.organisation_id
    added = Q(created_by__organisation_id=own) & ~Q(
        pk__in=User.objects.filter(organisation__isnull=False).values("organisation_id")
    )
    return Organisation.objects.filter(Q(pk=own) | added).order_by("name")
