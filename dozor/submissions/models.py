"""Submissions: accounts of what happened sent to an organisation from outside, unverified.

A submission comes through the public form at /report/ (anonymous) or from a Tella app (a Dozor
account). It waits in the organisation's triage queue until a documenter accepts it as a report of
the organisation's "intake" source list, asks the person for more, or closes it. Every free text
is sealed like a note (dozor.security.fields): what happened and how to reach someone can cost
them their safety. Files are sealed in the encrypted store as they arrive; accepting the
submission makes them evidence attachments of the report (the same stored file, not a copy).

A request for legal or asylum help becomes a :class:`Referral`: to whom the person was referred,
when, and how it stands.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import Organisation
from dozor.evidence.models import FILE_NAME_MAX_LENGTH, Attachment
from dozor.records.models import Report
from dozor.security.fields import EncryptedTextField

TITLE_MAX_LENGTH = 300
TEXT_MAX_LENGTH = 20000
SHORT_TEXT_MAX_LENGTH = 500
CONTACT_MAX_LENGTH = 1000
NOTE_MAX_LENGTH = 4000
IP_ADDRESS_MAX_LENGTH = 45


class Channel(models.TextChoices):
    FORM = "form", _("public form")
    TELLA = "tella", _("Tella")


class Status(models.TextChoices):
    NEW = "new", _("new")
    MORE_ASKED = "more_asked", _("more asked")
    ACCEPTED = "accepted", _("accepted")
    CLOSED = "closed", _("closed")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    RUSSIAN = "ru", _("Russian")


class Submission(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="submissions",
        verbose_name=_("organisation"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    # A Tella user is a Dozor account; the public form is anonymous.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    title = EncryptedTextField(_("title"), blank=True, max_length=TITLE_MAX_LENGTH)
    what_happened = EncryptedTextField(_("what happened"), max_length=TEXT_MAX_LENGTH)
    when_text = EncryptedTextField(_("when"), blank=True, max_length=SHORT_TEXT_MAX_LENGTH)
    where_text = EncryptedTextField(_("where"), blank=True, max_length=SHORT_TEXT_MAX_LENGTH)
    # Blank: the person asked not to be contacted.
    contact = EncryptedTextField(
        _("how to reach them safely"), blank=True, max_length=CONTACT_MAX_LENGTH
    )
    # Blank unless DOZOR_INTAKE_KEEP_IP is on.
    ip_address = EncryptedTextField(_("IP address"), blank=True, max_length=IP_ADDRESS_MAX_LENGTH)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.RUSSIAN
    )
    wants_legal_help = models.BooleanField(_("asks for legal help"), default=False)
    wants_asylum_help = models.BooleanField(_("asks for asylum help"), default=False)
    # The receipt code the person keeps: random, it says nothing of the submission.
    receipt = models.CharField(_("receipt code"), max_length=20, unique=True, editable=False)
    triage_note = EncryptedTextField(_("triage note"), blank=True, max_length=NOTE_MAX_LENGTH)
    accepted_report = models.ForeignKey(
        Report,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted as report"),
    )
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("triaged by"),
    )
    triaged_at = models.DateTimeField(_("triaged"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        indexes = [
            models.Index(
                fields=["organisation", "status", "-received_at"], name="submission_queue"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt} ({self.get_status_display()})"

    @property
    def wants_help(self) -> bool:
        return self.wants_legal_help or self.wants_asylum_help

    @property
    def open(self) -> bool:
        """Still waiting for a decision: new, or more was asked."""
        return self.status in (Status.NEW, Status.MORE_ASKED)


class SubmissionFile(models.Model):
    """One file sent with a submission, sealed in the store under a random id."""

    submission = models.ForeignKey(
        Submission, on_delete=models.PROTECT, related_name="files", verbose_name=_("submission")
    )
    file_name = EncryptedTextField(_("file name"), max_length=FILE_NAME_MAX_LENGTH)
    media_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # The store's random id. When the submission is accepted the same stored file becomes an
    # evidence attachment of the report (``attachment``): one file, kept once, opened there.
    file_id = models.CharField(max_length=32, unique=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    attachment = models.OneToOneField(
        Attachment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submitted_file",
        verbose_name=_("evidence attachment"),
    )

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("submitted file")
        verbose_name_plural = _("submitted files")

    def __str__(self) -> str:
        return f"{self.media_type} {self.sha256[:12]}"


class ReferralKind(models.TextChoices):
    LEGAL = "legal", _("legal help")
    ASYLUM = "asylum", _("asylum help")
    OTHER = "other", _("other help")


class ReferralStatus(models.TextChoices):
    OPEN = "open", _("open")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    DECLINED = "declined", _("declined")


class Referral(models.Model):
    """A person who asked for help, referred to a lawyer, an asylum adviser or another helper."""

    submission = models.ForeignKey(
        Submission,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("submission"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(_("kind of help"), max_length=10, choices=ReferralKind.choices)
    # Who the person was sent to can tell who they are: sealed.
    referred_to = EncryptedTextField(_("referred to"), blank=True, max_length=SHORT_TEXT_MAX_LENGTH)
    referred_on = models.DateField(_("referred on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.OPEN
    )
    note = EncryptedTextField(_("note"), blank=True, max_length=NOTE_MAX_LENGTH)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"


class SpentChallenge(models.Model):
    """The random nonce of a public form's challenge that has been answered: it is not taken
    again. Deleted once its token would have expired anyway (dozor.submissions.challenge)."""

    nonce = models.CharField(max_length=40, unique=True)
    spent_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["spent_at"], name="spent_challenge_at")]

    def __str__(self) -> str:
        return f"challenge spent at {self.spent_at:%Y-%m-%d %H:%M}"
