"""A figure not to quote is never shown as a plain figure, and the verdict says why methods differ.

The estimator marks a result ``not_converged`` or ``prior_driven``, with cautions as codes and
LCMCR's diagnostics (dozor.analysis.mse's results). The runs here go through the command and the
page; ``shaped`` (conftest) gives the results those marks, as the estimator would.
"""

from __future__ import annotations

import csv
import json
from html import escape
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from dozor.accounts.models import Role
from dozor.estimation import outcomes, selectors, services
from dozor.estimation.models import EstimateRun
from dozor.estimation.outcomes import verdict
from tests.estimation.conftest import World, demo_analyst
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOT_CONVERGED = {
    "status": "not_converged",
    "cautions": [{"code": "chains_disagree", "params": {"rhat": 1.28}}],
}
PRIOR_DRIVEN = {
    "status": "prior_driven",
    "cautions": [{"code": "complete_graph_three_lists", "params": {}}],
}
LINKAGE = {"linkage": {"estimate": 9.0, "lower": 5.0, "upper": 31.0, "replicates": 20}}


def run(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("estimate", "--user", "owner", "--by", "none", *args, "--json", stdout=out)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def result(estimate: float, lower: float, upper: float | None, **more: Any) -> dict[str, Any]:
    return {"observed": 1936, "estimate": estimate, "lower": lower, "upper": upper, **more}


# --- the verdict -------------------------------------------------------------------------------


def test_intervals_that_do_not_overlap_and_an_unconverged_chain_are_said_plainly() -> None:
    found = verdict(
        {
            "loglinear": result(3572, 3228, 4031, status="ok", cautions=[]),
            "lcmcr": result(2398, 2149, 3091, **NOT_CONVERGED),
        }
    )
    assert found is not None and not found.agree
    assert found.text == (
        "The methods disagree: log-linear 3,572 [3,228–4,031] does not overlap LCMCR 2,398 "
        "[2,149–3,091]; LCMCR did not converge."
    )


def test_overlapping_intervals_without_flags_agree() -> None:
    found = verdict(
        {
            "loglinear": result(2500, 2200, 2900, status="ok", cautions=[]),
            "lcmcr": result(2398, 2149, 3091, status="ok", cautions=[]),
        }
    )
    assert found is not None and found.agree and found.text == str(outcomes.MSG_AGREE)


def test_an_interval_without_upper_limit_overlaps_any_above_its_lower() -> None:
    found = verdict(
        {"loglinear": result(5000, 2000, None, cautions=[]), "dga": result(9000, 8000, 9900)}
    )
    assert found is not None and not any(r["code"] == "no_overlap" for r in found.reasons)


def test_a_prior_driven_result_is_a_reason_even_when_intervals_overlap() -> None:
    found = verdict(
        {
            "loglinear": result(1950, 1940, 2300, cautions=[]),
            "dga": result(1945, 1936, 11390, **PRIOR_DRIVEN),
        }
    )
    assert found is not None and not found.agree
    assert {"code": "prior_driven", "method": "dga"} in found.reasons
    assert found.text.startswith("The intervals overlap, but")


def test_a_refused_method_is_named() -> None:
    found = verdict(
        {
            "loglinear": result(1950, 1940, 2300, cautions=[]),
            "dga": {"observed": 1936, "error": "too many lists", "error_kind": "MSEError"},
        }
    )
    assert found is not None and "dga refused this group" in found.text


def test_a_cautioned_method_is_named() -> None:
    found = verdict(
        {
            "loglinear": result(
                1950, 1940, 2300, cautions=[{"code": "thin_overlap", "params": {}}]
            ),
            "lcmcr": result(1990, 1900, 2400, status="ok", cautions=[]),
        }
    )
    assert found is not None and {"code": "cautioned", "method": "loglinear"} in found.reasons


def test_one_method_has_no_verdict() -> None:
    assert verdict({"lcmcr": result(2398, 2149, 3091)}) is None


def test_an_lcmcr_result_stored_without_a_status_whose_chains_disagree_is_not_converged() -> None:
    stored = result(2398, 2149, 3091, details={"rhat": 1.28}, warnings=["chains disagree"])
    assert outcomes.status(stored, "lcmcr") == outcomes.NOT_CONVERGED


# --- never a plain figure ------------------------------------------------------------------------


def test_json_gives_no_figure_for_an_unconverged_result(
    world: World, shaped: dict[str, dict[str, Any]]
) -> None:
    shaped["loglinear"] = NOT_CONVERGED
    stratum = run("--method", "loglinear")["strata"][0]
    assert stratum["estimate"] is None and stratum["status"] == "not_converged"
    assert stratum["not_for_quoting"]["estimate"] is not None
    assert stratum["results"][0]["estimate"] is None


def test_the_csv_keeps_an_unconverged_figure_out_of_the_estimate_column(
    world: World, shaped: dict[str, dict[str, Any]]
) -> None:
    shaped["loglinear"] = PRIOR_DRIVEN
    run_id = run("--method", "loglinear", "dga")["run"]
    body = world.cast.client("owner").get(reverse("estimation:run_csv", args=[run_id]))
    rows = {row["method"]: row for row in csv.DictReader(StringIO(body.content.decode()))}
    assert rows["loglinear"]["status"] == "prior_driven"
    assert rows["loglinear"]["estimate"] == "" and rows["loglinear"]["estimate_not_to_quote"]
    assert rows["dga"]["estimate"] != "" and rows["dga"]["estimate_not_to_quote"] == ""


def test_the_command_labels_an_unconverged_figure(
    world: World, shaped: dict[str, dict[str, Any]]
) -> None:
    shaped["loglinear"] = NOT_CONVERGED
    out = StringIO()
    call_command("estimate", "--user", "owner", "--by", "none", "--method", "loglinear", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if " loglinear " in line)
    assert "NOT CONVERGED, not to quote:" in line


def test_the_page_labels_an_unconverged_figure_and_does_not_chart_it(
    world: World, shaped: dict[str, dict[str, Any]]
) -> None:
    shaped["lcmcr"] = NOT_CONVERGED
    run_id = run(
        "--method", "lcmcr", "--setting=burnin=50", "--setting=samples=20", "--setting=adaptive=no"
    )["run"]
    text = world.cast.client("owner").get(reverse("estimation:run_detail", args=[run_id]))
    page = text.content.decode()
    assert '<strong class="flag">Not converged</strong>' in page
    assert '<span class="flagged-figure">not to quote:' in page
    assert escape(str(outcomes.STATUS_EXPLAINED["not_converged"])) in page
    chart = page.split('<figure class="chart">')[1].split("</figure>")[0]
    assert "estimated, with interval: " not in chart


def test_the_page_gives_cautions_in_words(world: World, shaped: dict[str, dict[str, Any]]) -> None:
    shaped["loglinear"] = NOT_CONVERGED
    run_id = run("--method", "loglinear")["run"]
    page = world.cast.client("owner").get(reverse("estimation:run_detail", args=[run_id]))
    words = outcomes.caution_words(NOT_CONVERGED)
    assert words and all(escape(text) in page.content.decode() for text in words)


def test_an_unconverged_estimate_offers_no_publishing(
    world: World, shaped: dict[str, dict[str, Any]]
) -> None:
    shaped["loglinear"] = NOT_CONVERGED
    run_id = run("--method", "loglinear")["run"]
    client = Client()
    client.force_login(
        UserFactory(username="analyst", organisation=world.cast.organisation, role=Role.ANALYST)
    )
    page = client.get(reverse("estimation:run_detail", args=[run_id])).content.decode()
    assert "Publish this count" in page and "Publish this estimate" not in page


# --- with the uncertainty of the links ----------------------------------------------------------


def test_the_interval_with_linkage_uncertainty_is_shown_beside_the_other(
    world: World, shaped: dict[str, dict[str, Any]]
) -> None:
    shaped["loglinear"] = LINKAGE
    result_json = run("--method", "loglinear")
    assert result_json["strata"][0]["linkage"] == LINKAGE["linkage"]
    page = world.cast.client("owner").get(
        reverse("estimation:run_detail", args=[result_json["run"]])
    )
    text = page.content.decode()
    assert "With the uncertainty of the links" in text and "links taken as certain" in text
    assert "9 [5–31]" in text


def test_a_run_without_linkage_uncertainty_has_no_such_column(world: World) -> None:
    run_id = run("--method", "loglinear")["run"]
    page = world.cast.client("owner").get(reverse("estimation:run_detail", args=[run_id]))
    assert "With the uncertainty of the links" not in page.content.decode()


def test_the_latest_estimate_for_indicators_skips_a_figure_not_to_quote(
    shaped: dict[str, dict[str, Any]],
) -> None:
    analyst = demo_analyst(seed=11, size=200)

    def by_year() -> EstimateRun:
        run = services.estimate_run_start(
            user=analyst, method="loglinear", stratify_by="year", country="RU", seed=1
        )
        return services.estimate_run_execute(run_id=run.pk)

    quotable = by_year()
    year = int(next(r for r in quotable.results if r.get("estimate") is not None)["stratum"])
    shaped["loglinear"] = NOT_CONVERGED
    by_year()  # the later run: its figures are not to quote
    found = selectors.estimate_latest(user=analyst, country="RU", year=year)
    assert found is not None and found.run_id == quotable.pk
