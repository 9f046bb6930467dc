"""Command line: estimate how many cases no list recorded, from a capture-history CSV.

Usage::

    dozor mse FILE.csv --method loglinear|lcmcr|dga [--count-column NAME] [--seed N] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import pandas as pd

from . import METHODS, MSEError, MSEWarning, capture_histories_from_frame, estimate

DESCRIPTION = """\
Estimate the total number of cases - recorded or not - from several lists that
each recorded some of them (multiple systems estimation, also called
capture-recapture).

FILE.csv has one column per list holding 1 (the case is on that list) or 0, and
either a count column (how many cases have that combination) or one row per
case.  Leave out the row where every list is 0: that number is what is
estimated.  At least three lists are needed.

Methods:
  loglinear  Poisson log-linear models with list interactions chosen by AIC
             (as in the R package Rcapture); profile-likelihood interval.
  lcmcr      Bayesian latent-class model (Manrique-Vallier 2016, HRDAG's LCMCR);
             posterior median and credible interval. Use --seed to repeat a run.
  dga        Bayesian averaging over decomposable graphical models (Madigan &
             York 1997, HRDAG's dga); 3 to 5 lists.
"""

EPILOG = """\
Read the cautions printed with the result: they say when the data are too thin
for the estimate to be trusted.  Exit status: 0 success, 2 unusable input.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dozor mse",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE.csv", help="capture histories (CSV)")
    parser.add_argument(
        "--method",
        choices=METHODS,
        default="loglinear",
        help="estimation method (default: %(default)s)",
    )
    parser.add_argument(
        "--count-column",
        metavar="NAME",
        help="column with the number of cases per row (default: 'count' or 'freq' if present, "
        "otherwise one row per case)",
    )
    parser.add_argument(
        "--lists",
        metavar="A,B,C",
        help="comma-separated list columns (default: every column except the count column)",
    )
    parser.add_argument("--seed", type=int, help="random seed for lcmcr (repeatable results)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--level", type=float, default=0.95, help="interval level (default: %(default)s)"
    )
    parser.add_argument(
        "--allow-two-lists",
        action="store_true",
        help="accept two lists, assuming they are independent (untestable)",
    )
    group = parser.add_argument_group("loglinear")
    group.add_argument(
        "--selection",
        choices=("aic", "bic", "stepwise", "average"),
        default="aic",
        help="how to choose list interactions (default: %(default)s)",
    )
    group.add_argument(
        "--model", help="fit this one model instead, e.g. 'Mt + A:B' or 'Mth Poisson2'"
    )
    group = parser.add_argument_group("lcmcr")
    group.add_argument("--K", type=int, default=10, help="maximum latent classes (default: 10)")
    group.add_argument("--burnin", type=int, default=10000, help="default: %(default)s")
    group.add_argument("--samples", type=int, default=1000, help="default: %(default)s")
    group.add_argument("--thinning", type=int, default=10, help="default: %(default)s")
    group.add_argument("--chains", type=int, default=2, help="default: %(default)s")
    return parser


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    if args.method == "loglinear":
        out: dict[str, Any] = {"selection": args.selection, "level": args.level}
        if args.model:
            out["model"] = args.model
        return out
    if args.method == "lcmcr":
        return {
            "K": args.K,
            "burnin": args.burnin,
            "samples": args.samples,
            "thinning": args.thinning,
            "chains": args.chains,
            "seed": args.seed,
            "level": args.level,
        }
    return {"level": args.level}


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value == float("inf"):
        return "unbounded"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help (0) and usage errors (2)
        return int(exc.code or 0)
    try:
        frame = pd.read_csv(args.file)
    except FileNotFoundError:
        print(f"dozor mse: {args.file}: no such file", file=sys.stderr)
        return 2
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as exc:
        print(f"dozor mse: {args.file}: not a readable CSV file ({exc})", file=sys.stderr)
        return 2
    lists: Sequence[str] | None = None
    if args.lists:
        lists = [name.strip() for name in args.lists.split(",") if name.strip()]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MSEWarning)
            ch = capture_histories_from_frame(frame, lists=lists, count_column=args.count_column)
            result = estimate(
                ch, args.method, allow_two_lists=args.allow_two_lists, **_settings(args)
            )
    except MSEError as exc:
        print(f"dozor mse: {args.file}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        data = result.to_dict()
        data["details"].pop("trace_N", None)
        data["details"].pop("trace_alpha", None)
        data["details"].pop("posterior_N_values", None)
        data["details"].pop("posterior_N_probabilities", None)
        data["lists"] = list(ch.lists)
        print(json.dumps(data, allow_nan=False, default=str))
        return 0
    pct = f"{result.level:.0%}"
    print(f"Lists: {', '.join(ch.lists)}")
    print(f"Observed (on at least one list): {result.observed:,}")
    print(f"Method: {result.method}" + (f" - {result.model}" if result.model else ""))
    print(f"Estimated total: {_fmt(result.estimate)}")
    print(f"{pct} interval: {_fmt(result.lower)} to {_fmt(result.upper)}")
    print(f"Estimated never recorded: {_fmt(result.missing)}")
    if result.seed is not None:
        print(f"Seed: {result.seed}")
    if result.method == "lcmcr":
        print(f"R-hat {result.details['rhat']:.3f}, effective draws {result.details['ess']:.0f}")
    for caution in result.warnings:
        print(f"Caution: {caution}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
