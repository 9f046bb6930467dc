"""The public form at /report/, sent by an anonymous person: what is kept is sealed and carries
no address, and a filled honeypot, a wrong sum, a spent picture, a refused file or a flood keep
nothing at all."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from dozor.audit.models import AuditEntry
from dozor.security.crypto import KeyRing
from dozor.security.keyring import keyring_set
from dozor.submissions import challenge
from dozor.submissions.models import Status, Submission, SubmissionFile
from tests.conftest import Cast
from tests.evidence.conftest import jpeg_bytes, stored_files
from tests.factories import OrganisationFactory
from tests.submissions.conftest import (
    ACCOUNT,
    CONTACT,
    answer_to,
    challenge_of,
    form_url,
    send,
)

MARKER = b"face-of-the-witness-51c2"


def _database_text() -> str:
    """Every row of the submissions' tables as the database holds them."""
    rows = []
    with connection.cursor() as cursor:
        for table in ("submissions_submission", "submissions_submissionfile"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            rows.extend(cursor.fetchall())
    return repr(rows)


def _nothing_kept() -> bool:
    return (
        Submission.objects.count() == 0
        and SubmissionFile.objects.count() == 0
        and stored_files() == []
    )


def test_the_form_opens_without_an_account_and_loads_nothing_from_elsewhere(
    receiving: Cast,
) -> None:
    page = Client().get(form_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "Your IP address is not kept" in html
    assert 'enctype="multipart/form-data"' in html
    assert "<script" not in html
    assert "http://" not in html and "https://" not in html


def test_an_anonymous_submission_is_received_with_a_receipt_and_kept_sealed(
    receiving: Cast,
) -> None:
    page = send(Client())
    html = page.content.decode()
    submission = Submission.objects.get()
    assert page.status_code == 200
    assert submission.receipt in html
    assert submission.organisation == receiving.organisation
    assert submission.status == Status.NEW and submission.submitted_by is None
    assert submission.what_happened == ACCOUNT and submission.contact == CONTACT
    stored = _database_text()
    for clear in (ACCOUNT, CONTACT, "Задержание", "Курская", "12 марта"):
        assert clear not in stored


def test_no_ip_address_is_kept_with_the_submission_or_in_its_audit_entries(
    receiving: Cast,
) -> None:
    send(Client(REMOTE_ADDR="198.51.100.23"))
    assert Submission.objects.get().ip_address == ""
    entries = AuditEntry.objects.filter(target_type__startswith="submissions.")
    assert entries.exists()
    assert all(not entry.ip_address and not entry.user_agent for entry in entries)
    assert "198.51.100.23" not in _database_text()


def test_a_form_without_a_csrf_cookie_is_taken_and_no_refusal_records_the_address(
    receiving: Cast,
) -> None:
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="198.51.100.23")
    page = send(client)
    assert page.status_code == 200
    refused = send(client, answer="1")
    assert refused.status_code == 400
    assert not AuditEntry.objects.filter(ip_address="198.51.100.23").exists()


def test_the_address_is_kept_sealed_when_the_administrator_turns_it_on(
    receiving: Cast, settings: Any
) -> None:
    settings.DOZOR_INTAKE_KEEP_IP = True
    assert "This site keeps your IP address" in Client().get(form_url()).content.decode()
    send(Client(REMOTE_ADDR="198.51.100.23"))
    assert Submission.objects.get().ip_address == "198.51.100.23"
    assert "198.51.100.23" not in _database_text()


def test_a_filled_honeypot_is_refused_with_the_reason_and_nothing_is_kept(
    receiving: Cast,
) -> None:
    page = send(Client(), website="http://spam.example", files=[("a.jpg", jpeg_bytes())])
    assert page.status_code == 400
    assert "Leave this empty" in page.content.decode()
    assert _nothing_kept()


def test_a_wrong_sum_is_refused_with_the_reason_and_nothing_is_kept(receiving: Cast) -> None:
    page = send(Client(), answer="999", files=[("a.jpg", jpeg_bytes())])
    html = page.content.decode()
    assert page.status_code == 400
    assert "The sum in the picture is not 999" in html
    assert ACCOUNT in html, "what the person wrote is shown again, not lost"
    assert _nothing_kept()


def test_a_picture_answered_once_is_not_taken_again(receiving: Cast) -> None:
    client = Client()
    token = challenge_of(client.get(form_url()))
    data = {"what_happened": ACCOUNT, "challenge": token, "answer": answer_to(token)}
    assert client.post(form_url(), data).status_code == 200
    again = client.post(form_url(), data)
    assert again.status_code == 400
    assert "had been used already" in again.content.decode()
    assert Submission.objects.count() == 1


def test_a_forged_challenge_is_refused(receiving: Cast) -> None:
    page = Client().post(
        form_url(), {"what_happened": ACCOUNT, "challenge": "forged:token", "answer": "12"}
    )
    assert page.status_code == 400
    assert Submission.objects.count() == 0


def test_a_flood_from_one_client_is_refused_by_the_hours_limit(
    receiving: Cast, settings: Any
) -> None:
    settings.DOZOR_INTAKE_RATE_PER_HOUR = 2
    client = Client(REMOTE_ADDR="198.51.100.7")
    assert send(client).status_code == 200
    assert send(client).status_code == 200
    flooded = send(client)
    assert flooded.status_code == 429
    assert "too many times" in flooded.content.decode()
    assert Submission.objects.count() == 2
    assert send(Client(REMOTE_ADDR="198.51.100.8")).status_code == 200


def test_the_rate_limit_keeps_no_address_in_the_cache(receiving: Cast) -> None:
    send(Client(REMOTE_ADDR="198.51.100.7"))
    keys = list(getattr(cache, "_cache", {}).keys())
    assert keys, "the limit should have counted the request"
    assert not any("198.51.100.7" in str(key) for key in keys)


def test_a_missing_account_is_refused_naming_the_field(receiving: Cast) -> None:
    page = send(Client(), what_happened="")
    assert page.status_code == 400
    assert "What happened" in page.content.decode()
    assert _nothing_kept()


def test_a_photo_arrives_sealed_and_is_kept_with_its_hash(receiving: Cast) -> None:
    photo = jpeg_bytes(MARKER)
    page = send(Client(), files=[("лицо.jpg", photo)])
    assert "1 file was received" in page.content.decode()
    kept = SubmissionFile.objects.get()
    assert kept.sha256 == hashlib.sha256(photo).hexdigest() and kept.size == len(photo)
    assert kept.file_name == "лицо.jpg"
    on_disk = b"".join(path.read_bytes() for path in stored_files())
    assert MARKER not in on_disk and b"JFIF" not in on_disk
    assert "лицо" not in _database_text()


def test_a_file_that_is_not_evidence_keeps_nothing_of_the_submission(receiving: Cast) -> None:
    page = send(
        Client(), files=[("photo.jpg", jpeg_bytes()), ("tool.exe", b"MZ\x90\x00" + b"\0" * 600)]
    )
    assert page.status_code == 400
    assert "tool.exe" in page.content.decode()
    assert _nothing_kept()


def test_a_file_over_the_limit_keeps_nothing(receiving: Cast, settings: Any) -> None:
    settings.DOZOR_EVIDENCE_FILE_MAX_MB = 1
    page = send(Client(), files=[("large.jpg", jpeg_bytes() + b"\0" * (2 * 2**20))])
    assert page.status_code == 400
    assert "larger than 1 MB" in page.content.decode()
    assert _nothing_kept()


def test_do_not_contact_keeps_no_contact(receiving: Cast) -> None:
    page = send(Client(), do_not_contact="on")
    assert Submission.objects.get().contact == ""
    assert "nobody will contact you" in page.content.decode()


def test_the_form_speaks_russian_and_the_submission_says_so(receiving: Cast) -> None:
    page = Client().get(form_url("ru"))
    assert "Что произошло" in page.content.decode()
    send(Client(), lang="ru", wants_asylum_help="on")
    submission = Submission.objects.get()
    assert submission.language == "ru" and submission.wants_asylum_help


def test_the_form_speaks_english_when_asked(receiving: Cast) -> None:
    send(Client(), lang="en")
    assert Submission.objects.get().language == "en"


def test_while_dozor_is_locked_the_form_says_so_before_anyone_writes(receiving: Cast) -> None:
    keyring_set(KeyRing.locked_because("no key given"))
    try:
        page = Client().get(form_url())
        posted = Client().post(form_url(), {"what_happened": ACCOUNT})
    finally:
        keyring_set(None)
    assert page.status_code == posted.status_code == 503
    assert "without its encryption key" in page.content.decode()
    assert _nothing_kept()


def test_with_two_organisations_and_none_named_the_form_is_not_open(
    cast: Cast, settings: Any
) -> None:
    settings.DOZOR_INTAKE_ORGANISATION = ""
    page = Client().get(form_url())
    assert page.status_code == 200
    assert "This form is not open" in page.content.decode()
    posted = Client().post(form_url(), {"what_happened": ACCOUNT})
    assert "This form is not open" in posted.content.decode()
    assert Submission.objects.count() == 0


def test_a_named_organisation_that_does_not_exist_closes_the_form(
    cast: Cast, settings: Any
) -> None:
    settings.DOZOR_INTAKE_ORGANISATION = "Нет такой"
    assert "This form is not open" in Client().get(form_url()).content.decode()


def test_the_only_organisation_receives_when_none_is_named(db: None, settings: Any) -> None:
    settings.DOZOR_INTAKE_ORGANISATION = ""
    only = OrganisationFactory(name="Единственная")
    send(Client())
    assert Submission.objects.get().organisation == only


def test_the_organisation_may_be_named_by_its_slug(cast: Cast, settings: Any) -> None:
    settings.DOZOR_INTAKE_ORGANISATION = "северный-маяк"
    send(Client())
    assert Submission.objects.get().organisation == cast.organisation


def test_the_challenge_picture_is_a_png_drawn_here_and_a_forged_token_has_none(
    receiving: Cast,
) -> None:
    token = challenge.challenge_new()
    picture = Client().get(reverse("report:challenge_image", args=[token]))
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/png"
    assert picture.content.startswith(b"\x89PNG")
    assert picture["Cache-Control"] == "no-store"
    forged = Client().get(reverse("report:challenge_image", args=["x:y:z"]))
    assert forged.status_code == 404
