"""The Sources page: an organisation's source lists, added, renamed and described on the web."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from dozor.audit.models import Action, AuditEntry
from dozor.records.models import SourceList
from dozor.records.services import MSG_SOURCE_LIST_NAME_TAKEN
from tests.conftest import Cast
from tests.named import names_in
from tests.records.imported import Imported, import_named

pytestmark = pytest.mark.django_db

LIST = reverse("sources:source_list_list")
NEW = reverse("sources:source_list_new")
FORM = {
    "name": "Мемориал",
    "kind": "partner_list",
    "reliability": "usually_reliable",
    "language": "ru",
    "description": "База партнёров с 2008 года.",
}


def edit(source_list: SourceList) -> str:
    return reverse("sources:source_list_edit", args=[source_list.pk])


@pytest.fixture
def imported(cast: Cast, tmp_path: Path) -> Imported:
    return import_named(tmp_path, cast.owner)


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("colleague", 200), ("reader", 200), ("outsider", 200), ("anonymous", 302)],
)
def test_every_signed_in_user_gets_the_sources_page(cast: Cast, who: str, status: int) -> None:
    assert cast.client(who).get(LIST).status_code == status


def test_the_page_shows_each_list_with_its_reports_and_last_import(
    imported: Imported, cast: Cast
) -> None:
    page = cast.client("reader").get(LIST).content.decode()
    assert "Партнёр" in page and "A partner&#x27;s list" in page
    assert f'<a href="/reports/?source_list={imported.source_list.pk}">2</a>' in page
    assert imported.batch.created_at.strftime("%d.%m.%Y") in page


def test_another_organisations_lists_are_not_on_the_page(imported: Imported, cast: Cast) -> None:
    assert "Партнёр" not in cast.client("outsider").get(LIST).content.decode()


@pytest.mark.parametrize(("who", "status"), [("owner", 200), ("colleague", 200), ("reader", 403)])
def test_documenters_get_the_form_to_add_a_list_and_readers_do_not(
    cast: Cast, who: str, status: int
) -> None:
    assert cast.client(who).get(NEW).status_code == status


def test_a_documenter_adds_a_list_of_their_organisation(cast: Cast) -> None:
    response = cast.client("owner").post(NEW, FORM)
    assert response.status_code == 302 and response["Location"] == LIST
    source_list = SourceList.objects.get(name="Мемориал")
    assert (source_list.organisation, source_list.kind, source_list.reliability) == (
        cast.organisation,
        "partner_list",
        "usually_reliable",
    )


def test_a_reader_cannot_add_a_list_by_posting(cast: Cast) -> None:
    assert cast.client("reader").post(NEW, FORM).status_code == 403
    assert not SourceList.objects.filter(name="Мемориал").exists()


def test_a_name_already_taken_is_a_form_error_and_the_first_list_is_kept(cast: Cast) -> None:
    cast.client("outsider").post(NEW, {**FORM, "kind": "press_scan"})
    response = cast.client("owner").post(NEW, FORM)
    assert response.status_code == 400
    assert str(MSG_SOURCE_LIST_NAME_TAKEN % {"name": "Мемориал"}) in response.content.decode()
    assert SourceList.objects.get(name="Мемориал").organisation == cast.other_organisation


def test_an_unknown_kind_is_refused_and_nothing_is_stored(cast: Cast) -> None:
    response = cast.client("owner").post(NEW, {**FORM, "kind": "ngo"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not SourceList.objects.filter(name="Мемориал").exists()


def test_a_new_list_is_in_the_audit_trail(cast: Cast) -> None:
    cast.client("owner").post(NEW, FORM)
    entry = AuditEntry.objects.get(action=Action.CREATE, target_type="records.sourcelist")
    assert entry.actor == "owner" and entry.origin == "web"
    assert entry.changes["name"] == "Мемориал" and entry.changes["description"] == "changed"


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 200), ("colleague", 200), ("reader", 403), ("outsider", 404)]
)
def test_the_edit_form_is_for_the_organisations_documenters(
    imported: Imported, cast: Cast, who: str, status: int
) -> None:
    assert cast.client(who).get(edit(imported.source_list)).status_code == status


def test_another_organisation_cannot_rename_a_list_by_posting(
    imported: Imported, cast: Cast
) -> None:
    response = cast.client("outsider").post(edit(imported.source_list), {**FORM, "name": "X"})
    assert response.status_code == 404
    assert SourceList.objects.get(pk=imported.source_list.pk).name == "Партнёр"


def test_a_documenter_renames_and_describes_a_list_and_its_reports_follow(
    imported: Imported, cast: Cast
) -> None:
    response = cast.client("colleague").post(
        edit(imported.source_list),
        {"name": "Партнёр 2024", "reliability": "reliable", "language": "en", "description": ""},
    )
    assert response.status_code == 302
    renamed = SourceList.objects.get(pk=imported.source_list.pk)
    assert (renamed.name, renamed.reliability, renamed.language) == (
        "Партнёр 2024",
        "reliable",
        "en",
    )
    assert renamed.reports.count() == 2


def test_a_change_is_audited_before_and_after(imported: Imported, cast: Cast) -> None:
    cast.client("owner").post(
        edit(imported.source_list),
        {"name": "Партнёр 2024", "reliability": "unknown", "language": "ru", "description": "x"},
    )
    entry = AuditEntry.objects.get(action=Action.UPDATE, target_type="records.sourcelist")
    assert entry.changes == {
        "name": {"before": "Партнёр", "after": "Партнёр 2024"},
        "description": "changed",
    }


def test_renaming_to_a_name_taken_is_a_form_error(imported: Imported, cast: Cast) -> None:
    cast.client("owner").post(NEW, FORM)
    response = cast.client("owner").post(
        edit(imported.source_list), {**FORM, "kind": "partner_list"}
    )
    assert response.status_code == 400
    assert str(MSG_SOURCE_LIST_NAME_TAKEN % {"name": "Мемориал"}) in response.content.decode()
    assert SourceList.objects.get(pk=imported.source_list.pk).name == "Партнёр"


def test_a_description_naming_someone_reaches_only_those_who_see_names(cast: Cast) -> None:
    cast.client("owner").post(
        NEW, {**FORM, "description": "Список прислала Анна Белова из Петербурга."}
    )
    assert "Белова" in names_in(cast.client("owner").get(LIST).content.decode())
    assert names_in(cast.client("reader").get(LIST).content.decode()) == []
