"""Where the current action comes from: a web request's address and browser, or a command.

Set once per request by AuditOriginMiddleware and once per command by DozorCommand, so that
services record it without every caller passing it along. Plain Python (a context variable): the
project's command base class sets it without importing any app, and the audit trail reads it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    channel: str  # "web", "command:<name>", "system"
    ip_address: str = ""
    user_agent: str = ""


SYSTEM = Origin(channel="system")
_current: contextvars.ContextVar[Origin] = contextvars.ContextVar("dozor_audit_origin")


def current() -> Origin:
    return _current.get(SYSTEM)


@contextmanager
def acting_from(origin: Origin) -> Iterator[None]:
    token = _current.set(origin)
    try:
        yield
    finally:
        _current.reset(token)


def act_from(origin: Origin) -> None:
    """Make ``origin`` the current one until the enclosing ``acting_from`` block ends: for a
    request whose caller is known only inside its view (an API call, by its token)."""
    _current.set(origin)
