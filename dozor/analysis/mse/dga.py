"""Bayesian model averaging over decomposable graphical models (Madigan & York 1997).

As in HRDAG's R package dga (Johndrow, Lum & Ball): every decomposable graph on
the ``J`` lists (3 to 5) is a model for the full ``2**J`` table, with a
hyper-Dirichlet prior whose cell counts are ``delta`` (default ``2**-J``; a clique
``C`` gets ``delta * 2**(J - |C|)`` per marginal cell).  For each graph and each
number missing ``m`` the log posterior is

    sum over cliques of log ML(C) - sum over separators of log ML(S)
    + (#cliques - #separators) * (lgamma(delta 2^J) - lgamma(N + delta 2^J))
    + log N! - log m! - sum log y_w!  + log prior(N),

with ``log ML(C) = sum_cells lgamma(D_c + a_C) - lgamma(a_C)`` on the clique's
marginal table ``D`` whose all-zero cell includes the ``m`` missing, and the
prior ``p(N) ∝ 1/N`` unless another is given.  Graph lists (cliques and
separators) ship with this package in ``data/graphs{3,4,5}.json``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources

import numpy as np
from scipy.special import gammaln

from .data import CaptureHistories
from .errors import MSEError, TooFewListsError, refusal
from .results import Caution, DgaSettings, Estimate

__all__ = ["DgaPosterior", "bma", "bma_estimate", "load_graphs"]

#: Default grid of the number missing: 0 .. this multiple of the observed count.
MAX_MISSING_MULTIPLE = 30

#: The complete graph (every list depends on every other) fits any table: when it is the most
#: probable graph or carries at least this share of the posterior, N is the prior's.
COMPLETE_GRAPH_SHARE = 0.25


@cache
def _graphs_cached(j: int) -> tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]:
    text = resources.files(__package__).joinpath("data", f"graphs{j}.json").read_text("utf-8")
    out = []
    for g in json.loads(text):
        cliques = tuple(sum(1 << (i - 1) for i in c) for c in g["C"])
        seps = tuple(sum(1 << (i - 1) for i in s) for s in g.get("S", []) if s)
        out.append((cliques, seps))
    return tuple(out)


def load_graphs(j: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Decomposable graphs on ``j`` lists as (clique masks, separator masks); bit i = list i+1."""
    if j not in (3, 4, 5):
        raise refusal(TooFewListsError, "dga_lists", lists=j)
    return list(_graphs_cached(j))


def graph_name(graph: tuple[tuple[int, ...], tuple[int, ...]], lists: tuple[str, ...]) -> str:
    cliques, _ = graph
    parts = []
    for mask in cliques:
        names = [lists[i] for i in range(len(lists)) if mask >> i & 1]
        parts.append("[" + ",".join(names) + "]")
    return "".join(parts)


def _component_logml(table: np.ndarray, j: int, delta: float, missing: np.ndarray) -> np.ndarray:
    """Log marginal likelihood of every non-empty subset of lists, for every m missing."""
    cells = np.arange(2**j)
    out = np.zeros((2**j, missing.size))
    for mask in range(1, 2**j):
        size = bin(mask).count("1")
        alpha = delta * 2 ** (j - size)
        marg = np.bincount(cells & mask, weights=table, minlength=2**j)
        marg = marg[[c for c in range(2**j) if c & ~mask == 0]]
        const = np.sum(gammaln(marg[1:] + alpha) - gammaln(alpha))
        out[mask] = const + gammaln(marg[0] + missing + alpha) - gammaln(alpha)
    return out


def bma(
    ch: CaptureHistories,
    missing: np.ndarray,
    *,
    delta: float | None = None,
    log_prior_n: np.ndarray | None = None,
    log_prior_graphs: np.ndarray | None = None,
) -> np.ndarray:
    """Posterior probabilities, graphs x values of the number missing (they sum to 1)."""
    j = ch.n_lists
    graphs = load_graphs(j)
    delta = 2.0**-j if delta is None else float(delta)
    if delta <= 0:
        raise refusal(MSEError, "setting_not_positive", name="delta", value=delta)
    missing = np.asarray(missing, dtype=float)
    table = ch.full_table().astype(float)
    n = table.sum()
    total = n + missing
    comp = _component_logml(table, j, delta, missing)
    norm = gammaln(delta * 2**j) - gammaln(total + delta * 2**j)
    # signed incidence of cliques (+1) and separators (-1), so logw = A @ comp
    incidence = np.zeros((len(graphs), 2**j))
    pieces = np.empty(len(graphs))
    for g, (cliques, seps) in enumerate(graphs):
        np.add.at(incidence[g], list(cliques), 1.0)
        if seps:
            np.add.at(incidence[g], list(seps), -1.0)
        pieces[g] = len(cliques) - len(seps)
    logw = incidence @ comp + pieces[:, None] * norm[None, :]
    logw += gammaln(total + 1) - gammaln(table[1:] + 1).sum() - gammaln(missing + 1)
    logw += -np.log(total) if log_prior_n is None else np.asarray(log_prior_n, dtype=float)
    if log_prior_graphs is not None:
        logw += np.asarray(log_prior_graphs, dtype=float)[:, None]
    logw -= logw.max()
    w = np.exp(logw)
    return np.asarray(w / w.sum())


def _quantile(values: np.ndarray, probs: np.ndarray, q: float) -> float:
    cdf = np.cumsum(probs) / probs.sum()
    return float(values[min(int(np.searchsorted(cdf, q)), values.size - 1)])


@dataclass(frozen=True)
class DgaPosterior:
    observed: int
    missing: np.ndarray
    weights: np.ndarray
    graphs: list[str]
    delta: float
    level: float
    searched_max: int = 0

    @property
    def n_values(self) -> np.ndarray:
        return self.observed + self.missing

    @property
    def n_posterior(self) -> np.ndarray:
        return np.asarray(self.weights.sum(axis=0))

    @property
    def graph_posterior(self) -> np.ndarray:
        return np.asarray(self.weights.sum(axis=1))

    def summarise(self, probs: np.ndarray) -> dict[str, float]:
        probs = probs / probs.sum()
        tail = (1 - self.level) / 2
        nv = self.n_values
        return {
            "median": _quantile(nv, probs, 0.5),
            "mean": float(probs @ nv),
            "mode": float(nv[int(np.argmax(probs))]),
            # Bayes estimate under relative squared error loss, E(1/N) / E(1/N^2) (dga's)
            "bayes_relative": float((probs @ (1.0 / nv)) / (probs @ (1.0 / nv**2))),
            "lower": _quantile(nv, probs, tail),
            "upper": _quantile(nv, probs, 1 - tail),
        }

    def top_graphs(self, count: int = 5) -> list[dict[str, object]]:
        gp = self.graph_posterior
        order = np.argsort(-gp)[:count]
        return [
            {
                "graph": self.graphs[i],
                "probability": float(gp[i]),
                **self.summarise(self.weights[i]),
            }
            for i in order
        ]


#: Points of the coarse scan that finds where the posterior of the number missing lives.
COARSE_POINTS = 1000
#: The fine grid leaves out at most this much posterior mass on either side.
TAIL_MASS = 1e-8


def _support(ch: CaptureHistories, top: int, delta: float) -> tuple[int, int]:
    """The range of the number missing, within ``0 .. top``, that holds the posterior.

    A geometric scan of :data:`COARSE_POINTS` values (about 2% apart for 5,000 observed)
    approximates the posterior mass between scan points; the range leaves out at most
    :data:`TAIL_MASS` on each side and reaches one scan step beyond, so nothing of weight lies
    outside it.
    """
    coarse = np.unique(np.concatenate(([0], np.round(np.geomspace(1, top, COARSE_POINTS)))))
    density = bma(ch, coarse, delta=delta).sum(axis=0)
    edges = np.concatenate(([coarse[0]], (coarse[1:] + coarse[:-1]) / 2, [coarse[-1]]))
    mass = density * np.maximum(np.diff(edges), 1.0)
    cumulative = np.cumsum(mass) / mass.sum()
    first = int(np.searchsorted(cumulative, TAIL_MASS))
    last = int(np.searchsorted(cumulative, 1 - TAIL_MASS))
    lo = int(coarse[max(first - 1, 0)])
    hi = int(coarse[min(last + 1, coarse.size - 1)])
    return lo, hi


def posterior(ch: CaptureHistories, cfg: DgaSettings | None = None) -> DgaPosterior:
    """Posterior over graphs and N, on every value of the number missing where it has weight.

    With ``max_missing`` the grid is ``0 .. max_missing``. By default the number missing is
    searched up to :data:`MAX_MISSING_MULTIPLE` times the observed count: a coarse scan finds
    where the posterior lives and the exact posterior is computed on every value there, so
    large counts need neither the memory nor the time of the whole range.
    """
    cfg = cfg or DgaSettings()
    j = ch.n_lists
    load_graphs(j)
    n = ch.observed
    names = [graph_name(g, ch.lists) for g in load_graphs(j)]
    delta = 2.0**-j if cfg.delta is None else cfg.delta
    if cfg.max_missing is not None:
        missing = np.arange(cfg.max_missing + 1)
        w = bma(ch, missing, delta=delta)
        return DgaPosterior(n, missing, w, names, delta, cfg.level, int(missing[-1]))
    top = MAX_MISSING_MULTIPLE * n
    lo, hi = _support(ch, top, delta)
    missing = np.arange(lo, hi + 1)
    w = bma(ch, missing, delta=delta)
    return DgaPosterior(n, missing, w, names, delta, cfg.level, top)


def complete_graph_index(j: int) -> int:
    """Position of the complete graph (one clique holding every list) among the graphs."""
    full = 2**j - 1
    return next(i for i, (cliques, _) in enumerate(load_graphs(j)) if cliques == (full,))


def bma_estimate(ch: CaptureHistories, cfg: DgaSettings) -> Estimate:
    """Average over the graphs; caution when the complete graph, which identifies nothing, weighs.

    The complete graph is the saturated model of the full table: the count of the all-zero cell
    is then whatever the prior makes it, so when that graph is the most probable one (or carries
    :data:`COMPLETE_GRAPH_SHARE` of the posterior) the estimate is marked ``prior_driven``.
    """
    post = posterior(ch, cfg)
    s = post.summarise(post.n_posterior)
    cautions = []
    gp = post.graph_posterior
    complete = float(gp[complete_graph_index(ch.n_lists)])
    if complete >= COMPLETE_GRAPH_SHARE or complete >= gp.max():
        cautions.append(Caution("complete_graph", {"probability": complete, "lists": ch.n_lists}))
    marg = post.n_posterior
    edge = marg[post.missing >= 0.9 * post.searched_max].sum()
    if edge > 1e-3:
        cautions.append(
            Caution(
                "posterior_truncated",
                {"percent": 100 * float(edge), "max_n": int(post.observed + post.searched_max)},
            )
        )
    if gp.max() < 0.1:
        cautions.append(Caution("no_dominant_graph", {"best": float(gp.max())}))
    top = post.top_graphs(5)
    return Estimate(
        observed=ch.observed,
        estimate=s["median"],
        lower=s["lower"],
        upper=s["upper"],
        method="dga",
        level=cfg.level,
        model=f"average over {len(post.graphs)} decomposable graphs (best {top[0]['graph']})",
        se=math.sqrt(float(post.n_posterior @ (post.n_values - s["mean"]) ** 2)),
        settings=asdict(cfg),
        cautions=tuple(cautions),
        details={
            "complete_graph_probability": complete,
            "posterior_mean": s["mean"],
            "posterior_mode": s["mode"],
            "delta": post.delta,
            "prior_N": "proportional to 1/N",
            "missing_grid": [0, int(post.searched_max)],
            "missing_computed": [int(post.missing[0]), int(post.missing[-1])],
            "top_graphs": top,
            "interval": "equal-tailed posterior credible interval",
            "posterior_N_values": post.n_values.tolist(),
            "posterior_N_probabilities": post.n_posterior.tolist(),
        },
    )
