"""Which submissions and referrals a user may know of, and which organisation the public form
sends to."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext as _

from dozor.accounts.models import Organisation, User
from dozor.accounts.policy import may
from dozor.audit.models import Action
from dozor.audit.selectors import incident_entries
from dozor.submissions.models import Referral, Status, Submission, SubmissionFile

# The queue's views: the open submissions (the default), or those of one status.
QUEUE_FILTERS = {
    "open": (Status.NEW, Status.MORE_ASKED),
    **{status.value: (status,) for status in Status},
}


def queue_filter_labels() -> list[tuple[str, str]]:
    """The queue's views as (code, label), for its links."""
    return [("open", str(_("open"))), *((status.value, str(status.label)) for status in Status)]


def intake_organisation() -> Organisation | None:
    """The organisation the public form sends to: DOZOR_INTAKE_ORGANISATION (its name, or the
    name as a slug), else the only organisation there is; None when neither names one."""
    wanted = str(settings.DOZOR_INTAKE_ORGANISATION).strip()
    if wanted:
        for organisation in Organisation.objects.all():
            if wanted in (organisation.name, slugify(organisation.name, allow_unicode=True)):
                return organisation
        return None
    only = list(Organisation.objects.all()[:2])
    return only[0] if len(only) == 1 else None


def submissions_visible(user: User | AnonymousUser) -> QuerySet[Submission]:
    """The submissions of the user's organisation, when the user triages them; none otherwise."""
    if not isinstance(user, User) or user.organisation_id is None:
        return Submission.objects.none()
    if not may(user, "submissions.triage"):
        return Submission.objects.none()
    return Submission.objects.filter(organisation_id=user.organisation_id)


def submission_queue(user: User | AnonymousUser, show: str = "open") -> QuerySet[Submission]:
    """The triage queue, newest first: the open submissions, or those of one status."""
    statuses = QUEUE_FILTERS.get(show, QUEUE_FILTERS["open"])
    return (
        submissions_visible(user)
        .filter(status__in=statuses)
        .annotate(file_count=Count("files"))
        .order_by("-received_at", "-pk")
    )


def submission_get(*, user: User | AnonymousUser, pk: int) -> Submission:
    """One submission the user triages, or Submission.DoesNotExist."""
    return submissions_visible(user).select_related("accepted_report", "triaged_by").get(pk=pk)


def submission_file_get(*, user: User | AnonymousUser, pk: int) -> SubmissionFile:
    """One file of a submission the user triages, or SubmissionFile.DoesNotExist."""
    return SubmissionFile.objects.select_related("submission").get(
        pk=pk, submission__in=submissions_visible(user)
    )


def referrals_visible(user: User | AnonymousUser) -> QuerySet[Referral]:
    """The referrals of the user's organisation, for its advocates, documenters and
    administrators; none for anyone else."""
    if not isinstance(user, User) or user.organisation_id is None:
        return Referral.objects.none()
    if not may(user, "referrals.use"):
        return Referral.objects.none()
    return (
        Referral.objects.filter(organisation_id=user.organisation_id)
        .select_related("submission")
        .order_by("-created_at", "-pk")
    )


def referral_get(*, user: User | AnonymousUser, pk: int) -> Referral:
    return referrals_visible(user).get(pk=pk)


@dataclass(frozen=True)
class StatusChange:
    at: datetime.datetime
    actor: str  # empty: the sender (anonymous on the public form)
    status: str  # the label of the status it left the submission in


def submission_history(submission: Submission) -> list[StatusChange]:
    """The submission's receipt and each decision on it, oldest first, from the audit trail."""
    labels: dict[str, str] = {str(value): str(label) for value, label in Status.choices}
    changes = []
    for entry in incident_entries(incident=submission).filter(
        action__in=(Action.CREATE, Action.UPDATE)
    ):
        status = entry.changes.get("status") if isinstance(entry.changes, dict) else None
        after = str(status.get("after")) if isinstance(status, dict) else str(Status.NEW)
        changes.append(StatusChange(entry.at, entry.actor, labels.get(after, after)))
    return changes
