"""The incident search finds the incidents whose evidence holds the searched words.

A document's text (dozor.evidence.text) is sealed on its attachment with keyed tokens of its
words; this part of the incident search (registered with dozor.records.selectors from the app's
ready()) finds the attachments whose text holds every word, then the incidents they prove:
directly, through a response event or a raising, or through a report linked to the incident.
It is searched only in the organisation whose names the user sees, as names and summaries are:
a document names people, and a hit in another organisation's evidence would confirm a name.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from dozor.evidence.models import Attachment, AttachmentToken
from dozor.records.models import Incident
from dozor.security.crypto import KeyRing
from dozor.security.fields import EncryptedTextField
from dozor.security.search import query_tokens


def _holding_every_word(ring: KeyRing, words: list[str]) -> QuerySet[Any]:
    """Ids of the attachments whose text holds every word: one token lookup per word."""
    field = Attachment._meta.get_field("text")
    assert isinstance(field, EncryptedTextField)
    holding: QuerySet[Any] | None = None
    for word in words:
        ids = AttachmentToken.objects.filter(
            field=field.name, token__in=query_tokens(ring, field, [word])
        ).values("record_id")
        holding = ids if holding is None else holding.filter(record_id__in=ids)
    assert holding is not None
    return holding


def incidents_with_evidence_matching(
    ring: KeyRing, words: list[str], organisation_id: int
) -> list[QuerySet[Any]]:
    """The ids of the organisation's incidents whose evidence holds every word: a file of the
    incident, of one of its response events or raisings, or of a report linked to it. One
    query: the incident each matching file proves is the first of those links it has."""
    if not words:
        return []
    proved = (
        Attachment.objects.order_by()
        .filter(pk__in=_holding_every_word(ring, words), organisation_id=organisation_id)
        .annotate(
            proved=Coalesce(
                "incident_id",
                "response_event__incident_id",
                "raising__incident_id",
                "report__incident_link__incident_id",
            )
        )
        .values("proved")
    )
    return [
        Incident.objects.order_by()
        .filter(organisation_id=organisation_id, pk__in=proved)
        .values("pk")
    ]
