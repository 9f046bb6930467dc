"""submission_receive and submission_file_add, the door both the public form and the Tella
server use: what is stored is sealed, validated with the field named, audited without the
sender's address unless it is kept."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from dozor.audit.models import Action, AuditEntry
from dozor.lib import origin
from dozor.security.files import file_store
from dozor.submissions import services
from dozor.submissions.models import Channel, Status, Submission, SubmissionFile
from tests.conftest import Cast
from tests.evidence.conftest import jpeg_bytes

ACCOUNT = "Задержали у подъезда на улице Садовой, били в автозаке"
CONTACT = "Signal: +7 900 123-45-67"
WEB = origin.Origin(channel="web", ip_address="203.0.113.9", user_agent="Tor Browser")


def _text(**overrides: object) -> services.SubmissionText:
    values: dict[str, object] = {
        "title": "Задержание",
        "what_happened": ACCOUNT,
        "when_text": "вчера вечером",
        "where_text": "Казань",
        "contact": CONTACT,
        "language": "ru",
        "wants_legal_help": True,
    }
    values.update(overrides)
    return services.SubmissionText(**values)  # type: ignore[arg-type]


def _raw_row(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])  # noqa: S608 - fixed names
        return repr(cursor.fetchone())


def test_a_received_submission_is_new_and_readable_through_the_model(cast: Cast) -> None:
    submission = services.submission_receive(
        organisation=cast.organisation, channel=Channel.FORM, text=_text()
    )
    again = Submission.objects.get(pk=submission.pk)
    assert again.status == Status.NEW
    assert again.what_happened == ACCOUNT and again.contact == CONTACT
    assert again.wants_legal_help and not again.wants_asylum_help
    assert len(again.receipt) == 19 and again.receipt.count("-") == 3


def test_the_texts_of_a_submission_are_sealed_in_the_database(cast: Cast) -> None:
    submission = services.submission_receive(
        organisation=cast.organisation, channel=Channel.FORM, text=_text()
    )
    row = _raw_row("submissions_submission", submission.pk)
    for clear in (ACCOUNT, CONTACT, "Задержание", "Казань", "вчера вечером"):
        assert clear not in row


def test_no_ip_address_is_kept_and_the_audit_entry_has_none_either(cast: Cast) -> None:
    with origin.acting_from(WEB):
        submission = services.submission_receive(
            organisation=cast.organisation, channel=Channel.FORM, text=_text()
        )
    assert Submission.objects.get(pk=submission.pk).ip_address == ""
    entry = AuditEntry.objects.get(target_type="submissions.submission")
    assert entry.action == Action.CREATE
    assert entry.ip_address in ("", None) and entry.user_agent == ""
    assert entry.origin == "web"
    assert ACCOUNT not in repr(entry.changes)


def test_an_address_passed_in_is_kept_sealed(cast: Cast) -> None:
    submission = services.submission_receive(
        organisation=cast.organisation,
        channel=Channel.FORM,
        text=_text(),
        ip_address="203.0.113.9",
    )
    assert Submission.objects.get(pk=submission.pk).ip_address == "203.0.113.9"
    assert "203.0.113.9" not in _raw_row("submissions_submission", submission.pk)


def test_a_submission_without_an_account_names_what_happened_as_missing(cast: Cast) -> None:
    with pytest.raises(ValidationError) as refused:
        services.submission_receive(
            organisation=cast.organisation, channel=Channel.FORM, text=_text(what_happened="  ")
        )
    assert "what_happened" in refused.value.message_dict
    assert Submission.objects.count() == 0 and AuditEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("contact", "x" * 1001),
        ("title", "x" * 301),
        ("language", "de"),
    ],
)
def test_a_value_out_of_bounds_is_refused_naming_its_field(
    cast: Cast, field: str, value: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.submission_receive(
            organisation=cast.organisation, channel=Channel.FORM, text=_text(**{field: value})
        )
    assert field in refused.value.message_dict
    assert Submission.objects.count() == 0


def test_an_unknown_channel_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError) as refused:
        services.submission_receive(organisation=cast.organisation, channel="fax", text=_text())
    assert "channel" in refused.value.message_dict


def test_a_tella_submission_names_its_sender_in_the_audit_trail(cast: Cast) -> None:
    services.submission_receive(
        organisation=cast.organisation,
        channel=Channel.TELLA,
        text=_text(),
        submitted_by=cast.colleague,
    )
    entry = AuditEntry.objects.get(target_type="submissions.submission")
    assert entry.actor == "colleague"


def test_a_sealed_file_is_recorded_with_its_hash_and_a_sealed_name(cast: Cast) -> None:
    submission = services.submission_receive(
        organisation=cast.organisation, channel=Channel.FORM, text=_text()
    )
    photo = jpeg_bytes(b"bruise")
    stored = file_store().store_stream(io.BytesIO(photo))
    kept = services.submission_file_add(
        submission=submission, name="синяк.jpg", media_type="image/jpeg", stored=stored
    )
    assert kept.sha256 == hashlib.sha256(photo).hexdigest() and kept.size == len(photo)
    assert SubmissionFile.objects.get(pk=kept.pk).file_name == "синяк.jpg"
    assert "синяк" not in _raw_row("submissions_submissionfile", kept.pk)
    entry = AuditEntry.objects.get(target_type="submissions.submissionfile")
    assert entry.changes["sha256"] == kept.sha256 and entry.changes["type"] == "image/jpeg"


def test_a_file_of_a_type_evidence_does_not_keep_is_refused_naming_it(cast: Cast) -> None:
    submission = services.submission_receive(
        organisation=cast.organisation, channel=Channel.FORM, text=_text()
    )
    stored = file_store().store_stream(io.BytesIO(b"MZ" + b"\x00" * 100))
    with pytest.raises(ValidationError) as refused:
        services.submission_file_add(
            submission=submission,
            name="tool.exe",
            media_type="application/x-msdownload",
            stored=stored,
        )
    assert "tool.exe" in refused.value.messages[0]
    assert SubmissionFile.objects.count() == 0


def test_a_triaged_submission_takes_no_more_files(cast: Cast) -> None:
    submission = services.submission_receive(
        organisation=cast.organisation, channel=Channel.FORM, text=_text()
    )
    Submission.objects.filter(pk=submission.pk).update(status=Status.CLOSED)
    submission.refresh_from_db()
    stored = file_store().store_stream(io.BytesIO(jpeg_bytes()))
    with pytest.raises(ValidationError):
        services.submission_file_add(
            submission=submission, name="late.jpg", media_type="image/jpeg", stored=stored
        )
    assert SubmissionFile.objects.count() == 0
