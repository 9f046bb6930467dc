"""Time the incident list's text search over sealed summaries and names, on the token tables.

On the synthetic incidents of bench/synthetic_incidents.py (100,000 by default; seven in ten
have a named victim, names from a few hundred invented surnames in their masculine and feminine
forms) it times what the list page does for a search (``dozor.records.selectors.incident_list``: the
count for the paginator and one page of 50, as bench/list_incidents.py does) for a word of the
summaries, two words, a victim's name, the beginning of a name, a word with a region and dates,
and a word nobody wrote, as a documenter of the first organisation (who sees its names) and, for
words, as a reader without the name grant. Beside them it times a plain indexed lookup in the
same run: the count of the summaries holding one token, ``SELECT count(*) FROM
records_incidenttoken WHERE field = 'summary' AND token = %s``, and gives each search's median as
a multiple of the lookup's. Each round times the lookup and every search once
(list_incidents.timed_in_turn), so that a shared machine's slow and fast spells fall on all alike.

The data is the cached database bench/list_incidents.py and bench/load.py use too
(``dozor_bench_incidents_<rows>``, built once by bench/synthetic_incidents.py with the victims'
names and every search token, and reused); the options that choose another database are those of
bench/list_incidents.py (``--in-place``, ``--reuse``, ``--throwaway``, ``--rebuild``). The last
line is one JSON object with every figure.

    DOZOR_DATABASE_URL=postgres://user:password@127.0.0.1:5432/dozor_bench \\
        python bench/search.py --rows 1000000 --repeat 20
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import list_incidents
from list_incidents import (
    Combination,
    database_description,
    database_options,
    database_options_check,
    list_page,
    prepare_data,
    printed_timings,
    run_in_database,
    setup_django,
    timed_in_turn,
)
from synthetic_incidents import ORGANISATIONS

TARGET_P95_MS = 50.0
BASELINE = "baseline token lookup"


@dataclass(frozen=True)
class Search:
    name: str
    who: str
    filters: dict[str, Any]


def searches() -> list[Search]:
    import datetime

    day = datetime.date
    return [
        Search("word", "documenter", {"text": "ножом"}),
        Search("two words", "documenter", {"text": "ножом битами"}),
        Search("word (reader)", "reader", {"text": "ножом"}),
        Search("name", "documenter", {"text": "Султонова"}),
        Search("first and last name", "documenter", {"text": "Мадина Султонова"}),
        Search("name prefix", "documenter", {"text": "Султон"}),
        Search(
            "word+region+dates",
            "documenter",
            {
                "text": "ножом",
                "region": "RU-MOW",
                "date_from": day(2006, 1, 1),
                "date_to": day(2008, 12, 31),
            },
        ),
        Search("no match", "documenter", {"text": "абракадабра"}),
    ]


def token_lookup(token: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM records_incidenttoken WHERE field = %s AND token = %s",
            ["summary", token],
        )
        cursor.fetchone()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="The database is read from DOZOR_DATABASE_URL; see the module docstring.",
    )
    parser.add_argument("--rows", type=int, default=100_000, help="incidents to load (100000)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per search (20)")
    database_options(parser)
    args = parser.parse_args(argv)
    database_options_check(parser, args)
    return run_in_database(args, run)


def run(args: argparse.Namespace) -> int:
    setup_django(args)
    from dozor.accounts.models import Organisation, Role, User
    from dozor.records import views
    from dozor.records.models import Incident, IncidentToken, PersonToken
    from dozor.records.selectors import IncidentFilters, incident_list
    from dozor.security.keyring import keyring

    list_incidents.PAGE_SIZE = views.PAGE_SIZE
    existing = Incident.objects.count()
    if existing and not args.reuse:
        sys.exit(f"The database already holds {existing:,} incidents; give --reuse to time them.")
    prepare_data(args, existing)
    rows = Incident.objects.count()
    organisation = Organisation.objects.get(name=ORGANISATIONS[0][0])
    users = {
        "documenter": User.objects.get_or_create(
            username="bench-documenter",
            defaults={"organisation": organisation, "role": Role.DOCUMENTER},
        )[0],
        "reader": User.objects.get_or_create(
            username="bench-reader", defaults={"organisation": organisation, "role": Role.READER}
        )[0],
    }
    token = keyring().search_token("records.Incident.summary", "ножом")
    database = database_description()
    tokens = IncidentToken.objects.count() + PersonToken.objects.count()
    print(f"\n{rows:,} incidents, {tokens:,} search tokens, on {database['vendor']} "
          f"{database.get('version', '')}; {args.repeat} rounds, each timing the baseline and "
          f"every search once; target p95 < {TARGET_P95_MS:.0f} ms", flush=True)  # fmt: skip
    actions: dict[str, Callable[[], object]] = {BASELINE: partial(token_lookup, token)}
    for search in searches():
        combination = Combination(search.name, search.filters)
        actions[search.name] = partial(list_page, users[search.who], combination)
    samples = timed_in_turn(actions, args.repeat)
    found: dict[str, object] = {
        search.name: incident_list(
            user=users[search.who], filters=IncidentFilters(**search.filters)
        ).count()
        for search in searches()
    }
    timings = printed_timings("search", samples, BASELINE, found, TARGET_P95_MS)
    print(json.dumps(
        {
            "rows": rows,
            "tokens": tokens,
            "repeat": args.repeat,
            "database": database,
            "baseline": {"token lookup": timings.baseline},
            "target_p95_ms": TARGET_P95_MS,
            "over_target": timings.over_target,
            "searches": timings.actions,
        },
        ensure_ascii=False,
    ))  # fmt: skip
    return 1 if timings.over_target else 0


if __name__ == "__main__":
    raise SystemExit(main())
