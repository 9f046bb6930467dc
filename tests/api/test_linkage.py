"""/api/v1/link-pairs/: the review queue of a linkage run over imported lists, a pair side by
side and a decision on it, as the queue's pages give them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from dozor.audit.models import Action, AuditEntry
from dozor.linkage.models import LinkDecision
from tests.api.conftest import ApiClient
from tests.conftest import Cast
from tests.linkage.conftest import Linkable, linkable_reports
from tests.linkage.test_link_robust import link, two_lists

pytestmark = pytest.mark.django_db

VICTIM = "Бахтиёр Нурматов"


@pytest.fixture
def linkable(cast: Cast) -> Linkable:
    return linkable_reports(cast)


def test_pairs_of_imported_lists_are_reviewed_through_the_api_as_on_the_queue_page(
    cast: Cast, tmp_path: Path, callers: dict[str, ApiClient]
) -> None:
    two_lists(tmp_path, cast)  # `dozor import` of two CSV files
    link()  # `dozor link`
    web = cast.client("owner").get(reverse("linkage:queue")).context["total"]
    listed = callers["owner"].get("/api/v1/link-pairs/").json()
    assert listed["count"] == web > 0
    first = listed["results"][0]
    pair = callers["owner"].get(f"/api/v1/link-pairs/{first['id']}/").json()
    assert {row["label"] for row in pair["differences"]} >= {"Date", "Region"}
    decided = callers["owner"].post(
        f"/api/v1/link-pairs/{first['id']}/decisions/", {"decision": "match"}
    )
    assert decided.status_code == 201, decided.content
    assert decided.json()["decision"] == "match"
    assert callers["owner"].get("/api/v1/link-pairs/").json()["count"] == web - 1
    stored = LinkDecision.objects.get()
    assert (stored.report_a_id, stored.report_b_id) == (first["report_a"], first["report_b"])
    entry = AuditEntry.objects.filter(action=Action.LINK_DECISION).get()
    assert entry.origin == "api:notebook"


@pytest.mark.parametrize(
    ("who", "listed", "shown", "decided"),
    [
        ("owner", 1, 200, 201),
        ("colleague", 1, 200, 201),
        ("owner_read_only", 1, 200, 403),
        ("reader", None, 403, 403),
        ("outsider", 0, 404, 404),
        ("anonymous", None, 401, 401),
        ("expired", None, 401, 401),
        ("revoked", None, 401, 401),
    ],
)
def test_each_caller_gets_what_the_queue_pages_give_them(
    cast: Cast,
    linkable: Linkable,
    callers: dict[str, ApiClient],
    who: str,
    listed: int | None,
    shown: int,
    decided: int,
) -> None:
    caller = callers[who]
    pairs = caller.get("/api/v1/link-pairs/")
    if listed is None:
        assert pairs.status_code == shown
    else:
        assert pairs.status_code == 200 and pairs.json()["count"] == listed
    pk = linkable.candidate.pk
    assert caller.get(f"/api/v1/link-pairs/{pk}/").status_code == shown
    answer = caller.post(f"/api/v1/link-pairs/{pk}/decisions/", {"decision": "no_match"})
    assert answer.status_code == decided, answer.content
    assert LinkDecision.objects.exists() == (decided == 201)
    if who in ("owner", "colleague", "reader", "outsider"):
        page = cast.client(who).get(reverse("linkage:pair", args=[pk]))
        assert page.status_code == (shown if who != "outsider" else 404)


def test_the_pair_shows_names_to_the_owner_as_its_page_does(
    linkable: Linkable, callers: dict[str, ApiClient]
) -> None:
    pair = callers["owner"].get(f"/api/v1/link-pairs/{linkable.candidate.pk}/").json()
    victims = next(row for row in pair["differences"] if row["label"] == "Victims")
    assert VICTIM in victims["left"] + victims["right"]
    assert victims["differs"] is True


def test_a_decision_outside_the_choices_is_refused_with_the_forms_message_in_russian(
    linkable: Linkable, callers: dict[str, ApiClient]
) -> None:
    answer = callers["owner"].post(
        f"/api/v1/link-pairs/{linkable.candidate.pk}/decisions/",
        {"decision": "maybe"},
        headers={"Accept-Language": "ru"},
    )
    assert answer.status_code == 400
    (error,) = answer.json()["errors"]
    assert error["field"] == "decision" and "maybe" in error["message"]
    assert "Выберите" in error["message"]
    assert not LinkDecision.objects.exists()
