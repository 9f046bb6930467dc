"""The client: one HTTP session per Client, JSON in and out, problem details as exceptions."""

from __future__ import annotations

import builtins
import dataclasses
import datetime
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is loaded only by frame()
    import pandas

API_PATH = "/api/v1"
# Records in one import: the server's limit for a request (dozor.api.reports).
IMPORT_MAX_RECORDS = 1000
# Answers after which a call that is safe to repeat (a GET, or a write with its idempotency key)
# is sent again: the server or a proxy in front of it was briefly unavailable.
RETRY_STATUSES = frozenset({502, 503, 504})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are not followed: urllib would send the token on to wherever they lead."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)
USER_AGENT = "dozor-client/1"


class ApiError(Exception):
    """An answer of the API that is not a success: its problem details (RFC 9457)."""

    def __init__(self, status: int, problem: Mapping[str, Any]) -> None:
        self.status = status
        self.title = str(problem.get("title", ""))
        self.detail = str(problem.get("detail", ""))
        self.errors: list[dict[str, str]] = list(problem.get("errors", []))
        fields = "; ".join(f"{e.get('field') or '—'}: {e.get('message')}" for e in self.errors)
        super().__init__(
            f"{status} {self.title}: {self.detail}" + (f" ({fields})" if fields else "")
        )


class RateLimited(ApiError):
    """429: the token made too many calls; ``retry_after`` is in seconds."""

    def __init__(self, status: int, problem: Mapping[str, Any], retry_after: int) -> None:
        super().__init__(status, problem)
        self.retry_after = retry_after


def _date(value: Any) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


@dataclasses.dataclass(frozen=True)
class IncidentRow:
    """An incident as the list shows it."""

    reference: str
    url: str
    title: str
    date_start: datetime.date | None
    date_end: datetime.date | None
    date_precision: str
    country: str
    region: str
    incident_type: str
    defender_targeted: bool
    killed: int
    injured: int
    verification_status: str
    bias_motivations: list[str]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IncidentRow:
        return cls(**_fields(cls, data))


@dataclasses.dataclass(frozen=True)
class Incident(IncidentRow):
    """An incident as its page shows it to the token's user (names only with the grant)."""

    organisation: str
    confidentiality: str
    summary: str
    summary_language: str
    locality: str
    location_precision: str
    latitude: str | None
    longitude: str | None
    target_kind: str
    biases: list[dict[str, Any]]
    people: list[dict[str, Any]]
    reports: list[dict[str, Any]]
    created_at: str
    updated_at: str
    # The organisation's own fields by key (only for its own users).
    custom_fields: dict[str, Any]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Incident:
        return cls(**_fields(cls, data))


@dataclasses.dataclass(frozen=True)
class RowProblem:
    column: str
    value: str
    code: str
    message: str


@dataclasses.dataclass(frozen=True)
class QuarantinedRecord:
    """A record the import could not store, by its position in the records sent (from 1)."""

    row: int
    problems: list[RowProblem]


@dataclasses.dataclass(frozen=True)
class Import:
    """What became of a batch of records: an import, as its page in the web app shows it."""

    batch: int | None
    url: str | None
    dry_run: bool
    replayed: bool
    rows: int
    stored: int
    revised: int
    quarantined: int
    already_present: int
    duplicate_in_file: int
    reports: list[dict[str, Any]]
    quarantine: list[QuarantinedRecord]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Import:
        values = _fields(cls, data)
        values["quarantine"] = [
            QuarantinedRecord(
                row=row["row"],
                problems=[RowProblem(**_fields(RowProblem, p)) for p in row["problems"]],
            )
            for row in data.get("quarantine", [])
        ]
        return cls(**values)


def _fields(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    """The dataclass's fields from an answer: dates parsed, fields the server added later left
    out (a newer server still works with this client)."""
    values = {}
    for field in dataclasses.fields(cls):
        value = data.get(field.name)
        if field.name in ("date_start", "date_end"):
            value = _date(value)
        elif field.name in ("latitude", "longitude") and value is not None:
            value = str(value)
        values[field.name] = value
    return values


class Client:
    """Dozor's API at ``url`` with a personal token. ``language`` ("en" or "ru") is the language
    of the server's messages; a call refused for its rate is retried after the time the server
    gives, at most ``retries`` times."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        language: str = "en",
        timeout: float = 30.0,
        retries: int = 3,
    ) -> None:
        if not token.startswith("dozor_"):
            raise ValueError(
                "A Dozor API token begins with 'dozor_'; make one on the account page."
            )
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"{url!r}: expected the server's address, http:// or https://.")
        self.base = url.rstrip("/") + API_PATH
        self.token = token
        self.language = language
        self.timeout = timeout
        self.retries = retries
        self.incidents = Incidents(self)
        self.reports = Reports(self)
        self.estimates = Estimates(self)
        self.responses = Responses(self)
        self.linkage = Linkage(self)
        self.exports = Exports(self)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        idempotency_key: str | None = None,
        file: bool = False,
    ) -> Any:
        """One call; ``path`` below /api/v1 or a whole URL the server gave (a next page). A GET,
        or a write with its ``idempotency_key``, is sent again when the connection fails or the
        server is briefly unavailable (502, 503, 504): the server stores it once. With ``file``
        the answer is returned as the bytes it came in (an export), not read as JSON."""
        url = path if path.startswith(("http://", "https://")) else self.base + path
        if not url.startswith(self.base + "/"):
            # The token goes only to the server it was made on, whatever a page's links say.
            raise ValueError(f"{url!r} is not an address of {self.base}.")
        data = None if body is None else json.dumps(body, default=_json_value).encode("utf-8")
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/json",
            "Accept-Language": self.language,
            "User-Agent": USER_AGENT,
        }
        if data is not None:
            headers["Content-Type"] = "application/json"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        repeatable = method == "GET" or idempotency_key is not None
        for attempt in range(self.retries + 1):
            last = attempt >= self.retries
            # The scheme is http or https, checked in __init__ and above.
            request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 - scheme checked
            try:
                with _OPENER.open(request, timeout=self.timeout) as answer:
                    raw = answer.read()
                    if file:
                        return raw
                    return json.loads(raw) if raw else None
            except urllib.error.HTTPError as error:
                problem = _problem(error)
                if error.code == 429:
                    retry_after = int(error.headers.get("Retry-After") or 1)
                    if not last:
                        time.sleep(retry_after)
                        continue
                    raise RateLimited(error.code, problem, retry_after) from None
                if error.code in RETRY_STATUSES and repeatable and not last:
                    time.sleep(2**attempt)
                    continue
                raise ApiError(error.code, problem) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError):
                if repeatable and not last:
                    time.sleep(2**attempt)
                    continue
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def report_card(self, country: str, year: int) -> dict[str, Any]:
        """The report card as its page shows it: ``commitments`` (each with its grade, trend,
        evidence and ``indicators``), ``official``, ``observations``; in ``language``."""
        return dict(self.request("GET", f"/report-card/{_segment(country)}/{int(year)}/"))

    def annual(self, country: str, year: int, *, public: bool = False) -> dict[str, Any]:
        """The annual report's figures: ``totals``, ``by_year``, ``tables`` (by month, region,
        bias, …, each a list of rows with ``code``, ``label`` and ``count``), ``response``,
        ``published``, ``estimate``. ``public``: small counts suppressed, as for publication."""
        query = "?public=true" if public else ""
        return dict(self.request("GET", f"/annual/{_segment(country)}/{int(year)}/{query}"))


def _json_value(value: Any) -> Any:
    """A value JSON has no type for. A workbook keeps a calendar day as a date-time at midnight
    (openpyxl and pandas read it so): it is that day, as an import of the workbook reads it;
    other dates and times are ISO 8601; anything else is its text."""
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _segment(value: str) -> str:
    return urllib.parse.quote(str(value), safe="")


def _problem(error: urllib.error.HTTPError) -> dict[str, Any]:
    try:
        problem = json.loads(error.read() or b"{}")
    except ValueError:
        problem = {}
    return problem if isinstance(problem, dict) else {}


class Incidents:
    """``client.incidents``: the list (every page, as an iterator or a DataFrame), one
    incident, recording and changing one."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def list(self, **filters: Any) -> Iterator[IncidentRow]:
        """Every incident the list page would show with these filters (q, date_from, date_to,
        country, region, bias, type, status, defenders, sort), page after page. A list longer
        than the server counts ends where its pages end, as on the list page."""
        query = {key: str(value) for key, value in filters.items() if value is not None}
        path: str | None = "/incidents/" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        while path is not None:
            page = self.client.request("GET", path)
            for row in page["results"]:
                yield IncidentRow.from_json(row)
            path = page["next"]

    def frame(self, **filters: Any) -> pandas.DataFrame:
        """The list as a pandas DataFrame, one row per incident."""
        import pandas  # here: only a DataFrame needs pandas, which takes a second to load

        rows = [dataclasses.asdict(row) for row in self.list(**filters)]
        columns = [field.name for field in dataclasses.fields(IncidentRow)]
        return pandas.DataFrame(rows, columns=columns)

    def get(self, reference: str) -> Incident:
        path = f"/incidents/{urllib.parse.quote(reference)}/"
        return Incident.from_json(self.client.request("GET", path))

    def create(self, **fields: Any) -> Incident:
        """Record an incident; the fields are the incident form's (title, incident_type,
        date_start, region, …, biases=[{...}], people=[{...}]). A refusal raises ApiError
        with the form's messages in ``errors``."""
        return Incident.from_json(self.client.request("POST", "/incidents/", fields))

    def update(self, reference: str, **fields: Any) -> Incident:
        """Change the given fields of an incident; the others are kept."""
        path = f"/incidents/{urllib.parse.quote(reference)}/"
        return Incident.from_json(self.client.request("PATCH", path, fields))


def _records(records: Any) -> builtins.list[dict[str, Any]]:
    """Records as dicts: a DataFrame's rows with its empty cells (NaN) left out, as a field a
    record does not give."""
    if hasattr(records, "to_dict") and hasattr(records, "notna"):
        return [
            {column: value for column, value in row.items() if value is not None}
            for row in records.astype(object).where(records.notna(), None).to_dict("records")
        ]
    return [dict(record) for record in records]


class Reports:
    """``client.reports``: a partner's records stored through the import path."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def upload(
        self,
        source_list: int,
        records: Iterable[Mapping[str, Any]] | pandas.DataFrame,
        *,
        mapping: str | None = None,
        mapping_text: str | None = None,
        dry_run: bool = False,
    ) -> builtins.list[Import]:
        """Store records (dicts of the source's own fields, or a DataFrame's rows) as reports of
        a source list, read by a mapping that comes with Dozor (``mapping``, by file name) or
        your own YAML (``mapping_text``). Sent in imports of up to 1,000 records, each with its
        own idempotency key, so that an import sent again after a failure is stored once.
        ``dry_run`` checks them and stores nothing. Returns one Import per batch sent."""
        rows = _records(records)
        imports = []
        for start in range(0, len(rows), IMPORT_MAX_RECORDS):
            body = {
                "source_list": source_list,
                "mapping": mapping,
                "mapping_text": mapping_text,
                "records": rows[start : start + IMPORT_MAX_RECORDS],
                "dry_run": dry_run,
            }
            key = None if dry_run else str(uuid.uuid4())
            answer = self.client.request("POST", "/reports/", body, idempotency_key=key)
            imports.append(Import.from_json(answer))
        return imports

    def list(self, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every report the Reports page would list with these filters (source_list, batch,
        date_from, date_to, region, type, linked, q, sort), page after page."""
        query = {key: str(value) for key, value in filters.items() if value is not None}
        number, pages = 1, 1
        while number <= pages:
            page = self.client.request(
                "GET", "/reports/?" + urllib.parse.urlencode({**query, "page": number})
            )
            yield from page["results"]
            number, pages = number + 1, page["pages"]

    def source_lists(self) -> builtins.list[dict[str, Any]]:
        """The source lists of the token's organisation, with their numbers of reports."""
        answer: builtins.list[dict[str, Any]] = self.client.request("GET", "/source-lists/")
        return answer


@dataclasses.dataclass(frozen=True)
class MethodResult:
    """One method's figure for one group of a run. ``estimate``, ``lower`` and ``upper`` are
    empty for a figure not to quote (``quotable`` False; the figure is in ``not_for_quoting``)
    and for a refusal (``refusal`` says why)."""

    method: str
    name: str
    status: str
    status_text: str
    quotable: bool
    estimate: float | None
    lower: float | None
    upper: float | None
    level: float | None
    missing: float | None
    model: str | None
    cautions: list[str]
    refusal: str
    not_for_quoting: dict[str, Any] | None
    linkage: dict[str, Any] | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MethodResult:
        return cls(**_fields(cls, data))


@dataclasses.dataclass(frozen=True)
class Stratum:
    """One group of a run (a year, a federal district, a bias motivation, or all incidents)
    with its documented count and each method's result."""

    stratum: str
    label: str
    documented: int
    results: list[MethodResult]
    verdict: dict[str, Any] | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Stratum:
        values = _fields(cls, data)
        values["results"] = [MethodResult.from_json(item) for item in data.get("results", [])]
        return cls(**values)


@dataclasses.dataclass(frozen=True)
class EstimateRunRow:
    """An estimate run as the Estimates page lists it."""

    id: int
    url: str
    status: str
    status_text: str
    methods: list[str]
    stratify_by: str
    country: str
    started_by: str
    created_at: str
    finished_at: str | None
    progress_done: int
    progress_total: int
    progress_percent: int

    FINISHED = frozenset({"done", "failed", "cancelled"})

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EstimateRunRow:
        return cls(**_fields(cls, data))


@dataclasses.dataclass(frozen=True)
class EstimateRun(EstimateRunRow):
    """An estimate run as its page shows it: its choices, its progress and the groups finished
    so far. A run that failed says why in ``error``."""

    lists: list[str]
    seed: int
    linkage_replicates: int
    level: float
    data_hash: str
    error: str
    cancel_requested: bool
    started_at: str | None
    strata: list[Stratum]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EstimateRun:
        values = _fields(cls, data)
        values["strata"] = [Stratum.from_json(item) for item in data.get("strata", [])]
        return cls(**values)

    def frame(self) -> pandas.DataFrame:
        """The results as a pandas DataFrame: one row per group and method."""
        import pandas  # here: only a DataFrame needs pandas, which takes a second to load

        rows = [
            {
                "stratum": stratum.stratum,
                "label": stratum.label,
                "documented": stratum.documented,
                **{name: getattr(result, name) for name in RESULT_COLUMNS},
                "cautions": "; ".join(result.cautions),
            }
            for stratum in self.strata
            for result in stratum.results
        ]
        columns = ["stratum", "label", "documented", *RESULT_COLUMNS, "cautions"]
        return pandas.DataFrame(rows, columns=columns)


RESULT_COLUMNS = (
    "method",
    "status",
    "quotable",
    "estimate",
    "lower",
    "upper",
    "level",
    "missing",
    "refusal",
)


class Estimates:
    """``client.estimates``: start an estimate run and wait for its figures, follow one, list
    the runs, stop one."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def run(
        self,
        *,
        wait: bool = True,
        poll: float = 2.0,
        timeout: float = 600.0,
        **choices: Any,
    ) -> EstimateRun:
        """Start a run with the Estimates page's choices (``method``: one or a list of
        loglinear, lcmcr, dga; ``stratify_by``: year, region, bias or none; ``lists``: source
        lists' ids; ``country``; ``seed``; ``linkage_replicates``) and, with ``wait``, ask for
        it every ``poll`` seconds until it has finished (done, failed or cancelled: see
        ``status`` and ``error``). A refused choice raises ApiError with the form's messages;
        a run not finished after ``timeout`` seconds raises TimeoutError (it goes on: follow
        it with ``get``)."""
        if isinstance(choices.get("method"), str):
            choices["method"] = [choices["method"]]
        run = EstimateRun.from_json(self.client.request("POST", "/estimate-runs/", choices))
        return self.wait(run.id, poll=poll, timeout=timeout) if wait else run

    def wait(self, run_id: int, *, poll: float = 2.0, timeout: float = 600.0) -> EstimateRun:
        """The run once it has finished, asked for every ``poll`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.get(run_id)
            if run.finished:
                return run
            if time.monotonic() + poll > deadline:
                raise TimeoutError(
                    f"Estimate run {run_id} is still {run.status} after {timeout:g} seconds "
                    f"({run.progress_percent}%); follow it with estimates.get({run_id})."
                )
            time.sleep(poll)

    def get(self, run_id: int) -> EstimateRun:
        return EstimateRun.from_json(self.client.request("GET", f"/estimate-runs/{int(run_id)}/"))

    def list(self) -> list[EstimateRunRow]:
        """The runs the Estimates page lists: the caller's organisation's, the latest first."""
        return [
            EstimateRunRow.from_json(row) for row in self.client.request("GET", "/estimate-runs/")
        ]

    def cancel(self, run_id: int) -> EstimateRun:
        """Stop a run (one's own, or as an administrator any of the organisation's)."""
        path = f"/estimate-runs/{int(run_id)}/cancel/"
        return EstimateRun.from_json(self.client.request("POST", path, {}))


def _reference(reference: str) -> str:
    return f"/incidents/{_segment(reference)}"


class Responses:
    """``client.responses``: an incident's response timeline (events appended, corrected by
    supersession), its raisings with officials, the raise list and the bodies. Answers are the
    API's JSON (docs/api.md), names as the token's user may see them."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def timeline(self, reference: str) -> dict[str, Any]:
        return dict(self.client.request("GET", f"{_reference(reference)}/events/"))

    def add_event(self, reference: str, **fields: Any) -> dict[str, Any]:
        """Append an event: kind, date (YYYY-MM-DD, YYYY-MM or YYYY), articles, …"""
        return dict(self.client.request("POST", f"{_reference(reference)}/events/", fields))

    def correct_event(self, reference: str, event_id: int, **fields: Any) -> dict[str, Any]:
        """A new event over the corrected one's fields; the corrected one is kept, superseded."""
        path = f"{_reference(reference)}/events/{int(event_id)}/corrections/"
        return dict(self.client.request("POST", path, fields))

    def raisings(self, reference: str) -> builtins.list[dict[str, Any]]:
        return builtins.list(self.client.request("GET", f"{_reference(reference)}/raisings/"))

    def log_raising(self, reference: str, **fields: Any) -> dict[str, Any]:
        """Log a raising: body (a body's id), channel, request, …"""
        return dict(self.client.request("POST", f"{_reference(reference)}/raisings/", fields))

    def update_raising(self, raising_id: int, **fields: Any) -> dict[str, Any]:
        """Record the reply, the follow-up, the outcome: the fields given replace the raising's."""
        return dict(self.client.request("PATCH", f"/raisings/{int(raising_id)}/", fields))

    def raise_list(self) -> builtins.list[dict[str, Any]]:
        return builtins.list(self.client.request("GET", "/raise-list/"))

    def raise_list_add(
        self, reference: str, *, priority: str = "medium", reason: str = ""
    ) -> dict[str, Any]:
        body = {"incident": reference, "priority": priority, "reason": reason}
        return dict(self.client.request("POST", "/raise-list/", body))

    def raise_list_remove(self, entry_id: int) -> None:
        self.client.request("DELETE", f"/raise-list/{int(entry_id)}/")

    def bodies(self) -> builtins.list[dict[str, Any]]:
        return builtins.list(self.client.request("GET", "/bodies/"))


class Linkage:
    """``client.linkage``: the review queue of the organisation's latest linkage run, a pair side
    by side, and a decision on it."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def pairs(self) -> Iterator[dict[str, Any]]:
        """Every pair still to decide (and those marked unsure), strongest first."""
        number, pages = 1, 1
        while number <= pages:
            page = self.client.request("GET", f"/link-pairs/?page={number}")
            yield from page["results"]
            number, pages = number + 1, page["pages"]

    def pair(self, pair_id: int) -> dict[str, Any]:
        return dict(self.client.request("GET", f"/link-pairs/{int(pair_id)}/"))

    def decide(self, pair_id: int, decision: str, note: str = "") -> dict[str, Any]:
        """``decision``: match (the same incident), no_match (different ones) or unsure."""
        body = {"decision": decision, "note": note}
        return dict(self.client.request("POST", f"/link-pairs/{int(pair_id)}/decisions/", body))


class Exports:
    """``client.exports``: the files the web app's downloads give, as bytes."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def incidents(self, file_format: str = "csv", **filters: Any) -> bytes:
        """The incident list as a file (csv or json) with the list's filters."""
        query = {key: str(value) for key, value in filters.items() if value is not None}
        path = f"/exports/incidents/{_segment(file_format)}/"
        path += f"?{urllib.parse.urlencode(query)}" if query else ""
        return bytes(self.client.request("GET", path, file=True))

    def odihr(
        self, country: str, year: int, *, file_format: str = "xlsx", lang: str | None = None
    ) -> bytes:
        """The organisation's ODIHR submission for a country and year (xlsx or csv)."""
        query = {"country": country, "year": int(year), **({"lang": lang} if lang else {})}
        path = f"/exports/odihr/{_segment(file_format)}/?{urllib.parse.urlencode(query)}"
        return bytes(self.client.request("GET", path, file=True))
