"""What a run compared, what it left out and why: as data (JSON) and in words.

A run compares what its reports give (`model.plan_for`): a comparison no report can feed is
left out, and training says what it had to do otherwise than usual (`model.Note`). The data
form is what `dozor link --json` prints and a stored run keeps; `coverage_lines` words it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dozor.analysis.linkage.model import (
    FEATURE,
    NO_REPORT,
    NOT_ESTIMATED,
    ONE_LIST,
    ONE_REPORT,
    PRIOR_ASSUMED,
    TRAINING_COLLAPSED,
    TRAINING_LABELS,
    TRAINING_NO_PAIRS,
    TRAINING_TOO_FEW,
    LeftOut,
    Note,
    Plan,
)

MSG_COMPARED = "Compared: {labels}."
MSG_LEFT_OUT = "Left out: {label}: {reason}{advice}."
MSG_LACKING = (
    "Not in every list: {label} are not given by {lists}; those reports are linked on what "
    "they give."
)
REASONS = {
    NO_REPORT: "no report of these lists has any",
    ONE_REPORT: "only one report has any, and it takes two to compare",
    ONE_LIST: "all reports come from one list",
}
NOTES = {
    PRIOR_ASSUMED: (
        "No two reports met the near-certain rules that estimate how often two reports describe "
        "one incident (a victim's name with a date or a place, or one day, place and type); "
        "assumed 1 in {reports}."
    ),
    TRAINING_NO_PAIRS: "Training on {rule}: no two reports have that in common; skipped.",
    TRAINING_TOO_FEW: (
        "Training on {rule}: only {pairs} pair(s) of reports have that in common, too few to "
        "learn from; skipped."
    ),
    TRAINING_COLLAPSED: (
        "Training on {rule}: dropped, it drove a probability to zero (too few pairs of that kind "
        "to learn from)."
    ),
    NOT_ESTIMATED: (
        "{label}: could not be estimated from these reports; compared with Splink's default "
        "weights."
    ),
}


@dataclass(frozen=True)
class Coverage:
    """The comparisons a run used and left out, the lists that lack some, and training notes."""

    compared: tuple[str, ...]
    left_out: tuple[LeftOut, ...]
    lacking: Mapping[str, tuple[str, ...]]
    notes: tuple[Note, ...]

    @classmethod
    def of(cls, plan: Plan, notes: Sequence[Note]) -> Coverage:
        return cls(plan.comparisons, plan.left_out, dict(plan.available.lacking), tuple(notes))

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON: comparison names, reason and note codes (words: `coverage_lines`)."""
        return {
            "compared": list(self.compared),
            "left_out": [
                {"comparison": item.comparison, "reason": item.reason} for item in self.left_out
            ],
            "lacking": {name: list(lists) for name, lists in self.lacking.items()},
            "notes": [{"code": note.code, **note.detail} for note in self.notes],
        }

    def lines(self) -> list[str]:
        return coverage_lines(self.as_dict())


def _label(name: str) -> str:
    feature = FEATURE.get(name)
    return feature.label if feature is not None else name


def coverage_lines(data: Mapping[str, Any]) -> list[str]:
    """`Coverage.as_dict()` in words, one sentence a line."""
    lines = [MSG_COMPARED.format(labels=", ".join(_label(name) for name in data["compared"]))]
    for item in data.get("left_out", ()):
        name = item["comparison"]
        advice = FEATURE[name].advice if name in FEATURE and item["reason"] != ONE_LIST else ""
        lines.append(
            MSG_LEFT_OUT.format(
                label=_label(name),
                reason=REASONS.get(item["reason"], item["reason"]),
                advice=f"; {advice}" if advice else "",
            )
        )
    for name, lists in data.get("lacking", {}).items():
        lines.append(MSG_LACKING.format(label=_label(name), lists=", ".join(lists)))
    for note in data.get("notes", ()):
        template = NOTES.get(note["code"])
        if template is None:
            continue
        lines.append(
            template.format(
                reports=note.get("reports"),
                pairs=note.get("pairs"),
                rule=TRAINING_LABELS.get(note.get("rule", ""), note.get("rule")),
                label=_label(note.get("comparison", "")).capitalize(),
            )
        )
    return lines
