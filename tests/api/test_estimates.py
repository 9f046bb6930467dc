"""/api/v1/estimate-runs/ on the small world of tests/estimation: what the Estimates page and a
run's page give each caller, the form's checks and messages, a run started by the API executed
by the worker, its figures as the run's page shows them, and stopping it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from dozor.accounts.models import Role
from dozor.api.auth import MSG_READ_ONLY
from dozor.audit.models import AuditEntry
from dozor.estimation.forms import EstimateRunForm
from dozor.estimation.models import EstimateRun, RunStatus
from dozor.estimation.selectors import MSG_TOO_FEW_LISTS, MSG_UNKNOWN_COUNTRY
from dozor.estimation.services import MSG_RUN_FINISHED
from dozor.security.crypto import KeyRing
from dozor.security.keyring import keyring_set
from tests.api.conftest import ApiClient, key_for
from tests.conftest import Cast
from tests.estimation.conftest import World, world_build
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RUNS = "/api/v1/estimate-runs/"
RUN_LINK = re.compile(r'href="/estimates/(\d+)/"')
CHOICES = {"method": ["loglinear"], "stratify_by": "year", "seed": 4}


@pytest.fixture(autouse=True)
def runs_wait_for_the_worker(settings: Any) -> None:
    """The test runs the worker itself; no background thread races the test's transaction."""
    settings.DOZOR_ESTIMATION_WORKER = "command"


@pytest.fixture
def world(cast: Cast) -> World:
    return world_build(cast)


def started(client: ApiClient, **choices: Any) -> Any:
    return client.post(RUNS, {**CHOICES, **choices})


def run_pending() -> None:
    call_command("estimate", "--run-pending", stdout=StringIO(), stderr=StringIO())


def test_a_started_run_is_accepted_with_where_to_follow_it(
    world: World, callers: dict[str, ApiClient]
) -> None:
    answer = started(callers["owner"])
    assert answer.status_code == 202, answer.content
    run = EstimateRun.objects.get()
    body = answer.json()
    assert body["id"] == run.pk and body["status"] == RunStatus.QUEUED
    assert answer["Location"] == body["url"] == f"http://testserver{RUNS}{run.pk}/"
    assert (run.method_list, run.stratify_by, run.seed) == (["loglinear"], "year", 4)
    assert run.created_by == world.cast.owner


@pytest.mark.parametrize("who", ["owner", "colleague", "reader", "outsider"])
def test_each_caller_gets_the_runs_and_the_run_the_estimates_pages_give_them(
    world: World, callers: dict[str, ApiClient], who: str
) -> None:
    run_id = started(callers["owner"]).json()["id"]
    page = world.cast.client(who).get(reverse("estimation:run_list")).content.decode()
    listed = callers[who].get(RUNS)
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()] == [int(pk) for pk in RUN_LINK.findall(page)]
    web = world.cast.client(who).get(reverse("estimation:run_detail", args=[run_id]))
    assert callers[who].get(f"{RUNS}{run_id}/").status_code == web.status_code


@pytest.mark.parametrize("who", ["anonymous", "expired", "revoked"])
def test_no_usable_token_gets_nothing(
    world: World, callers: dict[str, ApiClient], who: str
) -> None:
    run_id = started(callers["owner"]).json()["id"]
    for answer in (
        callers[who].get(RUNS),
        callers[who].get(f"{RUNS}{run_id}/"),
        started(callers[who]),
        callers[who].post(f"{RUNS}{run_id}/cancel/", {}),
    ):
        assert answer.status_code == 401
    assert EstimateRun.objects.count() == 1


def test_a_read_only_token_reads_runs_but_starts_none(
    world: World, callers: dict[str, ApiClient]
) -> None:
    answer = started(callers["owner_read_only"])
    assert answer.status_code == 403
    assert answer.json()["detail"] == str(MSG_READ_ONLY)
    assert not EstimateRun.objects.exists()
    assert callers["owner_read_only"].get(RUNS).status_code == 200


def test_a_reader_starts_a_run_with_a_token_that_writes_as_on_the_estimates_page(
    world: World, cast: Cast
) -> None:
    web = cast.client("reader").post(reverse("estimation:run_list"), {"stratify_by": "none"})
    assert web.status_code == 302
    reader = ApiClient(key_for(cast.reader, scope="write"))
    answer = reader.post(RUNS, {"stratify_by": "none"})
    assert answer.status_code == 202, answer.content
    assert [run.created_by for run in EstimateRun.objects.all()] == [cast.reader, cast.reader]
    # The same token records no incident: that endpoint checks its own permission.
    assert reader.post("/api/v1/incidents/", {"title": "x"}).status_code == 403


def test_an_analyst_starts_a_run_too(world: World, cast: Cast) -> None:
    analyst = UserFactory(organisation=cast.organisation, role=Role.ANALYST)
    answer = ApiClient(key_for(analyst, scope="write")).post(RUNS, {"stratify_by": "none"})
    assert answer.status_code == 202, answer.content


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_choice_the_form_refuses_gets_the_forms_message_naming_the_field(
    world: World, callers: dict[str, ApiClient], language: str
) -> None:
    client = callers["owner"]
    answer = client.client.post(
        RUNS,
        {"stratify_by": "month", "seed": -1},
        content_type="application/json",
        headers={**client.headers, "Accept-Language": language},
    )
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/problem+json"
    with translation.override(language):
        form = EstimateRunForm({"stratify_by": "month", "seed": "-1"}, list_choices=[])
        expected = {(field, str(text)) for field, errors in form.errors.items() for text in errors}
    assert expected == {(e["field"], e["message"]) for e in answer.json()["errors"]}
    assert {"stratify_by", "seed"} <= {field for field, _message in expected}
    if language == "ru":
        assert all(re.search("[а-я]", e["message"]) for e in answer.json()["errors"])
    assert not EstimateRun.objects.exists()


def test_a_country_that_is_none_is_refused_naming_the_country(
    world: World, callers: dict[str, ApiClient]
) -> None:
    answer = started(callers["owner"], country="XX")
    assert answer.status_code == 400
    assert answer.json()["errors"] == [
        {
            "field": "country",
            "code": "unknown_country",
            "message": str(MSG_UNKNOWN_COUNTRY) % {"value": "XX"},
        }
    ]


def test_too_few_lists_are_refused_naming_the_lists(
    world: World, callers: dict[str, ApiClient]
) -> None:
    answer = started(callers["owner"], lists=[world.a.pk, world.b.pk])
    assert answer.status_code == 400
    [error] = answer.json()["errors"]
    assert error["field"] == "lists" and error["code"] == "too_few_lists"
    assert error["message"] == str(MSG_TOO_FEW_LISTS) % {
        "count": 2,
        "names": f"{world.a.name}, {world.b.name}",
    }


def test_a_list_the_caller_has_no_record_of_is_not_a_choice(
    world: World, callers: dict[str, ApiClient]
) -> None:
    answer = started(callers["owner"], lists=[world.a.pk, world.b.pk, 999999])
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["lists"]


def test_starting_a_run_is_in_the_trail_with_the_token(
    world: World, callers: dict[str, ApiClient]
) -> None:
    started(callers["owner"])
    entry = AuditEntry.objects.get(action="estimate")
    assert (entry.actor, entry.origin) == ("owner", "api:notebook")
    assert entry.changes["seed"] == 4


@pytest.mark.parametrize("methods", [["loglinear"], ["loglinear", "dga"]])
def test_a_finished_runs_figures_are_those_its_page_shows(
    world: World, callers: dict[str, ApiClient], methods: list[str]
) -> None:
    run_id = started(callers["owner"], method=methods, stratify_by="none").json()["id"]
    run_pending()
    body = callers["owner"].get(f"{RUNS}{run_id}/").json()
    assert body["status"] == RunStatus.DONE and body["progress_percent"] == 100
    page = world.cast.client("owner").get(reverse("estimation:run_detail", args=[run_id]))
    shown = [
        (
            row["stratum"].stratum,
            row["stratum"].label,
            row["stratum"].observed,
            [
                (
                    item["entry"].method,
                    item["entry"].status,
                    item["entry"].estimate if item["entry"].quotable else None,
                    item["entry"].lower if item["entry"].quotable else None,
                    item["entry"].upper if item["entry"].quotable else None,
                    item["entry"].cautions,
                )
                for item in row["methods"]
            ],
        )
        for row in page.context["rows"]
    ]
    answered = [
        (
            stratum["stratum"],
            stratum["label"],
            stratum["documented"],
            [
                (r["method"], r["status"], r["estimate"], r["lower"], r["upper"], r["cautions"])
                for r in stratum["results"]
            ],
        )
        for stratum in body["strata"]
    ]
    assert answered == shown and shown
    assert [r["method"] for r in body["strata"][0]["results"]] == methods
    assert (body["strata"][0]["verdict"] is None) == (len(methods) == 1)


def test_the_owner_stops_their_queued_run(world: World, callers: dict[str, ApiClient]) -> None:
    run_id = started(callers["owner"]).json()["id"]
    answer = callers["owner"].post(f"{RUNS}{run_id}/cancel/", {})
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == RunStatus.CANCELLED
    assert EstimateRun.objects.get().status == RunStatus.CANCELLED


@pytest.mark.parametrize("who", ["colleague", "outsider"])
def test_another_caller_stops_no_run_as_on_the_web(
    world: World, callers: dict[str, ApiClient], who: str
) -> None:
    run_id = started(callers["owner"]).json()["id"]
    web = world.cast.client(who).post(reverse("estimation:run_cancel", args=[run_id]))
    answer = callers[who].post(f"{RUNS}{run_id}/cancel/", {})
    assert answer.status_code == web.status_code == {"colleague": 403, "outsider": 404}[who]
    assert EstimateRun.objects.get().status == RunStatus.QUEUED


def test_a_finished_run_is_not_stopped(world: World, callers: dict[str, ApiClient]) -> None:
    run_id = started(callers["owner"], stratify_by="none").json()["id"]
    run_pending()
    answer = callers["owner"].post(f"{RUNS}{run_id}/cancel/", {})
    assert answer.status_code == 400
    assert answer.json()["detail"] == str(MSG_RUN_FINISHED)
    assert EstimateRun.objects.get().status == RunStatus.DONE


@pytest.fixture
def locked() -> Iterator[None]:
    keyring_set(KeyRing.locked_because("no key given"))
    yield
    keyring_set(None)


def test_while_locked_runs_and_figures_answer_as_their_pages_do(
    world: World, callers: dict[str, ApiClient], locked: None
) -> None:
    web = world.cast.client("owner")
    page = web.post(reverse("estimation:run_list"), {"stratify_by": "none", "seed": "1"})
    answer = started(callers["owner"], stratify_by="none")
    assert (page.status_code, answer.status_code) == (302, 202)
    run_id = answer.json()["id"]
    pairs = [
        (reverse("estimation:run_detail", args=[run_id]), f"{RUNS}{run_id}/"),
        (reverse("evaluation:card", args=["RU", 2009]), "/api/v1/report-card/RU/2009/"),
        (reverse("reporting:annual") + "?country=RU&year=2009", "/api/v1/annual/RU/2009/"),
    ]
    for page_path, api_path in pairs:
        assert web.get(page_path).status_code == callers["owner"].get(api_path).status_code
