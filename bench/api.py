"""The JSON API under load, beside the same mix through the web pages, in one run.

On the cached synthetic incidents of bench/load.py (100,000 by default), one gunicorn with the
production settings serves 50 clients twice: once as browsers (signed-in sessions, the pages
/incidents/…) and once as programs (each reader's own personal API token, /api/v1/incidents/…),
with the same mix of the incident list, filtered lists, searches (a word or the beginning of a
surname) and incidents, for each mode of bench/load.py (people: each client waits --wait
seconds between its requests; saturation: no wait). Beside them is the in-process baseline of
both, one request at a time. Recording through the API is not in the mix: the API's reports
cannot be stored yet (docs/api.md).

The targets are bench/load.py's for the pages; the API's are the same: 0 errors, p95 under
300 ms in the people mode, at least 60 requests per second in saturation.

    .venv/bin/python bench/api.py
    .venv/bin/python bench/api.py --mode saturation --seconds 30

The last line of output is one JSON object with every figure; the exit status is 1 when a run
missed its target.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import load

API_PREFIX = "/api/v1"


class ApiBenchClient(load.BenchClient):
    """A program with its user's token: the page's address under /api/v1/, no session."""

    def __init__(self, port: int, username: str, key: str) -> None:
        super().__init__(port, username)
        self.key = key

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        if path.startswith("/incidents/"):
            path = API_PREFIX + path
        headers = load.proxy_headers()
        headers["Authorization"] = f"Bearer {self.key}"
        headers["Accept"] = "application/json"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        except OSError:
            self.connection.close()
            raise
        if response.headers.get("Connection", "").lower() == "close":
            self.connection.close()
        return response.status, content


def api_keys(usernames: list[str]) -> dict[str, str]:
    """A fresh read token for each reader (the bench's earlier ones revoked)."""
    # Here, not above: Django is set up by load.prepare(), after the bench's environment.
    from dozor.accounts.models import ApiToken, User
    from dozor.accounts.services import api_token_create, api_token_revoke

    keys = {}
    for username in usernames:
        user = User.objects.get(username=username)
        for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
            api_token_revoke(token=token, by=None)
        keys[username] = api_token_create(user=user, name=f"load bench {time.time():.0f}")[1]
    return keys


def main(argv: list[str] | None = None) -> int:
    parser = load.argument_parser((__doc__ or "").split("\n\n")[0])
    args = load.arguments(parser, argv)
    modes = load.chosen_modes(args)
    environment = load.configure(args)
    built = load.prepare(args)
    details = load.detail_paths(built["usernames"][0])  # /incidents/<reference>/
    keys = api_keys(built["usernames"])
    print(f"baselines: {args.baseline_requests} requests one at a time, pages then API ...")
    bases = {
        "pages": load.baseline(built["usernames"], details, args.baseline_requests),
        "api": load.baseline(
            built["usernames"], details, args.baseline_requests, keys=keys, prefix=API_PREFIX
        ),
    }
    port = load.free_port()
    log = args.state / "gunicorn.log"
    print(f"gunicorn: {args.workers} workers x {args.threads} threads on port {port}", flush=True)
    runs: dict[str, dict[str, Any]] = {}
    name = load.database_name(args.database_url)
    with load.gunicorn(environment, port, args.workers, args.threads, log) as server:
        doors = {
            "pages": load.sign_in(port, built["usernames"]),
            "api": [ApiBenchClient(port, user, keys[user]) for user in built["usernames"]],
        }
        for clients in doors.values():
            load.warm_up(clients, details, args.warm_up)
        for number, mode in enumerate(modes):
            for door, clients in doors.items():
                wait = args.wait if mode.name == "people" else 0.0
                print(f"\n== {mode.name} through the {door} ==", flush=True)
                loaded = load.load_run(
                    clients,
                    details,
                    args.seconds,
                    wait,
                    seed=1000 * (number + 1),
                    measure_cpu=lambda: load.cpu_seconds(server.pid, name),
                )
                loaded["missed"] = mode.misses(loaded)
                runs[f"{mode.name} {door}"] = loaded
                load.report(built, bases[door], mode, loaded)
    print("\n" + f"{'run':<22}{'requests/s':>11}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
    for label, loaded in runs.items():
        overall = loaded["overall"]
        print(
            f"{label:<22}{loaded['requests_per_second']:>11}{overall.get('p50_ms', 0):>9.1f}"
            f"{overall.get('p95_ms', 0):>9.1f}{loaded['errors']:>8}"
        )
    missed = [label for label, loaded in runs.items() if loaded["missed"]]
    print(
        json.dumps(
            {"rows": built["rows"], "runs": runs, "missed": missed, "baselines": bases},
            ensure_ascii=False,
        )
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
