"""How long each request took, in the log: a warning for a slow one, debug for the rest.

The line names the request by its method, the name of the URL pattern it matched
(``records:incident_list``), its status and its time. Never the path's parameters, the query
string or the form: a search, a filter or an incident's page can carry a victim's name, and a log
is kept in clear, copied and shipped. A static file WhiteNoise served is named by its path
(Dozor's own files); any other request that matched no pattern is "unmatched".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from whitenoise.middleware import WhiteNoiseFileResponse

logger = logging.getLogger("dozor.requests")

SLOW = "slow request: %s %s %s %d ms"
TIMED = "request: %s %s %s %d ms"
UNMATCHED = "unmatched"
# The method is the client's to choose: anything else is logged as OTHER.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def request_route(request: HttpRequest, response: HttpResponseBase) -> str:
    """What the log may say about where the request went: never what it carried."""
    match = request.resolver_match
    if match is not None:
        return match.view_name
    if isinstance(response, WhiteNoiseFileResponse):
        return request.path_info
    return UNMATCHED


class RequestTimingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        # A streamed response (a CSV export) is timed to its first byte, not to its last.
        elapsed_ms = round((time.perf_counter() - started) * 1000)
        slow = elapsed_ms > settings.DOZOR_SLOW_REQUEST_MS
        level = logging.WARNING if slow else logging.DEBUG
        if logger.isEnabledFor(level):
            method = request.method if request.method in KNOWN_METHODS else "OTHER"
            logger.log(
                level,
                SLOW if slow else TIMED,
                method,
                request_route(request, response),
                response.status_code,
                elapsed_ms,
            )
        return response
