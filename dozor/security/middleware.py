"""Locked mode in the web app: every page says so, and a refused write explains itself."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dozor.security.crypto import KeyringLocked, keyring

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
        logger.warning("write refused while locked: %s %s", request.method, request.path)
        return render(
            request, "security/locked.html", {"message": str(exception)}, status=LOCKED_STATUS
        )


def keyring_context(request: HttpRequest) -> dict[str, Any]:
    """For base.html's banner: whether Dozor runs without its key."""
    ring = keyring()
    return {"keyring_locked": ring.locked}
