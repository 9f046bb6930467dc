from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from dozor.evidence import metadata, selectors, services
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
    rows = [(attachment, services.may_open(user, attachment)) for attachment in attachments]
    return {
        "incident": incident,
        "rows": rows,
        "cleanable": metadata.CLEANABLE,
        # Photos the user may open can go into a dossier, without their metadata.
        "dossier_images": [
            attachment
            for attachment, may_open in rows
            if may_open and attachment.media_type in metadata.IMAGE_FORMATS
        ],
        "can_attach": services.may_attach(user, incident),
        "form": AttachForm(),
        "file_max_mb": settings.DOZOR_EVIDENCE_FILE_MAX_MB,
        "upload_max_mb": settings.DOZOR_EVIDENCE_UPLOAD_MAX_MB,
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
