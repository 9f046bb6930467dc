"""A case's status in one plain sentence, in English or Russian, for pages and dossiers."""

from __future__ import annotations

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dozor.analysis.responses import ResponseStatus
from dozor.responses.vocab import label


def problem_text(code: str) -> str:
    texts = {
        "event_before_incident": _("An event is dated before the incident."),
        "charged_without_case": _("A charge or trial is recorded without the opening of a case."),
        "sentence_without_conviction": _("A sentence is recorded without a conviction."),
        "motive_contradiction": _(
            "The hate motive is both qualified and not qualified on one day."
        ),
    }
    return texts.get(code, code)


def _motive_clause(status: ResponseStatus) -> str:
    if status.motive_at_verdict is True:
        return _("the court recognised the hate motive")
    if status.motive_at_verdict is False:
        return _("the court did not recognise the hate motive")
    if status.motive_at_charge is True:
        return _("the hate motive was charged")
    if status.motive_at_charge is False:
        return _("the charge left out the hate motive")
    if status.motive_now is True:
        return _("the hate motive is qualified")
    if status.motive_now is False:
        return _("the hate motive is not qualified")
    return ""


def status_line(status: ResponseStatus, language: str) -> str:
    """E.g. "Charged since 04.03.2009; the hate motive was charged; 14 months without news."."""
    with translation.override(language):
        stage = label("response_stage", status.stage, language)
        if status.stage == "documented":
            parts = [_("No response from the authorities is recorded")]
        else:
            since = date_format(status.stage_since, "d.m.Y") if status.stage_since else ""
            parts = [_("%(stage)s since %(date)s") % {"stage": stage, "date": since}]
        motive = _motive_clause(status)
        if motive:
            parts.append(motive)
        if status.days_to_case_opening is not None:
            parts.append(
                ngettext(
                    "case opened %(days)s day after the incident",
                    "case opened %(days)s days after the incident",
                    status.days_to_case_opening,
                )
                % {"days": status.days_to_case_opening}
            )
        if status.stalled and status.months_without_event is not None:
            parts.append(
                ngettext(
                    "stalled: no news for %(months)s month",
                    "stalled: no news for %(months)s months",
                    status.months_without_event,
                )
                % {"months": status.months_without_event}
            )
        return "; ".join(parts) + "."
