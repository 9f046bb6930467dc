"""The triage queue and the referrals, through their pages: a documenter of the receiving
organisation reads a submission, accepts it as a report of the intake list (its files become the
report's evidence, the same sealed files), asks for more or closes it; referrals are kept by the
organisation's advocates too; another organisation finds nothing."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dozor.accounts.models import Role
from dozor.audit.models import Action, AuditEntry
from dozor.evidence.models import Attachment
from dozor.records.models import Report, SourceList
from dozor.submissions.models import Referral, ReferralStatus, Status, Submission, SubmissionFile
from tests.conftest import Cast
from tests.evidence.conftest import jpeg_bytes, pdf_bytes
from tests.factories import UserFactory
from tests.submissions.conftest import ACCOUNT, CONTACT, send


@pytest.fixture
def sent(receiving: Cast) -> Submission:
    """An anonymous submission with a photo and a PDF, asking for legal help."""
    send(
        Client(),
        files=[("побои.jpg", jpeg_bytes(b"bruise")), ("справка.pdf", pdf_bytes())],
        wants_legal_help="on",
    )
    return Submission.objects.get()


def _detail(submission: Submission) -> str:
    return reverse("submissions:submission_detail", args=[submission.pk])


def _advocate(cast: Cast) -> Client:
    client = Client()
    client.force_login(
        UserFactory(username="advocate", organisation=cast.organisation, role=Role.ADVOCATE)
    )
    return client


def test_the_queue_lists_new_submissions_newest_first(receiving: Cast) -> None:
    send(Client(), title="Первое")
    send(Client(), title="Второе")
    html = receiving.client("owner").get(reverse("submissions:queue")).content.decode()
    assert html.index("Второе") < html.index("Первое")


def test_the_detail_page_shows_the_text_and_records_the_reading(
    receiving: Cast, sent: Submission
) -> None:
    page = receiving.client("owner").get(_detail(sent))
    html = page.content.decode()
    assert ACCOUNT in html and CONTACT in html and "побои.jpg" in html
    assert AuditEntry.objects.filter(
        action=Action.VIEW_NAMES, target_type="submissions.submission", actor="owner"
    ).exists()


def test_a_file_of_the_submission_downloads_as_sent_and_is_audited(
    receiving: Cast, sent: Submission
) -> None:
    photo = SubmissionFile.objects.get(media_type="image/jpeg")
    download = receiving.client("owner").get(
        reverse("submissions:submission_file", args=[photo.pk])
    )
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == photo.sha256
    assert download["Cache-Control"] == "no-store"
    assert AuditEntry.objects.filter(
        action=Action.VIEW_NAMES, target_type="submissions.submissionfile"
    ).exists()


def test_accepting_makes_a_report_of_the_intake_list_with_the_files_as_its_evidence(
    receiving: Cast, sent: Submission
) -> None:
    files = {one.file_id: one.sha256 for one in sent.files.all()}
    page = receiving.client("owner").post(
        reverse("submissions:submission_accept", args=[sent.pk]), follow=True
    )
    assert "Accepted as report" in page.content.decode()
    sent.refresh_from_db()
    report = Report.objects.get()
    assert sent.status == Status.ACCEPTED and sent.accepted_report == report
    assert sent.triaged_by == receiving.owner and sent.triaged_at is not None
    assert report.source_list.organisation == receiving.organisation
    assert report.source_list.name.startswith("intake")
    assert report.source_list.kind == "victim_report"
    assert report.external_id == sent.receipt
    assert report.fields["summary"] == ACCOUNT
    assert report.payload["contact"] == CONTACT
    attachments = Attachment.objects.filter(report=report)
    assert {a.file_id: a.sha256 for a in attachments} == files
    assert all(one.attachment is not None for one in SubmissionFile.objects.all())
    photo = attachments.get(media_type="image/jpeg")
    download = receiving.client("owner").get(reverse("evidence:download", args=[photo.pk]))
    assert b"".join(download.streaming_content) == jpeg_bytes(b"bruise")
    assert AuditEntry.objects.filter(
        action=Action.UPDATE, target_type="submissions.submission"
    ).exists()


def test_a_second_submission_goes_to_the_same_intake_list(receiving: Cast) -> None:
    send(Client(), title="Первое")
    send(Client(), title="Второе")
    for submission in Submission.objects.all():
        receiving.client("owner").post(
            reverse("submissions:submission_accept", args=[submission.pk])
        )
    assert SourceList.objects.count() == 1
    assert Report.objects.count() == 2


def test_an_accepted_submission_cannot_be_accepted_again(receiving: Cast, sent: Submission) -> None:
    url = reverse("submissions:submission_accept", args=[sent.pk])
    receiving.client("owner").post(url)
    page = receiving.client("owner").post(url, follow=True)
    assert "Nothing was changed" in page.content.decode()
    assert Report.objects.count() == 1


def test_asking_for_more_keeps_the_note_sealed_and_the_status_shows(
    receiving: Cast, sent: Submission
) -> None:
    receiving.client("owner").post(
        reverse("submissions:submission_ask_more", args=[sent.pk]),
        {"note": "Нужна дата и фото справки"},
    )
    sent.refresh_from_db()
    assert sent.status == Status.MORE_ASKED and sent.triage_note == "Нужна дата и фото справки"
    queue = receiving.client("owner").get(reverse("submissions:queue")).content.decode()
    assert "more asked" in queue
    detail = receiving.client("owner").get(_detail(sent)).content.decode()
    assert "new · the sender" in detail and "more asked · owner" in detail
    entry = AuditEntry.objects.filter(target_type="submissions.submission").last()
    assert entry is not None and "Нужна дата" not in repr(entry.changes)


def test_closing_needs_a_reason_and_takes_the_submission_off_the_open_queue(
    receiving: Cast, sent: Submission
) -> None:
    url = reverse("submissions:submission_close", args=[sent.pk])
    assert receiving.client("owner").post(url, {"note": ""}).status_code == 400
    receiving.client("owner").post(url, {"note": "Спам"})
    sent.refresh_from_db()
    assert sent.status == Status.CLOSED
    queue = receiving.client("owner").get(reverse("submissions:queue")).content.decode()
    assert sent.receipt not in queue
    closed = receiving.client("owner").get(reverse("submissions:queue") + "?show=closed")
    assert sent.receipt in closed.content.decode()


def test_a_referral_is_made_from_a_submission_that_asked_for_help_and_advocates_see_it(
    receiving: Cast, sent: Submission
) -> None:
    receiving.client("owner").post(
        reverse("submissions:referral_add", args=[sent.pk]),
        {"kind": "legal", "referred_to": "Адвокат Иванова", "referred_on": "2026-03-02"},
    )
    referral = Referral.objects.get()
    assert referral.organisation == receiving.organisation
    assert referral.referred_to == "Адвокат Иванова"
    advocate = _advocate(receiving)
    page = advocate.get(reverse("submissions:referral_list"))
    assert page.status_code == 200
    assert "Адвокат Иванова" in page.content.decode() and CONTACT in page.content.decode()
    advocate.post(
        reverse("submissions:referral_update", args=[referral.pk]),
        {"status": "in_progress", "referred_to": "Адвокат Иванова", "note": "Встреча в среду"},
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.IN_PROGRESS and referral.note == "Встреча в среду"
    assert AuditEntry.objects.filter(action=Action.UPDATE, target_type="submissions.referral")


def test_no_referral_for_a_submission_that_asked_for_no_help(receiving: Cast) -> None:
    send(Client())
    submission = Submission.objects.get()
    receiving.client("owner").post(
        reverse("submissions:referral_add", args=[submission.pk]), {"kind": "legal"}
    )
    assert Referral.objects.count() == 0


def test_advocates_and_readers_do_not_triage(receiving: Cast, sent: Submission) -> None:
    assert _advocate(receiving).get(_detail(sent)).status_code == 403
    assert receiving.client("reader").get(_detail(sent)).status_code == 403
    assert receiving.client("reader").get(reverse("submissions:referral_list")).status_code == 403


@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        ("submissions:submission_detail", "get", {}),
        ("submissions:submission_accept", "post", {}),
        ("submissions:submission_ask_more", "post", {"note": "x"}),
        ("submissions:submission_close", "post", {"note": "x"}),
        ("submissions:referral_add", "post", {"kind": "legal"}),
    ],
)
def test_another_organisation_finds_no_submission(
    receiving: Cast, sent: Submission, name: str, method: str, data: dict[str, Any]
) -> None:
    client = receiving.client("outsider")
    response = getattr(client, method)(reverse(name, args=[sent.pk]), data)
    assert response.status_code == 404
    sent.refresh_from_db()
    assert sent.status == Status.NEW and Referral.objects.count() == 0


def test_another_organisation_finds_no_file_and_no_referral(
    receiving: Cast, sent: Submission
) -> None:
    photo = SubmissionFile.objects.first()
    assert photo is not None
    outsider = receiving.client("outsider")
    assert outsider.get(reverse("submissions:submission_file", args=[photo.pk])).status_code == 404
    receiving.client("owner").post(
        reverse("submissions:referral_add", args=[sent.pk]), {"kind": "asylum"}
    )
    referral = Referral.objects.get()
    refused = outsider.post(
        reverse("submissions:referral_update", args=[referral.pk]), {"status": "done"}
    )
    assert refused.status_code == 404
    listing = outsider.get(reverse("submissions:referral_list")).content.decode()
    assert sent.receipt not in listing
    queue = outsider.get(reverse("submissions:queue")).content.decode()
    assert sent.receipt not in queue
