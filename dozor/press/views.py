"""The review pages: the pending drafts, and one draft beside its text."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dozor.accounts.models import User
from dozor.press import selectors, services
from dozor.press.forms import DraftReviewForm, RejectForm
from dozor.press.models import DraftReport, DraftStatus
from dozor.press.notes import note_text
from dozor.records.redaction import (
    NAME_PLACEHOLDER,
    free_text_of_organisation,
    report_victim_names,
)
from dozor.security.crypto import KeyringLocked
from dozor.security.fields import is_locked

logger = logging.getLogger(__name__)


@login_required
def draft_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", DraftStatus.PENDING)
    if status not in DraftStatus.values:
        status = DraftStatus.PENDING
    drafts = [
        (draft, _redactor(request.user, draft)(str(draft)))
        for draft in selectors.draft_list(user=request.user, status=status)[:500]
    ]
    return render(
        request,
        "press/draft_list.html",
        {"drafts": drafts, "status": status, "statuses": DraftStatus.choices},
    )


Redactor = Callable[[Any], Any]


def _unchanged(text: Any) -> Any:
    return text


def _redactor(user: User | AnonymousUser, draft: DraftReport) -> Redactor:
    """What a text of the draft becomes for this user: itself for those who see the owning
    organisation's names, otherwise the text with the drafted victims' names and every person
    NER finds taken out. Drafts are unreviewed press texts: they name people by design."""
    organisation_id = draft.source_list.organisation_id
    if isinstance(user, User) and user.sees_names_of(organisation_id):
        return _unchanged
    fields = draft.fields if not is_locked(draft.extracted) else {}
    # Every person the draft found, whatever their role: a name split off by a neighbouring
    # mark ("сообщила" | "Анна Белова") may be too short for NER to find it again.
    names = [
        *report_victim_names(fields),
        *_drafted_names(fields.get("perpetrators")),
        *_drafted_names(draft.extracted.get("people") if fields else None),
    ]

    def redact(text: Any) -> Any:
        return free_text_of_organisation(user, organisation_id, text, names)

    return redact


# Evidence of these fields is a person's name: shown as the placeholder to those who may not
# see names.
NAMED_FIELDS = ("victims", "perpetrators")


def _drafted_names(people: Any) -> list[str]:
    if not isinstance(people, list):
        return []
    return [str(p["name"]) for p in people if isinstance(p, dict) and p.get("name")]


def highlighted(
    text: str,
    evidence: list[dict[str, Any]],
    redact: Redactor = _unchanged,
    confidence: dict[str, dict[str, str]] | None = None,
) -> SafeString:
    """The text, escaped, with each evidence span in a <mark> naming its field and how sure the
    field is.

    With a redactor (for those who may not see names) every part of the text goes through it,
    and a span that marks a victim shows only the placeholder.
    """
    confidence = confidence or {}
    spans = sorted(
        (e for e in evidence if 0 <= e["start"] < e["end"] <= len(text)),
        key=lambda e: (e["start"], -e["end"]),
    )
    parts: list[str] = []
    position = 0
    for item in spans:
        if item["start"] < position:
            continue
        parts.append(escape(redact(text[position : item["start"]])))
        marked = text[item["start"] : item["end"]]
        if redact is not _unchanged:
            marked = str(NAME_PLACEHOLDER) if item["field"] in NAMED_FIELDS else redact(marked)
        level = confidence.get(item["field"], {}).get("level", "")
        parts.append(
            f'<mark data-field="{escape(item["field"])}" data-confidence="{escape(level)}">'
            f"{escape(marked)}</mark>"
        )
        position = item["end"]
    parts.append(escape(redact(text[position:])))
    return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped


def _visible_draft(request: HttpRequest, pk: int) -> DraftReport:
    try:
        draft = selectors.drafts_visible(request.user).select_related("source_list").get(pk=pk)
    except DraftReport.DoesNotExist:
        raise Http404(_("No draft with this number that you may see.")) from None
    if is_locked(draft.text) or is_locked(draft.extracted):
        raise KeyringLocked(str(MSG_LOCKED_REVIEW))
    return draft


MSG_LOCKED_REVIEW = gettext_lazy(
    "This draft cannot be reviewed while Dozor is locked: the press text and the fields drafted "
    "from it are stored encrypted, and without the key they can be neither shown nor saved."
)


@login_required
def draft_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _visible_draft(request, pk)
    can_review = selectors.draft_can_review(request.user, draft)
    form = DraftReviewForm(initial=DraftReviewForm.initial_from(draft.fields))
    status = 200
    if request.method == "POST":
        if not can_review:
            raise PermissionDenied(_("Only your organisation's documenters can review drafts."))
        form = DraftReviewForm(request.POST)
        if form.is_valid():
            user = request.user
            assert isinstance(user, User)
            try:
                report = services.draft_accept(draft=draft, user=user, fields=form.report_fields())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                logger.info("draft %s accepted as report %s", draft.pk, report.pk)
                return redirect("press:draft_list")
        status = 400
    else:
        user = request.user
        assert isinstance(user, User)
        services.draft_view_record(user=user, draft=draft)
    return _render_detail(request, draft, form, can_review, status)


def _render_detail(
    request: HttpRequest, draft: DraftReport, form: DraftReviewForm, can_review: bool, status: int
) -> HttpResponse:
    evidence = draft.extracted.get("evidence", [])
    confidence = draft.extracted.get("confidence", {})
    redact = _redactor(request.user, draft)
    shown_evidence = [
        {
            "field": item["field"],
            "text": str(NAME_PLACEHOLDER)
            if item["field"] in NAMED_FIELDS and redact is not _unchanged
            else redact(item.get("text", "")),
        }
        for item in evidence
    ]
    facts = [(field.label, _fact(field.value(), redact)) for field in form]
    return render(
        request,
        "press/draft_detail.html",
        {
            "draft": draft,
            "title": redact(str(draft)),
            "form": form,
            "facts": facts,
            "reject_form": RejectForm(),
            "text": highlighted(draft.text, evidence, redact, confidence),
            "evidence": shown_evidence,
            "confidence": confidence_rows(confidence, shown_evidence, form),
            # A note may name people ("Named but not taken as victims: ...").
            "notes": [redact(note_text(note)) for note in draft.extracted.get("notes", [])],
            "can_review": can_review and draft.status == DraftStatus.PENDING,
        },
        status=status,
    )


CONFIDENCE_LEVELS = {
    "low": gettext_lazy("weak"),
    "medium": gettext_lazy("fair"),
    "high": gettext_lazy("strong"),
}
CONFIDENCE_HOW = {
    "none": gettext_lazy("not found in the text"),
    "written out": gettext_lazy("a date written out"),
    "year assumed": gettext_lazy("a day and month, the year assumed"),
    "relative to publication": gettext_lazy("reckoned back from the publication date"),
    "named day": gettext_lazy("a named day"),
    "month only": gettext_lazy("the text gives only the month"),
    "year only": gettext_lazy("the text gives only the year"),
    "locative": gettext_lazy("a place the text puts the event in"),
    "named": gettext_lazy("a place named, not said to be where it happened"),
    "adjective": gettext_lazy("only an adjective names the place"),
    "numeral": gettext_lazy("a number in the text"),
    "verb": gettext_lazy("a verb in the singular or whom it was done to"),
    "victims": gettext_lazy("a plural verb, counted from the named victims"),
    "nothing said": gettext_lazy("the text says nothing of it"),
    "cue word": gettext_lazy("a cue word"),
    "attempt": gettext_lazy("an attempt that nobody died of"),
    "syntax": gettext_lazy("the sentence's structure"),
    "role word": gettext_lazy("a word before or after the name"),
    "default": gettext_lazy("nothing says otherwise"),
    "origin word": gettext_lazy("a word saying where the person comes from"),
    "named victims": gettext_lazy("the named victims the text says were beaten or killed"),
}
# Drafted fields the review form does not edit, named for the confidence table.
DRAFT_ONLY_LABELS = {"victim_origin": gettext_lazy("Victim's origin")}
LEVEL_ORDER = {"low": 0, "medium": 1, "high": 2}


def confidence_rows(
    confidence: dict[str, dict[str, str]],
    evidence: list[dict[str, Any]],
    form: DraftReviewForm,
) -> list[dict[str, Any]]:
    """The drafted fields, the weakest first: how sure each is, how it was found, and the words
    it was read from."""
    rows = []
    for name, item in confidence.items():
        level = item.get("level", "")
        field = form.fields.get(name)
        hows = [str(CONFIDENCE_HOW.get(how.strip(), how)) for how in item.get("how", "").split(",")]
        rows.append(
            {
                "field": name,
                "label": field.label if field is not None else DRAFT_ONLY_LABELS.get(name, name),
                "level": level,
                "level_text": CONFIDENCE_LEVELS.get(level, level),
                "how": "; ".join(hows),
                "evidence": [e["text"] for e in evidence if e["field"] == name],
            }
        )
    return sorted(rows, key=lambda row: LEVEL_ORDER.get(row["level"], 0))


def _fact(value: Any, redact: Redactor) -> Any:
    """A drafted field's value as the page shows it to someone who cannot review the draft."""
    if isinstance(value, str):
        return redact(value)
    return value


@login_required
@require_POST
def draft_reject(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _visible_draft(request, pk)
    if not selectors.draft_can_review(request.user, draft):
        raise PermissionDenied(_("Only your organisation's documenters can review drafts."))
    form = RejectForm(request.POST)
    user = request.user
    assert isinstance(user, User)
    if form.is_valid():
        # A draft someone else reviewed meanwhile stays as they left it.
        with contextlib.suppress(ValidationError):
            services.draft_reject(draft=draft, user=user, note=form.cleaned_data["note"])
        return redirect("press:draft_list")
    review = DraftReviewForm(initial=DraftReviewForm.initial_from(draft.fields))
    return _render_detail(request, draft, review, True, 400)
