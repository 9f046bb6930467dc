"""Press texts name victims: what the database holds of a draft, and drafting without the key."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from dozor.press.models import DraftReport
from dozor.press.services import MSG_LOCKED_DRAFTING, draft_accept, draft_create, draft_reject
from dozor.press.views import MSG_LOCKED_REVIEW
from dozor.records.models import SourceList
from dozor.security.crypto import TOKEN_PREFIX, KeyRing, KeyringLocked
from dozor.security.keyring import keyring_set
from tests.conftest import Cast
from tests.press.conftest import MONDAY, TEXT

pytestmark = pytest.mark.django_db


def stored(draft: DraftReport, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM press_draftreport WHERE id = %s",  # noqa: S608 - the test's own column
            [draft.pk],
        )
        return str(cursor.fetchone()[0])


@pytest.fixture
def locked() -> Iterator[None]:
    keyring_set(KeyRing.locked_because("no key given"))
    yield
    keyring_set(None)


@pytest.mark.parametrize("column", ["text", "extracted"])
def test_the_database_holds_no_victims_name_of_a_draft(draft: DraftReport, column: str) -> None:
    value = stored(draft, column)
    assert value.startswith(TOKEN_PREFIX)
    assert "Щербаков" not in value


def test_a_draft_reads_back_its_text_and_fields(draft: DraftReport) -> None:
    again = DraftReport.objects.get(pk=draft.pk)
    assert (again.text, again.fields["victims"][0]["name"]) == (TEXT, "Анна Щербакова")


def test_a_reviewers_note_is_sealed(cast: Cast, draft: DraftReport) -> None:
    draft_reject(draft=draft, user=cast.owner, note="Анна Щербакова просила не публиковать")
    assert stored(draft, "review_note").startswith(TOKEN_PREFIX)
    assert DraftReport.objects.get(pk=draft.pk).review_note.startswith("Анна Щербакова")


def test_drafting_without_the_key_is_refused_and_nothing_is_saved(
    cast: Cast, press_list: SourceList, locked: None
) -> None:
    with pytest.raises(KeyringLocked) as error:
        draft_create(source_list=press_list, text=TEXT, published=MONDAY, user=cast.owner)
    assert str(error.value) == str(MSG_LOCKED_DRAFTING)
    assert DraftReport.objects.count() == 0


def test_accepting_without_the_key_is_refused(cast: Cast, draft: DraftReport) -> None:
    keyring_set(KeyRing.locked_because("no key given"))
    try:
        locked_draft = DraftReport.objects.get(pk=draft.pk)
        with pytest.raises(KeyringLocked):
            draft_accept(draft=locked_draft, user=cast.owner, fields={})
    finally:
        keyring_set(None)
    assert DraftReport.objects.get(pk=draft.pk).report is None


def test_the_press_command_refuses_to_draft_without_the_key(
    cast: Cast, press_list: SourceList, tmp_path: Path, locked: None
) -> None:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command(
            "press", str(tmp_path), "--source-list", "Пресса", "--user", "owner", stdout=StringIO()
        )
    assert str(error.value) == str(MSG_LOCKED_DRAFTING)
    assert DraftReport.objects.count() == 0


def test_a_draft_page_without_the_key_says_why_it_cannot_be_reviewed(
    cast: Cast, draft: DraftReport, locked: None
) -> None:
    response = cast.client("owner").get(f"/press/{draft.pk}/")
    page = response.content.decode()
    assert response.status_code == 423
    assert str(MSG_LOCKED_REVIEW) in page
    assert "Щербаков" not in page


def test_rejecting_without_the_key_is_refused_and_the_draft_stays_pending(
    cast: Cast, draft: DraftReport, locked: None
) -> None:
    response = cast.client("owner").post(f"/press/{draft.pk}/reject/", {"note": "дубль"})
    assert response.status_code == 423
    assert DraftReport.objects.get(pk=draft.pk).status == "pending"
