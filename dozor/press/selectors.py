"""Reads of press drafts: a user sees the drafts of their own organisation's source lists."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from dozor.accounts.models import User
from dozor.accounts.policy import may
from dozor.press.models import DraftReport


def drafts_visible(user: User | AnonymousUser) -> QuerySet[DraftReport]:
    # Drafts are unreviewed and may name victims: only the owning organisation sees them.
    if not user.is_authenticated or not user.is_active:
        return DraftReport.objects.none()
    assert isinstance(user, User)
    if user.organisation_id is None:
        return DraftReport.objects.none()
    return DraftReport.objects.filter(source_list__organisation_id=user.organisation_id)


def draft_list(*, user: User | AnonymousUser, status: str = "pending") -> QuerySet[DraftReport]:
    return drafts_visible(user).filter(status=status).select_related("source_list")


def draft_can_review(user: User | AnonymousUser, draft: DraftReport) -> bool:
    return may(user, "source_list.write", draft.source_list)
