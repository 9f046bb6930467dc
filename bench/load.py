"""Load a production server with concurrent signed-in clients and measure what it serves.

On the synthetic incidents of bench/synthetic_incidents.py (100,000 by default, seven in ten with
a named victim: the cached database bench/list_incidents.py and bench/search.py time too), starts
gunicorn on loopback with the production settings (DOZOR_ENV=production, DEBUG off, an encryption
key file, ALLOWED_HOSTS=127.0.0.1, behind one trusted proxy as a real deployment sits behind
nginx), signs in 50 clients, each as its own reader with its own session (every other one with
the grant to see names, so that searches by name and the audit of name views are part of the
load), and lets them request a mix of the incident list, filtered lists, searches (one request in
five: by a word of the summaries, or by the beginning of a victim's surname, "Султон" finding
"Султонов" and "Султонова") and incident pages, in two modes:

- people: each client waits --wait seconds (1) between its requests, as a person reads a page
  (1 s is the hard case), for --seconds (60). Target: no errors and p95 under 300 ms.
- saturation: the same clients with no wait. Target: no errors and at least 60 requests per
  second; p95 is reported.

Before the timed runs every client makes --warm-up untimed requests (4), so that each of
gunicorn's processes has loaded its templates, the key ring and the name recogniser, as a server
that runs for days has. For each mode it prints requests served, errors (non-2xx answers and
exceptions), requests per second, p50/p95/max latency of every request and per kind of operation
(here one request each; an operation of bench/api.py's, a creation through the pages, is the
several requests a browser makes for it, its time their sum), the
1-minute load average at the end, and the CPU time gunicorn's processes and the database's
PostgreSQL backends spent per request (from /proc, on Linux): on a machine shared with other
work, latency and requests per second say more about the others than about Dozor, CPU per request
much less, and 1000 x CPUs / (CPU per request) is what the machine could serve alone. Beside them
is the baseline measured in the same run: the same mix through Django's test client in this
process, one at a time, with no other load (what one request costs without queueing), the
clients signed in through the sign-in page.

The database is built once and kept between runs (dozor_bench_incidents_<rows>; a marker in its
comment records the data's version, the number of incidents and the key id): a later run, of
this bench or the other two, with the same --rows reuses it. The key is the benches' fixed key,
written to the server's key file in --state beside its home folder and log.

Readers are not among DOZOR_TWO_FACTOR_ROLES by default, so the clients sign in with a password
only, as readers do in production.

    .venv/bin/python bench/load.py
    .venv/bin/python bench/load.py --mode people --wait 2 --seconds 120
    .venv/bin/python bench/load.py --rows 1000000
    .venv/bin/python bench/load.py --database-url postgres://u:p@127.0.0.1:5432/other --rows 20000

The last line of output is one JSON object with every figure. The exit status is 0 when every
mode run met its target, 1 when one missed it or had errors (the lines above say which).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import synthetic_incidents
from synthetic_incidents import BENCH_KEY, ORGANISATIONS, ROOTS

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-bench-reader-password"  # noqa: S105 - a throwaway database's readers
HOST = "127.0.0.1"
# The share of each kind of request in the mix.
MIX = {"list": 30, "filtered": 30, "search": 20, "detail": 20}
FILTERS = [
    {"region": "RU-MOW"},
    {"region": "RU-SPE", "date_from": "2015-01-01", "date_to": "2019-12-31"},
    {"bias": "antisemitic"},
    {"bias": "anti_lgbti", "region": "RU-MOW", "date_from": "2012-01-01"},
    {"type": "arson"},
    {"status": "verified"},
    {"date_from": "2019-01-01", "date_to": "2020-12-31"},
    {"sort": "-killed"},
    {"sort": "region"},
    {"page": "20"},
]
# Searches are half words of the summaries, half beginnings of surnames (bench/search.py's roots).
WORDS = ["синагог", "мигрант", "ножом", "пикета", "Москва", "свастики", "хиджаб", "Фалуньгун"]
NAME_PREFIXES = list(ROOTS)
DETAIL_SAMPLE = 2_000
# Settings of the server that a run may change from the environment (docs/configuration.md).
TUNING = ("DOZOR_DATABASE_CONN_MAX_AGE", "DOZOR_SLOW_REQUEST_MS")
STARTUP_SECONDS = 300


@dataclass(frozen=True)
class Mode:
    """One way of loading the server and what it must achieve."""

    name: str
    description: str
    max_p95_ms: float | None = None
    min_requests_per_second: float | None = None

    def misses(self, figures: dict[str, Any]) -> list[str]:
        """What this mode's run missed of its target, in words; empty when it met it."""
        missed = []
        if figures["errors"]:
            missed.append(f"{figures['errors']} errors")
        p95 = figures["overall"].get("p95_ms")
        if self.max_p95_ms is not None and (p95 is None or p95 >= self.max_p95_ms):
            missed.append(f"p95 {p95} ms, target under {self.max_p95_ms:.0f} ms")
        rate = figures["requests_per_second"]
        if self.min_requests_per_second is not None and rate < self.min_requests_per_second:
            missed.append(
                f"{rate} requests per second, target at least {self.min_requests_per_second:.0f}"
            )
        return missed


MODES = {
    "people": Mode("people", "each client waits between its requests", max_p95_ms=300.0),
    "saturation": Mode("saturation", "no wait", min_requests_per_second=60.0),
}


# ---------------------------------------------------------------------------------------------
# The database, the key and the readers
# ---------------------------------------------------------------------------------------------


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def configure(args: argparse.Namespace) -> dict[str, str]:
    """The environment of this process and of gunicorn: production settings on loopback."""
    home = args.state / "home"
    home.mkdir(parents=True, exist_ok=True)
    environment = {
        "DJANGO_SETTINGS_MODULE": "dozor.settings",
        "DOZOR_ENV": "production",
        "DOZOR_DEBUG": "false",
        "DOZOR_HOME": str(home),
        "DOZOR_DATABASE_URL": args.database_url,
        # Outside DOZOR_HOME, as a real deployment keeps it apart from the database.
        "DOZOR_KEY_FILE": str(args.state / "bench.key"),
        "DOZOR_ALLOWED_HOSTS": HOST,
        # As behind a TLS-terminating reverse proxy: it sets X-Forwarded-For/-Proto.
        "DOZOR_TRUSTED_PROXIES": "1",
    }
    # The server's tuning is the caller's to try; every other DOZOR_ variable is the bench's.
    for name in TUNING:
        if name in os.environ:
            environment[name] = os.environ[name]
    for name in [name for name in os.environ if name.startswith("DOZOR_")]:
        del os.environ[name]
    os.environ.update(environment)
    return environment


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Make sure the database holds the incidents, the key fits and the readers exist.

    The data is the cached database of bench/synthetic_incidents.py (the one bench/
    list_incidents.py and bench/search.py time), built once and recognised by the marker in its
    comment; it is sealed with the benches' fixed key, which the server reads from its key file.
    """
    marker = synthetic_incidents.marker_read(args.database_url)
    reuse = marker == synthetic_incidents.expected_marker(args.rows) and not args.rebuild
    synthetic_incidents.cached_database(args.database_url, args.rows, rebuild=args.rebuild)
    sys.path.insert(0, str(ROOT))
    from dozor.security.crypto import key_decode, key_file_write

    key_file = args.state / "bench.key"
    key_file.unlink(missing_ok=True)
    key_file_write(key_file, key_decode(BENCH_KEY, where="BENCH_KEY"))
    import django

    django.setup()
    from django.core.management import call_command

    print("migrating ...", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    from dozor.accounts.models import Organisation, Role, User
    from dozor.records.models import Incident
    from dozor.security.keyring import keyring

    ring = keyring()
    if ring.locked:
        sys.exit(f"The bench key does not open the database: {ring.reason} Give --rebuild.")
    organisation = Organisation.objects.get(name=ORGANISATIONS[0][0])
    usernames = [f"load-reader-{number:03d}" for number in range(1, args.clients + 1)]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    for number, username in enumerate(usernames):
        if username not in existing:
            # Every other reader holds the name grant: they search names and their page views
            # of named victims are audited, as a documenter's would be.
            user = User(
                username=username,
                organisation=organisation,
                role=Role.READER,
                can_see_names=number % 2 == 0,
            )
            user.set_password(PASSWORD)
            user.save()
    rows = Incident.objects.count()
    print(f"{'reusing' if reuse else 'built'} {rows:,} incidents", flush=True)
    return {"rows": rows, "reused": reuse, "usernames": usernames}


def detail_paths(username: str) -> list[str]:
    """Incident pages the readers may open, sampled from what they can see."""
    from django.urls import reverse

    from dozor.accounts.models import User
    from dozor.records.selectors import incidents_visible

    user = User.objects.get(username=username)
    references = list(
        incidents_visible(user).order_by("?").values_list("reference", flat=True)[:DETAIL_SAMPLE]
    )
    return [reverse("records:incident_detail", args=[reference]) for reference in references]


# ---------------------------------------------------------------------------------------------
# The request mix
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    kind: str
    path: str


class Mix:
    """The operations one client makes, drawn at random with the weights of its kinds: MIX for a
    reader; a kind that is not a read (bench/api.py's "create") is left to the client to make."""

    def __init__(self, details: list[str], seed: int, weights: dict[str, int] = MIX) -> None:
        self.details = details
        self.rng = random.Random(seed)
        self.kinds, self.weights = list(weights), list(weights.values())

    def next(self) -> Request:
        kind = self.rng.choices(self.kinds, self.weights)[0]
        if kind == "list":
            return Request(kind, "/incidents/")
        if kind == "filtered":
            return Request(kind, "/incidents/?" + urlencode(self.rng.choice(FILTERS)))
        if kind == "search":
            words = WORDS if self.rng.random() < 0.5 else NAME_PREFIXES
            return Request(kind, "/incidents/?" + urlencode({"q": self.rng.choice(words)}))
        if kind == "detail":
            return Request(kind, self.rng.choice(self.details))
        return Request(kind, "")


def summarise(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"count": 0}
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "count": len(samples),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(ordered[-1], 1),
    }


# ---------------------------------------------------------------------------------------------
# Baseline: the same requests in this process, one at a time
# ---------------------------------------------------------------------------------------------


def baseline(clients: list[BenchClient], details: list[str], requests: int) -> dict[str, Any]:
    """The mix one operation at a time in process, the clients (signed in, or with their API
    tokens, on an InProcessTransport) taking turns, each with its own weights."""
    from django.db import connections

    mixes = [
        Mix(details, seed=1 + number, weights=client.weights)
        for number, client in enumerate(clients)
    ]
    warm, measured = Tally(), Tally()
    for number in range(requests + 10):
        turn = number % len(clients)
        # The first ten are a warm-up: templates, the key ring, connections.
        operation(clients[turn], mixes[turn].next(), warm if number < 10 else measured)
    connections.close_all()
    return {
        "requests": len(measured.requests),
        "operations": sum(len(times) for times in measured.times.values()),
        "errors": len(measured.errors),
        "error_examples": sorted(set(measured.errors))[:10],
        "overall": summarise(measured.requests),
        "kinds": {kind: summarise(times) for kind, times in measured.times.items()},
    }


def in_process(usernames: list[str]) -> list[BenchClient]:
    """Two readers for the baseline, one with the name grant and one without, as among the
    clients, signed in through the sign-in page in this process."""
    clients = [BenchClient(InProcessTransport(), username) for username in usernames[:2]]
    for client in clients:
        client.sign_in()
    return clients


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(
    environment: dict[str, str], port: int, workers: int, threads: int, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    # The production configuration (dozor/gunicorn_conf.py), as `dozor serve --production` runs it.
    command = [
        sys.executable, "-m", "gunicorn", "-c", "python:dozor.gunicorn_conf",
        "--bind", f"{HOST}:{port}", "--workers", str(workers), "--threads", str(threads),
        "--error-logfile", str(log), "--log-level", "warning",
    ]  # fmt: skip
    with log.open("ab") as sink:
        server = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **environment}, stdout=sink, stderr=sink
        )
    try:
        # gunicorn collects the static files before it listens (dozor/gunicorn_conf.py): with
        # the API's documentation pages' scripts that takes a minute of CPU on a small machine.
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if server.poll() is not None:
                sys.exit(f"gunicorn stopped (exit {server.returncode}); see {log}")
            try:
                connection = http.client.HTTPConnection(HOST, port, timeout=5)
                connection.request("GET", "/accounts/login/", headers=proxy_headers())
                if connection.getresponse().status == 200:
                    connection.close()
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit(f"gunicorn did not answer within {STARTUP_SECONDS} s; see {log}")
            time.sleep(0.3)
        yield server
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def proxy_headers() -> dict[str, str]:
    """What the reverse proxy in front of Dozor adds to every request."""
    return {"Host": HOST, "X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "https"}


# ---------------------------------------------------------------------------------------------
# The clients
# ---------------------------------------------------------------------------------------------

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # header names in lower case
    cookies: dict[str, str]  # those it sets
    content: bytes

    def location(self) -> str:
        """Where a redirect sends the browser: the path and query of its Location."""
        parts = urlsplit(self.headers.get("location", ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")


class Refused(Exception):
    """A request of an operation was answered with a status the browser or program did not
    expect: the operation stops there and counts as an error."""


# What a connection the server closed while it was idle fails with, before any answer, and
# how long it must have been idle for the bench to send the request again on a new one.
CLOSED_WHILE_IDLE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
IDLE_SECONDS = 30.0


class HttpTransport:
    """One connection to the server on loopback, kept alive, reopened after a failure.

    A connection that served a request and then sat idle longer than the server keeps it open
    (gunicorn's keepalive, 75 s: a client that sat out the other side's run) is closed by the
    server; a request sent on it after IDLE_SECONDS or more is sent again once on a new
    connection, as browsers and HTTP libraries do, and counted in ``reopened``. Any other
    failure is an error.
    """

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=60)
        self.answered_at: float | None = None  # when the open connection last answered
        self.reopened = 0

    def send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        answered = self.answered_at
        try:
            response, content = self._exchange(method, path, body, headers)
        except CLOSED_WHILE_IDLE:
            if answered is None or time.monotonic() - answered < IDLE_SECONDS:
                raise
            self.reopened += 1
            response, content = self._exchange(method, path, body, headers)
        cookies = {}
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                cookies[name] = morsel.value
        found = {name.lower(): value for name, value in response.headers.items()}
        return Answer(response.status, found, cookies, content)

    def _exchange(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[http.client.HTTPResponse, bytes]:
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # reconnect on the next request
            self.answered_at = None
            raise
        self.answered_at = time.monotonic()
        if response.headers.get("Connection", "").lower() == "close":
            self.connection.close()
            self.answered_at = None
        return response, content


class InProcessTransport:
    """Django's test client in this process: what a request costs with no server around it and
    no other request at the same time (the baseline)."""

    def __init__(self) -> None:
        # Here, not above: Django is set up by prepare(), after the bench's environment.
        from django.test import Client

        # An exception in a view is a 500 the bench counts, as the server would answer it.
        self.client = Client(raise_request_exception=False)

    def send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        from django.http import StreamingHttpResponse

        headers = dict(headers)
        content_type = headers.pop("Content-Type", "application/octet-stream")
        response = self.client.generic(
            method, path, body or b"", content_type=content_type, headers=headers
        )
        found = {name.lower(): value for name, value in response.headers.items()}
        cookies = {name: morsel.value for name, morsel in response.cookies.items()}
        if isinstance(response, StreamingHttpResponse):
            content = b"".join(response.streaming_content)
        else:
            content = response.content
        return Answer(response.status_code, found, cookies, content)


Transport = HttpTransport | InProcessTransport


@dataclass
class Tally:
    """What one client did in a run: the milliseconds of each operation by kind (an operation
    is one request, or the several a browser makes for it), of each request, and the errors."""

    times: dict[str, list[float]] = field(default_factory=dict)
    requests: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class BenchClient:
    """One browser: its own connection (kept alive) and its own session cookie.

    The cookies are Secure (production, behind an HTTPS proxy), so they are sent by hand.
    ``weights`` is the mix of its operations (a reader's: MIX); ``created`` counts the reports
    its operations stored (bench/api.py's writers).
    """

    def __init__(self, transport: Transport, username: str, weights: dict[str, int] = MIX) -> None:
        self.transport = transport
        self.username = username
        self.weights = weights
        self.cookies: dict[str, str] = {}
        self.created = 0

    def headers(self) -> dict[str, str]:
        headers = proxy_headers()
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def request(
        self,
        method: str,
        path: str,
        body: str | bytes | None = None,
        content_type: str = "application/x-www-form-urlencoded",
        referer: str | None = None,
        extra: dict[str, str] | None = None,
    ) -> Answer:
        """A request with this client's headers and ``extra``; ``referer``, the page a browser's
        form was on, also gives the Origin a browser sends with it."""
        headers = {**self.headers(), **(extra or {})}
        if body is not None:
            headers["Content-Type"] = content_type
        if referer is not None:
            headers["Origin"] = f"https://{HOST}"
            headers["Referer"] = f"https://{HOST}{referer}"
        data = body.encode() if isinstance(body, str) else body
        answer = self.transport.send(method, path, data, headers)
        self.cookies.update(answer.cookies)
        return answer

    def timed(
        self, spent: list[float], method: str, path: str, *expected: int, **kwargs: Any
    ) -> Answer:
        """A request of an operation, its milliseconds added to ``spent``; Refused unless its
        status is one of ``expected`` (any 2xx when none is named)."""
        started = time.perf_counter()
        try:
            answer = self.request(method, path, **kwargs)
        finally:
            spent.append((time.perf_counter() - started) * 1000)
        if answer.status not in expected if expected else not 200 <= answer.status < 300:
            raise Refused(f"{method} {path}: HTTP {answer.status}")
        return answer

    def perform(self, request: Request, spent: list[float]) -> None:
        """Make the requests of one operation of the mix (a reader's: one GET)."""
        self.timed(spent, "GET", request.path)

    def sign_in(self) -> None:
        answer = self.request("GET", "/accounts/login/")
        found = CSRF_INPUT.search(answer.content.decode())
        if answer.status != 200 or not found:
            raise RuntimeError(f"{self.username}: the sign-in page answered {answer.status}")
        form = {"username": self.username, "password": PASSWORD}
        form["csrfmiddlewaretoken"] = found.group(1)
        answer = self.request(
            "POST", "/accounts/login/", urlencode(form), referer="/accounts/login/"
        )
        if answer.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{self.username}: sign-in answered {answer.status}, no session")

    def run(
        self, mix: Mix, wait: float, start: threading.Barrier, until: list[float], tally: Tally
    ) -> None:
        start.wait()
        if wait:
            # People do not arrive in step: each client begins somewhere within its first wait.
            time.sleep(mix.rng.uniform(0, wait))
        first = True
        while time.perf_counter() < until[0]:
            if wait and not first:
                time.sleep(wait)
                if time.perf_counter() >= until[0]:
                    break
            first = False
            operation(self, mix.next(), tally)


def operation(client: BenchClient, request: Request, tally: Tally) -> None:
    """One operation of the mix, tallied: its time is the sum of its requests' (what a person
    waits on the server, not the seconds a page asks the browser to wait before reloading)."""
    spent: list[float] = []
    try:
        client.perform(request, spent)
    except (OSError, http.client.HTTPException, Refused) as error:
        where = request.path or request.kind
        problem = str(error) if isinstance(error, Refused) else f"{type(error).__name__}: {error}"
        tally.errors.append(f"{client.username} {where}: {problem}")
    tally.times.setdefault(request.kind, []).append(sum(spent))
    tally.requests.extend(spent)


def sign_in(port: int, usernames: list[str]) -> list[BenchClient]:
    clients = [BenchClient(HttpTransport(port), username) for username in usernames]
    print(f"signing in {len(clients)} clients ...", flush=True)
    for client in clients:
        client.sign_in()
    return clients


# ---------------------------------------------------------------------------------------------
# CPU the server and its database used: a figure that other work on a shared machine disturbs
# far less than latency or requests per second.
# ---------------------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_seconds(pid: int, *, ended_children: bool = False) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of a process, from /proc; None where unreadable.
    With ``ended_children``, the seconds are those of its children that have ended instead."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    first = 13 if ended_children else 11
    return int(fields[1]), (int(fields[first]) + int(fields[first + 1])) / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU seconds every CPU of the machine has spent on anything but idling and waiting for
    disks since it started (/proc/stat)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def cpu_seconds(server_pid: int, database: str) -> dict[str, dict[int, float]] | None:
    """CPU seconds used so far by each of gunicorn's processes, of the PostgreSQL backends
    serving the database and by this process (its client threads), by process id, and by the
    whole machine (Linux only; None elsewhere)."""
    proc = Path("/proc")
    if not (proc / str(server_pid)).exists():
        return None
    used: dict[str, dict[int, float]] = {
        "server": {},
        "database": {},
        "clients": {},
        "machine": {0: machine_busy_seconds()},
    }
    postmaster = None
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        read = process_cpu_seconds(pid)
        if read is None:
            continue
        parent, seconds = read
        if pid == server_pid or parent == server_pid:
            used["server"][pid] = seconds
            continue
        if pid == os.getpid():
            used["clients"][pid] = seconds
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if command.startswith(b"postgres: ") and f" {database} ".encode() in command:
            used["database"][pid] = seconds
            postmaster = parent
    if postmaster is not None:
        # Backends that ended during the run (a connection is reopened after
        # DOZOR_DATABASE_CONN_MAX_AGE seconds): the server's main process holds their CPU time.
        # Any other backend that ended meanwhile counts too; on a quiet machine there are few.
        ended = process_cpu_seconds(postmaster, ended_children=True)
        if ended is not None:
            used["database"][-postmaster] = ended[1]
    return used


def warm_up(clients: list[BenchClient], details: list[str], requests: int) -> None:
    """Untimed requests from every client at once, so that each worker has loaded its templates,
    the key ring and the name recogniser before the timed runs (a server runs for days)."""
    if requests < 1:
        return
    print(f"warming up: {requests} requests from each client, not counted ...", flush=True)

    def run(client: BenchClient, seed: int) -> None:
        mix = Mix(details, seed=seed, weights=client.weights)
        # The timed runs count errors; here a failed request is only not a warm one.
        ignored = Tally()
        for _ in range(requests):
            operation(client, mix.next(), ignored)

    threads = [
        threading.Thread(target=run, args=(client, 100 + number), daemon=True)
        for number, client in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def load_run(
    clients: list[BenchClient],
    details: list[str],
    seconds: float,
    wait: float,
    seed: int,
    measure_cpu: Callable[[], dict[str, dict[int, float]] | None],
) -> dict[str, Any]:
    tallies = [Tally() for _ in clients]
    start = threading.Barrier(len(clients) + 1)
    until = [float("inf")]
    threads = [
        threading.Thread(
            target=client.run,
            args=(Mix(details, seed + number, client.weights), wait, start, until, tally),
            daemon=True,
        )
        for number, (client, tally) in enumerate(zip(clients, tallies, strict=True))
    ]
    for thread in threads:
        thread.start()
    paced = f", each waiting {wait:g} s between requests" if wait else ", no wait"
    print(f"{len(clients)} clients requesting for {seconds:.0f} s{paced} ...", flush=True)
    reopened = reopened_connections(clients)
    cpu_before = measure_cpu()
    until[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cpu_after = measure_cpu()
    load_average = os.getloadavg()[0]
    kinds = list(dict.fromkeys(kind for client in clients for kind in client.weights))
    times = {kind: [t for tally in tallies for t in tally.times.get(kind, [])] for kind in kinds}
    errors = [error for tally in tallies for error in tally.errors]
    every = [sample for tally in tallies for sample in tally.requests]
    operations = sum(len(samples) for samples in times.values())
    return {
        "clients": len(clients),
        "wait_s": wait,
        "seconds": round(elapsed, 1),
        "requests": len(every),
        "operations": operations,
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:10],
        "requests_per_second": round(len(every) / elapsed, 1),
        "operations_per_second": round(operations / elapsed, 1),
        "reopened_connections": reopened_connections(clients) - reopened,
        "overall": summarise(every),
        "kinds": {kind: summarise(samples) for kind, samples in times.items()},
        "load_average_1min": round(load_average, 2),
        "cpu_ms_per_request": cpu_per_request(cpu_before, cpu_after, len(every)),
    }


def reopened_connections(clients: list[BenchClient]) -> int:
    """How many requests the clients sent again on a new connection, the server having closed
    the one they had kept while it sat idle (HttpTransport)."""
    return sum(getattr(client.transport, "reopened", 0) for client in clients)


def cpu_per_request(
    before: dict[str, dict[int, float]] | None,
    after: dict[str, dict[int, float]] | None,
    requests: int,
) -> dict[str, float] | None:
    """Milliseconds of CPU per request served, by gunicorn, by PostgreSQL, by the bench's own
    clients and by the whole machine: what each process alive at the end used since the start
    and, for PostgreSQL, the backends that ended meanwhile."""
    if before is None or after is None or not requests:
        return None
    figures = {}
    for part in ("server", "database", "clients", "machine"):
        used = sum(seconds - before[part].get(pid, 0.0) for pid, seconds in after[part].items())
        figures[part] = round(used * 1000 / requests, 1)
    return figures


# ---------------------------------------------------------------------------------------------


def capacity(cpu: dict[str, float]) -> float:
    """The requests per second this machine's CPUs could serve at this CPU cost, alone."""
    cost = cpu["server"] + cpu["database"]
    return round((os.cpu_count() or 1) * 1000 / cost, 1) if cost else 0.0


def report(built: dict[str, Any], base: dict[str, Any], mode: Mode, loaded: dict[str, Any]) -> None:
    paced = f"each waiting {loaded['wait_s']:g} s" if loaded["wait_s"] else "no wait"
    print(
        f"\n{mode.name}: {built['rows']:,} incidents; {loaded['clients']} clients ({paced}) for "
        f"{loaded['seconds']} s; 1-minute load average at the end "
        f"{loaded['load_average_1min']} on {os.cpu_count()} CPUs"
    )
    operations = ""
    if loaded["operations"] != loaded["requests"]:
        operations = (
            f" for {loaded['operations']:,} operations "
            f"({loaded['operations_per_second']} per second)"
        )
    print(
        f"served {loaded['requests']:,} requests, {loaded['requests_per_second']} per second"
        f"{operations}; errors {loaded['errors']}"
    )
    cpu = loaded["cpu_ms_per_request"]
    if cpu is not None:
        print(
            f"CPU per request: gunicorn {cpu['server']} ms, PostgreSQL {cpu['database']} ms "
            f"(at most {capacity(cpu)} requests per second on {os.cpu_count()} idle CPUs); "
            f"the bench's clients {cpu['clients']} ms; the whole machine {cpu['machine']} ms"
        )
    for example in loaded["error_examples"]:
        print(f"  error: {example}")
    if loaded["reopened_connections"]:
        print(
            f"sent again on a new connection, the idle one closed by the server: "
            f"{loaded['reopened_connections']} requests"
        )
    # One row per kind of operation, then every request (an operation may be several).
    header = f"{'operation':<10}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
    print(f"{header}   | baseline: one at a time, in process")
    print(f"{'':<10}{'':>8}{'':>9}{'':>9}{'':>9}   | {'count':>6}{'p50 ms':>9}{'p95 ms':>9}")
    rows = [(kind, under, base["kinds"].get(kind, {})) for kind, under in loaded["kinds"].items()]
    for kind, under, alone in [*rows, ("requests", loaded["overall"], base["overall"])]:
        print(
            f"{kind:<10}{under.get('count', 0):>8}{under.get('p50_ms', 0):>9.1f}"
            f"{under.get('p95_ms', 0):>9.1f}{under.get('max_ms', 0):>9.1f}   | "
            f"{alone.get('count', 0):>6}{alone.get('p50_ms', 0):>9.1f}"
            f"{alone.get('p95_ms', 0):>9.1f}"
        )
    missed = loaded["missed"]
    target = []
    if mode.max_p95_ms is not None:
        target.append(f"p95 under {mode.max_p95_ms:.0f} ms")
    if mode.min_requests_per_second is not None:
        target.append(f"at least {mode.min_requests_per_second:.0f} requests per second")
    verdict = "MISSED: " + "; ".join(missed) if missed else "met"
    print(f"target (0 errors, {', '.join(target)}): {verdict}")


def argument_parser(description: str) -> argparse.ArgumentParser:
    """The options of this bench, which bench/api.py shares."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--database-url",
        help="PostgreSQL URL of the database to build once and reuse (by default "
        "dozor_bench_incidents_<rows> on the local server, shared with bench/list_incidents.py "
        "and bench/search.py)",
    )
    parser.add_argument("--rows", type=int, default=100_000, help="incidents (100000)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long each mode (60)")
    parser.add_argument(
        "--mode",
        choices=["people", "saturation", "both"],
        default="both",
        help="people (clients wait between requests), saturation (no wait) or both (both)",
    )
    parser.add_argument(
        "--wait", type=float, default=1.0, help="seconds each client waits in people mode (1)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="gunicorn workers (DOZOR_WORKERS, by default sized for the machine)",
    )
    parser.add_argument("--threads", type=int, help="threads per worker (DOZOR_THREADS, 1)")
    parser.add_argument(
        "--baseline-requests", type=int, default=200, help="operations in the baseline (200)"
    )
    parser.add_argument(
        "--state",
        type=Path,
        default=Path.home() / ".cache" / "dozor-load-bench",
        help="folder for the key file, the server's home and its log",
    )
    parser.add_argument(
        "--warm-up",
        type=int,
        default=4,
        help="untimed requests from each client before the timed runs (4)",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the database")
    return parser


def arguments(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """The options, checked, with the database, the state folder and the server's size."""
    args = parser.parse_args(argv)
    args.database_url = args.database_url or synthetic_incidents.cached_database_url(
        synthetic_incidents.DEFAULT_SERVER_URL, args.rows
    )
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a PostgreSQL URL")
    if args.rows < 1 or args.clients < 1 or args.seconds <= 0:
        parser.error("--rows, --clients and --seconds must be positive")
    if args.clients < 2:
        parser.error("--clients must be at least 2 (readers with and without the name grant)")
    if not 0 < args.wait <= 60:
        parser.error("--wait must be more than 0 and at most 60 seconds")
    args.state = args.state / database_name(args.database_url)
    args.state.mkdir(parents=True, exist_ok=True)

    # Before configure() clears the DOZOR_ variables: DOZOR_WORKERS and DOZOR_THREADS count.
    sys.path.insert(0, str(ROOT))
    from dozor import config

    args.workers = args.workers or config.server_workers()
    args.threads = args.threads or config.server_threads()
    return args


def chosen_modes(args: argparse.Namespace) -> list[Mode]:
    return [MODES["people"], MODES["saturation"]] if args.mode == "both" else [MODES[args.mode]]


def main(argv: list[str] | None = None) -> int:
    args = arguments(argument_parser((__doc__ or "").split("\n\n")[0]), argv)
    modes = chosen_modes(args)
    environment = configure(args)
    built = prepare(args)
    details = detail_paths(built["usernames"][0])
    print(f"baseline: {args.baseline_requests} requests one at a time ...", flush=True)
    base = baseline(in_process(built["usernames"]), details, args.baseline_requests)
    port = free_port()
    log = args.state / "gunicorn.log"
    threads = f"{args.threads} thread{'' if args.threads == 1 else 's'}"
    print(f"gunicorn: {args.workers} workers x {threads} on port {port}", flush=True)
    runs: dict[str, dict[str, Any]] = {}
    with gunicorn(environment, port, args.workers, args.threads, log) as server:
        clients = sign_in(port, built["usernames"])
        warm_up(clients, details, args.warm_up)
        name = database_name(args.database_url)
        for number, mode in enumerate(modes):
            wait = args.wait if mode.name == "people" else 0.0
            loaded = load_run(
                clients,
                details,
                args.seconds,
                wait,
                seed=1000 * (number + 1),
                measure_cpu=lambda: cpu_seconds(server.pid, name),
            )
            loaded["target"] = {
                "errors": 0,
                "p95_ms_under": mode.max_p95_ms,
                "requests_per_second_at_least": mode.min_requests_per_second,
            }
            loaded["missed"] = mode.misses(loaded)
            runs[mode.name] = loaded
            report(built, base, mode, loaded)
    missed = [name for name, loaded in runs.items() if loaded["missed"]]
    if missed:
        print(f"\nmissed the target: {', '.join(missed)}")
    # Not `server`: that name is the gunicorn process the CPU measure above reads.
    server_setup = {"workers": args.workers, "threads": args.threads, "cpus": os.cpu_count()}
    print(
        json.dumps(
            {
                "rows": built["rows"],
                "database_reused": built["reused"],
                "server": server_setup,
                "modes": runs,
                "missed": missed,
                "baseline_in_process": base,
            },
            ensure_ascii=False,
        )
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
