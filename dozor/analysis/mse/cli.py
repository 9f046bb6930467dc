"""Command line: estimate how many cases no list recorded, from a capture-history CSV.

Usage::

    dozor mse FILE.csv --method loglinear|lcmcr|dga [--count-column NAME] [--stratum S] [--seed N]
              [--json] [--max-seconds S] [--max-K K] [--fixed]

The table is read and the method run by :mod:`dozor.analysis.capture_table`, as `dozor estimate`
does, so a table written by ``dozor estimate --write-table`` gives the same figures here with the
same method, settings and seed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

import pandas as pd

from dozor.analysis.capture_table import STRATUM_COLUMN, histories_from_table, run_estimate

from . import (
    DEFAULT_METHOD,
    METHODS,
    STATUS_NOT_CONVERGED,
    STATUS_PRIOR_DRIVEN,
    LcmcrSettings,
    MSEError,
)
from .errors import refusal

STATUS_LINES = {
    STATUS_NOT_CONVERGED: "NOT CONVERGED: the sampler's diagnostics did not pass; do not report "
    "this figure (see the cautions)",
    STATUS_PRIOR_DRIVEN: "PRIOR-DRIVEN: the data do not identify the total; the interval "
    "reflects assumptions, not data (see the cautions)",
}

DESCRIPTION = """\
Estimate the total number of cases - recorded or not - from several lists that
each recorded some of them (multiple systems estimation, also called
capture-recapture).

FILE.csv has one column per list holding 1 (the case is on that list) or 0, and
either a count column (how many cases have that combination) or one row per
case.  Leave out the row where every list is 0: that number is what is
estimated.  At least three lists are needed.  A column named "stratum" (as in
the table `dozor estimate --write-table` writes) splits the table into groups:
choose one with --stratum.  The lists are used in the order of their names,
whatever the order of the columns, so a seed repeats a run exactly.

Methods (lcmcr is the default: it held the truth most often in the coverage
study, see docs/estimation.md):
  loglinear  Poisson log-linear models with list interactions chosen by AIC
             among those that leave the total identified (as in the R package
             Rcapture); profile-likelihood interval.
  lcmcr      Bayesian latent-class model (Manrique-Vallier 2016, HRDAG's LCMCR);
             posterior median and credible interval. The chains run until their
             diagnostics pass (R-hat of N <= 1.05, effective sample size >= 400)
             or --max-seconds run out; use --seed to repeat a run.
  dga        Bayesian averaging over decomposable graphical models (Madigan &
             York 1997, HRDAG's dga); 3 to 5 lists.
With four lists or more, loglinear and dga caution (heterogeneous_capture) when
every pair of lists shares more cases than chance: the mark of cases that differ
in how easily they are recorded, which those models take for list dependence;
and lcmcr cautions (list_dependence) when the log-linear model, fitting lists
that depend on each other, gives an interval that leaves out LCMCR's estimate.
"""

EPILOG = """\
Read the status and the cautions printed with the result: "not converged" (the
sampler's diagnostics did not pass in time) and "prior-driven" (the data do not
identify the total) are not figures to report; the cautions say why and what
would help.  --json prints one object with "status", "cautions" (codes with
parameters), "warnings" (the cautions in English) and, for lcmcr,
"details"."diagnostics".  Exit status: 0 an estimate was made (whatever its
status), 2 unusable input or a refusal.

Example:
  dozor mse kosovo.csv --method lcmcr --seed 1
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
        default=DEFAULT_METHOD,
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
    parser.add_argument(
        "--stratum",
        metavar="VALUE",
        help=f"with a {STRATUM_COLUMN!r} column: the group to estimate (needed when there are "
        "several)",
    )
    parser.add_argument("--seed", type=int, help="random seed for lcmcr (repeatable results)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--level", type=float, help="interval level (default: 0.95)")
    parser.add_argument(
        "--allow-two-lists",
        action="store_true",
        help="accept two lists, assuming they are independent (untestable)",
    )
    group = parser.add_argument_group("loglinear")
    group.add_argument(
        "--selection",
        choices=("aic", "bic", "stepwise", "average"),
        help="how to choose list interactions (default: aic)",
    )
    group.add_argument(
        "--model", help="fit this one model instead, e.g. 'Mt + A:B' or 'Mth Poisson2'"
    )
    group = parser.add_argument_group("loglinear and dga")
    group.add_argument(
        "--no-heterogeneity-check",
        dest="heterogeneity_check",
        action="store_false",
        default=None,
        help="with four lists or more, do not check whether every pair of lists depends "
        "positively (the mark of heterogeneous capture, caution heterogeneous_capture)",
    )
    # No defaults given to argparse: the method's settings dataclass holds them, for every path
    # alike; the help only shows them.
    defaults = LcmcrSettings()
    group = parser.add_argument_group("lcmcr")
    group.add_argument(
        "--K", type=int, help=f"latent classes to start with (default: {defaults.K})"
    )
    group.add_argument(
        "--max-K",
        dest="max_K",
        type=int,
        help=f"most latent classes the run may grow to (default: {defaults.max_K})",
    )
    group.add_argument("--burnin", type=int, help=f"default: {defaults.burnin}")
    group.add_argument(
        "--samples", type=int, help=f"draws kept per chain (default: {defaults.samples})"
    )
    group.add_argument("--thinning", type=int, help=f"default: {defaults.thinning}")
    group.add_argument("--chains", type=int, help=f"default: {defaults.chains}")
    group.add_argument(
        "--max-seconds",
        dest="max_seconds",
        type=float,
        help=f"time budget for the chains to converge (default: {defaults.max_seconds:g})",
    )
    group.add_argument(
        "--fixed",
        action="store_true",
        help="run exactly burnin + samples x thinning sweeps, without rounds (as R's LCMCR)",
    )
    group.add_argument(
        "--no-dependence-check",
        dest="dependence_check",
        action="store_false",
        default=None,
        help="with four lists or more, do not fit the log-linear model beside the chains to see "
        "whether lists that depend on each other put LCMCR's estimate outside its interval "
        "(caution list_dependence)",
    )
    return parser


METHOD_OPTIONS = {
    "loglinear": ("selection", "model", "heterogeneity_check", "level"),
    "lcmcr": (
        "K",
        "max_K",
        "burnin",
        "samples",
        "thinning",
        "chains",
        "max_seconds",
        "dependence_check",
        "level",
    ),
    "dga": ("heterogeneity_check", "level"),
}


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given on the command line for the chosen method, and no others."""
    given = {
        name: getattr(args, name)
        for name in METHOD_OPTIONS[args.method]
        if getattr(args, name) is not None
    }
    if args.method == "lcmcr" and args.fixed:
        given["adaptive"] = False
    return given


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
        strata = histories_from_table(
            frame,
            lists=lists,
            count_column=args.count_column,
            stratum_column=STRATUM_COLUMN if STRATUM_COLUMN in frame.columns else None,
        )
        if args.stratum is not None and args.stratum not in strata:
            raise refusal(MSEError, "unknown_stratum", stratum=args.stratum, strata=[*strata])
        if args.stratum is None and len(strata) > 1:
            raise refusal(MSEError, "several_strata", strata=[*strata])
        ch = strata[args.stratum] if args.stratum is not None else next(iter(strata.values()))
        result = run_estimate(
            ch,
            method=args.method,
            settings=_settings(args),
            seed=args.seed,
            allow_two_lists=args.allow_two_lists,
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
    if result.status in STATUS_LINES:
        print(STATUS_LINES[result.status])
    print(f"Lists: {', '.join(ch.lists)}")
    print(f"Observed (on at least one list): {result.observed:,}")
    print(f"Method: {result.method}" + (f" - {result.model}" if result.model else ""))
    print(f"Estimated total: {_fmt(result.estimate)}")
    print(f"{pct} interval: {_fmt(result.lower)} to {_fmt(result.upper)}")
    print(f"Estimated never recorded: {_fmt(result.missing)}")
    if result.seed is not None:
        print(f"Seed: {result.seed}")
    if result.method == "lcmcr":
        diag = result.details["diagnostics"]
        print(
            f"R-hat {diag['rhat']:.3f}, effective draws {diag['ess']:.0f}, "
            f"classes used {diag['classes_used']} of K = {diag['K']}, "
            f"{diag['sweeps']:,} sweeps per chain in {diag['seconds']:.1f} s"
        )
    for caution in result.warnings:
        print(f"Caution: {caution}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
