"""A report sent from Tella is triaged like any submission: listed in the organisation's queue,
its file's SHA-256 on its page, accepted as a report whose evidence is the same sealed file; a
triaged report takes no more files from the phone."""

from __future__ import annotations

import hashlib

import pytest

from dozor.evidence.models import Attachment
from dozor.security.files import file_store
from dozor.submissions.models import Status, Submission
from tests.conftest import Cast
from tests.evidence.conftest import jpeg_bytes
from tests.factories import TEST_PASSWORD
from tests.tella.client import TellaPhone

pytestmark = pytest.mark.django_db

NAME = "5d1c9e7a.jpg"


def sent_from_tella(cast: Cast) -> tuple[TellaPhone, str, bytes]:
    phone = TellaPhone()
    assert phone.sign_in(cast.owner.username, TEST_PASSWORD).status == 200
    report_id = phone.report("Избиение у рынка", "Двое в масках, полиция не приехала.").body["id"]
    data = jpeg_bytes(b"triage", size=(120, 90))
    assert phone.put_piece(report_id, NAME, data, start=0, total=len(data)).status == 200
    return phone, report_id, data


def test_a_tella_report_is_in_the_triage_queue_with_its_files_digest(cast: Cast) -> None:
    _phone, _report_id, data = sent_from_tella(cast)
    submission = Submission.objects.get()
    documenter = cast.client("owner")

    queue = documenter.get("/submissions/").content.decode()
    detail = documenter.get(f"/submissions/{submission.pk}/").content.decode()
    assert "Избиение у рынка" in queue and "Tella" in queue
    assert hashlib.sha256(data).hexdigest() in detail


def test_an_accepted_tella_report_keeps_the_same_sealed_file_as_evidence(cast: Cast) -> None:
    _phone, _report_id, data = sent_from_tella(cast)
    submission = Submission.objects.get()

    response = cast.client("owner").post(f"/submissions/{submission.pk}/accept/")

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.file_id == submission.files.get().file_id
    assert file_store().read(attachment.file_id) == data


def test_a_triaged_tella_report_takes_no_more_files(cast: Cast) -> None:
    phone, report_id, data = sent_from_tella(cast)
    submission = Submission.objects.get()
    cast.client("owner").post(f"/submissions/{submission.pk}/accept/")
    assert Submission.objects.get().status == Status.ACCEPTED

    answer = phone.put_piece(report_id, "second.jpg", data, start=0, total=len(data))
    assert answer.status == 409 and "triaged" in answer.body["message"]
    assert submission.files.count() == 1
