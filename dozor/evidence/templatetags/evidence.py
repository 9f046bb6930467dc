from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from dozor.evidence import selectors, services
from dozor.evidence.forms import AttachForm
from dozor.records.models import Incident

register = template.Library()


@register.inclusion_tag("evidence/_incident_panel.html", takes_context=True)
def evidence_panel(context: dict[str, Any], incident: Incident) -> dict[str, Any]:
    """The incident's evidence: every file's kind, date, type, size and SHA-256 for whoever
    sees the incident; its name and description, and the download, only for those who may
    open it; the upload form for those who may add evidence."""
    request = context["request"]
    user = request.user
    attachments = list(selectors.attachments_of_incident(user, incident))
    return {
        "incident": incident,
        "rows": [(attachment, services.may_open(user, attachment)) for attachment in attachments],
        "can_attach": services.may_attach(user, incident),
        "form": AttachForm(),
        "file_max_mb": settings.DOZOR_EVIDENCE_FILE_MAX_MB,
        "upload_max_mb": settings.DOZOR_EVIDENCE_UPLOAD_MAX_MB,
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
