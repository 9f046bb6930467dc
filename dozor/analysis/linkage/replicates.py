"""Replicate linkages: partitions of the reports drawn from the model's match probabilities.

An estimate counts incidents, and the incidents are one linkage of the reports: the one the model
and the reviewers settled on. The model's match probabilities say how sure each unreviewed link
is. Drawing each unreviewed pair as linked with its probability, independently, and clustering
the drawn pairs as the model's groups are clustered (`clusters_constrained`: strongest first,
two reports of one list join only through their own pair, a person's decisions win) gives one
plausible linkage; estimating on many of them and combining the estimates (Rubin's rules, as
HRDAG's verdata combines its imputation replicates) carries the linkage's uncertainty into the
interval.

What this assumes: given the model's probabilities, pairs are linked independently of each other
(the clustering rules then remove combinations that break them), and what a person decided is
certain.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from dozor.analysis.linkage.clusters import _key, clusters_constrained
from dozor.analysis.linkage.errors import LinkageInputError

__all__ = ["sample_linkages"]


def sample_linkages(
    report_ids: Sequence[Any],
    sources: Sequence[Any] | None,
    pairs: pd.DataFrame,
    *,
    fixed_links: Sequence[tuple[Any, Any]] = (),
    fixed_apart: Sequence[tuple[Any, Any]] = (),
    replicates: int,
    seed: int | np.random.SeedSequence,
) -> list[np.ndarray]:
    """``replicates`` cluster assignments of ``report_ids``, one array (in their order) each.

    ``pairs`` has report_id_l, report_id_r, match_probability (the scored pairs; those naming a
    report not in ``report_ids`` are ignored). ``sources`` gives each report's list (in the
    order of ``report_ids``; None: each report is its own list). In every replicate each
    ``fixed_links`` pair (a person's "same incident", or two reports a person put in one
    incident) joins, each ``fixed_apart`` pair (a person's "different incidents") ends in two
    clusters, and every other scored pair joins with its match probability, drawn afresh per
    replicate from a generator seeded with ``seed`` (each pair's number in the order of its
    reports' ids, whatever order the pairs come in). A cluster is named by its smallest report
    id, as ``clusters_from_pairs`` names it. The same arguments give the same replicates, and so
    do probabilities that differ only beyond the ninth decimal.
    """
    if replicates < 0:
        raise LinkageInputError(f"replicates must be 0 or more, not {replicates}")
    ids = list(report_ids)
    if sources is not None and len(sources) != len(ids):
        raise LinkageInputError(
            f"sources names {len(sources)} list(s) for {len(ids)} report(s): give one per report"
        )
    source_of = dict(zip(ids, sources, strict=True)) if sources is not None else {}
    known = set(ids)
    rejected: set[tuple[Hashable, Hashable]] = {_key(a, b) for a, b in fixed_apart}
    fixed = {_key(a, b) for a, b in fixed_links}
    confirmed = sorted(fixed - rejected, key=lambda pair: (str(pair[0]), str(pair[1])))

    candidates: list[tuple[Any, Any]] = []
    probabilities: list[float] = []
    for left, right, probability in pairs[
        ["report_id_l", "report_id_r", "match_probability"]
    ].itertuples(index=False):
        key = _key(left, right)
        if left not in known or right not in known or key in fixed or key in rejected:
            continue
        value = float(probability)
        if not 0.0 <= value <= 1.0:
            raise LinkageInputError(
                f"pair {left}–{right}: match probability {value} is not between 0 and 1"
            )
        candidates.append(key)
        probabilities.append(value)
    # Each pair gets its random number in the order of its reports' ids, so that the draws do
    # not depend on the order the pairs came in, nor on the last digits of their probabilities
    # (linking the same reports again moves them a little). The drawn pairs are clustered
    # strongest first, as clusters_from_pairs orders them; probabilities equal to nine decimals
    # are ties, taken in the order of the reports' ids.
    canonical = sorted(range(len(candidates)), key=lambda i: tuple(map(str, candidates[i])))
    candidates = [candidates[i] for i in canonical]
    chance = np.asarray([probabilities[i] for i in canonical], dtype=float)
    strongest_first = np.argsort(-np.round(chance, 9), kind="stable")

    generator = np.random.default_rng(seed)
    out = []
    for _replicate in range(replicates):
        drawn = generator.random(len(chance)) < chance
        clusters = clusters_constrained(
            ids,
            source_of=source_of,
            confirmed=confirmed,
            scored=[candidates[i] for i in strongest_first if drawn[i]],
            rejected=rejected,
        )
        out.append(np.asarray(clusters))
    return out
