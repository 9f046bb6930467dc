"""Clusters of reports from scored pairs and reviewed decisions.

Links are taken strongest first (confirmed ones before any score). Two groups are joined unless
that would put a rejected pair into one incident, or two reports of one list that were not
themselves linked: a list rarely records one incident twice, so two of its reports join only on
their own evidence (a newspaper's follow-up article), never through a third report alone. Plain
connected components would chain series of similar attacks on one day into one incident.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd


def _key(left: Hashable, right: Hashable) -> tuple[Hashable, Hashable]:
    return (left, right) if str(left) <= str(right) else (right, left)


def clusters_constrained(
    ids: Sequence[Any],
    *,
    source_of: dict[Any, Any],
    confirmed: Iterable[tuple[Any, Any]],
    scored: Sequence[tuple[Any, Any]],
    rejected: set[tuple[Hashable, Hashable]],
) -> list[Any]:
    """The cluster id (the smallest id in its cluster, compared as text) of each of ``ids``.

    ``confirmed`` links join first, then ``scored`` ones in the order given (strongest first);
    ``rejected`` pairs (as ``_key`` orders them) never end in one cluster, and two reports of one
    list (``source_of``; a report missing from it is its own list) join only when their own pair
    is confirmed or scored. The rules of the module docstring, in one place: accepting the
    model's groups and drawing replicate linkages both come here.
    """
    confirmed = list(confirmed)
    known = set(ids)
    linked = {_key(a, b) for a, b in scored}
    linked.update(_key(a, b) for a, b in confirmed)
    linked -= rejected

    parent: dict[Any, Any] = {}
    members: dict[Any, list[Any]] = {}

    def find(item: Any) -> Any:
        root = item
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(item, item) != root:
            parent[item], item = root, parent[item]
        return root

    def may_join(first: list[Any], second: list[Any], *, checked: bool) -> bool:
        for x in first:
            for y in second:
                pair = _key(x, y)
                if pair in rejected:
                    return False
                if checked and source_of.get(x, x) == source_of.get(y, y) and pair not in linked:
                    return False
        return True

    edges = [(a, b, False) for a, b in confirmed] + [
        (a, b, True) for a, b in scored if _key(a, b) not in rejected
    ]
    for left, right, checked in edges:
        if left not in known or right not in known:
            continue
        root_l, root_r = find(left), find(right)
        if root_l == root_r:
            continue
        group_l = members.get(root_l, [root_l])
        group_r = members.get(root_r, [root_r])
        if not may_join(group_l, group_r, checked=checked):
            continue
        parent[root_r] = root_l
        members[root_l] = group_l + group_r
        members.pop(root_r, None)
    cluster_of = {}
    for group in members.values():
        smallest = min(group, key=str)
        for member in group:
            cluster_of[member] = smallest
    return [cluster_of.get(i, i) for i in ids]


def clusters_from_pairs(
    report_ids: Sequence[Any],
    pairs: pd.DataFrame,
    *,
    threshold: float,
    sources: Sequence[Any] | None = None,
    decisions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per report: `report_id`, `cluster_id` (the smallest report id in its cluster).

    `pairs` has report_id_l, report_id_r, match_probability; `sources` gives each report's list
    (in the order of `report_ids`; without it every report counts as its own list);
    `decisions` has report_id_l, report_id_r, decision ("match", "no_match" or "unsure").
    """
    ids = list(pd.unique(np.asarray(report_ids, dtype=object)))
    source_of = dict(zip(ids, sources, strict=True)) if sources is not None else {}
    above = pairs.loc[
        pairs["match_probability"] >= threshold,
        ["report_id_l", "report_id_r", "match_probability"],
    ].sort_values("match_probability", ascending=False, kind="stable")
    rejected: set[tuple[Hashable, Hashable]] = set()
    confirmed: list[tuple[Any, Any]] = []
    if decisions is not None:
        for left, right, decision in decisions[
            ["report_id_l", "report_id_r", "decision"]
        ].itertuples(index=False):
            if decision == "no_match":
                rejected.add(_key(left, right))
            elif decision == "match":
                confirmed.append((left, right))
    scored = list(zip(above["report_id_l"], above["report_id_r"], strict=True))
    clusters = clusters_constrained(
        ids, source_of=source_of, confirmed=confirmed, scored=scored, rejected=rejected
    )
    return pd.DataFrame({"report_id": ids, "cluster_id": clusters})
