"""Evidence in case dossiers: each case's files listed, and the photos chosen printed without
their metadata.

The dossier (dozor.responses.dossier) sits below the evidence app and does not import it; this
maker is registered with it when the app is ready (apps.py). For each incident it lists the files
kept as evidence of it that the printer may know of: kind, date made, type, size and SHA-256, the
file's name only where the dossier shows names and the printer may open the file. Chosen photos
are copied without their metadata (dozor.evidence.metadata), scaled to fit a page, and embedded
as data: URIs so that WeasyPrint needs no URL; each is an export in the audit trail once the
dossier is printed.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import User
from dozor.evidence import metadata, selectors, services
from dozor.evidence.models import Attachment
from dozor.records.models import Incident
from dozor.responses.dossier import DossierSection
from dozor.security.files import FileIntegrityError

# A photo in a dossier needs no more than this many pixels on its longer side.
IMAGE_MAX_SIDE = 1600
MSG_IMAGE_NOT_HERE = _(
    "Attachment %(id)s is not a file of the incidents in this dossier that you may see."
)
MSG_IMAGE_NOT_PHOTO = _(
    "Attachment %(id)s is not a photo Dozor can print without its metadata (its type is %(type)s)."
)
MSG_IMAGE_NOT_OPEN = _(
    "Attachment %(id)s can show who the people in it are, and you may not open it."
)
MSG_IMAGE_UNREADABLE = _("Attachment %(id)s cannot be printed: %(problem)s")


def _chosen(
    user: User, attachments: dict[int, Attachment], images: Sequence[int]
) -> list[Attachment]:
    chosen = []
    for attachment_id in dict.fromkeys(images):
        attachment = attachments.get(attachment_id)
        if attachment is None:
            raise ValidationError(MSG_IMAGE_NOT_HERE, code="image", params={"id": attachment_id})
        if attachment.media_type not in metadata.IMAGE_FORMATS:
            raise ValidationError(
                MSG_IMAGE_NOT_PHOTO,
                code="image",
                params={"id": attachment_id, "type": attachment.media_type},
            )
        if not services.may_open(user, attachment):
            raise ValidationError(MSG_IMAGE_NOT_OPEN, code="image", params={"id": attachment_id})
        chosen.append(attachment)
    return chosen


def dossier_evidence(
    *,
    user: User,
    incidents: Sequence[Incident],
    names: Mapping[int, bool],
    images: Sequence[int],
) -> dict[int, DossierSection]:
    """Each incident's evidence section; the chosen photos copied without metadata."""
    by_incident: dict[int, list[Attachment]] = {incident.pk: [] for incident in incidents}
    attachments: dict[int, Attachment] = {}
    for attachment in (
        selectors.attachments_visible(user)
        .filter(incident__in=list(by_incident))
        .select_related("incident")
        .order_by("received_at", "pk")
    ):
        by_incident[attachment.incident_id or 0].append(attachment)
        attachments[attachment.pk] = attachment
    copies: dict[int, services.CleanCopy] = {}
    for attachment in _chosen(user, attachments, images):
        try:
            copies[attachment.pk] = services.attachment_clean(
                user=user, attachment=attachment, max_side=IMAGE_MAX_SIDE
            )
        except (metadata.MetadataError, FileNotFoundError, FileIntegrityError) as error:
            raise ValidationError(
                MSG_IMAGE_UNREADABLE,
                code="image",
                params={"id": attachment.pk, "problem": str(error)},
            ) from None
    sections = {}
    for incident in incidents:
        files = by_incident[incident.pk]
        names_shown = names.get(incident.pk, False)
        rows = [
            (attachment, names_shown and services.may_open(user, attachment))
            for attachment in files
        ]
        printed = [
            (attachment, _data_uri(copies[attachment.pk]), copies[attachment.pk])
            for attachment in files
            if attachment.pk in copies
        ]
        html = render_to_string(
            "evidence/_dossier_section.html", {"rows": rows, "printed": printed}
        )
        sections[incident.pk] = DossierSection(
            html=mark_safe(html),  # noqa: S308 - rendered by a template that escapes
            record=_recorder(user, [attachment for attachment, _uri, _copy in printed], copies),
        )
    return sections


def _data_uri(copy: services.CleanCopy) -> str:
    return f"data:{copy.media_type};base64,{base64.b64encode(copy.data).decode('ascii')}"


def _recorder(
    user: User, printed: list[Attachment], copies: dict[int, services.CleanCopy]
) -> Callable[[], None] | None:
    def record() -> None:
        for attachment in printed:
            services.attachment_export_record(
                user=user, attachment=attachment, copy=copies[attachment.pk], export="dossier"
            )

    return record if printed else None
