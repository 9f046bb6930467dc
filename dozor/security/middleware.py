"""Request guards: the Content-Security-Policy and locked mode (Dozor running without its key).

Session limits and two-factor sign-in are the accounts app's (dozor.accounts.middleware).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from dozor.security.crypto import KeyringLocked
from dozor.security.keyring import keyring

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
