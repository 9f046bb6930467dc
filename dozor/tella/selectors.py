"""Reads of the Tella app's sign-ins."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from dozor.accounts.models import User
from dozor.tella.models import TellaToken


def tella_sign_ins_of(user: User) -> QuerySet[TellaToken]:
    """The user's phones signed in now (not expired), newest first."""
    return TellaToken.objects.filter(user=user, expires_at__gt=timezone.now())
