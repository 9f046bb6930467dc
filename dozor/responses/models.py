"""The official response to each incident, and the advocacy dialogue about it.

Response events are append-only: a correction is a new event that supersedes an earlier one, so
the history stays visible. Everything a case's status is made of is derived from the events
(dozor.analysis.responses), never stored beside them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import NOTE_MAX_LENGTH, Organisation
from dozor.records.local_terms import local_codes
from dozor.records.models import Incident
from dozor.responses.vocab import ResponseVocabularyValidator, response_vocabulary
from dozor.security.fields import EncryptedTextField
from dozor.validators import VocabularyValidator, validate_country

TEXT_MAX_LENGTH = 10_000
EVENT_DATE_PRECISIONS = ("day", "month", "year")
MAX_SENTENCE_MONTHS = 12 * 30

MSG_ARTICLES_LIST = _("Legal articles must be a list of article codes.")
MSG_VERDICT_OUTCOME = _("A verdict needs its outcome: convicted, acquitted or dismissed.")
MSG_SENTENCE_KIND = _("A sentence needs its kind (imprisonment, fine, ...).")
MSG_STATEMENT_KIND = _("An official statement needs its kind (denial, acknowledgement, ...).")
MSG_FIELD_NOT_FOR_KIND = _("This field belongs to another kind of event; leave it empty.")
MSG_PRECISION_FOR_EVENTS = _("An event's date is known to the day, the month or the year.")


def response_field(name: str, verbose_name: Any, **kwargs: Any) -> models.CharField[str, str]:
    return models.CharField(
        verbose_name, max_length=40, validators=[ResponseVocabularyValidator(name)], **kwargs
    )


class ResponseEvent(models.Model):
    """One dated step the authorities took (or refused to take) about one incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="response_events")
    kind = response_field("response_event_kind", _("event"))
    date = models.DateField(_("date"))
    date_precision = models.CharField(
        _("date precision"),
        max_length=40,
        default="day",
        validators=[VocabularyValidator("date_precision")],
    )
    authority = models.CharField(_("authority"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    # Free text that can name people: sealed like summaries (dozor.security.fields).
    note = EncryptedTextField(_("note"), blank=True, max_length=NOTE_MAX_LENGTH)
    articles = models.JSONField(_("legal articles"), default=list, blank=True)
    verdict_outcome = response_field("verdict_outcome", _("verdict"), blank=True)
    motive_recognised = models.BooleanField(
        _("the verdict recognised the hate motive"), null=True, blank=True
    )
    sentence_kind = response_field("sentence_kind", _("sentence"), blank=True)
    sentence_months = models.PositiveIntegerField(
        _("sentence length in months"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SENTENCE_MONTHS)],
    )
    sentence_suspended = models.BooleanField(_("suspended sentence"), null=True, blank=True)
    statement_kind = response_field("official_statement_kind", _("statement"), blank=True)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("corrects"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["incident", "date", "id"]
        verbose_name = _("response event")
        verbose_name_plural = _("response events")
        indexes = [
            models.Index(fields=["incident", "kind", "date"], name="response_incident_kind_idx"),
            models.Index(fields=["kind", "incident", "date"], name="response_kind_incident_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sentence_months__isnull=True) | Q(sentence_months__gte=1),
                name="response_sentence_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        if self.date_precision not in EVENT_DATE_PRECISIONS:
            errors.setdefault("date_precision", []).append(MSG_PRECISION_FOR_EVENTS)
        if not isinstance(self.articles, list) or not all(
            isinstance(code, str) for code in self.articles
        ):
            errors.setdefault("articles", []).append(MSG_ARTICLES_LIST)
        else:
            validator = ResponseVocabularyValidator("legal_article")
            # The owning organisation's own articles count beside the standard ones; they are
            # looked up only for a code the standard vocabulary lacks (imports clean many events).
            standard = response_vocabulary("legal_article")
            unknown = any(code not in standard for code in self.articles)
            local = (
                local_codes(self.incident.organisation_id, "legal_article")
                if unknown and self.incident_id is not None
                else frozenset()
            )
            for code in self.articles:
                if code in local:
                    continue
                try:
                    validator(code)
                except ValidationError as error:
                    errors.setdefault("articles", []).extend(error.error_list)
        if self.kind == "verdict" and not self.verdict_outcome:
            errors.setdefault("verdict_outcome", []).append(MSG_VERDICT_OUTCOME)
        if self.kind == "sentence" and not self.sentence_kind:
            errors.setdefault("sentence_kind", []).append(MSG_SENTENCE_KIND)
        if self.kind == "official_statement" and not self.statement_kind:
            errors.setdefault("statement_kind", []).append(MSG_STATEMENT_KIND)
        only_for = {
            "verdict_outcome": "verdict",
            "motive_recognised": "verdict",
            "sentence_kind": "sentence",
            "sentence_months": "sentence",
            "sentence_suspended": "sentence",
            "statement_kind": "official_statement",
        }
        for name, kind in only_for.items():
            if self.kind != kind and getattr(self, name) not in (None, ""):
                errors.setdefault(name, []).append(MSG_FIELD_NOT_FOR_KIND)
        if errors:
            raise ValidationError(errors)


class Body(models.Model):
    """A body or official that cases are raised with: a ministry, a prosecutor, an embassy."""

    name = models.CharField(_("name"), max_length=300, unique=True)
    kind = response_field("body_kind", _("kind"))
    country = models.CharField(
        _("country"), max_length=2, blank=True, validators=[validate_country]
    )
    # Bodies are shared: every organisation raises cases with the same prosecutor. The one that
    # added a body is who may correct it (None: added before this was kept, or by a command).
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("body")
        verbose_name_plural = _("bodies")

    def __str__(self) -> str:
        return self.name


class RaiseListEntry(models.Model):
    """A case one organisation means to raise with the authorities."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="raise_list"
    )
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="raise_entries")
    priority = response_field("raise_priority", _("priority"), default="medium")
    reason = models.TextField(_("reason"), max_length=NOTE_MAX_LENGTH)
    added_at = models.DateTimeField(_("added"), auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["organisation", "incident"]
        verbose_name = _("case to raise")
        verbose_name_plural = _("cases to raise")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "incident"], name="raise_list_unique_incident"
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} ({self.priority})"


class Raising(models.Model):
    """One time a case was raised with a body or official, and what came of it."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="raisings"
    )
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="raisings")
    raised_on = models.DateField(_("raised on"))
    raised_by = models.CharField(_("raised by"), max_length=200)
    body = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="raisings", verbose_name=_("body")
    )
    official = models.CharField(_("official"), max_length=300, blank=True)
    channel = response_field("dialogue_channel", _("how"))
    # What was asked and answered names victims and officials: sealed.
    request = EncryptedTextField(_("what was asked"), max_length=TEXT_MAX_LENGTH)
    reply = EncryptedTextField(_("reply"), blank=True, max_length=TEXT_MAX_LENGTH)
    reply_on = models.DateField(_("reply date"), null=True, blank=True)
    follow_up_due = models.DateField(_("follow-up due"), null=True, blank=True)
    status = response_field("dialogue_status", _("status"), default="awaiting_reply")
    impact = response_field("dialogue_impact", _("impact"), default="no_response")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["-raised_on", "-id"]
        verbose_name = _("raising of a case")
        verbose_name_plural = _("raisings of cases")
        indexes = [
            models.Index(fields=["organisation", "follow_up_due"], name="raising_follow_up_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(reply_on__isnull=True) | Q(reply_on__gte=models.F("raised_on")),
                name="raising_reply_after_raising",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.raised_on} {self.body_id}"

    @property
    def is_open(self) -> bool:
        term = response_vocabulary("dialogue_status").by_code.get(self.status)
        return bool(term and term.attributes.get("open"))

    def clean(self) -> None:
        if self.reply_on and self.raised_on and self.reply_on < self.raised_on:
            raise ValidationError({"reply_on": MSG_REPLY_BEFORE_RAISING})
        if self.follow_up_due and self.raised_on and self.follow_up_due < self.raised_on:
            raise ValidationError({"follow_up_due": MSG_FOLLOW_UP_BEFORE_RAISING})


MSG_REPLY_BEFORE_RAISING = _("The reply is dated before the case was raised.")
MSG_FOLLOW_UP_BEFORE_RAISING = _("The follow-up is due before the case was raised.")
