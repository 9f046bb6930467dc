"""What a linkage run compared and left out, in the reader's language, for the Linkage page.

A run keeps this as codes (`LinkageRun.coverage`, `dozor.analysis.linkage.Coverage.as_dict()`
with the fields left out of some reports); the words are here so that they can be translated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from dozor.linkage.models import LinkageRun
from dozor.linkage.services import field_left_out_sentence

register = template.Library()

MSG_COMPARED = _("Compared: %(labels)s.")
MSG_LEFT_OUT = _("Left out: %(label)s — %(reason)s.")
MSG_LEFT_OUT_ADVICE = _("Left out: %(label)s — %(reason)s; %(advice)s.")
MSG_LACKING = _("%(label)s are not given by %(lists)s; those reports are linked on what they give.")
MSG_FIELD_LEFT_OUT = _("Left out of some reports: %(sentence)s")
MSG_PRIOR_ASSUMED = _(
    "No two reports met the near-certain rules that estimate how often two reports describe one "
    "incident; assumed 1 in %(reports)s."
)
MSG_TRAINING_NO_PAIRS = _("Training on %(rule)s: no two reports have that in common; skipped.")
MSG_TRAINING_TOO_FEW = _(
    "Training on %(rule)s: only %(pairs)s pair(s) of reports have that in common, too few to "
    "learn from; skipped."
)
MSG_TRAINING_COLLAPSED = _(
    "Training on %(rule)s: dropped, it drove a probability to zero (too few pairs of that kind "
    "to learn from)."
)
MSG_NOT_ESTIMATED = _(
    "%(label)s could not be estimated from these reports; compared with default weights."
)

LABELS = {
    "date": _("dates"),
    "place": _("places"),
    "incident_type": _("incident types"),
    "victims": _("victims' names"),
    "victim_ages": _("victims' ages"),
    "bias_motivations": _("bias motivations"),
    "target_organisation": _("targeted organisations"),
    "victim_counts": _("numbers killed and injured"),
    "summary_words": _("titles and summaries"),
    "source": _("which list"),
}
ADVICE = {
    "date": _("map the date column to a field named date (type date)"),
    "place": _("map region (an ISO 3166-2 code such as RU-MOW) or locality (a town)"),
    "incident_type": _("map incident_type (type code, vocabulary incident_type)"),
    "victims": _("map a people field named victims"),
    "victim_ages": _("give each victim's age in victims"),
    "bias_motivations": _("map bias_motivations (type codes, vocabulary bias_motivation)"),
    "target_organisation": _("map target_organisation (type text)"),
    "victim_counts": _("map killed or injured (type integer)"),
    "summary_words": _("map title or summary (type text)"),
}
REASONS = {
    "no_report": _("no report of these lists has any"),
    "one_report": _("only one report has any, and it takes two to compare"),
    "one_list": _("all reports come from one list"),
}
TRAINING = {
    "day_region": _("the same day and region"),
    "name_month": _("a victim's name and month"),
    "day_type": _("the same day and incident type"),
    "day_locality": _("the same day and locality"),
    "name": _("a victim's name"),
    "region_type": _("the same region and incident type"),
    "locality_type": _("the same locality and incident type"),
    "month_type": _("the same month and incident type"),
    "day": _("the same day"),
}


def _label(name: str) -> str:
    return str(LABELS.get(name, name))


def _note(note: Mapping[str, Any]) -> str | None:
    code = note.get("code")
    if code == "prior_assumed":
        return str(MSG_PRIOR_ASSUMED % {"reports": note.get("reports")})
    if code in ("training_no_pairs", "training_collapsed"):
        template_ = MSG_TRAINING_NO_PAIRS if code == "training_no_pairs" else MSG_TRAINING_COLLAPSED
        rule = note.get("rule", "")
        return str(template_ % {"rule": TRAINING.get(rule, rule)})
    if code == "training_too_few":
        rule = note.get("rule", "")
        return str(
            MSG_TRAINING_TOO_FEW % {"rule": TRAINING.get(rule, rule), "pairs": note.get("pairs")}
        )
    if code == "not_estimated":
        return str(MSG_NOT_ESTIMATED % {"label": _label(note.get("comparison", "")).capitalize()})
    return None


@register.filter
def coverage_lines(run: LinkageRun) -> list[str]:
    """What `run` compared, left out and noted, one sentence a line (none for an older run)."""
    data = run.coverage or {}
    if not data.get("compared"):
        return []
    lines = [str(MSG_COMPARED % {"labels": ", ".join(_label(n) for n in data["compared"])})]
    for item in data.get("left_out", ()):
        name, reason = item["comparison"], REASONS.get(item["reason"], item["reason"])
        advice = ADVICE.get(name) if item["reason"] != "one_list" else None
        message = MSG_LEFT_OUT_ADVICE if advice else MSG_LEFT_OUT
        lines.append(str(message % {"label": _label(name), "reason": reason, "advice": advice}))
    for name, lists in data.get("lacking", {}).items():
        lines.append(
            str(MSG_LACKING % {"label": _label(name).capitalize(), "lists": ", ".join(lists)})
        )
    lines.extend(line for note in data.get("notes", ()) if (line := _note(note)) is not None)
    lines.extend(
        str(MSG_FIELD_LEFT_OUT % {"sentence": field_left_out_sentence(item)})
        for item in data.get("fields_left_out", ())
    )
    return lines
