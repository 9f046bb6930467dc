"""The estimator's refusals and cautions, said to people in their own language.

dozor.analysis.mse speaks English and knows nothing of Django. Its messages are kept as they came
with each stored result; here each known message is recognised by its wording and rendered in the
interface language with the figures it carries. A message not recognised is shown as it came.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

_KNOWN: list[tuple[re.Pattern[str], Promise]] = [
    (
        re.compile(r"^only (?P<n>\d+) individuals observed: the estimate is fragile"),
        _("Only %(n)s incidents were documented in this group: the estimate is fragile."),
    ),
    (
        re.compile(r"^only (?P<n>\d+) individuals appear on more than one list"),
        _(
            "Only %(n)s incidents were recorded by more than one list; the overlap that drives "
            "the estimate is very thin."
        ),
    ),
    (
        re.compile(r"^list\(s\) (?P<lists>\[.*?\]) hold every observed individual"),
        _(
            "The list(s) %(lists)s hold every documented incident: either they are complete or "
            "the other lists were drawn from them, and the estimate says little about incidents "
            "no one recorded."
        ),
    ),
    (
        re.compile(r"^(?P<zero>\d+) of (?P<cells>\d+) observable histories have no individual"),
        _(
            "%(zero)s of the %(cells)s possible combinations of lists hold no incident; models "
            "with list dependencies may not be identifiable."
        ),
    ),
    (
        re.compile(r"^the profile likelihood does not bound N from above"),
        _("The data do not bound the estimate from above: the upper limit is unknown."),
    ),
    (
        re.compile(r"^Chao parameters"),
        _("Some heterogeneity parameters were negative and were set to zero."),
    ),
    (
        re.compile(r"^chains disagree \(R-hat (?P<rhat>[\d.]+)"),
        _(
            "The sampler's chains disagree (R-hat %(rhat)s above 1.05): run longer before "
            "trusting the result."
        ),
    ),
    (
        re.compile(r"^effective sample size of N is only (?P<ess>\d+)"),
        _("Only about %(ess)s independent draws of the total: run longer for a stable interval."),
    ),
    (
        re.compile(r"^all (?P<k>\d+) latent classes were used"),
        _("All %(k)s latent classes were used: allow more classes (K)."),
    ),
    (
        re.compile(r"^(?P<share>[\d.]+%) of the posterior of N lies in the top tenth"),
        _(
            "%(share)s of the probability lies at the top of the range searched: the lists "
            "overlap too little and the upper limit depends on that range."
        ),
    ),
    (
        re.compile(r"^no graph has posterior probability above 0.1"),
        _(
            "No single pattern of dependence between the lists stands out; the estimate "
            "averages over many."
        ),
    ),
    (
        re.compile(r"^(?P<n>\d+) list\(s\) given; multiple systems estimation needs at least 3"),
        _(
            "Only %(n)s list(s) recorded incidents here; multiple systems estimation needs at "
            "least three."
        ),
    ),
    (
        re.compile(r"^list\(s\) (?P<lists>\[.*?\]) hold no observed individual"),
        _(
            "The list(s) %(lists)s recorded no incident in this group, so the group cannot be "
            "estimated with them; choose other lists or a coarser grouping."
        ),
    ),
    (
        re.compile(r"^no individual appears on more than one list"),
        _(
            "No incident in this group was recorded by more than one list; without overlap the "
            "number no one recorded cannot be estimated."
        ),
    ),
    (
        re.compile(r"has no finite maximum-likelihood estimate"),
        _(
            "The model chosen has no finite estimate for these data: the lists overlap in a way "
            "that cannot identify it. Group more coarsely or try another method."
        ),
    ),
    (
        re.compile(r"^model averaging over decomposable graphs is available for 3 to 5 lists"),
        _("Averaging over dependence graphs (dga) works with 3 to 5 lists only."),
    ),
]

MSG_REFUSED = _("The estimator refused this group: %(reason)s")


def explain(text: str) -> str:
    """The message in the current interface language, with its figures; as it came if unknown."""
    for pattern, template in _KNOWN:
        match = pattern.search(text)
        if match:
            params: dict[str, Any] = match.groupdict()
            return str(template) % params if params else str(template)
    return text


def is_known(text: str) -> bool:
    return any(pattern.search(text) for pattern, _template in _KNOWN)
