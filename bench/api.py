"""The JSON API under load, beside the same mix through the web pages, in one run.

On the cached synthetic incidents of bench/load.py (100,000 by default), one gunicorn with the
production settings serves 50 clients twice: once as browsers (signed-in sessions, the pages)
and once as programs (each user's own personal API token, /api/v1/…), with the same mix, for
each mode of bench/load.py (people: each client waits --wait seconds between its operations;
saturation: no wait). Beside them is the in-process baseline of both, one operation at a time.

Four clients in five are readers: the incident list, filtered lists, searches (a word or the
beginning of a surname) and incidents, bench/load.py's mix. Every fifth is a documenter of the
same organisation (10 of 50), who reads the same way and, in one operation in seven of theirs
(WRITER_MIX: about 15 %, so about 3 % of all operations; 1.5-2 % through the pages, whose
creations take the documenters longer), stores a partner's record as a new report, different
each time, into a source list the bench keeps for its side:

- through the API, one request: POST /api/v1/reports/ with one record (demo_partner.yaml), a
  new Idempotency-Key and the documenter's token of the write scope; 201 and one report stored
  is a success;
- through the pages, what a browser does: the import page, the upload of a one-row CSV file
  with the source list and the mapping (answered with a redirect to the preview), the preview,
  the confirmation (answered with a redirect to the import's progress page), the progress page
  (which redirects to the import once it is done, or asks the browser to reload it in 2 s) and
  the import's page: six requests or more, one operation.

An operation's time is the sum of its requests' times: what the person waits on the server;
the seconds the progress page asks the browser to wait before reloading it are waited (as a
browser does, in both modes) but not counted, and the reloads are. Requests per second and the
overall p50/p95 count every request; each kind's row counts operations, so "create" through the
pages is the whole upload-to-import sequence. The documenters sign in as production asks of
them: a password and then a code from their authenticator (DOZOR_TWO_FACTOR_ROLES), which the
bench enrols for them once through the enrolment service and computes as the app would.

At the end, the reports in each side's source list are counted: as many new ones as the
creations that succeeded (warm-up, baseline and runs) or the run missed its target.

The targets are bench/load.py's for the pages; the API's are the same: 0 errors, p95 under
300 ms in the people mode, at least 60 requests per second in saturation.

    .venv/bin/python bench/api.py
    .venv/bin/python bench/api.py --mode saturation --seconds 30

The last line of output is one JSON object with every figure; the exit status is 1 when a run
missed its target or a side stored other than its creations.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import load
from synthetic_incidents import ORGANISATIONS

API_PREFIX = "/api/v1"
# A documenter's operations: the readers' mix and one creation in about seven.
WRITER_MIX = {**load.MIX, "create": 18}
WRITER_EVERY = 5  # every fifth client is a documenter
MAPPING = "demo_partner.yaml"
SOURCE_LISTS = {"pages": "Load bench: through the pages", "api": "Load bench: through the API"}
JOB_RELOADS_MAX = 30
BOUNDARY = "load-bench-form-boundary"
# The import's page: "Stored <dd>N <a href=…?batch=…>" in any language.
STORED_ON_PAGE = re.compile(r'<dd>(\d+) <a href="[^"]*\?batch=\d+"')

# Partner records as the demo partner network's workbook has them (English headers, Latin
# names): the values are drawn for each creation, the identifier is new each time.
REGIONS = ["Sverdlovsk Oblast", "Moscow", "Saint Petersburg", "Krasnodar territory"]
TYPES = ["Physical assault", "Damage to property", "Harassment"]
BIASES = ["Racist and xenophobic", "Anti-Muslim", "Antisemitic"]
NAMES = ["Farkhod Karimzoda", "Aliya Nurlanova", "Timur Rakhimov", "Zarina Saidova"]


def partner_record(rng: random.Random) -> dict[str, str]:
    """One record of a partner's list, never stored before (its ID is new)."""
    name = rng.choice(NAMES)
    day = date(2015, 1, 1) + timedelta(days=rng.randrange(3650))
    return {
        "ID": f"LB-{uuid.uuid4().hex[:16]}",
        "Date": day.isoformat(),
        "Region": rng.choice(REGIONS),
        "City": "",
        "Incident type": rng.choice(TYPES),
        "Bias motivation": rng.choice(BIASES),
        "Victim 1 name": name,
        "Victim 1 gender": "female" if name.endswith("a") else "male",
        "Victim 1 age": str(rng.randrange(18, 70)),
        "Killed": "0",
        "Injured": str(rng.randrange(3)),
        "Title": f"Incident {day:%d.%m.%Y}",
        "Description": f"{name} was attacked near home; the partner's monitor wrote it down.",
        "Source": "Partner monitor",
    }


def csv_file(record: dict[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(record)
    writer.writerow(record.values())
    return out.getvalue().encode()


def multipart(fields: dict[str, str], file_field: str, file_name: str, data: bytes) -> bytes:
    """A form with one file, as a browser sends it (the boundary is BOUNDARY)."""
    lines = []
    for name, value in fields.items():
        lines += [f"--{BOUNDARY}", f'Content-Disposition: form-data; name="{name}"', "", value]
    head = "\r\n".join(
        [
            *lines,
            f"--{BOUNDARY}",
            f'Content-Disposition: form-data; name="{file_field}"; filename="{file_name}"',
            "Content-Type: text/csv",
            "",
            "",
        ]
    )
    return head.encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()


class PageWriter(load.BenchClient):
    """A documenter in a browser: signs in with a password and a one-time code, reads as the
    readers do and stores a record through the import page."""

    def __init__(
        self,
        transport: load.Transport,
        username: str,
        source_list: int,
        one_time_code: Callable[[str], str],
    ) -> None:
        super().__init__(transport, username, WRITER_MIX)
        self.source_list = source_list
        self.one_time_code = one_time_code
        self.rng = random.Random(username)
        self.reloads = 0

    def sign_in(self) -> None:
        super().sign_in()
        verify = "/accounts/two-factor/verify/"
        page = self.request("GET", verify)
        found = load.CSRF_INPUT.search(page.content.decode())
        if page.status != 200 or not found:
            raise RuntimeError(f"{self.username}: the code page answered {page.status}")
        form = {"token": self.one_time_code(self.username), "csrfmiddlewaretoken": found.group(1)}
        answer = self.request("POST", verify, urlencode(form), referer=verify)
        if answer.status != 302:
            raise RuntimeError(f"{self.username}: the one-time code was refused ({answer.status})")

    def perform(self, request: load.Request, spent: list[float]) -> None:
        if request.kind != "create":
            return super().perform(request, spent)
        new = "/imports/new/"
        page = self.timed(spent, "GET", new, 200)
        found = load.CSRF_INPUT.search(page.content.decode())
        if not found:
            raise load.Refused(f"GET {new}: no form")
        record = partner_record(self.rng)
        fields = {
            "csrfmiddlewaretoken": found.group(1),
            "source_list": str(self.source_list),
            "shipped_mapping": MAPPING,
            "mapping_text": "",
            "encoding": "",
        }
        body = multipart(fields, "file", "partner.csv", csv_file(record))
        kind = f"multipart/form-data; boundary={BOUNDARY}"
        uploaded = self.timed(spent, "POST", new, 302, body=body, content_type=kind, referer=new)
        preview = uploaded.location()
        page = self.timed(spent, "GET", preview, 200)
        found = load.CSRF_INPUT.search(page.content.decode())
        if not found:
            raise load.Refused(f"GET {preview}: no confirmation form")
        confirm = preview + "confirm/"
        form = urlencode({"csrfmiddlewaretoken": found.group(1)})
        job = self.timed(spent, "POST", confirm, 302, body=form, referer=preview).location()
        for _ in range(JOB_RELOADS_MAX):
            progress = self.timed(spent, "GET", job, 200, 302)
            if progress.status == 302:
                done = self.timed(spent, "GET", progress.location(), 200)
                found = STORED_ON_PAGE.search(done.content.decode())
                stored = int(found.group(1)) if found else 0
                self.created += stored
                if stored != 1:
                    raise load.Refused(f"GET {progress.location()}: {stored} reports stored")
                return
            if "refresh" not in progress.headers:
                raise load.Refused(f"GET {job}: the import stopped")
            self.reloads += 1
            time.sleep(float(progress.headers["refresh"]))
        raise load.Refused(f"GET {job}: not done after {JOB_RELOADS_MAX} reloads")


class ApiBenchClient(load.BenchClient):
    """A program with its user's token: the page's address under /api/v1/, no session; with a
    token of the write scope and ``source_list``, it stores records too."""

    def __init__(
        self,
        transport: load.Transport,
        username: str,
        key: str,
        source_list: int | None = None,
    ) -> None:
        super().__init__(transport, username, load.MIX if source_list is None else WRITER_MIX)
        self.key = key
        self.source_list = source_list
        self.rng = random.Random(username)

    def headers(self) -> dict[str, str]:
        headers = load.proxy_headers()
        headers["Authorization"] = f"Bearer {self.key}"
        headers["Accept"] = "application/json"
        return headers

    def perform(self, request: load.Request, spent: list[float]) -> None:
        if request.kind != "create":
            self.timed(spent, "GET", API_PREFIX + request.path)
            return
        path = f"{API_PREFIX}/reports/"
        record = partner_record(self.rng)
        body = {"source_list": self.source_list, "mapping": MAPPING, "records": [record]}
        answer = self.timed(
            spent,
            "POST",
            path,
            201,
            body=json.dumps(body),
            content_type="application/json",
            extra={"Idempotency-Key": str(uuid.uuid4())},
        )
        stored = json.loads(answer.content)
        self.created += stored["stored"]
        if stored["stored"] != 1:
            raise load.Refused(
                f"POST {path}: stored {stored['stored']}, quarantined {stored['quarantined']}"
            )


# ---------------------------------------------------------------------------------------------
# The documenters, their source lists and tokens
# ---------------------------------------------------------------------------------------------


def writers_prepare(count: int) -> dict[str, Any]:
    """The documenters (one more for the baselines), each with a confirmed authenticator, and
    the source list of each side with its reports counted before the run."""
    # Here, not above: Django is set up by load.prepare(), after the bench's environment.
    from dozor.accounts import services as accounts
    from dozor.accounts.models import Organisation, Role, User
    from dozor.accounts.selectors import totp_device_confirmed
    from dozor.records.models import Report, SourceList
    from dozor.records.services import source_list_create

    organisation = Organisation.objects.get(name=ORGANISATIONS[0][0])
    usernames = [f"load-documenter-{number:03d}" for number in range(count + 1)]
    for username in usernames:
        user = User.objects.filter(username=username).first()
        if user is None:
            # As bench/load.py makes its readers.
            user = User(username=username, organisation=organisation, role=Role.DOCUMENTER)
            user.set_password(load.PASSWORD)
            user.save()
        if totp_device_confirmed(user) is None:
            # Enrolled as on the set-up page: a new authenticator, confirmed with its code.
            device = accounts.totp_device_start(user=user)
            code = f"{authenticator(device).token():0{device.digits}d}"
            accounts.totp_device_confirm(user=user, device=device, token=code)
    lists = {}
    for side, name in SOURCE_LISTS.items():
        found = SourceList.objects.filter(name=name).first() or source_list_create(
            name=name, kind="partner_list", organisation=organisation, language="en"
        )
        lists[side] = {"id": found.pk, "before": Report.objects.filter(source_list=found).count()}
    return {"usernames": usernames, "source_lists": lists}


def authenticator(device: Any) -> Any:
    """What the user's authenticator app computes from the key it was given at enrolment."""
    # Here, not above: Django is set up by load.prepare(), after the bench's environment.
    from django_otp.oath import TOTP

    return TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)


def one_time_code(username: str) -> str:
    """The code the user's authenticator shows now; a code is good once, so after one that was
    used this waits for the next, as a person would."""
    from dozor.accounts.models import User
    from dozor.accounts.selectors import totp_device_confirmed

    device = totp_device_confirmed(User.objects.get(username=username))
    assert device is not None  # writers_prepare() enrolled every documenter
    app = authenticator(device)
    while app.t() <= device.last_t:
        time.sleep(1)
    return f"{app.token():0{device.digits}d}"


def api_keys(readers: list[str], writers: list[str]) -> dict[str, str]:
    """A fresh token for each user (the bench's earlier ones revoked): of the read scope for
    the readers, of the write scope for the documenters."""
    # Here, not above: Django is set up by load.prepare(), after the bench's environment.
    from dozor.accounts.models import ApiToken, TokenScope, User
    from dozor.accounts.services import api_token_create, api_token_revoke

    keys = {}
    for username in [*readers, *writers]:
        user = User.objects.get(username=username)
        for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
            api_token_revoke(token=token, by=None)
        scope = TokenScope.WRITE if username in writers else TokenScope.READ
        keys[username] = api_token_create(
            user=user, name=f"load bench {time.time():.0f}", scope=scope
        )[1]
    return keys


def clients_of(
    door: str,
    transport: Callable[[], load.Transport],
    usernames: list[str],
    context: dict[str, Any],
) -> list[load.BenchClient]:
    """The clients of one side, readers and documenters (``context``: the documenters'
    names, the side's source lists and the users' tokens), not yet signed in."""
    made: list[load.BenchClient] = []
    for username in usernames:
        writes = username in context["writers"]
        source_list = context["source_lists"][door]["id"] if writes else None
        if door == "api":
            key = context["keys"][username]
            made.append(ApiBenchClient(transport(), username, key, source_list))
        elif source_list is None:
            made.append(load.BenchClient(transport(), username))
        else:
            made.append(PageWriter(transport(), username, source_list, one_time_code))
    return made


def sign_in(clients: list[load.BenchClient]) -> None:
    print(f"signing in {len(clients)} browsers ...", flush=True)
    for client in clients:
        client.sign_in()


def stored_check(
    source_lists: dict[str, dict[str, int]], clients: dict[str, list[load.BenchClient]]
) -> dict[str, dict[str, Any]]:
    """Each side's new reports in its source list beside the creations its clients saw
    succeed: the same number when every creation was stored and nothing else was."""
    from dozor.records.models import Report

    found = {}
    for door, listed in source_lists.items():
        created = sum(client.created for client in clients[door])
        new = Report.objects.filter(source_list_id=listed["id"]).count() - listed["before"]
        found[door] = {"created": created, "new_reports": new, "equal": created == new}
        if door == "pages":
            found[door]["job_page_reloads"] = sum(
                client.reloads for client in clients[door] if isinstance(client, PageWriter)
            )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = load.argument_parser((__doc__ or "").split("\n\n")[0])
    args = load.arguments(parser, argv)
    modes = load.chosen_modes(args)
    environment = load.configure(args)
    built = load.prepare(args)
    prepared = writers_prepare(args.clients // WRITER_EVERY)
    documenters = prepared["usernames"]
    # Every fifth client a documenter, the others readers (with and without the name grant).
    people = [
        documenters[1 + number // WRITER_EVERY]
        if number % WRITER_EVERY == WRITER_EVERY - 1
        else built["usernames"][number]
        for number in range(args.clients)
    ]
    alone = [*built["usernames"][:2], documenters[0]]  # the baselines' two readers and writer
    details = load.detail_paths(built["usernames"][0])  # /incidents/<reference>/
    readers = sorted({*people, *alone} - set(documenters))
    context = {
        "writers": set(documenters),
        "source_lists": prepared["source_lists"],
        "keys": api_keys(readers, documenters),
    }
    every: dict[str, list[load.BenchClient]] = {"pages": [], "api": []}
    print(f"baselines: {args.baseline_requests} operations one at a time, pages then API ...")
    bases = {}
    for door in every:
        clients = clients_of(door, load.InProcessTransport, alone, context)
        if door == "pages":
            sign_in(clients)
        bases[door] = load.baseline(clients, details, args.baseline_requests)
        every[door] += clients
    port = load.free_port()
    log = args.state / "gunicorn.log"
    print(f"gunicorn: {args.workers} workers x {args.threads} threads on port {port}", flush=True)
    runs: dict[str, dict[str, Any]] = {}
    name = load.database_name(args.database_url)
    with load.gunicorn(environment, port, args.workers, args.threads, log) as server:
        doors = {
            door: clients_of(door, lambda: load.HttpTransport(port), people, context)
            for door in every
        }
        sign_in(doors["pages"])
        for door, clients in doors.items():
            every[door] += clients
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
    stored = stored_check(prepared["source_lists"], every)
    header = f"{'run':<20}{'requests/s':>11}{'ops/s':>7}{'p50 ms':>8}{'p95 ms':>8}{'errors':>7}"
    print(f"\n{header}{'create p50':>11}{'create p95':>11}{'creates':>8}")
    for label, loaded in runs.items():
        overall, create = loaded["overall"], loaded["kinds"].get("create", {})
        print(
            f"{label:<20}{loaded['requests_per_second']:>11}{loaded['operations_per_second']:>7}"
            f"{overall.get('p50_ms', 0):>8.1f}{overall.get('p95_ms', 0):>8.1f}"
            f"{loaded['errors']:>7}{create.get('p50_ms', 0):>11.1f}"
            f"{create.get('p95_ms', 0):>11.1f}{create.get('count', 0):>8}"
        )
    for door, check in stored.items():
        verdict = "equal" if check["equal"] else "DIFFERENT"
        print(
            f"{door}: {check['created']} creations succeeded, {check['new_reports']} new reports "
            f"in {SOURCE_LISTS[door]!r}: {verdict}"
        )
    missed = [label for label, loaded in runs.items() if loaded["missed"]]
    missed += [f"stored {door}" for door, check in stored.items() if not check["equal"]]
    print(
        json.dumps(
            {
                "rows": built["rows"],
                "clients": {
                    "readers": len(set(people) - set(documenters)),
                    "documenters": len(set(people) & set(documenters)),
                },
                "runs": runs,
                "stored": stored,
                "missed": missed,
                "baselines": bases,
            },
            ensure_ascii=False,
        )
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
