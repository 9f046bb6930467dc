"""How a signed-in user is read on each request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_totp.models import TOTPDevice

from dozor.accounts.models import User

# The attribute UserBackend.get_user sets: whether the user has a confirmed authenticator.
TOTP_CONFIRMED = "totp_confirmed_at_sign_in"


class UserBackend(ModelBackend):
    """Django's model backend (passwords, permissions), reading the signed-in user of a request
    together with what every request then asks of them: their organisation, which every page's
    header names, and whether they have a confirmed authenticator, which TwoFactorMiddleware
    asks on every request of a user who has not entered a code. Each was a query of its own on
    every page."""

    def get_user(self, user_id: Any) -> User | None:
        confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        users = User.objects.select_related("organisation").annotate(
            **{TOTP_CONFIRMED: Exists(confirmed)}
        )
        try:
            # get(), as Django's backend: first() would order by the key, and resolving an
            # order beside the annotation cost a millisecond of every request.
            user = users.get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
