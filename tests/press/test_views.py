from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from dozor.press.forms import MSG_DATE_NEEDED, DraftReviewForm
from dozor.press.models import DraftReport, DraftStatus
from dozor.press.views import confidence_rows
from dozor.records.models import Report
from tests.conftest import Cast

VALID: dict[str, Any] = {
    "title": "Нападение в Екатеринбурге",
    "date": "2024-03-02",
    "date_precision": "day",
    "region": "RU-SVE",
    "locality": "Екатеринбург",
    "incident_type": "physical_assault",
    "bias_motivations": ["anti_muslim"],
    "killed": "0",
    "injured": "1",
    "victims": "Анна Щербакова | female",
}


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("colleague", 200), ("reader", 200), ("outsider", 200), ("anonymous", 302)],
)
def test_the_list_of_drafts_needs_a_sign_in(
    cast: Cast, draft: DraftReport, who: str, status: int
) -> None:
    response = cast.client(who).get(reverse("press:draft_list"))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "listed"), [("owner", True), ("reader", True), ("outsider", False)]
)
def test_drafts_are_listed_only_for_their_organisation(
    cast: Cast, draft: DraftReport, who: str, listed: bool
) -> None:
    response = cast.client(who).get(reverse("press:draft_list"))
    assert (str(draft) in response.content.decode()) is listed


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("colleague", 200), ("reader", 200), ("outsider", 404), ("anonymous", 302)],
)
def test_a_draft_is_shown_to_its_organisation_only(
    cast: Cast, draft: DraftReport, who: str, status: int
) -> None:
    response = cast.client(who).get(reverse("press:draft_detail", args=[draft.pk]))
    assert response.status_code == status


def test_the_draft_page_highlights_the_evidence(cast: Cast, draft: DraftReport) -> None:
    page = cast.client("owner").get(reverse("press:draft_detail", args=[draft.pk])).content
    assert re.search(r'<mark data-field="victims"[^>]*>Анну Щербакову</mark>', page.decode())


@pytest.mark.parametrize(
    ("who", "status"), [("reader", 403), ("outsider", 404), ("anonymous", 302)]
)
def test_only_documenters_of_the_organisation_may_accept(
    cast: Cast, draft: DraftReport, who: str, status: int
) -> None:
    response = cast.client(who).post(reverse("press:draft_detail", args=[draft.pk]), VALID)
    assert response.status_code == status and Report.objects.count() == 0


def test_a_colleague_accepts_the_corrected_fields(cast: Cast, draft: DraftReport) -> None:
    response = cast.client("colleague").post(reverse("press:draft_detail", args=[draft.pk]), VALID)
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.fields["victims"] == [{"name": "Анна Щербакова", "sex": "female"}]
    assert report.fields["bias_motivations"] == ["anti_muslim"]


def test_an_invalid_correction_stores_nothing_and_says_why(cast: Cast, draft: DraftReport) -> None:
    response = cast.client("owner").post(
        reverse("press:draft_detail", args=[draft.pk]), {**VALID, "date": ""}
    )
    assert response.status_code == 400 and Report.objects.count() == 0
    assert str(MSG_DATE_NEEDED) in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"), [("reader", 403), ("outsider", 404), ("anonymous", 302), ("owner", 302)]
)
def test_only_documenters_of_the_organisation_may_reject(
    cast: Cast, draft: DraftReport, who: str, status: int
) -> None:
    response = cast.client(who).post(reverse("press:draft_reject", args=[draft.pk]), {"note": ""})
    draft.refresh_from_db()
    assert response.status_code == status
    assert (draft.status == DraftStatus.REJECTED) is (who == "owner")


def test_the_draft_page_lists_the_weakest_field_first(cast: Cast, draft: DraftReport) -> None:
    page = cast.client("owner").get(reverse("press:draft_detail", args=[draft.pk])).content
    rows = re.findall(r'<tr data-confidence="(\w+)">', page.decode())
    assert rows and rows == sorted(rows, key=["low", "medium", "high"].index)


def test_the_draft_page_marks_evidence_with_its_fields_confidence(
    cast: Cast, draft: DraftReport
) -> None:
    page = cast.client("owner").get(reverse("press:draft_detail", args=[draft.pk])).content
    level = draft.extracted["confidence"]["region"]["level"]
    assert f'<mark data-field="region" data-confidence="{level}">' in page.decode()


def test_accepted_perpetrators_and_the_attempt_reach_the_report(
    cast: Cast, draft: DraftReport
) -> None:
    corrected = {**VALID, "perpetrators": "Пётр Сидоров | male", "attempted": "on"}
    cast.client("colleague").post(reverse("press:draft_detail", args=[draft.pk]), corrected)
    report = Report.objects.get()
    assert report.fields["perpetrators"] == [{"name": "Пётр Сидоров", "sex": "male"}]
    assert report.fields["attempted"] is True


def test_the_confidence_table_names_the_victims_origin_and_how_it_was_read() -> None:
    rows = confidence_rows(
        {"victim_origin": {"level": "medium", "how": "origin word"}},
        [{"field": "victim_origin", "text": "уроженца Дагестана"}],
        DraftReviewForm(),
    )
    assert (rows[0]["label"], rows[0]["how"], rows[0]["evidence"]) == (
        "Victim's origin",
        "a word saying where the person comes from",
        ["уроженца Дагестана"],
    )
