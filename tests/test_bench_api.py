"""bench/api.py's creations: a documenter of the bench stores one report per "create", through
the import pages (signed in with a password and a one-time code) and through the API (a token
of the write scope), and the bench's count of its creations is the count of new reports."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from dozor.intake import views as intake_views
from dozor.records.models import Report
from tests.bench_modules import bench_module
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench() -> Iterator[ModuleType]:
    with bench_module("api") as module:
        yield module


@pytest.fixture
def prepared(bench: ModuleType, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The bench's documenters (one and the baselines') and source lists, on an empty database
    but for the synthetic organisation; the clock then a code's step later, as the enrolment
    used the code of its step (a code is good once)."""
    OrganisationFactory(name=bench.ORGANISATIONS[0][0])
    found = bench.writers_prepare(1)
    later = time.time() + 30
    monkeypatch.setattr(time, "time", lambda: later)
    # The import runs in the request here: the test database is not shared with threads.
    monkeypatch.setattr(intake_views, "RUN_IN_THREAD", False)
    return dict(found)


def test_a_documenter_stores_one_report_per_create_through_the_import_pages(
    bench: ModuleType, prepared: dict[str, Any]
) -> None:
    load = bench.load
    pages = prepared["source_lists"]["pages"]
    client = bench.PageWriter(
        load.InProcessTransport(), prepared["usernames"][1], pages["id"], bench.one_time_code
    )
    client.sign_in()
    tally = load.Tally()
    for _ in range(2):
        load.operation(client, load.Request("create", ""), tally)
    assert tally.errors == []
    # The import page, the upload, the preview, the confirmation, the progress, the import.
    assert len(tally.times["create"]) == 2 and len(tally.requests) == 12
    assert Report.objects.filter(source_list_id=pages["id"]).count() == 2
    stored = bench.stored_check(prepared["source_lists"], {"pages": [client], "api": []})
    assert stored["pages"] == {
        "created": 2,
        "new_reports": 2,
        "equal": True,
        "job_page_reloads": 0,
    }


def test_a_documenters_token_stores_one_report_per_create_through_the_api(
    bench: ModuleType, prepared: dict[str, Any]
) -> None:
    load = bench.load
    documenter = prepared["usernames"][1]
    keys = bench.api_keys([], [documenter])
    api = prepared["source_lists"]["api"]
    client = bench.ApiBenchClient(
        load.InProcessTransport(), documenter, keys[documenter], api["id"]
    )
    tally = load.Tally()
    load.operation(client, load.Request("create", ""), tally)
    assert tally.errors == [] and len(tally.requests) == 1
    assert Report.objects.filter(source_list_id=api["id"]).count() == 1
    assert bench.stored_check(prepared["source_lists"], {"pages": [], "api": [client]})["api"][
        "equal"
    ]


def test_only_the_documenters_mix_draws_creations_about_one_in_seven(bench: ModuleType) -> None:
    load = bench.load
    reader = load.Mix(["/incidents/X/"], seed=3)
    writer = load.Mix(["/incidents/X/"], seed=3, weights=bench.WRITER_MIX)
    assert all(reader.next().kind != "create" for _ in range(500))
    drawn = [writer.next().kind for _ in range(2000)]
    assert 0.10 < drawn.count("create") / len(drawn) < 0.20
