from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from dozor.audit import refusals
from dozor.lib.origin import Origin, acting_from
from dozor.security.network import client_ip, user_agent


class AuditOriginMiddleware:
    """Make the request's address and browser the origin of whatever it writes or reads, and
    record the request in the refusal log when it was refused.

    It stands after the authentication and two-factor middleware (so the user is known) and
    around the view and the CSRF check (so it sees every 403 and 404 they answer).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = Origin(
            channel="web", ip_address=client_ip(request), user_agent=user_agent(request)
        )
        with acting_from(origin):
            response = self.get_response(request)
            if refusals.is_refusal(request, response):
                match = getattr(request, "resolver_match", None)
                refusals.refusal_record(
                    user=request.user,
                    method=request.method or "",
                    path=request.path,
                    status=response.status_code,
                    view=match.view_name if match is not None else "",
                )
        return response
