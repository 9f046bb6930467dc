"""Reads of the evaluation, filtered by what the asking user may see.

Assessments and thresholds belong to the organisation that made them: a user sees their own
organisation's. Official statistics are published figures and visible to every signed-in user,
with every revision; they are changed by administrators only, since every organisation's card
uses them.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from dozor.accounts.models import User
from dozor.accounts.policy import may
from dozor.evaluation.models import Assessment, OfficialStatistic, OfficialStatisticRevision


def evaluation_can_read(user: User | AnonymousUser) -> bool:
    return isinstance(user, User) and user.is_active


def evaluation_can_write(user: User | AnonymousUser) -> bool:
    return may(user, "evaluation.write")


def official_statistics_can_write(user: User | AnonymousUser) -> bool:
    """Any organisation's administrator, and no one else: the figures are shared."""
    return may(user, "statistics.write")


def assessments_visible(user: User | AnonymousUser) -> QuerySet[Assessment]:
    organisation_id = getattr(user, "organisation_id", None)
    if not evaluation_can_read(user) or organisation_id is None:
        return Assessment.objects.none()
    return Assessment.objects.filter(organisation_id=organisation_id)


def assessments_of(user: User | AnonymousUser, *, country: str, year: int) -> dict[str, Assessment]:
    rows = (
        assessments_visible(user).filter(country=country, year=year).prefetch_related("incidents")
    )
    return {row.indicator: row for row in rows}


def official_statistics(
    user: User | AnonymousUser, *, country: str = ""
) -> QuerySet[OfficialStatistic]:
    if not evaluation_can_read(user):
        return OfficialStatistic.objects.none()
    rows = OfficialStatistic.objects.all()
    return rows.filter(country=country) if country else rows


def official_statistic_of(
    user: User | AnonymousUser, *, country: str, year: int
) -> OfficialStatistic | None:
    return official_statistics(user, country=country).filter(year=year).first()


def official_statistic_revisions(
    user: User | AnonymousUser, *, country: str, year: int
) -> QuerySet[OfficialStatisticRevision]:
    """Every revision of a state's figures for a year, the first first."""
    if not evaluation_can_read(user):
        return OfficialStatisticRevision.objects.none()
    return (
        OfficialStatisticRevision.objects.filter(statistic__country=country, statistic__year=year)
        .select_related("created_by__organisation")
        .order_by("number")
    )
