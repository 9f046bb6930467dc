"""Request guards: session limits, two-factor sign-in and the Content-Security-Policy."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from dozor.security.models import User

SESSION_STARTED_KEY = "dozor_signed_in_at"

# No inline script or style anywhere: the pages load only their own static files. Images may be
# data: URIs because nothing else needs them; SVG charts and the QR code are inline markup.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Pages a signed-in user who still owes a one-time code may open.
TWO_FACTOR_OPEN_PATHS = ("security:two_factor_verify", "security:two_factor_setup", "logout")


class SessionLimitMiddleware:
    """Sign out a session DOZOR_SESSION_MAX_HOURS after sign-in, however active it was.

    The idle limit is the session cookie's own age (renewed on every request).
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
        return self.get_response(request)


def two_factor_required(user: User) -> bool:
    return user.role in settings.DOZOR_TWO_FACTOR_ROLES


class TwoFactorMiddleware:
    """Hold a signed-in user at the one-time-code step until they have passed it.

    A user with a confirmed authenticator must enter a code after the password; a user whose
    role requires two-factor sign-in and who has none yet must first set one up.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            isinstance(user, User)
            and user.is_authenticated
            and not user.is_verified()  # type: ignore[attr-defined]
            and not self._open(request)
        ):
            from dozor.security.selectors import totp_device_confirmed

            if totp_device_confirmed(user) is not None:
                return redirect(f"{reverse('security:two_factor_verify')}?next={request.path}")
            if two_factor_required(user):
                return redirect("security:two_factor_setup")
        return self.get_response(request)

    @staticmethod
    def _open(request: HttpRequest) -> bool:
        path = request.path
        if path.startswith(
            (
                settings.STATIC_URL
                if settings.STATIC_URL.startswith("/")
                else "/" + settings.STATIC_URL,
                "/i18n/",
            )
        ):
            return True
        return any(path == reverse(name) for name in TWO_FACTOR_OPEN_PATHS)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
