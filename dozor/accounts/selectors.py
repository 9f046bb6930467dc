"""Reads about users and their authenticators."""

from __future__ import annotations

from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from dozor.accounts.models import User


def totp_device_confirmed(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def totp_device_pending(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def users_administered(admin: User) -> QuerySet[User]:
    """The users an administrator manages: those of their organisation."""
    if not admin.is_active or admin.role != "administrator" or admin.organisation_id is None:
        return User.objects.none()
    return User.objects.filter(organisation_id=admin.organisation_id).order_by("username")
