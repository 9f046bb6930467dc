"""Request guards: session limits, two-factor sign-in, the Content-Security-Policy, locked mode."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from dozor.security.crypto import KeyringLocked
from dozor.security.keyring import keyring
from dozor.security.models import User
from dozor.security.selectors import totp_device_confirmed

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
# Pages a signed-in user who still owes a one-time code may open. The setup page only while they
# have no confirmed authenticator: after the password alone it would hand out a key that replaces
# the owner's (whoever holds a stolen password would then hold the second factor too).
TWO_FACTOR_OPEN_PATHS = ("security:two_factor_verify", "security:two_factor_setup", "logout")
TWO_FACTOR_OPEN_PATHS_WITH_DEVICE = ("security:two_factor_verify", "logout")


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
            if totp_device_confirmed(user) is not None:
                if not self._open(request, TWO_FACTOR_OPEN_PATHS_WITH_DEVICE):
                    return redirect(two_factor_verify_url(request.path))
            elif two_factor_required(user) and not self._open(request, TWO_FACTOR_OPEN_PATHS):
                return redirect("security:two_factor_setup")
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
    return f"{reverse('security:two_factor_verify')}?{urlencode({'next': next_path})}"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


logger = logging.getLogger(__name__)

# 423 Locked: the request was understood, but the resource is locked until the key is given.
LOCKED_STATUS = 423


class KeyringMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, KeyringLocked):
            return None
        logger.warning("refused while locked: %s %s", request.method, request.path)
        context = {
            "message": str(exception),
            "refused_write": request.method not in ("GET", "HEAD"),
            "back": locked_back_link(request),
        }
        return render(request, "security/locked.html", context, status=LOCKED_STATUS)


def locked_back_link(request: HttpRequest) -> str:
    """Where the locked page's "Back" leads: the page the user came from on this site, else
    the page above the refused one (an incident for its edit form), else the start page."""
    referer = request.META.get("HTTP_REFERER", "")
    if (
        referer
        and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and urlsplit(referer).path != request.path
    ):
        return str(referer)
    parent = request.path.rstrip("/").rsplit("/", 1)[0] + "/"
    return parent if parent not in ("/", "") else reverse("home")


def keyring_context(request: HttpRequest) -> dict[str, Any]:
    """For base.html's banner: whether Dozor runs without its key."""
    ring = keyring()
    return {"keyring_locked": ring.locked}
