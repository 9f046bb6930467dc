"""Time `dozor link accept` and `dozor link undo`, and score the incidents accept makes.

The demo generator's reports (``--size`` incidents, about 1.1 reports each in three lists: 1,500
give about 3,000 reports) are stored through ``report_create`` into three source lists of one
organisation in a scratch database, which is migrated first. Then, as a user would:

1. ``dozor link --user U``: the baseline, timed in the same run on the same data;
2. for each ``--min-probability``: ``dozor link accept`` (timed), the incidents it made scored
   against the generator's truth (pairwise, cluster and B-cubed precision, recall and F1; a
   report left out of every incident counts as alone), then ``dozor link undo`` (timed), which
   leaves the database as before for the next probability.

The database is a throwaway SQLite file unless ``--database-url`` names another (a scratch
PostgreSQL database: it is migrated and written to, so never give a database that matters). The
last line of output is one JSON object with every figure. The bar: accept on 3,000 reports in
under a minute.

    python bench/link_accept.py --size 1500 --min-probability 0.3 0.5 0.7 0.9
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from io import StringIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60.0


def bcubed(predicted: dict[Any, Any], truth: dict[Any, Any]) -> dict[str, float]:
    """B-cubed precision and recall: for each report, the share of its predicted cluster that is
    truly its incident, and the share of its true incident that its cluster holds; averaged."""
    clusters: dict[Any, set[Any]] = defaultdict(set)
    incidents: dict[Any, set[Any]] = defaultdict(set)
    for report, cluster in predicted.items():
        clusters[cluster].add(report)
        incidents[truth[report]].add(report)
    precision = recall = 0.0
    for report, cluster in predicted.items():
        together = clusters[cluster] & incidents[truth[report]]
        precision += len(together) / len(clusters[cluster])
        recall += len(together) / len(incidents[truth[report]])
    precision /= len(predicted)
    recall /= len(predicted)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def _prf(values: dict[str, float]) -> str:
    return f"{values['precision']:.3f}/{values['recall']:.3f}/{values['f1']:.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-probability", type=float, nargs="+", default=[0.3, 0.5, 0.7, 0.9])
    parser.add_argument("--database-url", help="a scratch database (default: throwaway SQLite)")
    parser.add_argument("--profile", action="store_true", help="print where accept spends time")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="dozor-bench-accept-"))
    os.environ["DOZOR_HOME"] = str(home)
    os.environ["DOZOR_ENV"] = "development"
    if args.database_url:
        os.environ["DOZOR_DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DOZOR_DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dozor.settings"
    sys.path.insert(0, str(ROOT))
    from dozor.security.crypto import key_encode, key_generate

    # A fresh key for the scratch database: reports are sealed as in production.
    os.environ["DOZOR_KEY"] = key_encode(key_generate())
    import django

    django.setup()
    logging.disable(logging.INFO)
    import pandas as pd
    from django.core.management import call_command
    from django.db import connection

    from dozor.accounts.models import Role, User
    from dozor.accounts.services import organisation_create
    from dozor.analysis.linkage import cluster_scores, pairwise_scores
    from dozor.demo.generator import demo_generate
    from dozor.records.models import Report
    from dozor.records.services import report_create, source_list_create

    call_command("migrate", verbosity=0)
    dataset = demo_generate(size=args.size, seed=args.seed)
    started = time.perf_counter()
    owner = organisation_create(name="Монитор")
    user = User.objects.create_user(
        username="linker", password=None, organisation=owner, role=Role.DOCUMENTER
    )
    lists = {
        demo.key: source_list_create(
            name=demo.name, kind=demo.kind, organisation=owner, language=demo.language, user=user
        )
        for demo in dataset.source_lists
    }
    truth = {}
    for demo in dataset.reports:
        report = report_create(
            source_list=lists[demo.source_list],
            external_id=demo.external_id,
            payload=demo.raw,
            fields=demo.parsed,
            received_on=demo.received,
            user=user,
        )
        truth[report.pk] = demo.incident_key
    print(
        f"{connection.vendor}: {len(truth)} reports of {len({*truth.values()})} true incidents "
        f"stored in {time.perf_counter() - started:.1f} s"
    )

    def command(*words: str) -> tuple[dict[str, Any], float]:
        out = StringIO()
        began = time.perf_counter()
        call_command(*words, "--user", "linker", "--json", stdout=out)
        return json.loads(out.getvalue()), time.perf_counter() - began

    linked, link_seconds = command("link")
    print(f"dozor link (baseline): {linked['candidate_pairs']} pairs in {link_seconds:.1f} s")
    figures: dict[str, Any] = {
        "database": connection.vendor,
        "reports": len(truth),
        "link_seconds": round(link_seconds, 2),
        "accept": {},
    }
    for probability in args.min_probability:
        profile = cProfile.Profile() if args.profile else None
        if profile:
            profile.enable()
        accepted, accept_seconds = command("link", "accept", "--min-probability", str(probability))
        if profile:
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        rows = Report.objects.filter(source_list__organisation=owner).values_list(
            "pk", "incident_link__incident_id"
        )
        predicted = {pk: incident or -pk for pk, incident in rows}
        series = pd.Series(predicted)
        true = pd.Series(truth)
        quality = {
            "pairwise": pairwise_scores(series, true).as_dict(),
            "cluster": cluster_scores(series, true).as_dict(),
            "bcubed": bcubed(predicted, truth),
        }
        undone, undo_seconds = command("link", "undo", str(accepted["batch"]))
        figures["accept"][str(probability)] = {
            "incidents": accepted["incidents"],
            "lone_reports": accepted["lone_reports"],
            "pairs_left": accepted["pairs_left"],
            "groups_left": len(accepted["groups_left"]),
            **quality,
            "accept_seconds": round(accept_seconds, 2),
            "undo_seconds": round(undo_seconds, 2),
            "undo_deleted": len(undone["incidents_deleted"]),
        }
        print(
            f"accept at {probability}: {accepted['incidents']} incidents "
            f"({accepted['lone_reports']} lone), {accepted['pairs_left']} pairs left; "
            f"pairwise {_prf(quality['pairwise'])}, cluster {_prf(quality['cluster'])}, "
            f"B-cubed {_prf(quality['bcubed'])} (P/R/F1); accept {accept_seconds:.1f} s "
            f"(target < {TARGET_SECONDS:.0f} s; link {link_seconds:.1f} s), "
            f"undo {undo_seconds:.1f} s"
        )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
