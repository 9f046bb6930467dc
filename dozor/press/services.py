"""Writes of press drafts: draft a text, accept a draft as a report, reject it."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import User
from dozor.accounts.policy import require
from dozor.analysis.text import ExtractionError, extract_draft, text_sha256
from dozor.audit import services as audit
from dozor.press.models import DraftReport, DraftStatus
from dozor.records.models import Report, SourceList
from dozor.records.services import report_create
from dozor.security.crypto import KeyringLocked
from dozor.security.fields import MSG_UNREADABLE_WRITE, is_locked
from dozor.security.keyring import keyring

logger = logging.getLogger(__name__)

MSG_NOT_PENDING = _("This draft was already reviewed.")
MSG_MAY_NOT_WRITE = _("Only documenters of the organisation that owns the source list may do this.")
MSG_LOCKED_DRAFTING = _(
    "Dozor is locked: a press text names victims and is stored encrypted, which needs the "
    "encryption key. Nothing was drafted. An administrator restarts Dozor with the key "
    "(DOZOR_KEY_FILE or DOZOR_KEY_PASSPHRASE_FILE)."
)


def _check_unlocked() -> None:
    if keyring().locked:
        raise KeyringLocked(str(MSG_LOCKED_DRAFTING))


@transaction.atomic
def draft_create(
    *,
    source_list: SourceList,
    text: str,
    published: datetime.date,
    user: User,
    url: str = "",
    origin: str = "",
    language: str | None = None,
) -> tuple[DraftReport, bool]:
    """Draft a report from a press text. A text already drafted in this source list is not
    drafted again: the existing draft is returned with ``False``. Without the encryption key
    nothing is drafted (:class:`KeyringLocked`)."""
    require(user, "source_list.write", source_list, message=MSG_MAY_NOT_WRITE)
    _check_unlocked()
    text = text.replace("\r\n", "\n").strip()
    existing = DraftReport.objects.filter(source_list=source_list, sha256=text_sha256(text)).first()
    if existing is not None:
        return existing, False
    try:
        draft = extract_draft(text, published=published, language=language, url=url)
    except ExtractionError as error:
        raise ValidationError({"text": str(error)}) from None
    row = DraftReport(
        source_list=source_list,
        text=text,
        sha256=draft.sha256,
        url=url,
        origin=origin[:500],
        published=published,
        language=draft.language,
        extracted=draft.to_json(),
        created_by=user,
    )
    row.full_clean()
    row.save()
    audit.audit_record(
        action=audit.Action.CREATE,
        user=user,
        target=row,
        # The text names people: the trail keeps where it came from, never what it says.
        changes={
            "source_list": source_list.name,
            "sha256": row.sha256,
            "published": published,
            "language": row.language,
            "text": "changed",
        },
    )
    logger.info("press draft %s created by %s", row.pk, user)
    return row, True


@transaction.atomic
def draft_accept(*, draft: DraftReport, user: User, fields: dict[str, Any]) -> Report:
    """Store the reviewed fields as a report of the draft's source list, with the original text
    as the record received."""
    draft = DraftReport.objects.select_for_update().get(pk=draft.pk)
    require(user, "source_list.write", draft.source_list, message=MSG_MAY_NOT_WRITE)
    if draft.status != DraftStatus.PENDING:
        raise ValidationError(MSG_NOT_PENDING)
    _check_unlocked()
    if is_locked(draft.text):
        # The text did not open: accepting would store the word "locked" as the record.
        raise KeyringLocked(str(MSG_UNREADABLE_WRITE))
    report = report_create(
        source_list=draft.source_list,
        external_id=draft.sha256,
        payload={
            "text": draft.text,
            "url": draft.url,
            "published": draft.published.isoformat(),
            "language": draft.language,
            "origin": draft.origin,
        },
        fields={
            **fields,
            "url": draft.url,
            "published": draft.published.isoformat(),
            "sha256": draft.sha256,
            "language": draft.language,
        },
        received_on=timezone.localdate(draft.created_at),
        user=user,
    )
    draft.status = DraftStatus.ACCEPTED
    draft.report = report
    draft.reviewer = user
    draft.reviewed_at = timezone.now()
    draft.save()
    _review_audit(draft=draft, user=user, report=report)
    logger.info("press draft %s accepted by %s as report %s", draft.pk, user, report.pk)
    return report


def _review_audit(*, draft: DraftReport, user: User, report: Report | None) -> None:
    changes: dict[str, Any] = {"status": {"before": DraftStatus.PENDING, "after": draft.status}}
    if report is not None:
        changes["report"] = {"before": None, "after": report.pk}
    if draft.review_note:
        changes["review_note"] = "changed"
    audit.audit_record(action=audit.Action.UPDATE, user=user, target=draft, changes=changes)


def draft_view_record(*, user: User, draft: DraftReport) -> None:
    """The entry for a draft shown to a reviewer: the press text names people, so the entry
    says whether the names were shown (those who may not see them get it redacted)."""
    names = user.sees_names_of(draft.source_list.organisation_id)
    audit.audit_record(
        action=audit.Action.VIEW_NAMES if names else audit.Action.VIEW,
        user=user,
        target=draft,
        changes={"names": names},
    )


@transaction.atomic
def draft_reject(*, draft: DraftReport, user: User, note: str = "") -> DraftReport:
    draft = DraftReport.objects.select_for_update().get(pk=draft.pk)
    require(user, "source_list.write", draft.source_list, message=MSG_MAY_NOT_WRITE)
    if draft.status != DraftStatus.PENDING:
        raise ValidationError(MSG_NOT_PENDING)
    draft.status = DraftStatus.REJECTED
    draft.review_note = note
    draft.reviewer = user
    draft.reviewed_at = timezone.now()
    draft.full_clean()
    draft.save()
    _review_audit(draft=draft, user=user, report=None)
    logger.info("press draft %s rejected by %s", draft.pk, user)
    return draft
