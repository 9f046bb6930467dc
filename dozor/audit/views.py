"""The refusal log page: what members of the administrator's organisation were refused."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from dozor.audit import selectors
from dozor.audit.models import Action
from dozor.security.models import Role, User

MSG_ADMINISTRATORS_ONLY = gettext_lazy("Only administrators see the refusal log.")
REFUSALS_SHOWN = 500


@login_required
def refusals(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, User) or user.role != Role.ADMINISTRATOR:
        raise PermissionDenied(MSG_ADMINISTRATORS_ONLY)
    entries = selectors.refusals_visible(user)
    return render(
        request,
        "audit/refusals.html",
        {
            "alerts": entries.filter(action=Action.REFUSAL_ALERT)[:REFUSALS_SHOWN],
            "refusals": entries.filter(action=Action.REFUSED)[:REFUSALS_SHOWN],
            "alert_count": settings.DOZOR_REFUSAL_ALERT_COUNT,
            "alert_minutes": settings.DOZOR_REFUSAL_ALERT_MINUTES,
        },
    )
