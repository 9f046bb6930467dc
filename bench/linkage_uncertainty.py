"""The interval with linkage uncertainty beside the plain one, on the demo chain, against the truth.

The demo generator writes its three lists as partners' files and knows the true total (documented
and undocumented incidents). The chain goes through the user's door on a scratch database:
`dozor import` each file, `dozor link`, `dozor link accept` (the model's groups become incidents,
no pair reviewed), then `dozor estimate --by none --linkage-replicates R` per method. Printed per
method and seed: the estimate with perfect links (the capture histories of the truth), the plain
interval on the model's links, the interval with linkage uncertainty, the true total, whether
each interval covers it, and the time each estimate took. The last line is a JSON object.

    python bench/linkage_uncertainty.py [--size 1000] [--seeds 0] [--replicates 50]
        [--methods loglinear lcmcr] [--setting lcmcr:burnin=2000 ...] [--database-url URL]

The chain runs on a throwaway SQLite file unless --database-url names a scratch database (it is
migrated and written to: never give one that matters).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from linkage_quality import _command, _django  # the chain's scratch database and commands

from dozor.analysis import mse
from dozor.demo.files import TRUTH_FILE, demo_files_write
from dozor.demo.generator import demo_generate


def perfect_links(folder: Path, method: str, settings: dict[str, Any], seed: int) -> mse.Estimate:
    """The estimate on the true incidents' capture histories (what perfect linkage would give)."""
    lists: dict[str, set[str]] = defaultdict(set)
    with (folder / TRUTH_FILE).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            lists[row["incident"]].add(row["list"])
    names = ["ngo", "partner", "press"]
    frame = pd.DataFrame([[int(n in on) for n in names] for on in lists.values()], columns=names)
    histories = mse.capture_histories_from_frame(
        frame.value_counts().rename("count").reset_index(), count_column="count"
    )
    # The seed is a field of LcmcrSettings only: the other methods draw no random numbers.
    overrides: dict[str, Any] = {**settings, "seed": seed} if method == "lcmcr" else dict(settings)
    return mse.estimate(histories, method, **overrides)


def chain(size: int, seed: int) -> tuple[str, Path, int]:
    """Files → import → link → accept; the user's name, the files' folder, the true total."""
    from dozor.accounts.models import Organisation, Role, User

    dataset = demo_generate(size=size, seed=seed)
    folder = Path(tempfile.mkdtemp(prefix="dozor-bench-files-"))
    files = demo_files_write(dataset, folder)
    organisation = Organisation.objects.create(name=f"Linkage uncertainty {size}/{seed}")
    user = User.objects.create(
        username=f"uncertainty-{size}-{seed}", organisation=organisation, role=Role.DOCUMENTER
    )
    for file in files:
        _command(
            "import",
            str(file.path),
            *("--source-list", f"{organisation.name}: {file.list_key}", "--new-source-list"),
            *("--kind", file.kind, "--mapping", str(file.mapping)),
            *("--user", user.username, "--json"),
        )
    _command("link", "--user", user.username, "--json")
    _command("link", "accept", "--user", user.username, "--json")
    return user.username, folder, len(dataset.incidents)


def _settings(pairs: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    for pair in pairs:
        method, _, setting = pair.partition(":")
        name, _, value = setting.partition("=")
        out[method][name] = int(value) if value.isdigit() else float(value)
    return out


def _interval(estimate: Any, lower: Any, upper: Any) -> str:
    def number(value: Any) -> str:
        return "∞" if value is None else f"{float(value):,.0f}"

    return f"{number(estimate)} [{number(lower)}–{number(upper)}]"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--replicates", type=int, default=50)
    parser.add_argument("--methods", nargs="+", default=["loglinear", "lcmcr"])
    parser.add_argument(
        "--setting", action="append", default=[], metavar="METHOD:NAME=VALUE", help="repeatable"
    )
    parser.add_argument("--database-url", help="scratch database for the chain (default SQLite)")
    args = parser.parse_args()
    settings = _settings(args.setting)
    _django(args.database_url)
    figures: dict[str, Any] = {"size": args.size, "replicates": args.replicates, "runs": []}
    for seed in args.seeds:
        started = time.perf_counter()
        username, folder, true_total = chain(args.size, seed)
        print(
            f"demo chain: size {args.size}, seed {seed}: true total {true_total:,}; "
            f"import, link and accept {time.perf_counter() - started:.0f} s"
        )
        for method in args.methods:
            perfect = perfect_links(folder, method, settings.get(method, {}), seed)
            extra = [f"--setting={k}={v}" for k, v in settings.get(method, {}).items()]
            times = {}
            results = {}
            for replicates in (0, args.replicates):
                step = time.perf_counter()
                results[replicates] = _command(
                    "estimate",
                    *("--user", username, "--by", "none", "--method", method),
                    *("--seed", str(seed), "--linkage-replicates", str(replicates), "--json"),
                    *extra,
                )
                times[replicates] = time.perf_counter() - step
            stratum = results[args.replicates]["strata"][0]
            linked = stratum["linkage"]
            row = {
                "seed": seed,
                "method": method,
                "true_total": true_total,
                "perfect_links": [perfect.estimate, perfect.lower, perfect.upper],
                "observed": stratum["observed"],
                "plain": [stratum["estimate"], stratum["lower"], stratum["upper"]],
                "with_linkage": [linked["estimate"], linked["lower"], linked["upper"]],
                "reviewed_share": linked["reviewed_share"],
                "pairs": linked["pairs"],
                "plain_covers": stratum["lower"] <= true_total <= (stratum["upper"] or 1e18),
                "with_linkage_covers": (
                    linked["lower"] is not None
                    and linked["lower"] <= true_total <= (linked["upper"] or 1e18)
                ),
                "plain_seconds": round(times[0], 1),
                "with_linkage_seconds": round(times[args.replicates], 1),
            }
            figures["runs"].append(row)
            print(
                f"  {method:<9} documented {stratum['observed']:,}; perfect links "
                f"{_interval(*row['perfect_links'])}; model's links "
                f"{_interval(*row['plain'])} ({'covers' if row['plain_covers'] else 'misses'}); "
                f"with linkage uncertainty {_interval(*row['with_linkage'])} "
                f"({'covers' if row['with_linkage_covers'] else 'misses'}); "
                f"{linked['pairs']:,} scored pairs, "
                f"{100 * linked['reviewed_share']:.0f}% reviewed; "
                f"{row['plain_seconds']} s and {row['with_linkage_seconds']} s"
            )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
