"""Press drafts name their victims: readers and analysts without the name grant read the draft
with every name taken out, its evidence marks included."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dozor.accounts.models import Role
from dozor.press.models import DraftReport
from dozor.press.services import draft_create
from dozor.records.models import SourceList
from tests.conftest import Cast
from tests.factories import UserFactory
from tests.press.conftest import MONDAY

pytestmark = pytest.mark.django_db

FORMS = ("Щербаков", "Анну", "Анна")


def page(cast: Cast, who: str, url: str) -> str:
    response = cast.client(who).get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_reader_sees_the_draft_text_without_the_victims_name(
    cast: Cast, draft: DraftReport
) -> None:
    body = page(cast, "reader", reverse("press:draft_detail", args=[draft.pk]))
    assert [form for form in FORMS if form in body] == []
    assert re.search(r'<mark data-field="victims"[^>]*>\[name\]</mark>', body)
    assert "госпитализирована" in body


def test_an_analyst_without_names_sees_no_name_in_the_drafted_fields_or_list(
    cast: Cast, draft: DraftReport
) -> None:
    analyst = UserFactory(organisation=cast.organisation, role=Role.ANALYST)
    client = cast.client("anonymous")
    client.force_login(analyst)
    detail = client.get(reverse("press:draft_detail", args=[draft.pk])).content.decode()
    listing = client.get(reverse("press:draft_list")).content.decode()
    assert [form for form in FORMS if form in detail + listing] == []


def test_a_reader_with_the_grant_reads_the_draft_whole(cast: Cast, draft: DraftReport) -> None:
    cast.reader.can_see_names = True
    cast.reader.save()
    body = page(cast, "reader", reverse("press:draft_detail", args=[draft.pk]))
    assert re.search(r'<mark data-field="victims"[^>]*>Анну Щербакову</mark>', body)


def test_a_reader_sees_no_name_of_an_official_or_perpetrator_the_draft_found(
    cast: Cast, press_list: SourceList
) -> None:
    text = (
        "В Туле избили студента\n\nВ субботу Олег Карпов избил студента у общежития, "
        "сообщила следователь Вера Сомова."
    )
    row, _created = draft_create(
        source_list=press_list, text=text, published=MONDAY, user=cast.owner
    )
    body = page(cast, "reader", reverse("press:draft_detail", args=[row.pk]))
    assert [form for form in ("Карпов", "Сомова", "Олег", "Вера") if form in body] == []
