"""dozor.client against a live Dozor server, as a notebook would use it."""

from __future__ import annotations

import datetime
import http.server
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pandas
import pytest

from dozor.accounts.services import api_token_create
from dozor.client import ApiError, Client
from dozor.estimation import presenting
from dozor.estimation.models import EstimateRun
from dozor.intake.models import ImportBatch
from dozor.records.models import Incident, Report
from tests.api.test_report_upload import RECORDS, UNREADABLE
from tests.conftest import Cast
from tests.estimation.conftest import world_build
from tests.factories import IncidentFactory, SourceListFactory
from tests.named import VICTIM_NAME, named_incident


@pytest.fixture
def owner_client(transactional_db: None, live_server: Any, cast: Cast) -> Client:
    _token, key = api_token_create(user=cast.owner, name="notebook", scope="write")
    return Client(live_server.url, key)


def test_the_client_pages_through_the_list_and_makes_a_frame(
    owner_client: Client, cast: Cast
) -> None:
    for _ in range(55):
        IncidentFactory(organisation=cast.organisation)
    rows = list(owner_client.incidents.list())
    assert len(rows) == 56 == len({row.reference for row in rows})
    frame = owner_client.incidents.frame(region="RU-SPE")
    assert len(frame) == 56 and set(frame["region"]) == {"RU-SPE"}


def test_the_client_records_reads_and_changes_an_incident(owner_client: Client) -> None:
    created = owner_client.incidents.create(
        title="Нападение на активиста",
        incident_type="physical_assault",
        date_start="2024-03-02",
        region="RU-MOW",
        people=[{"name": "Иван Петров", "sex": "male", "harm": "injured"}],
    )
    assert Incident.objects.filter(reference=created.reference).exists()
    assert created.people[0]["label"] == "Иван Петров"
    changed = owner_client.incidents.update(created.reference, killed=1)
    assert changed.killed == 1 and owner_client.incidents.get(created.reference).killed == 1


def test_a_refusal_reaches_the_caller_with_the_forms_messages(owner_client: Client) -> None:
    with pytest.raises(ApiError) as refused:
        owner_client.incidents.create(region="RU-MOW")
    assert refused.value.status == 400
    assert {"title", "incident_type"} <= {error["field"] for error in refused.value.errors}
    russian = Client(owner_client.base.removesuffix("/api/v1"), owner_client.token, language="ru")
    with pytest.raises(ApiError) as in_russian:
        russian.incidents.create(region="RU-MOW")
    assert "Обязательное поле." in {error["message"] for error in in_russian.value.errors}


def test_a_reader_gets_pseudonyms_through_the_client(
    transactional_db: None, live_server: Any, cast: Cast
) -> None:
    incident = named_incident(cast.organisation, user=cast.owner)
    _token, key = api_token_create(user=cast.reader, name="reader's notebook")
    shown = Client(live_server.url, key).incidents.get(incident.reference)
    assert VICTIM_NAME not in repr(shown) and shown.people[0]["named"] is False


def test_a_revoked_or_wrong_token_is_an_error_not_an_empty_list(
    transactional_db: None, live_server: Any
) -> None:
    with pytest.raises(ApiError) as refused:
        list(Client(live_server.url, "dozor_not-a-token").incidents.list())
    assert refused.value.status == 401


def test_the_client_imports_no_django() -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, dozor.client; print(','.join(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split(",")
    assert not [name for name in loaded if name.split(".")[0] in ("django", "ninja")]
    assert not [n for n in loaded if n.startswith("dozor.") and not n.startswith("dozor.client")]


def test_the_token_goes_only_to_the_server_it_was_made_for() -> None:
    client = Client("https://dozor.example.org", "dozor_key")
    with pytest.raises(ValueError, match="not an address of"):
        client.request("GET", "https://elsewhere.example.org/api/v1/incidents/")
    with pytest.raises(ValueError, match="http"):
        Client("file:///etc/passwd", "dozor_key")


def test_the_client_uploads_a_partners_frame_through_the_import_path(
    owner_client: Client, cast: Cast
) -> None:
    partner = SourceListFactory(name="Partner network", organisation=cast.organisation)
    frame = pandas.DataFrame([*RECORDS, UNREADABLE])  # the second row has no victim: NaN
    listed = {s["name"]: s["id"] for s in owner_client.reports.source_lists()}
    (checked,) = owner_client.reports.upload(
        listed["Partner network"], frame, mapping="demo_partner.yaml", dry_run=True
    )
    assert (checked.stored, checked.quarantined, checked.batch) == (2, 1, None)
    assert not Report.objects.exists()
    (stored,) = owner_client.reports.upload(partner.pk, frame, mapping="demo_partner.yaml")
    assert (stored.stored, stored.quarantined) == (2, 1)
    assert stored.quarantine[0].problems[0].code == "not_date"
    assert {row["id"] for row in owner_client.reports.list(batch=stored.batch)} == {
        report["id"] for report in stored.reports
    }


def test_a_workbooks_calendar_days_reach_the_server_as_days(
    owner_client: Client, cast: Cast
) -> None:
    """openpyxl and pandas read a date cell as a date-time at midnight: it is sent as its day,
    as an import of the workbook reads it, not as "2024-03-02 00:00:00"."""
    partner = SourceListFactory(name="Partner network", organisation=cast.organisation)
    day = datetime.datetime(2024, 3, 2)  # noqa: DTZ001 - a workbook's cell, without a zone
    read = [{**RECORDS[0], "Date": day}, {**RECORDS[1], "Date": pandas.Timestamp(day)}]
    (stored,) = owner_client.reports.upload(partner.pk, read, mapping="demo_partner.yaml")
    assert (stored.stored, stored.quarantined) == (2, 0), stored.quarantine
    dates = {report.fields["date"] for report in Report.objects.filter(source_list=partner)}
    assert dates == {"2024-03-02"}


class _DroppingProxy(http.server.BaseHTTPRequestHandler):
    """Forwards each request to the server; the first POST's answer is lost on the way back,
    as when a connection drops after the server stored the batch."""

    target = ""
    dropped: list[str] = []

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host",)}
        request = urllib.request.Request(  # noqa: S310 - the live test server's http address
            self.target + self.path, data=body, headers=headers, method=self.command
        )
        try:
            with urllib.request.urlopen(request) as answer:  # noqa: S310 - the live test server
                status, answer_headers, content = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, content = error.code, error.headers, error.read()
        if self.command == "POST" and not self.dropped:
            self.dropped.append(self.path)
            self.close_connection = True
            return
        self.send_response(status)
        for name in ("Content-Type", "Retry-After"):
            if answer_headers.get(name):
                self.send_header(name, answer_headers[name])
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def dropping_proxy(live_server: Any) -> Iterator[str]:
    handler = type("Proxy", (_DroppingProxy,), {"target": live_server.url, "dropped": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_upload_whose_answer_was_lost_is_sent_again_and_stored_once(
    transactional_db: None, cast: Cast, dropping_proxy: str
) -> None:
    partner = SourceListFactory(name="Partner network", organisation=cast.organisation)
    _token, key = api_token_create(user=cast.owner, name="notebook", scope="write")
    (answer,) = Client(dropping_proxy, key).reports.upload(
        partner.pk, RECORDS, mapping="demo_partner.yaml"
    )
    assert answer.replayed and answer.stored == 2
    assert ImportBatch.objects.count() == 1
    assert Report.objects.filter(source_list=partner).count() == 2


@pytest.mark.usefixtures("runs_computed_when_started")
def test_the_client_runs_an_estimate_and_waits_for_the_figures_the_run_page_shows(
    owner_client: Client, cast: Cast
) -> None:
    world_build(cast)
    run = owner_client.estimates.run(method="loglinear", stratify_by="year", seed=5, poll=0.1)
    assert run.status == "done" and run.seed == 5 and run.methods == ["loglinear"]
    stored = EstimateRun.objects.get(pk=run.id)
    shown = [
        (stratum.stratum, stratum.observed, entry.estimate if entry.quotable else None)
        for stratum in presenting.run_entries(stored)
        for entry in stratum.methods
    ]
    assert [
        (stratum.stratum, stratum.documented, result.estimate)
        for stratum in run.strata
        for result in stratum.results
    ] == shown
    frame = run.frame()
    assert list(frame["stratum"]) == [stratum for stratum, _n, _e in shown]
    assert list(frame["method"]) == ["loglinear"] * len(shown)
    assert [row.id for row in owner_client.estimates.list()] == [run.id]
    assert owner_client.estimates.get(run.id) == run


def test_a_run_not_finished_in_time_is_a_timeout_and_goes_on(
    owner_client: Client, cast: Cast, settings: Any
) -> None:
    settings.DOZOR_ESTIMATION_WORKER = "command"  # no worker: the run stays queued
    world_build(cast)
    queued = owner_client.estimates.run(stratify_by="none", wait=False)
    assert queued.status == "queued" and not queued.finished
    with pytest.raises(TimeoutError, match=f"estimates.get\\({queued.id}\\)"):
        owner_client.estimates.wait(queued.id, poll=0.05, timeout=0.2)
    assert owner_client.estimates.cancel(queued.id).status == "cancelled"


def test_a_refused_estimate_choice_is_an_api_error_naming_the_field(
    owner_client: Client, cast: Cast
) -> None:
    world_build(cast)
    with pytest.raises(ApiError) as refused:
        owner_client.estimates.run(stratify_by="month")
    assert refused.value.status == 400
    assert [error["field"] for error in refused.value.errors] == ["stratify_by"]
    assert not EstimateRun.objects.exists()


def test_the_client_reads_the_report_card_and_the_annual_figures(
    owner_client: Client, cast: Cast
) -> None:
    IncidentFactory(organisation=cast.organisation, date_start=datetime.date(2024, 5, 1))
    card = owner_client.report_card("RU", 2024)
    assert card["documented"] == 1 and card["commitments"]
    annual = owner_client.annual("ru", 2024)
    assert annual["totals"]["incidents"] == 1
    with pytest.raises(ApiError) as refused:
        owner_client.annual("XX", 2024)
    assert refused.value.status == 404


def test_the_client_follows_a_case_through_its_timeline_the_raise_list_and_the_exports(
    owner_client: Client,
) -> None:
    incident = owner_client.incidents.create(
        title="Нападение на активиста",
        incident_type="physical_assault",
        date_start="2024-03-02",
        region="RU-MOW",
    )
    responses = owner_client.responses
    event = responses.add_event(
        incident.reference, kind="case_opened", date="2024-03-10", articles=["ru_cc_116"]
    )
    corrected = responses.correct_event(incident.reference, event["id"], date="2024-03-11")
    events = {item["id"]: item for item in responses.timeline(incident.reference)["events"]}
    assert events[event["id"]]["superseded_by"] == corrected["id"]
    assert events[corrected["id"]]["superseded"] is False
    entry = responses.raise_list_add(incident.reference, priority="high", reason="Год без дела.")
    assert [item["id"] for item in responses.raise_list()] == [entry["id"]]
    responses.raise_list_remove(entry["id"])
    assert responses.raise_list() == []
    exported = owner_client.exports.incidents("csv", region="RU-MOW").decode("utf-8")
    assert incident.reference in exported
    assert list(owner_client.linkage.pairs()) == []
