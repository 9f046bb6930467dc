"""Saved import mappings: kept in versions by administrators, checked as an import checks a
mapping, audited, chosen on the import page, and walled off between organisations."""

from __future__ import annotations

import importlib
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from dozor.accounts.models import User
from dozor.audit.models import Action, AuditEntry
from dozor.intake.models import ImportBatch, PendingUpload, SavedMapping
from dozor.intake.saved_mappings import (
    MSG_MAPPING_NAME_BLANK,
    MSG_MAPPING_NAME_TAKEN,
    MSG_MAPPING_UNCHANGED,
    saved_mapping_save,
)
from dozor.records.models import SourceList
from tests.conftest import Cast
from tests.factories import SourceListFactory
from tests.intake.conftest import SMALL_MAPPING

pytestmark = pytest.mark.django_db

# `import` is a Python keyword, so the command's module is reached by name.
import_command = importlib.import_module("dozor.intake.management.commands.import")


@pytest.fixture
def saved(cast: Cast, admin: User) -> SavedMapping:
    return saved_mapping_save(
        organisation=cast.organisation, user=admin, name="Партнёр", text=SMALL_MAPPING
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_saving_again_adds_the_next_version_and_keeps_the_first(
    cast: Cast, admin: User, saved: SavedMapping
) -> None:
    changed = SMALL_MAPPING.replace("default: 0", "default: 1")
    second = saved_mapping_save(
        organisation=cast.organisation, user=admin, name="Партнёр", text=changed
    )
    assert (saved.version, second.version) == (1, 2)
    saved.refresh_from_db()
    assert saved.text == SMALL_MAPPING.strip() + "\n"


def test_a_save_is_audited_with_the_name_and_version(admin: User, saved: SavedMapping) -> None:
    entry = AuditEntry.objects.get(action=Action.CREATE, target_id=str(saved.pk))
    assert entry.actor_id == admin.pk
    assert (entry.changes["name"], entry.changes["version"]) == ("Партнёр", 1)


def test_a_mapping_that_does_not_read_is_refused_under_the_text_field(admin: User) -> None:
    response = signed_in(admin).post(
        "/imports/mappings/new/", {"name": "Сломанная", "text": "version: 1\nfields: 3\n"}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["text"]
    assert "fields" in errors["text"][0]
    assert not SavedMapping.objects.exists()


def test_a_blank_name_is_refused_under_the_name_field(cast: Cast, admin: User) -> None:
    with pytest.raises(ValidationError) as error:
        saved_mapping_save(organisation=cast.organisation, user=admin, name=" ", text=SMALL_MAPPING)
    assert error.value.message_dict == {"name": [str(MSG_MAPPING_NAME_BLANK)]}


def test_a_new_mapping_may_not_take_the_name_of_one_kept(admin: User, saved: SavedMapping) -> None:
    changed = SMALL_MAPPING.replace("default: 0", "default: 1")
    response = signed_in(admin).post("/imports/mappings/new/", {"name": "Партнёр", "text": changed})
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [MSG_MAPPING_NAME_TAKEN % {"name": "Партнёр"}]
    assert SavedMapping.objects.count() == 1


def test_the_same_text_again_is_refused_rather_than_kept_twice(
    cast: Cast, admin: User, saved: SavedMapping
) -> None:
    response = signed_in(admin).post(
        f"/imports/mappings/{saved.pk}/", {"name": "ignored", "text": SMALL_MAPPING}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["text"] == [MSG_MAPPING_UNCHANGED % {"version": 1}]


def test_a_new_version_keeps_its_name_whatever_the_form_sends(
    admin: User, saved: SavedMapping
) -> None:
    changed = SMALL_MAPPING.replace("default: 0", "default: 1")
    response = signed_in(admin).post(
        f"/imports/mappings/{saved.pk}/", {"name": "Другое имя", "text": changed}
    )
    assert response.status_code == 302
    assert list(SavedMapping.objects.values_list("name", "version")) == [
        ("Партнёр", 2),
        ("Партнёр", 1),
    ]


def test_another_organisations_administrator_neither_sees_nor_saves_over_it(
    cast: Cast, other_admin: User, saved: SavedMapping
) -> None:
    client = signed_in(other_admin)
    assert client.get(f"/imports/mappings/{saved.pk}/").status_code == 404
    assert "Партнёр" not in client.get("/imports/mappings/").content.decode()
    with pytest.raises(PermissionDenied):
        saved_mapping_save(
            organisation=cast.organisation, user=other_admin, name="Партнёр", text=SMALL_MAPPING
        )


def test_a_documenter_uses_saved_mappings_but_does_not_keep_them(
    cast: Cast, saved: SavedMapping
) -> None:
    assert cast.client("owner").get("/imports/mappings/").status_code == 403
    assert cast.client("owner").get(f"/imports/mappings/{saved.pk}/").status_code == 403


def test_the_import_page_offers_the_organisations_saved_mappings_only(
    cast: Cast, admin: User, other_admin: User, saved: SavedMapping
) -> None:
    theirs = saved_mapping_save(
        organisation=cast.other_organisation, user=other_admin, name="Их", text=SMALL_MAPPING
    )
    page = cast.client("owner").get("/imports/new/").content.decode()
    assert f'value="saved:{saved.pk}"' in page
    assert f'value="saved:{theirs.pk}"' not in page


def test_an_import_with_a_saved_mapping_records_its_name_and_version(
    cast: Cast, saved: SavedMapping, source_list: SourceList
) -> None:
    upload = SimpleUploadedFile(
        "partner.csv", "id,Дата,Мотив,Убито\n1,04.12.2008,расизм,0\n".encode()
    )
    response = cast.client("owner").post(
        "/imports/new/",
        {"file": upload, "source_list": source_list.pk, "shipped_mapping": f"saved:{saved.pk}"},
    )
    assert response.status_code == 302
    pending = PendingUpload.objects.get()
    assert (pending.mapping_name, pending.mapping_text) == ("Партнёр v1", saved.text.strip() + "\n")


def test_the_command_imports_with_a_saved_mapping_of_the_users_organisation(
    cast: Cast, saved: SavedMapping, source_list: SourceList, tmp_path: Path
) -> None:
    path = tmp_path / "partner.csv"
    path.write_text("id,Дата,Мотив,Убито\n1,04.12.2008,расизм,0\n", encoding="utf-8")
    call_command(
        "import",
        str(path),
        "--source-list",
        source_list.name,
        "--mapping",
        "saved:Партнёр",
        "--user",
        "owner",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    batch = ImportBatch.objects.get()
    assert (batch.stored, batch.mapping_text) == (1, saved.text)


def test_the_command_does_not_find_another_organisations_saved_mapping(
    cast: Cast, saved: SavedMapping, tmp_path: Path
) -> None:
    path = tmp_path / "partner.csv"
    path.write_text("id,Дата,Мотив,Убито\n1,04.12.2008,расизм,0\n", encoding="utf-8")
    theirs = SourceListFactory(name="Их список", organisation=cast.other_organisation)
    with pytest.raises(CommandError) as error:
        call_command(
            "import",
            str(path),
            "--source-list",
            theirs.name,
            "--mapping",
            "saved:Партнёр",
            "--user",
            "outsider",
            stdout=StringIO(),
        )
    assert str(error.value) == import_command.MSG_NO_SAVED_MAPPING.format(
        value="saved:Партнёр", user="outsider", name="Партнёр", known="none yet"
    )
