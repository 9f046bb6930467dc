from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from dozor.audit.origin import Origin, acting_from
from dozor.security.network import client_ip, user_agent


class AuditOriginMiddleware:
    """Make the request's address and browser the origin of whatever it writes or reads."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = Origin(
            channel="web", ip_address=client_ip(request), user_agent=user_agent(request)
        )
        with acting_from(origin):
            return self.get_response(request)
