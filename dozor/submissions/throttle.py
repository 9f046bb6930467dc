"""How many times one client may send the public form in an hour, without keeping its address.

The count is kept in Django's cache under a keyed digest of the address and the hour: the
address itself is never stored, the digest changes every hour and the entry is gone when the
hour is over. DOZOR_INTAKE_RATE_PER_HOUR sets the limit (0: no limit). The default cache lives in
each server process's memory, so with several workers a client may reach the limit once in
each; the challenge, spent once in the database, still stands in front of every submission.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from dozor.security.network import client_ip

WINDOW_SECONDS = 3600


def _key(address: str, window: int) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"intake-rate:{window}:{address}".encode(), hashlib.sha256
    ).hexdigest()
    return f"dozor:intake-rate:{digest[:32]}"


def over_limit(request: HttpRequest) -> bool:
    """Count this request against its client's hour; True when it is over the limit."""
    limit = int(settings.DOZOR_INTAKE_RATE_PER_HOUR)
    if limit == 0:
        return False
    key = _key(client_ip(request), int(time.time()) // WINDOW_SECONDS)
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the entry expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        count = 1
    return count > limit
