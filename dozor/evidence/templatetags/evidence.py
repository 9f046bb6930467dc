from __future__ import annotations

from typing import Any

from django import template
from django.db import models

from dozor.evidence import selectors
from dozor.evidence.panels import panel
from dozor.records.models import Incident
from dozor.responses.selectors import timeline

register = template.Library()


@register.inclusion_tag("evidence/_incident_panel.html", takes_context=True)
def evidence_panel(context: dict[str, Any], target: models.Model) -> dict[str, Any]:
    """The evidence of an incident, a report or a raising: every file's kind, date, type, size
    and SHA-256 for whoever sees the record; its name, description, preview and download only
    for those who may open it; the upload form for those who may add evidence."""
    request = context["request"]
    shown = panel(
        user=request.user,
        target=target,
        attachments=selectors.attachments_of(request.user, target),
    )
    # The incident page shows the request's messages already (the ODIHR toggle's panel); the
    # other records' pages show none but the panel's.
    messages = None if isinstance(target, Incident) else context.get("messages")
    return {
        **shown,
        "messages": messages,
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }


@register.inclusion_tag("evidence/_event_panels.html", takes_context=True)
def evidence_of_events(context: dict[str, Any], incident: Incident) -> dict[str, Any]:
    """A panel for each response event of the incident's timeline (numbered as its table
    numbers them) that is not corrected or holds files; the files of all read in one query."""
    request = context["request"]
    found = selectors.attachments_of_events(request.user, incident)
    events = timeline(incident).events
    return {
        "panels": [
            (
                number,
                event,
                panel(
                    user=request.user,
                    target=event,
                    attachments=found.get(event.pk, []),
                    heading=False,
                ),
            )
            for number, event in enumerate(events, start=1)
            if event.pk in found or not getattr(event, "is_superseded", False)
        ],
        "messages": context.get("messages"),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
