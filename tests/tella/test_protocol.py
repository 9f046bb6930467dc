"""The Tella Web protocol end to end, driven by a phone-like client (tests/tella/client.py): a
phone signs in, sends a report, uploads a file in pieces, loses its connection, asks how much
arrived, resumes and closes; the file lands sealed, hashed and whole in the triage queue."""

from __future__ import annotations

import datetime
import hashlib
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from dozor.accounts.services import user_password_reset
from dozor.audit.models import AuditEntry
from dozor.security.files import file_store
from dozor.submissions.models import Channel, Status, Submission, SubmissionFile
from dozor.tella.models import TellaUpload, TellaUploadPart
from tests.conftest import Cast
from tests.evidence.conftest import jpeg_bytes
from tests.factories import TEST_PASSWORD
from tests.tella.client import TellaPhone

pytestmark = pytest.mark.django_db

MARKER = b"TELLA-PIECE-IN-CLEAR-7f3a"
NAME = "b9a0c4f2-1d2e-4f5a-9c8b-7e6d5c4b3a21.jpg"


def photo() -> bytes:
    """A real JPEG of a few hundred kilobytes whose comment carries MARKER."""
    return jpeg_bytes(MARKER, size=(400, 300)) + bytes(range(256)) * 1000


def signed_in(cast: Cast, who: str = "owner") -> TellaPhone:
    phone = TellaPhone()
    answer = phone.sign_in(getattr(cast, who).username, TEST_PASSWORD)
    assert answer.status == 200, answer.body
    return phone


def new_report(phone: TellaPhone, title: str = "Задержание у суда") -> str:
    answer = phone.report(title, "Троих увезли в автозаке, один избит.")
    assert answer.status == 201, answer.body
    return str(answer.body["id"])


def store_bytes() -> bytes:
    root = Path(settings.DOZOR_FILES)
    return b"".join(path.read_bytes() for path in root.rglob("*") if path.is_file())


def test_a_file_sent_in_three_pieces_with_a_broken_connection_arrives_whole(cast: Cast) -> None:
    phone = signed_in(cast)
    report_id = new_report(phone)
    data = photo()
    third = len(data) // 3
    pieces = [data[:third], data[third : 2 * third], data[2 * third :]]

    first = phone.put_piece(report_id, NAME, pieces[0], start=0, total=len(data))
    assert first.status == 206 and first.size == third
    # The second piece breaks off half-way: nothing of it is kept, the first stays.
    cut = phone.put_cut(
        report_id, NAME, pieces[1][: third // 2], announced=pieces[1], start=third, total=len(data)
    )
    assert cut.status == 400 and cut.size == third
    assert phone.head(report_id, NAME).size == third
    # Resumed from what HEAD said.
    second = phone.put_piece(report_id, NAME, pieces[1], start=third, total=len(data))
    assert second.status == 206 and phone.head(report_id, NAME).size == 2 * third
    last = phone.put_piece(report_id, NAME, pieces[2], start=2 * third, total=len(data))

    assert last.status == 200 and last.body["complete"] is True
    expected = hashlib.sha256(data).hexdigest()
    assert last.body["sha256"] == expected
    submitted = SubmissionFile.objects.get()
    assert submitted.sha256 == expected and submitted.size == len(data)
    assert submitted.media_type == "image/jpeg" and submitted.file_name == NAME
    assert file_store().read(submitted.file_id) == data


def test_tellas_first_protocol_appends_the_rest_after_a_cut_and_closes_with_post(
    cast: Cast,
) -> None:
    phone = signed_in(cast)
    report_id = new_report(phone)
    data = photo()
    assert phone.head(report_id, NAME).size == 0

    cut = phone.put_rest_cut(report_id, NAME, data[:100_000], announced=len(data))
    # Without a Content-Range what arrived is kept: the phone resumes after it.
    assert cut.status == 200 and phone.head(report_id, NAME).size == 100_000
    rest = phone.put_rest(report_id, NAME, data[100_000:])
    assert rest.status == 200 and rest.size == len(data)
    closed = phone.close(report_id, NAME)

    assert closed.status == 200 and closed.body["sha256"] == hashlib.sha256(data).hexdigest()
    assert file_store().read(SubmissionFile.objects.get().file_id) == data


def test_a_report_from_tella_waits_in_the_triage_queue_with_its_files(cast: Cast) -> None:
    phone = signed_in(cast)
    report_id = new_report(phone, "Обыск в офисе")
    data = photo()
    phone.put_piece(report_id, NAME, data, start=0, total=len(data))

    submission = Submission.objects.get()
    assert submission.organisation == cast.organisation and submission.channel == Channel.TELLA
    assert submission.status == Status.NEW and submission.submitted_by == cast.owner
    assert submission.title == "Обыск в офисе"
    assert submission.what_happened == "Троих увезли в автозаке, один избит."
    assert [file.sha256 for file in submission.files.all()] == [hashlib.sha256(data).hexdigest()]


def test_a_files_receipt_is_audited_with_its_sha256(cast: Cast) -> None:
    phone = signed_in(cast)
    report_id = new_report(phone)
    data = photo()
    phone.put_piece(report_id, NAME, data, start=0, total=len(data))

    entry = AuditEntry.objects.filter(target_type__icontains="submissionfile").get()
    assert entry.changes["sha256"] == hashlib.sha256(data).hexdigest()
    assert entry.origin == "tella" and entry.actor == cast.owner.username


def test_the_pieces_are_sealed_on_disk_and_deleted_once_the_file_is_closed(cast: Cast) -> None:
    phone = signed_in(cast)
    report_id = new_report(phone)
    data = photo()
    half = len(data) // 2
    phone.put_piece(report_id, NAME, data[:half], start=0, total=len(data))

    assert MARKER in data and MARKER not in store_bytes()
    assert TellaUploadPart.objects.count() == 1
    phone.put_piece(report_id, NAME, data[half:], start=half, total=len(data))

    assert TellaUploadPart.objects.count() == 0
    assert list(file_store().ids()) == [SubmissionFile.objects.get().file_id]
    assert MARKER not in store_bytes()


def test_closing_a_closed_file_again_answers_the_same_record(cast: Cast) -> None:
    phone = signed_in(cast)
    report_id = new_report(phone)
    data = photo()
    phone.put_piece(report_id, NAME, data, start=0, total=len(data))

    again = phone.close(report_id, NAME)
    assert again.status == 200 and again.body["sha256"] == hashlib.sha256(data).hexdigest()
    assert SubmissionFile.objects.count() == 1


def test_a_content_type_dozor_does_not_keep_is_refused_at_close_and_its_pieces_deleted(
    cast: Cast,
) -> None:
    phone = signed_in(cast)
    report_id = new_report(phone)
    script = b"#!/bin/sh\nrm -rf /\n" * 100
    answer = phone.put_piece(report_id, "a.sh", script, start=0, total=len(script))

    assert answer.status == 415 and "Allowed:" in answer.body["message"]
    assert not TellaUpload.objects.exists() and list(file_store().ids()) == []


def test_closing_a_file_whose_announced_bytes_have_not_all_arrived_is_refused(cast: Cast) -> None:
    phone = signed_in(cast)
    report_id = new_report(phone)
    data = photo()
    phone.put_raw(report_id, NAME, data[:1000], content_range=f"bytes 0-999/{len(data)}")

    answer = phone.close(report_id, NAME)
    assert answer.status == 409 and "1000 of the" in answer.body["message"]
    assert phone.head(report_id, NAME).size == 1000


# Broken ranges: a clear 4xx, and what was stored before stays. -------------------------------


@pytest.fixture
def started(cast: Cast) -> tuple[TellaPhone, str, bytes]:
    """A phone with a report and the first 1000 bytes of a photo already received."""
    phone = signed_in(cast)
    report_id = new_report(phone)
    data = photo()
    assert phone.put_piece(report_id, NAME, data[:1000], start=0, total=len(data)).status == 206
    return phone, report_id, data


def _unchanged(phone: TellaPhone, report_id: str) -> None:
    assert phone.head(report_id, NAME).size == 1000
    assert TellaUploadPart.objects.count() == 1 and len(list(file_store().ids())) == 1


def test_a_piece_leaving_a_gap_is_refused_409_naming_where_to_resume(started: tuple) -> None:
    phone, report_id, data = started
    answer = phone.put_piece(report_id, NAME, data[2000:3000], start=2000, total=len(data))
    assert answer.status == 409 and "starts at byte 1000" in answer.body["message"]
    assert answer.size == 1000 and answer.headers["range"] == "bytes=0-999"
    _unchanged(phone, report_id)


def test_a_piece_overlapping_received_bytes_is_refused_409(started: tuple) -> None:
    phone, report_id, data = started
    answer = phone.put_piece(report_id, NAME, data[500:1500], start=500, total=len(data))
    assert answer.status == 409
    _unchanged(phone, report_id)


def test_a_range_beyond_the_declared_total_is_refused_400(started: tuple) -> None:
    phone, report_id, _data = started
    answer = phone.put_raw(
        report_id, NAME, b"x" * 10, content_range="bytes 1000-1009/1005", v2=True
    )
    assert answer.status == 400 and "beyond the declared total" in answer.body["message"]
    _unchanged(phone, report_id)


def test_a_range_that_is_not_numbers_is_refused_400(started: tuple) -> None:
    phone, report_id, _data = started
    for header in ("bytes a-b/c", "bytes 1000-1009", "items 1000-1009/5000", "bytes -1-5/9", ""):
        answer = phone.put_raw(report_id, NAME, b"x" * 10, content_range=header, v2=True)
        assert answer.status == 400 and "Content-Range" in answer.body["message"], header
    _unchanged(phone, report_id)


def test_a_piece_changing_the_files_total_is_refused_400(started: tuple) -> None:
    phone, report_id, data = started
    answer = phone.put_piece(report_id, NAME, data[1000:2000], start=1000, total=len(data) + 1)
    assert answer.status == 400 and "announced as" in answer.body["message"]
    _unchanged(phone, report_id)


def test_a_body_longer_or_shorter_than_its_range_is_refused_400(started: tuple) -> None:
    phone, report_id, data = started
    total = len(data)
    longer = phone.put_raw(
        report_id, NAME, data[1000:1500], content_range=f"bytes 1000-1099/{total}", v2=True
    )
    shorter = phone.put_raw(
        report_id, NAME, data[1000:1050], content_range=f"bytes 1000-1099/{total}", v2=True
    )
    assert longer.status == 400 and shorter.status == 400
    _unchanged(phone, report_id)


@override_settings(DOZOR_EVIDENCE_FILE_MAX_MB=1)
def test_a_file_announced_over_the_size_limit_is_refused_413_before_it_is_read(
    cast: Cast,
) -> None:
    phone = signed_in(cast)
    report_id = new_report(phone)
    answer = phone.put_raw(
        report_id, NAME, b"\xff" * 1000, content_range=f"bytes 0-999/{2 * 2**20}", v2=True
    )
    assert answer.status == 413 and "1 MB" in answer.body["message"]
    assert not TellaUpload.objects.exists() and list(file_store().ids()) == []


@override_settings(DOZOR_EVIDENCE_FILE_MAX_MB=1)
def test_a_file_growing_past_the_size_limit_without_ranges_keeps_nothing_of_that_piece(
    cast: Cast,
) -> None:
    phone = signed_in(cast)
    report_id = new_report(phone)
    data = photo()
    assert phone.put_rest(report_id, NAME, data[:1000]).status == 200
    answer = phone.put_rest(report_id, NAME, b"\x00" * 2**20)
    assert answer.status == 413 and answer.size == 1000
    _unchanged(phone, report_id)


def test_a_closed_file_takes_no_more_pieces(cast: Cast) -> None:
    phone = signed_in(cast)
    report_id = new_report(phone)
    data = photo()
    phone.put_piece(report_id, NAME, data, start=0, total=len(data))
    answer = phone.put_rest(report_id, NAME, b"more")
    assert answer.status == 409 and SubmissionFile.objects.get().size == len(data)


# Who may send what. ----------------------------------------------------------------------------


def test_a_wrong_or_missing_key_is_answered_401(cast: Cast) -> None:
    phone = signed_in(cast)
    report_id = new_report(phone)
    phone.key = "dozor_tella_" + "A" * 43
    refused = phone.head(report_id, NAME)
    assert refused.status == 401 and refused.headers["www-authenticate"].startswith("Bearer")
    assert phone.report("Другое").status == 401
    phone.key = ""
    answer = phone.put_rest(report_id, NAME, b"data")
    assert answer.status == 401 and "Authorization" in answer.body["message"]


def test_another_organisations_report_is_not_found(cast: Cast) -> None:
    phone = signed_in(cast)
    report_id = new_report(phone)
    cast.outsider.role = "documenter"
    cast.outsider.save()
    outsider = signed_in(cast, "outsider")
    data = photo()

    assert outsider.head(report_id, NAME).status == 404
    assert outsider.put_piece(report_id, NAME, data, start=0, total=len(data)).status == 404
    assert outsider.close(report_id, NAME).status == 404
    assert outsider.report("Чужой", project_id=phone.project_id).status == 404
    assert not TellaUpload.objects.exists()


def test_a_report_id_that_was_never_given_is_not_found(cast: Cast) -> None:
    phone = signed_in(cast)
    assert phone.head(str(uuid.uuid4()), NAME).status == 404


def test_a_report_without_a_title_is_refused_naming_the_title(cast: Cast) -> None:
    phone = signed_in(cast)
    answer = phone.report("  ", "Описание")
    assert answer.status == 400 and "title" in answer.body["fields"]
    assert not Submission.objects.exists()


def test_the_project_address_with_another_slug_is_not_found(cast: Cast) -> None:
    phone = TellaPhone("http://testserver/tella/p/someone-else")
    answer = phone.sign_in(cast.owner.username, TEST_PASSWORD)
    assert answer.status == 404 and "/tella/p/dozor" in answer.body["message"]


def test_changing_the_password_ends_every_tella_sign_in(cast: Cast) -> None:
    phone = signed_in(cast)
    user_password_reset(user=cast.owner, password="a new long password for the owner")
    answer = phone.report("После смены пароля")
    assert answer.status == 401 and "sign in again" in answer.body["message"]


def test_a_deactivated_account_is_answered_401(cast: Cast) -> None:
    phone = signed_in(cast)
    cast.owner.is_active = False
    cast.owner.save()
    assert phone.report("После отключения").status == 401


def test_a_file_left_unfinished_for_a_month_is_deleted_when_a_phone_sends_a_new_report(
    cast: Cast,
) -> None:
    phone = signed_in(cast)
    report_id = new_report(phone)
    data = photo()
    phone.put_piece(report_id, NAME, data[:1000], start=0, total=len(data))
    phone.put_piece(report_id, "recent.jpg", data[:1000], start=0, total=len(data))
    TellaUpload.objects.exclude(pk=upload_of("recent.jpg").pk).update(
        touched_at=timezone.now() - datetime.timedelta(days=31)
    )

    new_report(phone, "Следующий отчёт")

    assert list(TellaUpload.objects.all()) == [upload_of("recent.jpg")]
    assert list(file_store().ids()) == [TellaUploadPart.objects.get().file_id]


def upload_of(name: str) -> TellaUpload:
    return next(upload for upload in TellaUpload.objects.all() if upload.name == name)


def test_a_piece_without_a_content_length_is_refused_411(cast: Cast) -> None:
    phone = signed_in(cast)
    report_id = new_report(phone)
    answer = phone.put_raw(report_id, NAME, b"")
    assert answer.status == 411 and "Content-Length" in answer.body["message"]
    assert not TellaUpload.objects.exists()


def test_a_description_too_long_for_a_submission_is_refused_naming_the_description(
    cast: Cast,
) -> None:
    phone = signed_in(cast)
    answer = phone.report("Заголовок", "too long " * 2500)
    assert answer.status == 400 and "description" in answer.body["fields"]
    assert not Submission.objects.exists()


def test_a_file_name_that_names_someone_is_sealed_in_the_database(cast: Cast) -> None:
    phone = signed_in(cast)
    report_id = new_report(phone)
    data = photo()
    name = "Каримзода_побои.jpg"
    phone.put_piece(report_id, quote(name), data[:1000], start=0, total=len(data))

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM tella_tellaupload")
        rows = repr(cursor.fetchall())
    assert upload_of(name).received == 1000 and "Каримзода" not in rows


def test_a_piece_without_range_going_past_the_announced_total_is_refused(started: tuple) -> None:
    phone, report_id, data = started
    answer = phone.put_rest(report_id, NAME, data[1000:] + b"\x00" * 10)
    assert answer.status == 400 and "announced with" in answer.body["message"]
    _unchanged(phone, report_id)
