from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from dozor.accounts.models import User
from dozor.demo.models import TrueIncident
from dozor.estimation import selectors, services
from dozor.estimation.models import EstimateRun, RunStatus
from dozor.records.models import Incident
from tests.estimation.conftest import World, demo_analyst_shared
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_eleven(django_db_setup: None, django_db_blocker: Any) -> Iterator[User]:
    """The demo of seed 11 (400 incidents) and its documenter, loaded once for the module (one
    demo a module: a second would load the same organisations again)."""
    yield from demo_analyst_shared(django_db_blocker, seed=11)


def start(world: World, **kwargs: Any) -> EstimateRun:
    options: dict[str, Any] = {
        "user": world.cast.owner,
        "method": "loglinear",
        "stratify_by": "year",
    }
    return services.estimate_run_start(**{**options, **kwargs})


def test_a_run_is_stored_queued_with_its_lists_and_a_seed(world: World) -> None:
    run = start(world, seed=7)
    assert run.status == RunStatus.QUEUED and run.seed == 7
    assert run.list_names == ["A list", "B list", "C list"]
    assert run.organisation == world.cast.organisation


def test_a_run_without_a_seed_gets_one(world: World) -> None:
    assert start(world).seed is not None


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"stratify_by": "month"}, "unknown_stratum"),
        ({"method": "magic"}, "unknown_method"),
        ({"lists": ["A list", "B list"]}, "too_few_lists"),
        ({"lists": ["A list", "B list", "Nowhere"]}, "unknown_list"),
        ({"seed": "-3"}, "bad_seed"),
        ({"country": "XX"}, "unknown_country"),
        ({"settings": {"colour": 1}}, "unknown_setting"),
        ({"settings": {"level": 3}}, "bad_setting"),
    ],
)
def test_bad_requests_are_refused_and_store_nothing(
    world: World, kwargs: dict[str, Any], code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        start(world, **kwargs)
    assert caught.value.code == code
    assert not EstimateRun.objects.exists()


def test_executing_a_run_stores_one_result_per_stratum_with_the_data_hash(world: World) -> None:
    run = services.estimate_run_execute(run_id=start(world).pk)
    assert run.status == RunStatus.DONE
    assert [r["stratum"] for r in run.results] == ["2008", "2009"]
    assert run.progress_done == run.progress_total == 2
    table = selectors.capture_table(
        user=world.cast.owner, stratify_by="year", lists=[world.a, world.b, world.c]
    )
    assert run.data_hash == table.sha256()
    assert run.results[0]["observed"] == 2


def test_the_estimators_refusal_is_stored_with_the_stratum(world: World) -> None:
    run = services.estimate_run_execute(run_id=start(world).pk)
    # 2008: nobody on C and no incident on more than one list except i1 -> a refusal.
    assert "hold no observed individual" in run.results[0]["error"]


def test_a_run_is_executed_only_once(world: World) -> None:
    run = start(world)
    services.estimate_run_execute(run_id=run.pk)
    EstimateRun.objects.filter(pk=run.pk).update(results=[])
    again = services.estimate_run_execute(run_id=run.pk)
    assert again.results == []


def test_cancelling_a_queued_run_stops_it_at_once(world: World) -> None:
    run = services.estimate_run_cancel(run=start(world), user=world.cast.owner)
    assert run.status == RunStatus.CANCELLED
    assert services.estimate_run_execute(run_id=run.pk).results == []


def test_a_running_run_stops_before_its_next_stratum(world: World) -> None:
    run = start(world)

    def cancel_after_first(current: EstimateRun, stratum: str, method: str) -> None:
        if stratum == "2009":
            services.estimate_run_cancel(run=current, user=world.cast.owner)

    run = services.estimate_run_execute(run_id=run.pk, progress=cancel_after_first)
    assert run.status == RunStatus.CANCELLED
    assert [r["stratum"] for r in run.results] == ["2008"]


def test_a_finished_run_cannot_be_cancelled(world: World) -> None:
    run = services.estimate_run_execute(run_id=start(world).pk)
    with pytest.raises(ValidationError) as caught:
        services.estimate_run_cancel(run=run, user=world.cast.owner)
    assert caught.value.code == "finished"


def test_ctrl_c_in_the_command_cancels_the_run(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(**kwargs: Any) -> dict[str, Any]:
        raise KeyboardInterrupt

    monkeypatch.setattr(services, "stratum_estimate", interrupted)
    with pytest.raises(SystemExit) as exit_:
        call_command("estimate", "--user", "owner", stdout=StringIO(), stderr=StringIO())
    assert exit_.value.code == 130
    run = EstimateRun.objects.get()
    assert run.status == RunStatus.CANCELLED and run.cancel_requested


def test_a_run_that_cannot_read_its_lists_fails_with_the_reason(world: World) -> None:
    run = start(world)
    EstimateRun.objects.filter(pk=run.pk).update(lists=[*run.lists[:2], {"id": 0, "name": "Gone"}])
    run = services.estimate_run_execute(run_id=run.pk)
    assert run.status == RunStatus.FAILED and "“Gone”" in run.error


def test_runs_are_visible_to_the_organisation_only(world: World) -> None:
    run = start(world)
    assert selectors.runs_visible(world.cast.colleague).filter(pk=run.pk).exists()
    assert not selectors.runs_visible(world.cast.outsider).filter(pk=run.pk).exists()


def test_the_loglinear_interval_covers_the_demo_truth(demo_eleven: User) -> None:
    analyst = demo_eleven
    run = services.estimate_run_start(user=analyst, method="loglinear", stratify_by="none", seed=1)
    run = services.estimate_run_execute(run_id=run.pk)
    result = run.results[0]
    truth = TrueIncident.objects.count()
    assert result["observed"] == Incident.objects.count() < truth
    assert result["lower"] <= truth <= result["upper"]


def test_a_stored_run_is_reproduced(demo_eleven: User) -> None:
    analyst = demo_eleven
    run = services.estimate_run_start(
        user=analyst,
        method="lcmcr",
        stratify_by="none",
        seed=5,
        settings={"burnin": 200, "samples": 100, "thinning": 2, "adaptive": False},
    )
    run = services.estimate_run_execute(run_id=run.pk)
    outcome = services.estimate_run_reproduce(run=run, user=analyst)
    assert outcome.reproduced, outcome.differences
    assert run.results[0]["posterior"]["weights"]


def test_reproducing_after_the_data_changed_says_so(demo_eleven: User) -> None:
    analyst = demo_eleven
    run = services.estimate_run_start(user=analyst, method="loglinear", stratify_by="none")
    run = services.estimate_run_execute(run_id=run.pk)
    # An incident with evidence cannot be deleted (its files are kept): one without.
    first = selectors.incidents_visible(analyst).filter(attachments=None).order_by("pk").first()
    assert first is not None
    first.delete()
    outcome = services.estimate_run_reproduce(run=run, user=analyst)
    assert not outcome.same_data and not outcome.reproduced
    assert any("observed" in line for line in outcome.differences)


def test_estimate_latest_gives_documented_and_estimated_for_a_year(demo_eleven: User) -> None:
    analyst = demo_eleven
    run = services.estimate_run_start(
        user=analyst, method="loglinear", stratify_by="year", country="RU", seed=1
    )
    run = services.estimate_run_execute(run_id=run.pk)
    good = next(r for r in run.results if not r["error"])
    latest = selectors.estimate_latest(user=analyst, country="RU", year=int(good["stratum"]))
    assert latest is not None
    assert latest.run_id == run.pk and latest.documented == good["observed"]
    assert latest.lower <= latest.estimate
    assert selectors.estimate_latest(user=analyst, country="UA", year=2010) is None


def test_estimate_latest_is_none_for_someone_who_may_not_see_the_run(demo_eleven: User) -> None:
    analyst = demo_eleven
    run = services.estimate_run_start(
        user=analyst, method="loglinear", stratify_by="year", country="RU", seed=1
    )
    run = services.estimate_run_execute(run_id=run.pk)
    stranger = UserFactory(username="stranger")
    good = next(r for r in run.results if not r["error"])
    assert selectors.estimate_latest(user=stranger, country="RU", year=int(good["stratum"])) is None


def test_reproduce_on_the_command_line_needs_access(world: World) -> None:
    run = services.estimate_run_execute(run_id=start(world).pk)
    with pytest.raises(CommandError, match="may not see it"):
        call_command("estimate", "--reproduce", str(run.pk), "--user", "outsider")
