"""/api/v1/link-pairs/: the review queue of the organisation's latest linkage run, a pair side
by side as its page shows it, and a reviewer's decision on it, through the page's form and the
linkage service."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status

from dozor.accounts.policy import require, signed_in_user
from dozor.api.problems import field_errors, form_errors, problem
from dozor.linkage import selectors
from dozor.linkage.forms import DecisionForm
from dozor.linkage.models import CandidatePair, LinkDecision
from dozor.linkage.views import PAGE_SIZE
from dozor.records.views import MSG_FORM_HAS_ERRORS

router = Router(tags=["linkage"])

MSG_NO_PAIR = _("No pair with this number in your organisation's latest linkage run.")
MSG_NO_PAGE = _("There is no page %(page)s: the list has %(pages)s.")


class DecisionOut(Schema):
    id: int
    report_a: int
    report_b: int
    decision: str = Field(description="match, no_match or unsure.")
    decided_by: str
    decided_at: datetime.datetime
    match_probability: float | None = Field(description="The pair's score when decided.")


class PairRow(Schema):
    id: int
    run: int
    match_probability: float
    report_a: int
    report_b: int
    source_list_a: str
    source_list_b: str
    external_id_a: str
    external_id_b: str
    title_a: str | None = Field(description="As the caller may see it; none when withheld.")
    title_b: str | None
    decision: DecisionOut | None = Field(description="The organisation's latest decision.")


class PairQuery(Schema):
    page: int = Field(1, ge=1, description="The page, from 1; 50 pairs a page.")


class PairPage(Schema):
    count: int
    page: int
    pages: int
    results: list[PairRow]


class DifferenceOut(Schema):
    label: str
    left: str = Field(description="Names as the caller may see them (else pseudonyms).")
    right: str
    differs: bool


class PairOut(PairRow):
    differences: list[DifferenceOut]


class DecisionIn(Schema):
    decision: str = Field(description="match, no_match or unsure.")
    note: str = ""


def _decision(decision: LinkDecision | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {
        "id": decision.pk,
        "report_a": decision.report_a_id,
        "report_b": decision.report_b_id,
        "decision": decision.decision,
        "decided_by": decision.decided_by.username,
        "decided_at": decision.decided_at,
        "match_probability": decision.match_probability,
    }


def _pair(
    candidate: CandidatePair, decision: LinkDecision | None, titles: tuple[Any, Any]
) -> dict[str, Any]:
    first, second = candidate.report_a, candidate.report_b
    return {
        "id": candidate.pk,
        "run": candidate.run_id,
        "match_probability": candidate.match_probability,
        "report_a": first.pk,
        "report_b": second.pk,
        "source_list_a": first.source_list.name,
        "source_list_b": second.source_list.name,
        "external_id_a": first.external_id,
        "external_id_b": second.external_id,
        "title_a": None if titles[0] is None else str(titles[0]),
        "title_b": None if titles[1] is None else str(titles[1]),
        "decision": _decision(decision),
    }


@router.get("/", response=PairPage, url_name="link_pair_list")
def link_pair_list(request: HttpRequest, query: Query[PairQuery]) -> Any:
    """The review queue: the latest run's pairs still to decide (and those marked unsure),
    strongest first, 50 a page, as the queue page lists them."""
    user = signed_in_user(request)
    require(user, "linkage.use")
    entries = selectors.review_queue(user)
    paginator = Paginator(entries, PAGE_SIZE, allow_empty_first_page=True)
    page = query.page
    try:
        shown = paginator.page(page)
    except EmptyPage:
        return problem(404, MSG_NO_PAGE % {"page": page, "pages": paginator.num_pages})
    return {
        "count": paginator.count,
        "page": shown.number,
        "pages": paginator.num_pages,
        "results": [
            _pair(entry.candidate, entry.decision, (entry.title_a, entry.title_b))
            for entry in shown
        ],
    }


def _candidate(request: HttpRequest, pair_id: int) -> CandidatePair:
    user = signed_in_user(request)
    require(user, "linkage.use")
    try:
        return selectors.candidate_get(user, pair_id)
    except CandidatePair.DoesNotExist:
        raise Http404(MSG_NO_PAIR) from None


def _current(request: HttpRequest, candidate: CandidatePair) -> LinkDecision | None:
    decisions = selectors.current_decisions(
        {candidate.report_a_id, candidate.report_b_id},
        organisation_id=signed_in_user(request).organisation_id,
    )
    return decisions.get((candidate.report_a_id, candidate.report_b_id))


@router.get("/{pair_id}/", response=PairOut, url_name="link_pair_get")
def link_pair_get(request: HttpRequest, pair_id: int) -> Any:
    """A pair side by side as its page shows it: each compared field of both reports, marked
    where they differ, and the organisation's latest decision on it."""
    user = signed_in_user(request)
    candidate = _candidate(request, pair_id)
    first, second = candidate.report_a, candidate.report_b
    differences = selectors.pair_differences(user, first, second)
    titles = (
        selectors.summary_shown(user, first, "title"),
        selectors.summary_shown(user, second, "title"),
    )
    return {
        **_pair(candidate, _current(request, candidate), titles),
        "differences": [
            {
                "label": str(row["label"]),
                "left": row["left"],
                "right": row["right"],
                "differs": bool(row["differs"]),
            }
            for row in differences
        ],
    }


@router.post("/{pair_id}/decisions/", response={201: DecisionOut}, url_name="link_decision_create")
def link_decision_create(request: HttpRequest, pair_id: int, payload: DecisionIn) -> Any:
    """Decide a pair: the same incident (match), different incidents (no_match) or unsure, with
    an optional note; earlier decisions stay as history. As the pair page's buttons do."""
    user = signed_in_user(request)
    candidate = _candidate(request, pair_id)
    form = DecisionForm(payload.model_dump())
    if not form.is_valid():
        return problem(400, MSG_FORM_HAS_ERRORS, errors=form_errors(form))
    try:
        decision = form.record(user=user, candidate=candidate)
    except ValidationError as refused:
        return problem(400, MSG_FORM_HAS_ERRORS, errors=field_errors(refused))
    return Status(201, _decision(decision))
