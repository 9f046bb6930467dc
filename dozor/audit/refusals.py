"""The refusal log: every refused request in the audit trail, and an alert when they pile up.

A person probing for another organisation's records gets 403s and 404s. Each becomes a
``refused`` entry with who asked (the user, or none), what was asked (the method and the path,
never the query string, which may hold a searched name) and from where (the address and browser,
as every entry). When one user — or, signed out, one address — collects
DOZOR_REFUSAL_ALERT_COUNT refusals within DOZOR_REFUSAL_ALERT_MINUTES, one ``refusal_alert``
entry is written and logged as an error, once per window, for administrators to act on.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from dozor.audit.models import Action, AuditEntry
from dozor.audit.services import audit_record
from dozor.lib import origin

logger = logging.getLogger("dozor.security.refusals")

FORBIDDEN = 403
NOT_FOUND = 404
MAX_PATH = 300


def is_refusal(request: HttpRequest, response: HttpResponse) -> bool:
    """A 403 to anyone; a 404 to a signed-in user on an address that names a page of Dozor.

    A 404 on a resolved address is how a record the user may not see is refused (its existence
    is not confirmed); a 404 on an address that matches no page is a typo, not a refusal.
    """
    if response.status_code == FORBIDDEN:
        return True
    return (
        response.status_code == NOT_FOUND
        and request.user.is_authenticated
        and getattr(request, "resolver_match", None) is not None
    )


def refusal_record(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    method: str,
    path: str,
    status: int,
    view: str = "",
) -> AuditEntry:
    """Append one refused request to the trail, then alert if it makes one too many."""
    entry = audit_record(
        action=Action.REFUSED,
        user=user,
        changes={"method": method[:10], "path": path[:MAX_PATH], "status": status, "view": view},
    )
    refusal_alert_check(entry=entry)
    return entry


def _same_asker(entry: AuditEntry) -> Q:
    if entry.actor_id is not None:
        return Q(actor_id=entry.actor_id)
    return Q(actor_id__isnull=True, ip_address=entry.ip_address)


def refusal_alert_check(*, entry: AuditEntry) -> AuditEntry | None:
    """The alert for the asker of ``entry`` when the refusals in the window reach the threshold
    and no alert was raised for them within the window; otherwise None."""
    minutes = settings.DOZOR_REFUSAL_ALERT_MINUTES
    since = timezone.now() - datetime.timedelta(minutes=minutes)
    asker = _same_asker(entry)
    recent = AuditEntry.objects.filter(asker, at__gte=since)
    count = recent.filter(action=Action.REFUSED).count()
    if count < settings.DOZOR_REFUSAL_ALERT_COUNT:
        return None
    if recent.filter(action=Action.REFUSAL_ALERT).exists():
        return None
    user = get_user_model().objects.filter(pk=entry.actor_id).first() if entry.actor_id else None
    alert = audit_record(
        action=Action.REFUSAL_ALERT,
        user=user,
        changes={
            "refusals": count,
            "minutes": minutes,
            "threshold": settings.DOZOR_REFUSAL_ALERT_COUNT,
            "address": entry.ip_address,
        },
    )
    logger.error(
        "refusal alert: %s refused requests within %s minutes by %s from %s (audit entry %s)",
        count,
        minutes,
        entry.actor or "a signed-out visitor",
        entry.ip_address or origin.current().channel,
        alert.pk,
    )
    return alert
