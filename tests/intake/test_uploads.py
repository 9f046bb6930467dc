"""Uploads waiting for confirmation: sealed in the file store, deleted when never confirmed."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from dozor.intake.models import ImportJob, ImportJobState, PendingUpload, QuarantinedRow
from dozor.intake.services import (
    MSG_IMPORT_LOCKED,
    import_run,
    upload_read,
    upload_store,
    uploads_clean,
)
from dozor.records.models import Report
from dozor.security.crypto import KeyRing, KeyringLocked
from dozor.security.files import file_store
from dozor.security.keyring import keyring_set
from tests.intake.conftest import SMALL_MAPPING, write_csv

pytestmark = pytest.mark.django_db

NAME = "Евлампия Збруева"
TEXT = f"id,Дата,Мотив,Убито,Кто\n1,04.12.2008,ксенофобия,0,{NAME}\n"


@pytest.fixture
def locked() -> Iterator[None]:
    keyring_set(KeyRing.locked_because("no key given"))
    yield
    keyring_set(None)


@pytest.fixture
def files(tmp_path: Path) -> Iterator[Path]:
    with override_settings(DOZOR_FILES=tmp_path / "files"):
        yield tmp_path / "files"


def store(cast, source_list, *, text: str = TEXT, name: str = "list.csv") -> PendingUpload:
    return upload_store(
        user=cast.owner,
        source_list=source_list,
        file_name=name,
        data=text.encode("utf-8"),
        mapping_name="partner list",
        mapping_text=SMALL_MAPPING,
    )


def age(upload: PendingUpload, hours: float) -> None:
    then = timezone.now() - datetime.timedelta(hours=hours)
    PendingUpload.objects.filter(pk=upload.pk).update(created_at=then)


def test_an_upload_is_kept_sealed_in_the_file_store(cast, source_list, files) -> None:
    upload = store(cast, source_list)
    on_disk = b"".join(path.read_bytes() for path in files.rglob("*") if path.is_file())
    assert on_disk and NAME.encode() not in on_disk
    assert upload_read(upload=upload) == TEXT.encode("utf-8")


def test_an_uploads_file_name_is_sealed_in_the_database(cast, source_list, files) -> None:
    from django.db import connection

    upload = store(cast, source_list, name=f"{NAME}.csv")
    with connection.cursor() as cursor:
        cursor.execute("SELECT file_name FROM intake_pendingupload WHERE id = %s", [upload.pk])
        (stored,) = cursor.fetchone()
    assert stored.startswith("dz1.") and NAME not in stored
    assert PendingUpload.objects.get(pk=upload.pk).file_name == f"{NAME}.csv"


def test_a_quarantined_rows_cells_and_problems_are_sealed_in_the_database(
    cast, source_list, small_mapping, tmp_path
) -> None:
    from django.db import connection

    text = f"id,Дата,Мотив,Убито,Кто\n1,{NAME},ксенофобия,0,x\n"
    import_run(
        user=cast.owner,
        source_list=source_list,
        path=write_csv(tmp_path / "q.csv", text),
        file_name="q.csv",
        mapping=small_mapping,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT raw, problems FROM intake_quarantinedrow")
        raw, problems = cursor.fetchone()
    assert raw.startswith("dz1.") and problems.startswith("dz1.")
    row = QuarantinedRow.objects.get()
    assert row.raw["Дата"] == NAME and row.problems[0]["value"] == NAME


@override_settings(DOZOR_IMPORT_UPLOAD_HOURS=24)
def test_cleaning_deletes_unconfirmed_uploads_older_than_the_setting(
    cast, source_list, files
) -> None:
    old, fresh = store(cast, source_list), store(cast, source_list)
    age(old, 25)
    age(fresh, 23)
    assert uploads_clean() == 1
    assert list(PendingUpload.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert list(file_store().ids()) == [fresh.file_id]


@override_settings(DOZOR_IMPORT_UPLOAD_HOURS=24)
def test_cleaning_deletes_the_progress_of_imports_finished_long_ago(cast) -> None:
    states = [ImportJobState.DONE, ImportJobState.FAILED, ImportJobState.RUNNING]
    jobs = {
        (state, hours): ImportJob.objects.create(
            token=f"{state}{hours}", created_by=cast.owner, state=state
        )
        for state in states
        for hours in (25, 23)
    }
    for (_state, hours), job in jobs.items():
        then = timezone.now() - datetime.timedelta(hours=hours)
        ImportJob.objects.filter(pk=job.pk).update(created_at=then, updated_at=then)
    uploads_clean()
    left = set(ImportJob.objects.values_list("token", flat=True))
    # A job still running is left alone, however old: its import may still be under way.
    assert left == {"done23", "failed23", "running25", "running23"}


@override_settings(DOZOR_IMPORT_UPLOAD_HOURS=1)
def test_a_new_upload_deletes_the_expired_ones(cast, source_list, files) -> None:
    old = store(cast, source_list)
    age(old, 2)
    new = store(cast, source_list)
    assert list(PendingUpload.objects.values_list("pk", flat=True)) == [new.pk]
    assert old.file_id not in set(file_store().ids())


@override_settings(DOZOR_IMPORT_UPLOAD_HOURS=1)
def test_the_clean_uploads_command_deletes_expired_uploads(cast, source_list, files) -> None:
    age(store(cast, source_list), 2)
    out = StringIO()
    call_command("import", "--clean-uploads", stdout=out)
    assert "Deleted 1 unconfirmed upload(s)." in out.getvalue()
    assert not PendingUpload.objects.exists()


def test_the_import_command_names_what_is_missing() -> None:
    with pytest.raises(CommandError, match="An import needs --source-list, --mapping, --user"):
        call_command("import", "some.csv")


def test_a_locked_dozor_refuses_an_import(cast, source_list, small_mapping, tmp_path, locked):
    with pytest.raises(KeyringLocked, match="Dozor is locked"):
        import_run(
            user=cast.owner,
            source_list=source_list,
            path=write_csv(tmp_path / "a.csv", TEXT),
            file_name="a.csv",
            mapping=small_mapping,
        )
    assert not Report.objects.exists()


def test_a_locked_dozor_refuses_an_upload(cast, source_list, files, locked) -> None:
    with pytest.raises(KeyringLocked, match="cannot import"):
        store(cast, source_list)
    assert not PendingUpload.objects.exists() and not list(file_store().ids())


def test_the_import_command_explains_the_locked_refusal(
    cast, source_list, tmp_path, locked
) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(SMALL_MAPPING, encoding="utf-8")
    csv = write_csv(tmp_path / "a.csv", TEXT)
    with pytest.raises(CommandError) as raised:
        call_command(
            "import",
            str(csv),
            "--source-list",
            source_list.name,
            "--mapping",
            str(mapping),
            "--user",
            cast.owner.username,
        )
    assert str(raised.value) == str(MSG_IMPORT_LOCKED)


def test_a_locked_dozor_answers_an_upload_with_the_reason(cast, source_list, files, locked):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from dozor.security.middleware import LOCKED_STATUS

    response = cast.client("owner").post(
        reverse("intake:import_new"),
        {
            "file": SimpleUploadedFile("list.csv", TEXT.encode("utf-8")),
            "source_list": source_list.pk,
            "mapping_text": SMALL_MAPPING,
        },
    )
    assert response.status_code == LOCKED_STATUS
    assert "cannot import" in response.content.decode()
    assert not PendingUpload.objects.exists() and not list(file_store().ids())


def _big_csv(rows: int) -> bytes:
    lines = ["id,Дата,Мотив,Убито,Кто"]
    lines += [f"{number},04.12.2008,ксенофобия,0,{NAME} {number:07}" for number in range(rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture
def spool(tmp_path: Path, monkeypatch) -> Path:
    """A temporary folder for Django's upload spool and for Python's temporary files."""
    import tempfile

    folder = tmp_path / "spool"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    with override_settings(FILE_UPLOAD_TEMP_DIR=str(folder)):
        yield folder


def _post_upload(client, source_list, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    return client.post(
        reverse("intake:import_new"),
        {
            "file": SimpleUploadedFile("list.csv", data),
            "source_list": source_list.pk,
            "mapping_text": SMALL_MAPPING,
        },
    )


def test_an_upload_over_two_and_a_half_megabytes_never_touches_the_disk_in_clear(
    cast, source_list, files, spool, monkeypatch
) -> None:
    from dozor.intake import services

    data = _big_csv(60_000)
    assert len(data) > 3 * 1024 * 1024
    seen_while_reading: list[list[str]] = []
    store_upload = services.upload_store

    def listing_store(**arguments):
        # The request has been read: whatever the parser spooled is in the folder now.
        seen_while_reading.append(sorted(path.name for path in spool.rglob("*")))
        return store_upload(**arguments)

    monkeypatch.setattr(services, "upload_store", listing_store)
    client = cast.client("owner")
    response = _post_upload(client, source_list, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert seen_while_reading == [[]]
    assert not list(spool.rglob("*"))
    on_disk = b"".join(path.read_bytes() for path in files.rglob("*") if path.is_file())
    assert NAME.encode() not in on_disk
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert f"{NAME} 0000000" in preview.content.decode()


@override_settings(DOZOR_IMPORT_UPLOAD_MAX_MB=1)
def test_an_upload_over_the_limit_is_refused_with_the_limit_on_the_form(
    cast, source_list, files, spool
) -> None:
    from dozor.intake.forms import MSG_UPLOAD_TOO_LARGE

    response = _post_upload(cast.client("owner"), source_list, _big_csv(30_000))
    assert response.status_code == 400
    body = response.content.decode()
    assert str(MSG_UPLOAD_TOO_LARGE) % {"limit": 1} in body.replace("&#x60;", "`")
    assert "This field is required" not in body
    assert not PendingUpload.objects.exists() and not list(file_store().ids())
    assert not list(spool.rglob("*"))
