"""Where a request came from, read the same way by the sign-in lockout and the audit trail."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

USER_AGENT_MAX_LENGTH = 300


def client_ip(request: HttpRequest) -> str:
    """The client's address: the connection's, or the one DOZOR_TRUSTED_PROXIES hops back.

    Only the proxies the operator declared are believed: X-Forwarded-For entries left of them
    are written by the client and can say anything.
    """
    address = request.META.get("REMOTE_ADDR", "") or ""
    hops = settings.DOZOR_TRUSTED_PROXIES
    if hops:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""


def user_agent(request: HttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_MAX_LENGTH]


# The lockout's log stores the name typed in a column of 255 characters; a user name is at most
# 150 (Django's), so a longer one is cut to that before it reaches the log.
USERNAME_MAX_LENGTH = 150


def client_username(request: HttpRequest, credentials: dict[str, object] | None) -> str:
    """The user name a sign-in attempt gave, as the lockout counts and logs it."""
    given = (credentials or {}).get("username")
    if not isinstance(given, str):
        given = request.POST.get("username", "") if request.method == "POST" else ""
    return str(given)[:USERNAME_MAX_LENGTH]
