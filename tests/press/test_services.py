from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dozor.press.models import DraftReport, DraftStatus
from dozor.press.services import draft_accept, draft_create, draft_reject
from dozor.records.models import Report, SourceList
from tests.conftest import Cast
from tests.press.conftest import MONDAY, TEXT


def test_a_draft_holds_the_extracted_fields(draft: DraftReport) -> None:
    fields = draft.fields
    assert (fields["date"], fields["region"], fields["victims"][0]["name"]) == (
        "2024-03-02",
        "RU-SVE",
        "Анна Щербакова",
    )


def test_the_same_text_is_not_drafted_twice_in_a_list(
    cast: Cast, press_list: SourceList, draft: DraftReport
) -> None:
    again, created = draft_create(
        source_list=press_list, text=TEXT + "\r\n", published=MONDAY, user=cast.owner
    )
    assert (again.pk, created, DraftReport.objects.count()) == (draft.pk, False, 1)


def test_a_reader_may_not_draft(cast: Cast, press_list: SourceList) -> None:
    with pytest.raises(PermissionDenied):
        draft_create(source_list=press_list, text=TEXT, published=MONDAY, user=cast.reader)


def test_an_outsider_may_not_draft_into_another_organisations_list(
    cast: Cast, press_list: SourceList
) -> None:
    with pytest.raises(PermissionDenied):
        draft_create(source_list=press_list, text=TEXT, published=MONDAY, user=cast.outsider)


def test_an_empty_text_is_refused_naming_the_text(cast: Cast, press_list: SourceList) -> None:
    with pytest.raises(ValidationError) as error:
        draft_create(source_list=press_list, text="  ", published=MONDAY, user=cast.owner)
    assert "text" in error.value.message_dict


def test_accepting_stores_a_report_with_the_text_as_payload(cast: Cast, draft: DraftReport) -> None:
    fields = {**draft.fields, "victims": [{"name": "Анна Щербакова", "sex": "female"}]}
    report = draft_accept(draft=draft, user=cast.colleague, fields=fields)
    draft.refresh_from_db()
    assert report.payload["text"] == TEXT and report.external_id == draft.sha256
    assert report.fields["victims"] == [{"name": "Анна Щербакова", "sex": "female"}]
    assert (draft.status, draft.report, draft.reviewer) == (
        DraftStatus.ACCEPTED,
        report,
        cast.colleague,
    )


def test_a_reviewed_draft_cannot_be_accepted_again(cast: Cast, draft: DraftReport) -> None:
    draft_reject(draft=draft, user=cast.owner, note="не преступление на почве ненависти")
    with pytest.raises(ValidationError):
        draft_accept(draft=draft, user=cast.owner, fields=draft.fields)
    assert Report.objects.count() == 0


def test_rejecting_keeps_the_note_and_stores_no_report(cast: Cast, draft: DraftReport) -> None:
    rejected = draft_reject(draft=draft, user=cast.owner, note="дубликат")
    assert (rejected.status, rejected.review_note, Report.objects.count()) == (
        DraftStatus.REJECTED,
        "дубликат",
        0,
    )
