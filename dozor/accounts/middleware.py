"""Request guards of signing in: the session's absolute limit and two-factor sign-in."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from dozor.accounts.models import User
from dozor.accounts.selectors import totp_device_has_confirmed

SESSION_STARTED_KEY = "dozor_signed_in_at"
SESSION_RENEWED_KEY = "dozor_renewed_at"
SESSION_RENEWAL_MAX_SECONDS = 60

# Pages a signed-in user who still owes a one-time code may open. The setup page only while they
# have no confirmed authenticator: after the password alone it would hand out a key that replaces
# the owner's (whoever holds a stolen password would then hold the second factor too).
TWO_FACTOR_OPEN_PATHS = ("accounts:two_factor_verify", "accounts:two_factor_setup", "logout")
TWO_FACTOR_OPEN_PATHS_WITH_DEVICE = ("accounts:two_factor_verify", "logout")


def session_renewal_seconds() -> int:
    """How long a renewed session goes without being renewed again: a tenth of the idle limit,
    at most a minute."""
    return max(1, min(SESSION_RENEWAL_MAX_SECONDS, settings.SESSION_COOKIE_AGE // 10))


class SessionLimitMiddleware:
    """Sign out a session DOZOR_SESSION_MAX_HOURS after sign-in, however active it was, and keep
    an active session from running out of its idle limit.

    The idle limit is the stored session's age (SESSION_COOKIE_AGE from its last save). Saving
    the session on every request was a database write on every page; instead a request renews it
    (stores it again, moving its expiry) when the last renewal is older than
    session_renewal_seconds(), so a session is signed out after between nine tenths of the idle
    limit and the whole of it without a request, never later.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            now = int(time.time())
            if started is None:
                request.session[SESSION_STARTED_KEY] = now
            elif now - int(started) > settings.DOZOR_SESSION_MAX_SECONDS:
                logout(request)
                return redirect(f"{reverse('login')}?next={request.path}")
            renewed = request.session.get(SESSION_RENEWED_KEY)
            if renewed is None or now - int(renewed) >= session_renewal_seconds():
                request.session[SESSION_RENEWED_KEY] = now  # saved, so its expiry moves
        return self.get_response(request)


def two_factor_required(user: User) -> bool:
    return user.role in settings.DOZOR_TWO_FACTOR_ROLES


class TwoFactorMiddleware:
    """Hold a signed-in user at the one-time-code step until they have passed it.

    A user with a confirmed authenticator must enter a code after the password, and until then
    opens nothing but the code page and sign-out; a user whose role requires two-factor sign-in
    and who has none yet must first set one up.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            isinstance(user, User)
            and user.is_authenticated
            and not user.is_verified()  # type: ignore[attr-defined]
            and not self._always_open(request)
        ):
            if totp_device_has_confirmed(user):
                if not self._open(request, TWO_FACTOR_OPEN_PATHS_WITH_DEVICE):
                    return redirect(two_factor_verify_url(request.path))
            elif two_factor_required(user) and not self._open(request, TWO_FACTOR_OPEN_PATHS):
                return redirect("accounts:two_factor_setup")
        return self.get_response(request)

    @staticmethod
    def _always_open(request: HttpRequest) -> bool:
        return request.path.startswith(
            (
                settings.STATIC_URL
                if settings.STATIC_URL.startswith("/")
                else "/" + settings.STATIC_URL,
                "/i18n/",
            )
        )

    @staticmethod
    def _open(request: HttpRequest, names: tuple[str, ...]) -> bool:
        return any(request.path == reverse(name) for name in names)


def two_factor_verify_url(next_path: str) -> str:
    """The code page, returning to next_path once the code is right."""
    return f"{reverse('accounts:two_factor_verify')}?{urlencode({'next': next_path})}"
