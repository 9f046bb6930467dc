"""The uncertainty of the links no person reviewed, carried into an estimate's interval.

An estimate counts incidents, and most incidents of a coalition's database are groups of reports
the linkage model made and a person accepted without reviewing each pair. The model's match
probabilities say how sure each of those links is. For a run with ``linkage_replicates`` R:

1. the reports of the incidents the estimate counts (the run's lists, country and what its
   creator may see), the latest linkage run's scored pairs among them, the organisation's
   current decisions, and the links persons made are read (:func:`linkage_data`);
2. R replicate linkages are drawn (``dozor.analysis.linkage.sample_linkages``): every pair a
   person decided, and every two reports a person put in one incident, stay as the person left
   them; every other scored pair is linked with its match probability, drawn independently;
3. each replicate's clusters become capture histories per stratum (a cluster's stratum is the
   stratum of the incident most of its reports are in; its lists are its reports' lists) and are
   estimated with the run's method and settings;
4. the replicate estimates of each stratum are combined on the log scale with Rubin's rules
   (``combine_replicates``), and stored beside the plain result as its ``linkage``.

The draws and the method's seeds come from the run's seed, so a run is reproduced exactly.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import lazy_loader
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import User
from dozor.analysis import linkage, mse
from dozor.estimation import selectors
from dozor.estimation.outcomes import method_name
from dozor.linkage.models import Decision
from dozor.linkage.selectors import current_decisions, latest_run
from dozor.records.models import Incident, IncidentReport, LinkKind, SourceList
from dozor.records.selectors import incidents_visible

# Loaded when first used: this module is imported as Django starts (by the URLs' views), and
# every `dozor` command would otherwise pay for NumPy and pandas.
if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = lazy_loader.load("numpy")
    pd = lazy_loader.load("pandas")

SUGGESTED_REPLICATES = 50
MAX_REPLICATES = 1000
# The stored result of a stratum beside which the linkage interval is kept.
KEY = "linkage"
# Streams of the run's seed: the draws of the links, and the method's seed per replicate.
LINK_STREAM = 1
METHOD_STREAM = 2
SEED_MASK = 2**31 - 1

MSG_BAD_REPLICATES = _(
    "The number of replicate linkages must be 0 (linkage uncertainty left out) or a whole number "
    "from 2 to %(max)s (%(suggested)s is a good start); got “%(value)s”."
)

# Why the interval with linkage uncertainty is the plain one, and what stops it; the codes are
# stored with the result, the words are said here.
NOTE_NO_RUN = "no_linkage_run"
NOTE_ALL_REVIEWED = "all_reviewed"
NOTE_REFUSED = "refused"
NOTES = {
    NOTE_NO_RUN: _(
        "Linkage has not been run on these reports, so there are no match probabilities to "
        "draw other linkages from: the interval with linkage uncertainty is the plain one."
    ),
    NOTE_ALL_REVIEWED: _(
        "A person decided every pair the linkage model scored among these reports, so every "
        "link is taken as certain: the interval with linkage uncertainty is the plain one."
    ),
    NOTE_REFUSED: _(
        "The estimator refused this group in %(refused)s of %(replicates)s replicate linkages, "
        "so no interval with linkage uncertainty can be given."
    ),
}
MSG_SUMMARY = _(
    "without linkage uncertainty: %(plain)s; with: %(linked)s (%(replicates)s replicate "
    "linkages, %(reviewed)s of links reviewed)"
)
MSG_PARTLY_REFUSED = _(
    "The estimator refused this group in %(refused)s of %(replicates)s replicate linkages; the "
    "interval combines the others."
)


def replicates_check(value: int | str | None) -> int:
    """The number of replicate linkages asked for, or ValidationError (MSG_BAD_REPLICATES)."""
    if value is None or value == "":
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    # Two at least: the spread between replicates is what carries the links' uncertainty.
    if isinstance(value, bool | float) or number == 1 or not 0 <= number <= MAX_REPLICATES:
        raise ValidationError(
            MSG_BAD_REPLICATES,
            code="bad_linkage_replicates",
            params={"max": MAX_REPLICATES, "suggested": SUGGESTED_REPLICATES, "value": value},
        )
    return number


@dataclass(frozen=True)
class LinkageData:
    """The reports an estimate counts, and what is certain and uncertain about their links.

    ``report_ids``, ``sources`` (each report's source list id) and ``incident_of`` (each
    report's incident now) are in one order; ``strata_of`` gives each counted incident's strata
    (several when grouping by bias motivation). ``pairs`` are the latest linkage run's scored
    pairs among the reports; ``fixed_links`` join what persons joined and ``fixed_apart`` keep
    apart what they separated; ``pairs_reviewed`` of the pairs have their outcome fixed.
    """

    linkage_run_id: int | None
    report_ids: list[int]
    sources: list[int]
    incident_of: list[int]
    strata_of: dict[int, tuple[str, ...]]
    pairs: pd.DataFrame
    fixed_links: list[tuple[int, int]]
    fixed_apart: list[tuple[int, int]]
    pairs_reviewed: int

    @property
    def pairs_total(self) -> int:
        return len(self.pairs)

    @property
    def pairs_unreviewed(self) -> int:
        return self.pairs_total - self.pairs_reviewed

    @property
    def reviewed_share(self) -> float:
        return self.pairs_reviewed / self.pairs_total if self.pairs_total else 1.0

    def sha256(self) -> str:
        """SHA-256 of everything the replicates are drawn from, to tell when it changed."""
        content = {
            "run": self.linkage_run_id,
            "reports": [self.report_ids, self.sources, self.incident_of],
            "strata": sorted((k, list(v)) for k, v in self.strata_of.items()),
            "pairs": [
                [int(a), int(b), round(float(p), 12)]
                for a, b, p in self.pairs[
                    ["report_id_l", "report_id_r", "match_probability"]
                ].itertuples(index=False)
            ],
            "fixed_links": self.fixed_links,
            "fixed_apart": self.fixed_apart,
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode("utf-8")).hexdigest()


def _counted_incidents(
    *, user: User | AnonymousUser, stratify_by: str, lists: Sequence[SourceList], country: str
) -> QuerySet[Incident]:
    """The incidents the capture table counts: visible, in the country, on a chosen list."""
    incidents = incidents_visible(user)
    if country:
        incidents = incidents.filter(country=country)
    on_a_list = Exists(
        IncidentReport.objects.filter(incident_id=OuterRef("pk"), report__source_list__in=lists)
    )
    return incidents.filter(on_a_list)


def linkage_data(
    *, user: User | AnonymousUser, stratify_by: str, lists: Sequence[SourceList], country: str = ""
) -> LinkageData:
    """What the replicate linkages of an estimate over ``lists`` are drawn from, for ``user``.

    Every report of a counted incident takes part (those of lists not chosen too: they can link
    two reports that are). Fixed together: in each incident, the reports persons linked
    (IncidentReport.kind "person") and the reports of other organisations' lists (their linkage
    is not this organisation's); the links the latest run did not score (made from an earlier
    run) also stay as they are. A report the model linked joins in each replicate through the
    scored pairs drawn.
    """
    selectors.stratification_check(stratify_by)
    missing = selectors.NO_BIAS if stratify_by == "bias" else selectors.UNKNOWN_YEAR
    counted = _counted_incidents(user=user, stratify_by=stratify_by, lists=lists, country=country)
    strata: dict[int, list[str]] = defaultdict(list)
    # The same stratum expression as capture_table's, so a cluster lands where its incident did.
    with_strata = counted.annotate(stratum=selectors._stratum_expression(stratify_by))
    for incident_id, stratum in with_strata.values_list("pk", "stratum").order_by():
        value = missing if stratum is None else str(stratum)
        if value not in strata[incident_id]:
            strata[incident_id].append(value)
    organisation_id = getattr(user, "organisation_id", None)
    links = (
        IncidentReport.objects.filter(incident_id__in=counted.values("pk"))
        .order_by("report_id")
        .values_list(
            "report_id",
            "incident_id",
            "kind",
            "report__source_list_id",
            "report__source_list__organisation_id",
        )
    )
    report_ids: list[int] = []
    sources: list[int] = []
    incident_of: list[int] = []
    fixed_group: dict[int, list[int]] = defaultdict(list)  # incident → reports fixed in it
    own: set[int] = set()
    for report_id, incident_id, kind, source_id, owner_id in links:
        report_ids.append(report_id)
        sources.append(source_id)
        incident_of.append(incident_id)
        if owner_id == organisation_id:
            own.add(report_id)
        if kind == LinkKind.PERSON or owner_id != organisation_id:
            fixed_group[incident_id].append(report_id)

    run = latest_run(user) if isinstance(user, User) else None
    known = set(report_ids)
    pairs = pd.DataFrame(
        [
            (a, b, p)
            for a, b, p in (
                run.candidates.values_list("report_a_id", "report_b_id", "match_probability")
                if run is not None
                else []
            )
            if a in known and b in known
        ],
        columns=["report_id_l", "report_id_r", "match_probability"],
    )
    decisions = current_decisions(own, organisation_id=organisation_id)
    fixed_links = [
        (a, b) for (a, b), decision in decisions.items() if decision.decision == Decision.MATCH
    ]
    fixed_apart = [
        (a, b) for (a, b), decision in decisions.items() if decision.decision == Decision.NO_MATCH
    ]
    group_of: dict[int, int] = {}
    for members in fixed_group.values():
        for other in members[1:]:
            fixed_links.append((members[0], other))
        for member in members:
            group_of[member] = members[0]
    fixed_links.extend(_unscored_links(report_ids, incident_of, pairs, group_of))
    decided = {pair for pair, d in decisions.items() if d.decision != Decision.UNSURE}
    reviewed = sum(
        1
        for a, b in zip(pairs["report_id_l"], pairs["report_id_r"], strict=True)
        if (a, b) in decided or (a in group_of and group_of.get(b) == group_of[a])
    )
    return LinkageData(
        linkage_run_id=None if run is None else run.pk,
        report_ids=report_ids,
        sources=sources,
        incident_of=incident_of,
        strata_of={k: tuple(v) for k, v in strata.items()},
        pairs=pairs,
        fixed_links=sorted(set(fixed_links)),
        fixed_apart=sorted(set(fixed_apart)),
        pairs_reviewed=reviewed,
    )


def _unscored_links(
    report_ids: list[int], incident_of: list[int], pairs: pd.DataFrame, group_of: dict[int, int]
) -> list[tuple[int, int]]:
    """Links that join parts of an incident no scored pair of the latest run joins.

    Such a link was accepted from an earlier run (or made by a person and later rearranged):
    the latest run gives no probability to draw it with, so it stays as it is.
    """
    incident = dict(zip(report_ids, incident_of, strict=True))
    parent: dict[int, int] = {}

    def find(item: int) -> int:
        while parent.get(item, item) != item:
            item = parent[item]
        return item

    def join(a: int, b: int) -> None:
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)

    for member, head in group_of.items():
        join(member, head)
    for a, b in zip(pairs["report_id_l"], pairs["report_id_r"], strict=True):
        if incident[a] == incident[b]:
            join(a, b)
    parts: dict[int, list[int]] = defaultdict(list)
    for report_id in report_ids:
        root = find(report_id)
        if root == report_id:
            parts[incident[report_id]].append(report_id)
    return [(int(roots[0]), int(other)) for roots in parts.values() for other in roots[1:]]


def replicate_histories(
    data: LinkageData,
    clusters: Sequence[Any] | np.ndarray,
    *,
    lists: Sequence[SourceList],
    strata: Sequence[str],
) -> dict[str, mse.CaptureHistories]:
    """Capture histories per stratum of one linkage (a cluster id per report, in data's order).

    A cluster is on a list when one of its reports is; it counts in the strata of the incident
    most of its reports are in now (on a tie, the incident of the smallest id). Clusters on no
    chosen list are not counted, as capture_table does not count such incidents. ``strata``
    gives the order (the plain table's); a stratum left empty by the linkage is left out.
    """
    names = [source.name for source in lists]
    position = {source.pk: j for j, source in enumerate(lists)}
    pattern: dict[Any, int] = defaultdict(int)
    incidents: dict[Any, Counter[int]] = defaultdict(Counter)
    for cluster, source, incident in zip(clusters, data.sources, data.incident_of, strict=True):
        if source in position:
            pattern[cluster] |= 1 << position[source]
        incidents[cluster][incident] += 1
    tables = {stratum: np.zeros(2 ** len(names), dtype=np.int64) for stratum in strata}
    for cluster, index in pattern.items():
        if not index:
            continue
        counts = incidents[cluster]
        incident = min(counts, key=lambda i: (-counts[i], i))
        for stratum in data.strata_of.get(incident, ()):
            if stratum in tables:
                tables[stratum][index] += 1
    return {
        stratum: mse.CaptureHistories.from_table(table, names, label=stratum)
        for stratum, table in tables.items()
        if table.sum()
    }


StratumEstimate = Callable[..., dict[str, Any]]
Cancelled = Callable[[], bool]
Progress = Callable[[int, int], None]


def _as_estimate(result: dict[str, Any], method: str) -> mse.Estimate | None:
    """A stored stratum result as the estimate combine_replicates takes; None if unusable."""
    if result.get("error") or result.get("estimate") is None or result.get("lower") is None:
        return None
    upper = result.get("upper")
    return mse.Estimate(
        observed=int(result["observed"]),
        estimate=float(result["estimate"]),
        lower=float(result["lower"]),
        upper=float("inf") if upper is None else float(upper),
        method=method,
        level=float(result.get("level") or 0.95),
        cautions=tuple(
            mse.Caution(str(c["code"]), dict(c.get("params") or {}))
            for c in result.get("cautions") or []
        ),
    )


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _plain(result: dict[str, Any], data: LinkageData, note: str) -> dict[str, Any]:
    """The linkage entry when there is nothing to draw: the plain interval, and why."""
    return {
        "estimate": result.get("estimate"),
        "lower": result.get("lower"),
        "upper": result.get("upper"),
        "replicates": 0,
        "reviewed_share": data.reviewed_share,
        "pairs": data.pairs_total,
        "pairs_reviewed": data.pairs_reviewed,
        "linkage_run": data.linkage_run_id,
        "data_hash": data.sha256(),
        "note": note,
        "refused": 0,
    }


def method_seeds(seed: int, replicates: int) -> list[int]:
    """The method's seed in each replicate, derived from the run's seed."""
    state = np.random.SeedSequence([seed, METHOD_STREAM]).generate_state(max(replicates, 1))
    return [int(value) & SEED_MASK for value in state[:replicates]]


def linkage_intervals(
    *,
    user: User | AnonymousUser,
    stratify_by: str,
    lists: Sequence[SourceList],
    country: str,
    settings: Mapping[str, dict[str, Any]],
    seed: int,
    replicates: int,
    plain: Sequence[dict[str, Any]],
    estimate: StratumEstimate,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> list[dict[str, Any]] | None:
    """The plain results with each one's ``linkage`` entry added; None when cancelled.

    ``plain`` holds one result per stratum and method (its ``"method"``); ``settings`` the
    settings of each method, which every replicate is estimated by. ``estimate`` is the function
    that estimates one stratum as stored (the run's own, so that replicates are estimated
    exactly as the plain result was); ``progress(number, total)`` is called before replicate
    ``number`` (from 1) and ``cancelled()`` asked there too.
    """
    data = linkage_data(user=user, stratify_by=stratify_by, lists=lists, country=country)
    order = list(dict.fromkeys(str(result["stratum"]) for result in plain))
    methods = list(settings)
    if data.linkage_run_id is None or not data.pairs_unreviewed:
        note = NOTE_NO_RUN if data.linkage_run_id is None else NOTE_ALL_REVIEWED
        return [{**result, KEY: _plain(result, data, note)} for result in plain]
    draws = linkage.sample_linkages(
        data.report_ids,
        data.sources,
        data.pairs,
        fixed_links=data.fixed_links,
        fixed_apart=data.fixed_apart,
        replicates=replicates,
        seed=np.random.SeedSequence([seed, LINK_STREAM]),
    )
    estimates: dict[tuple[str, str], list[mse.Estimate]] = defaultdict(list)
    refused: Counter[tuple[str, str]] = Counter()
    for number, (clusters, method_seed) in enumerate(
        zip(draws, method_seeds(seed, replicates), strict=True), start=1
    ):
        if progress:
            progress(number, replicates)
        if cancelled and cancelled():
            return None
        histories = replicate_histories(data, clusters, lists=lists, strata=order)
        for stratum in order:
            for method in methods:
                key = (stratum, method)
                if stratum not in histories:
                    refused[key] += 1
                    continue
                result = estimate(
                    stratum=stratum,
                    histories=histories[stratum],
                    method=method,
                    settings=settings[method],
                    seed=method_seed,
                )
                usable = _as_estimate(result, method)
                if usable is None:
                    refused[key] += 1
                else:
                    estimates[key].append(usable)
    out = []
    digest = data.sha256()
    for result in plain:
        key = (str(result["stratum"]), str(result.get("method") or methods[0]))
        entry: dict[str, Any] = {
            "replicates": replicates,
            "reviewed_share": data.reviewed_share,
            "pairs": data.pairs_total,
            "pairs_reviewed": data.pairs_reviewed,
            "linkage_run": data.linkage_run_id,
            "data_hash": digest,
            "refused": refused[key],
            "note": "",
        }
        level = float(result.get("level") or settings[key[1]].get("level", 0.95))
        combined = _combined(estimates[key], refused[key], replicates, level)
        if combined is None:
            entry.update(estimate=None, lower=None, upper=None, note=NOTE_REFUSED)
        else:
            entry.update(
                estimate=float(combined.estimate),
                lower=float(combined.lower),
                upper=_finite(combined.upper),
                degrees_of_freedom=_finite(float(combined.details["degrees_of_freedom"])),
                between_variance=float(combined.details["between_variance"]),
                within_variance=_finite(float(combined.details["within_variance"])),
                cautions=[caution.to_dict() for caution in combined.cautions],
            )
        out.append({**result, KEY: entry})
    return out


def _combined(
    usable: list[mse.Estimate], refused: int, replicates: int, level: float
) -> mse.Estimate | None:
    """The replicates combined, or None when too few could be estimated to say anything."""
    if len(usable) < 2 or refused * 2 > replicates:
        return None
    try:
        return mse.combine_replicates(usable, level=level)
    except mse.MSEError:
        return None


def linkage_summary(result: dict[str, Any]) -> str:
    """The two intervals of one stratum in words, or why there is only one."""
    entry = result.get(KEY)
    if not entry:
        return ""
    note = entry.get("note") or ""
    if note == NOTE_REFUSED:
        return str(NOTES[NOTE_REFUSED]) % {
            "refused": entry.get("refused", 0),
            "replicates": entry.get("replicates", 0),
        }
    if note in NOTES:
        return str(NOTES[note])
    if result.get("estimate") is None:
        return ""
    text = str(MSG_SUMMARY) % {
        "plain": interval_text(result.get("estimate"), result.get("lower"), result.get("upper")),
        "linked": interval_text(entry.get("estimate"), entry.get("lower"), entry.get("upper")),
        "replicates": entry.get("replicates", 0),
        "reviewed": f"{100 * float(entry.get('reviewed_share') or 0):.0f}%",
    }
    if entry.get("refused"):
        text += ". " + str(MSG_PARTLY_REFUSED) % {
            "refused": entry["refused"],
            "replicates": entry.get("replicates", 0),
        }
    return text


def interval_text(estimate: Any, lower: Any, upper: Any) -> str:
    """2,398 [2,149–3,091], as the page and the command print an estimate."""

    def number(value: Any) -> str:
        return "∞" if value is None else f"{float(value):,.0f}"

    return f"{number(estimate)} [{number(lower)}–{number(upper)}]"


def linkage_differences(
    where: str,
    stored: dict[str, Any],
    fresh: dict[str, Any],
    *,
    differs: Callable[[Any, Any], bool],
) -> list[str]:
    """Where a recomputed result's interval with linkage uncertainty differs from the stored one
    (``where`` names the result: "stratum 2010" or "stratum 2010, lcmcr")."""
    before, after = stored.get(KEY), fresh.get(KEY)
    if not before and not after:
        return []
    if not before or not after:
        return [f"{where}: linkage uncertainty only in the {'new' if after else 'stored'} run"]
    out = []
    if before.get("data_hash") != after.get("data_hash"):
        out.append(
            f"{where}: the links, scored pairs or decisions the replicate linkages are "
            "drawn from changed since the run"
        )
    for name in ("estimate", "lower", "upper"):
        if differs(before.get(name), after.get(name)):
            out.append(
                f"{where}: {name} with linkage uncertainty stored {before.get(name)}, "
                f"now {after.get(name)}"
            )
    return out


@dataclass(frozen=True)
class LinkageRow:
    """One stratum's two intervals by one method, as the run page shows them."""

    label: str
    method: str
    estimate: float | None
    lower: float | None
    upper: float | None
    linked_estimate: float | None
    linked_lower: float | None
    linked_upper: float | None
    replicates: int
    reviewed_percent: int
    note: str


def linkage_rows(
    results: Sequence[dict[str, Any]], stratify_by: str, language: str
) -> list[LinkageRow]:
    """The strata that carry an interval with linkage uncertainty, for the run page."""
    rows = []
    for result in results:
        entry = result.get(KEY)
        if not entry or result.get("error"):
            continue
        note = entry.get("note") or ""
        text = ""
        if note == NOTE_REFUSED:
            text = linkage_summary(result)
        elif note in NOTES:
            text = str(NOTES[note])
        elif entry.get("refused"):
            text = str(MSG_PARTLY_REFUSED) % {
                "refused": entry["refused"],
                "replicates": entry.get("replicates", 0),
            }
        rows.append(
            LinkageRow(
                label=selectors.stratum_label(stratify_by, str(result["stratum"]), language),
                method=method_name(str(result.get("method") or "")),
                estimate=result.get("estimate"),
                lower=result.get("lower"),
                upper=result.get("upper"),
                linked_estimate=entry.get("estimate"),
                linked_lower=entry.get("lower"),
                linked_upper=entry.get("upper"),
                replicates=int(entry.get("replicates") or 0),
                reviewed_percent=round(100 * float(entry.get("reviewed_share") or 0)),
                note=text,
            )
        )
    return rows


CSV_HEADER = [
    "linkage_estimate",
    "linkage_lower",
    "linkage_upper",
    "linkage_replicates",
    "linkage_reviewed_share",
    "linkage_note",
]


def linkage_csv_cells(result: dict[str, Any]) -> list[Any]:
    """The CSV cells of one stratum's interval with linkage uncertainty (empty without one)."""
    entry = result.get(KEY)
    if not entry:
        return [""] * len(CSV_HEADER)
    return [
        "" if entry.get(name) is None else entry.get(name)
        for name in ("estimate", "lower", "upper", "replicates", "reviewed_share")
    ] + [entry.get("note") or ""]
