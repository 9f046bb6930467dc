"""The evidence panel of a record's page (an incident, a report, a response event, a raising):
its files with what the viewer may see of each, its previews, and the upload form."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import User
from dozor.evidence import metadata, previews, services
from dozor.evidence.forms import AttachForm
from dozor.evidence.models import Attachment
from dozor.records.models import Incident, Report
from dozor.responses.models import Raising, ResponseEvent

EMPTY = {
    Incident: _("No file is kept as evidence of this incident."),
    Report: _("No file is kept as evidence of this report."),
    ResponseEvent: _("No file is kept as evidence of this event."),
    Raising: _("No file is kept as evidence of this raising."),
}


def panel_anchor(target: models.Model) -> str:
    """The panel's id on its page: a timeline shows one panel per event."""
    if isinstance(target, ResponseEvent):
        return f"evidence-event-{target.pk}"
    return "evidence"


def panel_page(target: models.Model) -> str:
    """The page the record's panel is on, at the panel: where an upload comes back to."""
    if isinstance(target, Incident):
        page = reverse("records:incident_detail", args=[target.reference])
    elif isinstance(target, Report):
        page = reverse("reports:report_detail", args=[target.pk])
    elif isinstance(target, ResponseEvent):
        page = reverse("responses:timeline", args=[target.incident.reference])
    elif isinstance(target, Raising):
        page = reverse("responses:raising_edit", args=[target.pk])
    else:
        raise TypeError(f"{type(target).__name__} cannot hold evidence")
    return f"{page}#{panel_anchor(target)}"


def attach_url(target: models.Model) -> str:
    """Where the panel's form sends its files (evidence.views.attach)."""
    if isinstance(target, Incident):
        return reverse("evidence:incident_attach", args=[target.reference])
    if isinstance(target, Report):
        return reverse("evidence:report_attach", args=[target.pk])
    if isinstance(target, ResponseEvent):
        return reverse("evidence:event_attach", args=[target.pk])
    if isinstance(target, Raising):
        return reverse("evidence:raising_attach", args=[target.pk])
    raise TypeError(f"{type(target).__name__} cannot hold evidence")


def shows_preview(attachment: Attachment) -> bool:
    """Whether the panel asks for a preview: of a type Dozor previews, unless one was tried and
    none could be made. One not made yet is made when the page asks for it."""
    if not previews.previewable(attachment.media_type):
        return False
    preview = getattr(attachment, "preview", None)
    return preview is None or preview.exists


def panel(
    *,
    user: User | AnonymousUser,
    target: models.Model,
    attachments: Iterable[Attachment],
    heading: bool = True,
) -> dict[str, Any]:
    """What the panel template (evidence/_incident_panel.html) shows of ``target``."""
    rows = []
    for attachment in attachments:
        may_open = isinstance(user, User) and services.may_open(user, attachment)
        rows.append((attachment, may_open, may_open and shows_preview(attachment)))
    return {
        "target": target,
        "incident": target if isinstance(target, Incident) else None,
        "cleanable": metadata.CLEANABLE,
        # An incident's photos the user may open can go into its dossier, without metadata.
        "dossier_images": [
            attachment
            for attachment, may_open, _preview in rows
            if may_open
            and isinstance(target, Incident)
            and attachment.media_type in metadata.IMAGE_FORMATS
        ],
        "anchor": panel_anchor(target),
        "heading": heading,
        "empty": EMPTY[type(target)],
        "rows": rows,
        "can_attach": isinstance(user, User) and services.may_attach(user, target),
        "attach_url": attach_url(target),
        "form": AttachForm(auto_id=f"{panel_anchor(target)}-%s"),
        "file_max_mb": settings.DOZOR_EVIDENCE_FILE_MAX_MB,
        "upload_max_mb": settings.DOZOR_EVIDENCE_UPLOAD_MAX_MB,
    }
