"""Each request's time in the log: a warning when slow, and never what the request carried."""

from __future__ import annotations

import itertools
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from dozor import request_timing
from tests.conftest import Cast

VICTIM = "Султонова"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The middleware's clock: each request takes the seconds the test puts in ``clock[0]``."""
    elapsed = [0.0]
    readings = itertools.count()

    def perf_counter() -> float:
        # The middleware reads the clock twice a request: when it starts and when it ends.
        return 0.0 if next(readings) % 2 == 0 else elapsed[0]

    monkeypatch.setattr(request_timing, "time", SimpleNamespace(perf_counter=perf_counter))
    return elapsed


@pytest.fixture
def requests_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="dozor.requests")
    return caplog


def timing_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "dozor.requests"]


def timing_log(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(record.getMessage() for record in timing_records(caplog))


def test_a_slow_request_is_logged_as_a_warning_with_its_page_and_time(
    cast: Cast, clock: list[float], requests_log: pytest.LogCaptureFixture
) -> None:
    clock[0] = 0.7314
    cast.client("owner").get("/incidents/")
    [record] = timing_records(requests_log)
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "slow request: GET records:incident_list 200 731 ms"


def test_a_request_under_the_threshold_is_logged_at_debug_only(
    cast: Cast, clock: list[float], requests_log: pytest.LogCaptureFixture
) -> None:
    clock[0] = 0.120
    cast.client("owner").get("/incidents/")
    [record] = timing_records(requests_log)
    assert record.levelno == logging.DEBUG
    assert record.getMessage() == "request: GET records:incident_list 200 120 ms"


def test_the_threshold_is_the_setting(
    cast: Cast, clock: list[float], requests_log: pytest.LogCaptureFixture, settings: Any
) -> None:
    settings.DOZOR_SLOW_REQUEST_MS = 100
    clock[0] = 0.120
    cast.client("owner").get("/incidents/")
    assert [record.levelno for record in timing_records(requests_log)] == [logging.WARNING]


def test_a_search_for_a_name_never_reaches_the_log(
    cast: Cast, clock: list[float], requests_log: pytest.LogCaptureFixture
) -> None:
    clock[0] = 2.5
    cast.client("owner").get("/incidents/", {"q": VICTIM, "region": "RU-MOW"})
    logged = timing_log(requests_log)
    assert logged == "slow request: GET records:incident_list 200 2500 ms"
    assert VICTIM not in logged and "q=" not in logged and "RU-MOW" not in logged


def test_a_posted_form_never_reaches_the_log(
    cast: Cast, clock: list[float], requests_log: pytest.LogCaptureFixture
) -> None:
    clock[0] = 0.9
    Client().post("/accounts/login/", {"username": VICTIM, "password": "secret-pass-phrase"})
    assert timing_records(requests_log)[0].getMessage() == "slow request: POST login 200 900 ms"
    logged = timing_log(requests_log)
    assert VICTIM not in logged and "secret-pass-phrase" not in logged


def test_a_path_that_matches_no_page_is_logged_as_unmatched_not_as_typed(
    cast: Cast, clock: list[float], requests_log: pytest.LogCaptureFixture
) -> None:
    clock[0] = 0.6
    cast.client("owner").get(f"/victims/{VICTIM}/")
    assert timing_records(requests_log)[0].getMessage() == "slow request: GET unmatched 404 600 ms"
    assert VICTIM not in timing_log(requests_log)


def test_an_incidents_page_is_logged_by_its_page_name_not_its_reference(
    cast: Cast, clock: list[float], requests_log: pytest.LogCaptureFixture
) -> None:
    clock[0] = 0.6
    response = cast.client("owner").get(f"/incidents/{cast.incident.reference}/")
    assert response.status_code == 200
    message = timing_records(requests_log)[0].getMessage()
    assert message == "slow request: GET records:incident_detail 200 600 ms"


def test_a_static_file_is_logged_by_its_path(
    db: None, clock: list[float], requests_log: pytest.LogCaptureFixture
) -> None:
    clock[0] = 0.6
    Client().get("/static/dozor/dozor.css")
    message = timing_records(requests_log)[0].getMessage()
    assert message == "slow request: GET /static/dozor/dozor.css 200 600 ms"
