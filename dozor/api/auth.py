"""Who calls the API: a personal token, its scope, and how often it may call.

The token stands for its user (accounts.ApiToken): the request's user becomes the token's, so
that every selector, policy check and service sees the same user as in the web app, and the
audit trail's origin names the token (``api:<name>``) beside the user. Session cookies are not
accepted: a page open in a browser cannot be made to call the API on its user's behalf.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer

from dozor.accounts.models import ApiToken
from dozor.accounts.services import api_token_call_count, api_token_use
from dozor.lib import origin
from dozor.security.network import client_ip, user_agent

MSG_READ_ONLY = _(
    "This token may only read: make a token with the “read and write” scope to change records."
)
MSG_RATE_LIMITED = _(
    "Too many requests with this token: at most %(limit)s a minute. Try again in %(seconds)s "
    "seconds."
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RATE_WINDOW_SECONDS = 60


class ReadOnlyToken(Exception):
    """A token of the read scope asked to write."""


class RateLimited(Exception):
    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(MSG_RATE_LIMITED % {"limit": limit, "seconds": retry_after})
        self.retry_after = retry_after


class TokenAuth(HttpBearer):
    """``Authorization: Bearer dozor_…``: the token's user, if the token may be used now."""

    openapi_description = "A personal API token, made on the account page (`/accounts/tokens/`)."

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = api_token_use(token)
        if found is None:
            return None
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        origin.act_from(
            origin.Origin(
                channel=f"api:{found.name}"[:60],
                ip_address=client_ip(request),
                user_agent=user_agent(request),
            )
        )
        _count_call(found)
        if request.method not in SAFE_METHODS and not found.writes():
            raise ReadOnlyToken(str(MSG_READ_ONLY))
        return found


def _count_call(token: ApiToken) -> None:
    """At most DOZOR_API_RATE_PER_MINUTE calls per token in each minute, counted on the token's
    row so that the limit holds however many server processes answer."""
    limit: int = settings.DOZOR_API_RATE_PER_MINUTE
    if limit <= 0:
        return
    now = time.time()
    minute = int(now // RATE_WINDOW_SECONDS)
    calls = api_token_call_count(token, minute=minute)
    if calls > limit:
        retry_after = max(1, math.ceil((minute + 1) * RATE_WINDOW_SECONDS - now))
        raise RateLimited(limit, retry_after)
