"""How a stored result reads to people, and what several methods on one group say together.

A stored result is the dictionary ``services.stratum_estimate`` made for one stratum and method.
Here it is read: its status (a figure to quote, or one not converged, driven by the prior,
refused), its cautions and refusal in words, its diagnostics and, when the run carried the
uncertainty of the links, its interval with that uncertainty. Results stored before the
estimator gave statuses and caution codes are read too: their cautions are English sentences,
and LCMCR's chains disagreeing is the one mark of not converging they carry.

Where several methods estimated one group, :func:`verdict` says in plain words whether they agree:
whether their intervals overlap, and whether any of them is flagged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from dozor.estimation import messages

OK = "ok"
NOT_CONVERGED = "not_converged"
PRIOR_DRIVEN = "prior_driven"
REFUSED = "refused"
# A result with one of these has a figure, but not one to quote.
FLAGGED = frozenset({NOT_CONVERGED, PRIOR_DRIVEN})
# R-hat above this: the chains disagree (the limit of the sampler's own caution).
RHAT_LIMIT = 1.05

METHOD_NAMES = {"loglinear": _("log-linear"), "lcmcr": "LCMCR", "dga": "dga"}
STATUS_LABELS = {
    OK: _("Estimate"),
    NOT_CONVERGED: _("Not converged"),
    PRIOR_DRIVEN: _("Driven by the prior"),
    REFUSED: _("Refused"),
}
STATUS_EXPLAINED = {
    NOT_CONVERGED: _(
        "The sampler's chains had not settled on one answer when the run stopped, so this "
        "figure is not an estimate to quote. Run again with more samples (or a longer time "
        "budget), or group more coarsely."
    ),
    PRIOR_DRIVEN: _(
        "The data cannot bound this figure: its interval comes from the method's prior "
        "assumptions, not from the lists. A fourth list, a coarser grouping or a covariate would "
        "help."
    ),
}
MSG_NOT_FOR_QUOTING = _("not to quote:")

MSG_AGREE = _("The methods agree: their intervals overlap and none is flagged.")
MSG_DISAGREE = _("The methods disagree: %(reasons)s.")
MSG_OVERLAP_BUT_FLAGGED = _(
    "The intervals overlap, but not every result can be taken at its word: %(reasons)s."
)
MSG_NO_OVERLAP = _("%(first)s does not overlap %(second)s")
MSG_METHOD_NOT_CONVERGED = _("%(method)s did not converge")
MSG_METHOD_PRIOR_DRIVEN = _("the interval of %(method)s comes from its prior, not from the data")
MSG_METHOD_REFUSED = _("%(method)s refused this group")
MSG_METHOD_CAUTIONED = _("%(method)s carries cautions (see its notes)")


def method_name(method: str) -> str:
    return str(METHOD_NAMES.get(method, method))


def status(result: Mapping[str, Any], method: str) -> str:
    """ok, not_converged, prior_driven, or refused (the estimator gave no figure)."""
    if result.get("error") or result.get("estimate") is None:
        return REFUSED
    stored = result.get("status")
    if stored:
        return str(stored)
    if method == "lcmcr":
        rhat = (result.get("details") or {}).get("rhat")
        if rhat is not None and float(rhat) > RHAT_LIMIT:
            return NOT_CONVERGED
    return OK


def quotable(result: Mapping[str, Any], method: str) -> bool:
    """Whether the result's figure is one to quote: an estimate without a flag."""
    return status(result, method) == OK


def caution_words(result: Mapping[str, Any]) -> list[str]:
    """The result's cautions in the interface language."""
    return messages.stored_cautions(result)


def refusal_words(result: Mapping[str, Any]) -> str:
    """Why the estimator refused the group, in the interface language; empty if it did not."""
    reason = messages.stored_refusal(result)
    return str(messages.MSG_REFUSED) % {"reason": reason} if reason else ""


def diagnostics(result: Mapping[str, Any]) -> dict[str, Any] | None:
    found = (result.get("details") or {}).get("diagnostics")
    return dict(found) if found else None


def linkage(result: Mapping[str, Any]) -> dict[str, Any] | None:
    """The interval with the uncertainty of the links, when the run carried it."""
    found = result.get("linkage")
    return dict(found) if found else None


def number(value: float | None) -> str:
    """A figure as people read it in the interface language: 3,072 or 3 072; ∞ for none."""
    if value is None or not math.isfinite(float(value)):
        return "∞"
    return str(formats.number_format(round(float(value)), use_l10n=True, force_grouping=True))


def _signed(value: float, places: int) -> str:
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return sign + str(formats.number_format(abs(value), places, use_l10n=True, force_grouping=True))


def change_text(new: float, old: float) -> str:
    """How ``new`` differs from ``old``, signed, with the share of ``old``: "+310 (+14.8%)"."""
    change = new - old
    text = _signed(round(change), 0)
    if old:
        text += f" ({_signed(100 * change / old, 1)}%)"
    return text


def figure_text(method: str, result: Mapping[str, Any]) -> str:
    """“log-linear 3,072 [2,728–3,531]”."""
    return (
        f"{method_name(method)} {number(result.get('estimate'))} "
        f"[{number(result.get('lower'))}–{number(result.get('upper'))}]"
    )


@dataclass(frozen=True)
class Verdict:
    """What several methods on one group say together."""

    agree: bool
    text: str
    # For --json: {"code": "no_overlap", "methods": [a, b]} or {"code": STATUS, "method": m}.
    reasons: list[dict[str, Any]] = field(default_factory=list)


def _upper(result: Mapping[str, Any]) -> float:
    upper = result.get("upper")
    return math.inf if upper is None else float(upper)


def _lower(result: Mapping[str, Any]) -> float:
    lower = result.get("lower")
    return float(result["estimate"]) if lower is None else float(lower)


def verdict(results: Mapping[str, Mapping[str, Any]]) -> Verdict | None:
    """The verdict over the methods' results of one group (by method); None for one method."""
    if len(results) < 2:
        return None
    reasons: list[dict[str, Any]] = []
    overlaps: list[str] = []
    estimated = {m: r for m, r in results.items() if status(r, m) != REFUSED}
    for (first, a), (second, b) in combinations(estimated.items(), 2):
        if _lower(a) > _upper(b) or _lower(b) > _upper(a):
            reasons.append({"code": "no_overlap", "methods": [first, second]})
            overlaps.append(
                str(MSG_NO_OVERLAP)
                % {"first": figure_text(first, a), "second": figure_text(second, b)}
            )
    flags: list[str] = []
    for method, result in results.items():
        found = status(result, method)
        name = {"method": method_name(method)}
        if found == NOT_CONVERGED:
            flags.append(str(MSG_METHOD_NOT_CONVERGED) % name)
        elif found == PRIOR_DRIVEN:
            flags.append(str(MSG_METHOD_PRIOR_DRIVEN) % name)
        elif found == REFUSED:
            flags.append(str(MSG_METHOD_REFUSED) % name)
        elif caution_words(result):
            found = "cautioned"
            flags.append(str(MSG_METHOD_CAUTIONED) % name)
        if found != OK:
            reasons.append({"code": found, "method": method})
    if overlaps:
        text = str(MSG_DISAGREE) % {"reasons": "; ".join(overlaps + flags)}
    elif flags:
        text = str(MSG_OVERLAP_BUT_FLAGGED) % {"reasons": "; ".join(flags)}
    else:
        return Verdict(agree=True, text=str(MSG_AGREE))
    return Verdict(agree=False, text=text, reasons=reasons)
