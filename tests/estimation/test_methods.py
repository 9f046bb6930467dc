"""Several methods in one run: asked on the command line and the page, shown side by side."""

from __future__ import annotations

import json
from html import escape
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from dozor import config
from dozor.analysis.mse import METHODS
from dozor.estimation import services
from dozor.estimation.forms import MSG_DEFAULT_CHOSEN, default_method_reason
from dozor.estimation.models import EstimateRun, RunStatus
from dozor.estimation.outcomes import MSG_AGREE, method_name
from tests.estimation.conftest import LCMCR_SMALL, World, demo_analyst
from tests.factories import UserFactory
from tests.test_inline_styles import inline_parts

pytestmark = pytest.mark.django_db

LIST_URL = reverse("estimation:run_list")
SMALL = [f"--setting={name}={value}" for name, value in LCMCR_SMALL.items()]


def estimate(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("estimate", *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_one_run_estimates_every_group_by_each_method_asked(world: World) -> None:
    result = estimate("--user", "owner", "--by", "year", "--method", "loglinear", "dga")
    assert result["methods"] == ["loglinear", "dga"]
    for stratum in result["strata"]:
        assert [r["method"] for r in stratum["results"]] == ["loglinear", "dga"]


def test_method_all_runs_every_method_the_default_first(world: World) -> None:
    result = estimate("--user", "owner", "--by", "none", "--method", "all", *SMALL)
    assert result["methods"] == ["lcmcr", "loglinear", "dga"]
    assert [r["method"] for r in result["strata"][0]["results"]] == result["methods"]


def test_without_a_method_the_default_method_runs(world: World, settings: Any) -> None:
    settings.DOZOR_ESTIMATION_DEFAULT_METHOD = "dga"
    result = estimate("--user", "owner", "--by", "none")
    assert result["methods"] == ["dga"] and result["method"] == "dga"


def test_an_unknown_method_among_several_is_named(world: World) -> None:
    with pytest.raises(Exception, match="“guess” is not a method"):
        call_command(
            "estimate", "--user", "owner", "--method", "loglinear", "guess", stderr=StringIO()
        )
    assert not EstimateRun.objects.exists()


def test_a_setting_of_one_method_is_used_only_by_it(world: World) -> None:
    result = estimate("--user", "owner", "--by", "none", "--method", "loglinear", "lcmcr", *SMALL)
    run = EstimateRun.objects.get(pk=result["run"])
    assert run.status == RunStatus.DONE and run.settings == LCMCR_SMALL


def test_several_methods_agree_or_say_how_they_disagree() -> None:
    analyst = demo_analyst(seed=3, size=200)
    result = estimate(
        "--user", analyst.username, "--by", "none", "--method", "loglinear", "dga", "--seed", "2"
    )
    verdict = result["strata"][0]["verdict"]
    assert verdict is not None
    assert verdict["agree"] is (verdict["text"] == str(MSG_AGREE))
    assert verdict["agree"] or verdict["reasons"]


def test_one_method_has_no_verdict(world: World) -> None:
    result = estimate("--user", "owner", "--by", "none", "--method", "loglinear")
    assert result["strata"][0]["verdict"] is None


def test_the_command_prints_each_method_of_each_group(world: World) -> None:
    out = StringIO()
    call_command(
        *("estimate", "--user", "owner", "--by", "none", "--method", "loglinear", "dga"),
        stdout=out,
        stderr=StringIO(),
    )
    lines = out.getvalue().splitlines()
    assert any(" loglinear " in line for line in lines)
    assert any(" dga " in line for line in lines)


def test_the_form_ticks_the_default_method_and_says_why(world: World) -> None:
    text = world.cast.client("owner").get(LIST_URL).content.decode()
    assert 'value="lcmcr" id="id_method_1" checked' in text
    assert escape(default_method_reason()) in text


def test_the_form_says_when_the_installation_chose_another_default(
    world: World, settings: Any
) -> None:
    settings.DOZOR_ESTIMATION_DEFAULT_METHOD = "loglinear"
    text = world.cast.client("owner").get(LIST_URL).content.decode()
    expected = str(MSG_DEFAULT_CHOSEN) % {
        "method": method_name("loglinear"),
        "recommended": method_name("lcmcr"),
    }
    assert escape(expected) in text


def test_the_form_starts_a_run_with_the_methods_ticked(world: World) -> None:
    world.cast.client("owner").post(
        LIST_URL, {"method": ["loglinear", "dga"], "stratify_by": "none", "seed": "3"}
    )
    assert EstimateRun.objects.get().method_list == ["loglinear", "dga"]


def test_the_form_with_no_method_ticked_runs_the_default(world: World) -> None:
    world.cast.client("owner").post(LIST_URL, {"stratify_by": "none", "seed": "3"})
    assert EstimateRun.objects.get().method_list == ["lcmcr"]


def test_the_run_page_shows_the_methods_side_by_side_with_diagnostics(world: World) -> None:
    run_id = estimate("--user", "owner", "--by", "none", "--method", "all", *SMALL)["run"]
    page = world.cast.client("owner").get(reverse("estimation:run_detail", args=[run_id]))
    text = page.content.decode()
    for method in ("loglinear", "lcmcr", "dga"):
        assert f"<td>{escape(method_name(method))}</td>" in text
    assert 'class="chart trace"' in text and 'class="chart posterior"' in text
    assert "R-hat of the total" in text and "Latent classes used" in text
    assert "<script" not in text and inline_parts(text) == []


@pytest.mark.django_db(transaction=True)
def test_a_run_stored_before_several_methods_keeps_its_method() -> None:
    before = [("estimation", "0001_initial")]
    after = [("estimation", "0002_several_methods_and_published_figures")]
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        apps = executor.loader.project_state(before).apps
        apps.get_model("estimation", "EstimateRun").objects.create(
            created_by_id=UserFactory(username="old").pk,
            status="done",
            method="dga",
            stratify_by="none",
            lists=[],
            seed=1,
            results=[{"stratum": "all", "observed": 9, "estimate": 12.0, "error": ""}],
        )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    run = EstimateRun.objects.get()
    assert run.method_list == ["dga"] and run.results[0]["method"] == "dga"
    assert run.result_for("all") is not None


def test_an_old_run_without_methods_is_shown(world: World) -> None:
    run = services.estimate_run_execute(
        run_id=services.estimate_run_start(
            user=world.cast.owner, method="loglinear", stratify_by="none", seed=1
        ).pk
    )
    # As a run was stored before runs had several methods: no list of methods, no method key.
    EstimateRun.objects.filter(pk=run.pk).update(
        methods=[], results=[{k: v for k, v in run.results[0].items() if k != "method"}]
    )
    page = world.cast.client("owner").get(reverse("estimation:run_detail", args=[run.pk]))
    assert page.status_code == 200
    assert f"<td>{escape(method_name('loglinear'))}</td>" in page.content.decode()


def test_the_settings_know_every_method() -> None:
    assert config.ESTIMATION_METHODS == METHODS


def test_the_settings_default_method_is_the_one_the_coverage_study_recommends() -> None:
    from dozor import config
    from dozor.analysis.mse import DEFAULT_METHOD

    declared = next(
        s.default for s in config.SETTINGS if s.name == "DOZOR_ESTIMATION_DEFAULT_METHOD"
    )
    assert declared == DEFAULT_METHOD
