from __future__ import annotations

from typing import Any

from django import template

from dozor.accounts.policy import may
from dozor.exports import selectors
from dozor.exports.models import OdihrSubmission
from dozor.records.models import Incident

register = template.Library()


@register.inclusion_tag("exports/_odihr_toggle.html", takes_context=True)
def odihr_toggle(context: dict[str, Any], incident: Incident) -> dict[str, Any]:
    """The ODIHR submission mark on the incident page, with a button for those who may change it."""
    request = context["request"]
    return {
        "incident": incident,
        "submission": OdihrSubmission.objects.filter(incident=incident)
        .select_related("marked_by")
        .first(),
        "can_mark": selectors.odihr_can_mark(request.user, incident),
        "messages": context.get("messages"),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("exports/_list_exports.html", takes_context=True)
def list_exports(context: dict[str, Any]) -> dict[str, Any]:
    """Download links for the filtered list and, for documenters, the bulk ODIHR mark."""
    request = context["request"]
    return {
        "query": context.get("query", ""),
        "can_mark": may(request.user, "incident.write"),
        "messages": context.get("messages"),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
