"""A run's results as people get them: on the page, in the CSV, in `--json`, in the command's text.

One entry per stratum, and in it one per method, in the run's order, each read by
:mod:`dozor.estimation.outcomes`. A figure that is not one to quote (not converged, driven by the
prior) never appears where a figure to quote would: in the JSON and the CSV its estimate and
interval are empty and the figure sits under ``not_for_quoting``; the page and the command label
it and show it apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from dozor.estimation import outcomes, replicates, selectors
from dozor.estimation.models import EstimateRun
from dozor.lib.csv_safety import csv_text

FIGURE_KEYS = ("estimate", "lower", "upper")
# The stored result's keys not repeated in the JSON: the histogram is for the page's chart.
NOT_IN_JSON = frozenset({"posterior"})

CSV_HEADER = (
    "stratum",
    "group",
    "documented",
    "method",
    "status",
    "estimate",
    "lower",
    "upper",
    "level",
    "estimate_not_to_quote",
    "lower_not_to_quote",
    "upper_not_to_quote",
    *replicates.CSV_HEADER,
    "model",
    "cautions",
    "refusal",
    "verdict",
)
MSG_TEXT_NOT_TO_QUOTE = _("%(status)s, not to quote: %(figure)s")


@dataclass
class MethodEntry:
    """One method's result for one stratum, as read for people."""

    method: str
    result: dict[str, Any]

    @property
    def name(self) -> str:
        return outcomes.method_name(self.method)

    @property
    def status(self) -> str:
        return outcomes.status(self.result, self.method)

    @property
    def status_label(self) -> str:
        return str(outcomes.STATUS_LABELS.get(self.status, self.status))

    @property
    def status_explained(self) -> str:
        return str(outcomes.STATUS_EXPLAINED.get(self.status, ""))

    @property
    def quotable(self) -> bool:
        return self.status == outcomes.OK

    @property
    def flagged(self) -> bool:
        return self.status in outcomes.FLAGGED

    @property
    def estimate(self) -> float | None:
        return self.result.get("estimate")

    @property
    def lower(self) -> float | None:
        return self.result.get("lower")

    @property
    def upper(self) -> float | None:
        return self.result.get("upper")

    @property
    def missing(self) -> float | None:
        if self.estimate is None:
            return None
        return float(self.estimate) - int(self.result["observed"])

    @property
    def cautions(self) -> list[str]:
        return outcomes.caution_words(self.result)

    @property
    def refusal(self) -> str:
        return outcomes.refusal_words(self.result)

    @property
    def diagnostics(self) -> dict[str, Any] | None:
        return outcomes.diagnostics(self.result)

    @property
    def linkage(self) -> dict[str, Any] | None:
        return outcomes.linkage(self.result)

    def figure_text(self) -> str:
        return outcomes.figure_text(self.method, self.result)

    def as_json(self) -> dict[str, Any]:
        out = {k: v for k, v in self.result.items() if k not in NOT_IN_JSON}
        out["method"] = self.method
        out["status"] = self.status
        out["status_text"] = self.status_label
        out["caution_text"] = self.cautions
        out["refusal_text"] = self.refusal
        if self.flagged:
            out["not_for_quoting"] = {key: self.result.get(key) for key in FIGURE_KEYS}
            out.update({key: None for key in FIGURE_KEYS})
            if self.linkage:  # the interval with the links' uncertainty is not one to quote either
                out["not_for_quoting"]["linkage"] = out.pop("linkage")
        return out


@dataclass
class StratumEntry:
    stratum: str
    label: str
    observed: int
    methods: list[MethodEntry]
    verdict: outcomes.Verdict | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The first method's result at the top (as a one-method run always gave it), every
        method's under ``results``, and the verdict when there are several."""
        first = self.methods[0].as_json()
        verdict = None
        if self.verdict is not None:
            verdict = {
                "agree": self.verdict.agree,
                "text": self.verdict.text,
                "reasons": self.verdict.reasons,
            }
        return {
            **first,
            "label": self.label,
            "results": [entry.as_json() for entry in self.methods],
            "verdict": verdict,
        }


def run_entries(run: EstimateRun, language: str = "en") -> list[StratumEntry]:
    entries = []
    for stratum, by_method in run.strata_results():
        methods = [MethodEntry(method=m, result=r) for m, r in by_method.items()]
        entries.append(
            StratumEntry(
                stratum=stratum,
                label=selectors.stratum_label(run.stratify_by, stratum, language),
                observed=int(methods[0].result["observed"]),
                methods=methods,
                verdict=outcomes.verdict(by_method),
            )
        )
    return entries


def run_json(run: EstimateRun) -> dict[str, Any]:
    return {
        "run": run.pk,
        "status": run.status,
        "method": run.method,
        "methods": run.method_list,
        "by": run.stratify_by,
        "country": run.country,
        "lists": run.list_names,
        "settings": run.settings,
        "seed": run.seed,
        "linkage_replicates": run.linkage_replicates,
        "data_hash": run.data_hash,
        "strata": [entry.as_json() for entry in run_entries(run)],
    }


def run_csv(run: EstimateRun, language: str = "en") -> str:
    """One row per group and method; a figure not to quote in its own columns."""
    rows = []
    for stratum in run_entries(run, language):
        for entry in stratum.methods:
            quoted = [entry.result.get(k) if entry.quotable else None for k in FIGURE_KEYS]
            flagged = [entry.result.get(k) if entry.flagged else None for k in FIGURE_KEYS]
            rows.append(
                [
                    stratum.stratum,
                    stratum.label,
                    stratum.observed,
                    entry.method,
                    entry.status,
                    *quoted,
                    entry.result.get("level"),
                    *flagged,
                    *replicates.linkage_csv_cells(entry.result),
                    entry.result.get("model") or "",
                    "; ".join(entry.cautions),
                    entry.refusal,
                    stratum.verdict.text if stratum.verdict else "",
                ]
            )
    return csv_text(CSV_HEADER, rows)


def _number(value: Any) -> str:
    if value is None:
        return "unbounded"
    return f"{float(value):,.0f}"


def run_text(run: EstimateRun) -> list[str]:
    """The command's lines: each group, each method's figure or why there is none, the
    cautions and the verdict."""
    lines = [
        f"Run {run.pk}: {', '.join(run.method_list)}, by {run.stratify_by}, status {run.status}; "
        f"seed {run.seed}; data SHA-256 {run.data_hash}",
        f"Lists: {'; '.join(run.list_names)}",
        f"{'group':<24} {'documented':>10} {'method':<11} {'estimate':>10}  interval",
    ]
    for stratum in run_entries(run):
        for position, entry in enumerate(stratum.methods):
            head = (
                f"{stratum.label:<24} {stratum.observed:>10,}"
                if position == 0
                else f"{'':<24} {'':>10}"
            )
            if entry.status == outcomes.REFUSED:
                lines.append(f"{head} {entry.method:<11} refused: {entry.refusal}")
                continue
            figure = (
                f"{_number(entry.estimate):>10}  {_number(entry.lower)} to {_number(entry.upper)}"
            )
            if entry.quotable:
                lines.append(f"{head} {entry.method:<11} {figure}")
            else:
                lines.append(
                    f"{head} {entry.method:<11} "
                    + str(MSG_TEXT_NOT_TO_QUOTE)
                    % {"status": entry.status_label.upper(), "figure": figure.strip()}
                )
                lines.append(f"{'':<24} {'':>10} {'':<11} {entry.status_explained}")
            linkage = replicates.linkage_summary(entry.result)
            if linkage:
                # A figure not to quote stays one with the uncertainty of the links too.
                label = "linkage" if entry.quotable else "linkage, not to quote"
                lines.append(f"{'':<24} {'':>10} {'':<11} {label}: {linkage}")
            for text in entry.cautions:
                lines.append(f"{'':<24} caution ({entry.method}): {text}")
        if stratum.verdict is not None:
            lines.append(f"{'':<24} {stratum.verdict.text}")
    return lines
