"""Coverage of the estimators' 95% intervals on simulated populations whose size is known.

Designs: 3, 4 and 5 lists, each with one of five ways of being recorded

* ``independent``: every list records on its own (log-linear model Mt);
* ``positive``: pairs of lists tend to record the same cases (two-way interactions +1.0, +0.7);
* ``negative``: pairs of lists tend to record different cases (interactions -1.0, -0.7);
* ``hetero2``: two latent classes, 80% hard and 20% easy to record (the StanLCMCR design sim3);
* ``hetero3``: three latent classes (StanLCMCR's sim4).

In every replicate the true total N is drawn log-uniformly from 500 to 10,000; the population
is drawn, what the lists recorded is tabulated, and each method (log-linear with AIC selection,
LCMCR, dga) estimates N with its defaults (LCMCR's time budget is ``--lcmcr-seconds``). For
every design and method the table gives the coverage of the 95% interval over all replicates
(a refusal counts as a miss) and over the clean ones (no caution, no refusal), the median
relative error (estimate - N) / N, the median relative width (upper - lower) / N, and the
share of replicates cautioned, prior-driven, not converged and refused.

The linkage study (on by default; ``--no-linkage`` leaves it out) adds linkage error to the
4-list designs (and 5-list ones with ``--large``), for the default method (``--linkage-methods``
for others):
in each replicate a share of the cases on several lists is split in two (true links lost) and
some pairs of cases are merged (false links), at rates of pairwise recall and precision given
by ``--recall`` and ``--precision`` (0.98 and 0.99, as ``bench/linkage_quality.py`` measures on
the demo data) and at a poorer level (0.90 and 0.95). The plain interval on the noisy linkage
is compared with one that carries linkage uncertainty: R replicate linkages are drawn around
the observed linkage, undoing errors at the rates they were made (merging back as many lost
links, splitting as many false ones, see ``alternative_linkage``), each is estimated, and the
estimates are combined with :func:`dozor.analysis.mse.combine_replicates` (Rubin's rules on
the log scale).

Everything is seeded: the same command prints the same table (LCMCR runs that hit their time
budget excepted, which the table counts as not converged). The last line printed is a JSON
object with every figure.

    python bench/mse_coverage.py                 # 5 replicates a design; minutes on 2 idle cores
    python bench/mse_coverage.py --large         # 40 replicates a design, 8 replicate linkages
    python bench/mse_coverage.py --replicates 4 --methods loglinear dga --no-linkage
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dozor.analysis import mse

STRUCTURES = ("independent", "positive", "negative", "hetero2", "hetero3")
LISTS = (3, 4, 5)
METHODS = ("loglinear", "lcmcr", "dga")
N_RANGE = (500, 10_000)
# Capture probabilities of the log-linear designs (main effects), list by list.
BASE_P = np.array([0.22, 0.28, 0.18, 0.25, 0.2])
# Two-way interactions (list a, list b, log odds ratio) of the dependent designs.
INTERACTIONS = {
    "positive": [(0, 1, 1.0), (2, 3, 0.7)],
    "negative": [(0, 1, -1.0), (1, 2, -0.7)],
}
# Latent classes: (share, capture probabilities of the five lists); StanLCMCR's sim3 and sim4.
CLASSES = {
    "hetero2": [
        (0.8, [0.113, 0.113, 0.199, 0.232, 0.133]),
        (0.2, [0.86, 0.925, 0.859, 0.99, 0.793]),
    ],
    "hetero3": [
        (0.8, [0.1, 0.05, 0.15, 0.2, 0.1]),
        (0.1, [0.5, 0.4, 0.6, 0.4, 0.5]),
        (0.1, [0.8, 0.9, 0.6, 0.7, 0.7]),
    ],
}
NOISE_LEVELS = {"measured": None, "poor": (0.90, 0.95)}


@dataclass(frozen=True)
class Design:
    lists: int
    structure: str

    @property
    def name(self) -> str:
        return f"{self.lists} lists, {self.structure}"


def population(design: Design, n: int, rng: np.random.Generator) -> np.ndarray:
    """Who is on which list: an (N, J) array of 0/1, one row per true case."""
    j = design.lists
    if design.structure in CLASSES:
        shares = np.array([share for share, _ in CLASSES[design.structure]])
        probs = np.array([p[:j] for _, p in CLASSES[design.structure]])
        cls = rng.choice(len(shares), size=n, p=shares)
        return (rng.random((n, j)) < probs[cls]).astype(np.int8)
    cells = ((np.arange(2**j)[:, None] >> np.arange(j)) & 1).astype(float)
    logit = np.log(BASE_P[:j] / (1 - BASE_P[:j]))
    log_mu = cells @ logit
    for a, b, gamma in INTERACTIONS.get(design.structure, []):
        if b < j:
            log_mu += gamma * cells[:, a] * cells[:, b]
    p = np.exp(log_mu - log_mu.max())
    counts = rng.multinomial(n, p / p.sum())
    return np.repeat(cells.astype(np.int8), counts, axis=0)


def histories(rows: np.ndarray, j: int) -> mse.CaptureHistories:
    seen = rows[rows.any(axis=1)].astype(np.int64)
    table = np.bincount(seen @ (1 << np.arange(j)), minlength=2**j)
    return mse.CaptureHistories.from_table(table, [f"L{i + 1}" for i in range(j)])


def link_noise(
    rows: np.ndarray, recall: float, precision: float, rng: np.random.Generator
) -> np.ndarray:
    """A linkage with errors: cases split in two (lost links) and pairs merged (false links).

    A case on k >= 2 lists is split, with probability ``1 - recall``, into two cases holding a
    random non-empty part of its lists each. Then ``(1/precision - 1)`` times the number of
    true record pairs of merges join two random cases into one (the union of their lists).
    """
    seen = rows[rows.any(axis=1)]
    k = seen.sum(axis=1)
    out = [seen[k < 2]]
    several = seen[k >= 2]
    split = rng.random(len(several)) < 1 - recall
    out.append(several[~split])
    for row in several[split]:
        on = np.nonzero(row)[0]
        mask = rng.integers(1, 2 ** len(on) - 1)
        part = np.array([(mask >> i) & 1 for i in range(len(on))], dtype=bool)
        a = np.zeros_like(row)
        a[on[part]] = 1
        out.append(a[None, :])
        out.append((row - a)[None, :])
    linked = np.vstack(out)
    true_pairs = int((k * (k - 1) // 2).sum())
    merges = rng.binomial(true_pairs, 1 / precision - 1) if precision < 1 else 0
    for _ in range(min(merges, len(linked) // 2)):
        a, b = rng.choice(len(linked), size=2, replace=False)
        linked[a] = linked[a] | linked[b]
        linked = np.delete(linked, b, axis=0)
    return linked


def alternative_linkage(
    linked: np.ndarray, recall: float, precision: float, rng: np.random.Generator
) -> np.ndarray:
    """A replicate linkage drawn around the observed one, undoing errors as often as made.

    The observed linkage lost about ``1 - recall`` of the links of cases on several lists and
    gained ``1/precision - 1`` false ones. A replicate therefore merges that many lost links
    back (random pairs of cases) and splits as many cases as false links were added, so that
    the replicates spread around the truth rather than around the errors (as drawing links
    from the linkage model's match probabilities does).
    """
    k = linked.sum(axis=1)
    several = int((k >= 2).sum())
    pairs = int((k * (k - 1) // 2).sum())
    split_share = min(1.0, pairs * (1 - precision) / max(several, 1))
    lost_links = several * (1 - recall)
    # link_noise splits with probability 1 - recall and merges (1/precision - 1) * pairs
    return link_noise(
        linked,
        recall=1 - split_share,
        precision=1 / (1 + lost_links / max(pairs, 1)),
        rng=rng,
    )


def outcome(result: mse.Estimate | None, truth: int, error: str = "") -> dict[str, Any]:
    if result is None:
        return {"refused": True, "error": error}
    finite = math.isfinite(result.upper)
    return {
        "refused": False,
        "covered": bool(result.lower <= truth <= result.upper),
        "relative_error": (result.estimate - truth) / truth,
        "relative_width": (result.upper - result.lower) / truth if finite else math.inf,
        "status": result.status,
        "cautions": list(result.caution_codes()),
    }


def estimate(
    ch: mse.CaptureHistories, method: str, seed: int, lcmcr_seconds: float
) -> mse.Estimate:
    extra: dict[str, Any] = {}
    if method == "lcmcr":
        extra = {"seed": seed, "max_seconds": lcmcr_seconds}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mse.estimate(ch, method, **extra)


def one_replicate(task: dict[str, Any]) -> dict[str, Any]:
    design = Design(task["lists"], task["structure"])
    rng = np.random.default_rng(task["seed"])
    truth = round(math.exp(rng.uniform(*np.log(task["n_range"]))))
    rows = population(design, truth, rng)
    out: dict[str, Any] = {"design": design.name, "truth": truth, "methods": {}}
    noise = task.get("noise")
    if noise:
        recall, precision = noise
        rows = link_noise(rows, recall, precision, rng)
    ch = histories(rows, design.lists)
    out["observed"] = ch.observed
    for method in task["methods"]:
        t0 = time.perf_counter()
        try:
            result = estimate(ch, method, task["seed"], task["lcmcr_seconds"])
            record = outcome(result, truth)
        except mse.MSEError as error:
            result, record = None, outcome(None, truth, error.code)
        record["seconds"] = round(time.perf_counter() - t0, 2)
        if noise and result is not None:
            reps = []
            for r in range(task["linkage_replicates"]):
                again = alternative_linkage(
                    rows, recall, precision, np.random.default_rng([task["seed"], r])
                )
                try:
                    reps.append(
                        estimate(
                            histories(again, design.lists),
                            method,
                            task["seed"] + r,
                            task["lcmcr_seconds"],
                        )
                    )
                except mse.MSEError:
                    continue
            if reps:
                record["with_linkage"] = outcome(mse.combine_replicates(reps), truth)
        out["methods"][method] = record
    return out


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Coverage (all, clean), median errors and widths, shares cautioned."""
    n = len(records)
    made = [r for r in records if not r["refused"]]
    clean = [r for r in made if not r["cautions"]]

    def share(items: Sequence[dict[str, Any]], test: Any) -> float | None:
        return round(sum(1 for r in items if test(r)) / len(items), 3) if items else None

    return {
        "replicates": n,
        "coverage_all": round(sum(r["covered"] for r in made) / n, 3) if n else None,
        "coverage_clean": share(clean, lambda r: r["covered"]),
        "clean": len(clean),
        "median_relative_error": round(float(np.median([r["relative_error"] for r in made])), 3)
        if made
        else None,
        "median_relative_width": round(float(np.median([r["relative_width"] for r in made])), 3)
        if made
        else None,
        "cautioned": share(records, lambda r: not r["refused"] and bool(r["cautions"])),
        "prior_driven": share(records, lambda r: r.get("status") == "prior_driven"),
        "not_converged": share(records, lambda r: r.get("status") == "not_converged"),
        "refused": share(records, lambda r: r["refused"]),
    }


def fmt(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "-"
    if value == math.inf:
        return "inf"
    return (
        f"{100 * value:.0f}%" if percent else f"{value:+.2f}" if abs(value) < 10 else f"{value:.0f}"
    )


def print_table(title: str, table: dict[str, dict[str, dict[str, Any]]]) -> None:
    print(f"\n{title}")
    header = (
        f"{'design':<24} {'method':<10} {'cover':>6} {'clean':>10} {'med.err':>8} "
        f"{'med.width':>9} {'caution':>8} {'prior':>6} {'not conv':>8} {'refused':>7}"
    )
    print(header)
    print("-" * len(header))
    for design, methods in table.items():
        for method, s in methods.items():
            clean = f"{fmt(s['coverage_clean'], True)} ({s['clean']})"
            print(
                f"{design:<24} {method:<10} {fmt(s['coverage_all'], True):>6} {clean:>10} "
                f"{fmt(s['median_relative_error']):>8} {fmt(s['median_relative_width']):>9} "
                f"{fmt(s['cautioned'], True):>8} {fmt(s['prior_driven'], True):>6} "
                f"{fmt(s['not_converged'], True):>8} {fmt(s['refused'], True):>7}"
            )


def binomial_interval(covered: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson interval of a coverage of ``covered`` in ``n``."""
    from scipy import stats

    tail = (1 - level) / 2
    lower = float(stats.beta.ppf(tail, covered, n - covered + 1)) if covered else 0.0
    upper = float(stats.beta.ppf(1 - tail, covered + 1, n - covered)) if covered < n else 1.0
    return round(lower, 3), round(upper, 3)


def targets(table: dict[str, dict[str, dict[str, Any]]], default: str) -> dict[str, Any]:
    """The study's two bars, design by design.

    A design where the default method's clean coverage is below 90% is listed with the 95%
    Clopper-Pearson interval of that coverage: with 20 clean replicates, an interval that
    covers 95% of the time misses twice or more in a quarter of the designs, so a design listed
    with an interval reaching well above 90% needs more replicates before it says anything.
    """
    default_ok = []
    default_intervals = {}
    low_uncautioned = []
    for design, methods in table.items():
        s = methods.get(default)
        if s and s["coverage_clean"] is not None and s["clean"] >= 3 and s["coverage_clean"] < 0.9:
            default_ok.append(design)
            covered = round(s["coverage_clean"] * s["clean"])
            default_intervals[design] = {
                "covered": covered,
                "clean": s["clean"],
                "interval": binomial_interval(covered, s["clean"]),
            }
        for method, t in methods.items():
            if t["coverage_all"] is not None and t["coverage_all"] < 0.8:
                flagged = (t["cautioned"] or 0) + (t["refused"] or 0)
                if flagged < 0.5:
                    low_uncautioned.append(f"{design}: {method}")
    return {
        "default_method": default,
        "designs_where_default_clean_coverage_below_90": default_ok,
        "default_clean_coverage_intervals": default_intervals,
        "low_coverage_without_caution": low_uncautioned,
    }


def run_all(
    pool: ProcessPoolExecutor, tasks: list[dict[str, Any]], label: str
) -> list[dict[str, Any]]:
    """Run the replicates in the pool, in task order, telling progress on stderr."""
    futures = {pool.submit(one_replicate, task): i for i, task in enumerate(tasks)}
    out: list[dict[str, Any]] = [{} for _ in tasks]
    for done, future in enumerate(as_completed(futures), start=1):
        out[futures[future]] = future.result()
        print(f"{label}: {done}/{len(tasks)}", file=sys.stderr, flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--replicates", type=int, help="replicates per design (default 5; 40 with --large)"
    )
    parser.add_argument(
        "--large", action="store_true", help="40 replicates per design, 8 replicate linkages"
    )
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--lists", nargs="+", type=int, choices=LISTS, default=list(LISTS))
    parser.add_argument("--structures", nargs="+", choices=STRUCTURES, default=list(STRUCTURES))
    parser.add_argument("--default-method", choices=METHODS, default="lcmcr")
    parser.add_argument("--lcmcr-seconds", type=float, default=30.0, help="LCMCR's max_seconds")
    parser.add_argument(
        "--linkage-methods",
        nargs="+",
        choices=METHODS,
        help="methods of the linkage study (default: the default method)",
    )
    parser.add_argument("--no-linkage", dest="linkage", action="store_false")
    parser.add_argument("--linkage-replicates", type=int, help="R replicate linkages (default 4)")
    parser.add_argument("--recall", type=float, default=0.98)
    parser.add_argument("--precision", type=float, default=0.99)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    replicates = args.replicates or (40 if args.large else 5)
    linkage_r = args.linkage_replicates or (8 if args.large else 3)
    linkage_methods = args.linkage_methods or [args.default_method]
    start = time.perf_counter()
    tasks = []
    for j in args.lists:
        for structure in args.structures:
            for r in range(replicates):
                tasks.append(
                    {
                        "lists": j,
                        "structure": structure,
                        "seed": args.seed * 100_000
                        + j * 10_000
                        + STRUCTURES.index(structure) * 1000
                        + r,
                        "n_range": N_RANGE,
                        "methods": args.methods,
                        "lcmcr_seconds": args.lcmcr_seconds,
                    }
                )
    linkage_tasks = []
    if args.linkage:
        levels = {"measured": (args.recall, args.precision), "poor": NOISE_LEVELS["poor"]}
        for level, noise in levels.items():
            for j in [x for x in args.lists if x >= 4]:
                for structure in [s for s in ("independent", "hetero2") if s in args.structures]:
                    if not args.large and j == 5:
                        continue
                    for r in range(replicates):
                        linkage_tasks.append(
                            {
                                "lists": j,
                                "structure": structure,
                                "seed": args.seed * 100_000
                                + 50_000
                                + j * 1000
                                + STRUCTURES.index(structure) * 100
                                + r,
                                "n_range": N_RANGE,
                                "methods": linkage_methods,
                                "lcmcr_seconds": args.lcmcr_seconds,
                                "noise": noise,
                                "level": level,
                                "linkage_replicates": linkage_r,
                            }
                        )
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        results = run_all(pool, tasks, "perfect linkage")
        noisy = run_all(pool, linkage_tasks, "linkage noise")
    table: dict[str, dict[str, dict[str, Any]]] = {}
    for design in dict.fromkeys(r["design"] for r in results):
        rows = [r for r in results if r["design"] == design]
        table[design] = {m: summarise([r["methods"][m] for r in rows]) for m in args.methods}
    print(
        f"{len(tasks)} simulated populations ({replicates} per design), N from {N_RANGE[0]:,} to "
        f"{N_RANGE[1]:,}; coverage of the 95% interval. 'clean' = no caution and no refusal "
        "(how many); errors and widths relative to N."
    )
    print_table("Perfect linkage", table)
    linkage: dict[str, Any] = {}
    if noisy:
        for task, result in zip(linkage_tasks, noisy, strict=True):
            key = f"{result['design']}, {task['level']} linkage"
            linkage.setdefault(key, []).append(result)
        print(
            f"\nLinkage noise: recall/precision {args.recall}/{args.precision} ('measured') and "
            f"0.90/0.95 ('poor'); plain interval beside the interval with linkage uncertainty "
            f"({linkage_r} replicate linkages, Rubin's rules)."
        )
        print(f"{'design':<40} {'method':<10} {'plain':>6} {'with linkage':>12} {'med.err':>8}")
        summary: dict[str, Any] = {}
        for key, rows in linkage.items():
            summary[key] = {}
            for m in linkage_methods:
                plain = summarise([r["methods"][m] for r in rows])
                carried = [r["methods"][m].get("with_linkage") or {"refused": True} for r in rows]
                with_link = summarise(carried)
                summary[key][m] = {"plain": plain, "with_linkage": with_link}
                print(
                    f"{key:<40} {m:<10} {fmt(plain['coverage_all'], True):>6} "
                    f"{fmt(with_link['coverage_all'], True):>12} "
                    f"{fmt(plain['median_relative_error']):>8}"
                )
        linkage = summary
    bars = targets(table, args.default_method)
    print(f"\nDefault method: {args.default_method}")
    below = [
        f"{design} ({v['covered']} of {v['clean']}; 95% interval of the coverage "
        f"{100 * v['interval'][0]:.0f}-{100 * v['interval'][1]:.0f}%)"
        for design, v in bars["default_clean_coverage_intervals"].items()
    ]
    print("designs where its clean coverage is below 90%: " + (", ".join(below) or "none"))
    print(
        "designs where a method covers under 80% without cautioning most replicates: "
        + (", ".join(bars["low_coverage_without_caution"]) or "none")
    )
    seconds = time.perf_counter() - start
    print(f"{seconds:.0f} s on {args.workers} worker(s)")
    print(
        json.dumps(
            {
                "replicates": replicates,
                "n_range": N_RANGE,
                "seed": args.seed,
                "perfect_linkage": table,
                "linkage": linkage,
                "targets": bars,
                "seconds": round(seconds, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
