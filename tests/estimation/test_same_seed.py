"""Same seed, same answer: `dozor estimate`, the Estimates page and `dozor mse` give one figure.

The table `dozor estimate` used is written with --write-table and read by `dozor mse`; the lists
are run in the order of their names whatever the order of the columns or of --lists.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from dozor.accounts.models import User
from dozor.analysis.mse.cli import main as mse_main
from dozor.estimation import outcomes
from dozor.estimation.models import EstimateRun
from tests.estimation.conftest import LCMCR_SMALL, demo_analyst_shared

pytestmark = pytest.mark.django_db

SEED = "12"
SMALL_SETTINGS = [f"--setting={name}={value}" for name, value in LCMCR_SMALL.items()]
SMALL_OPTIONS = [
    "--fixed" if name == "adaptive" else f"--{name}={value}"
    for name, value in LCMCR_SMALL.items()
    if not (name == "adaptive" and value)
]


def estimate(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("estimate", *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def mse(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    capsys.readouterr()
    assert mse_main([*args, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def figures(entry: dict[str, Any]) -> tuple[Any, Any, Any]:
    """The figure and interval, whether or not the result is one to quote."""
    shown = entry.get("not_for_quoting") or entry
    return shown.get("estimate"), shown.get("lower"), shown.get("upper")


@pytest.fixture(scope="module")
def demo_three(django_db_setup: None, django_db_blocker: Any) -> Iterator[User]:
    """The demo of seed 3 (200 incidents) and its documenter, loaded once for the module."""
    yield from demo_analyst_shared(django_db_blocker, seed=3, size=200)


@pytest.fixture
def analyst(demo_three: User, db: None) -> str:
    return demo_three.username


@pytest.mark.parametrize("method", ["lcmcr", "loglinear", "dga"])
def test_dozor_estimate_and_dozor_mse_agree_on_one_table_and_seed(
    analyst: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], method: str
) -> None:
    table = tmp_path / "table.csv"
    settings = SMALL_SETTINGS if method == "lcmcr" else []
    options = SMALL_OPTIONS if method == "lcmcr" else []
    run = estimate(
        *("--user", analyst, "--by", "none", "--method", method, "--seed", SEED),
        *settings,
        *("--write-table", str(table)),
    )
    from_file = mse(capsys, str(table), "--method", method, "--seed", SEED, *options)
    stratum = run["strata"][0]
    assert from_file["observed"] == stratum["observed"]
    assert figures(from_file) == figures(stratum["results"][0])


def test_the_written_table_is_the_one_the_run_hashed(analyst: str, tmp_path: Path) -> None:
    table = tmp_path / "table.csv"
    run = estimate(
        "--user", analyst, "--by", "none", "--method", "loglinear", "--write-table", str(table)
    )
    assert hashlib.sha256(table.read_bytes()).hexdigest() == run["data_hash"]


def test_the_order_of_the_columns_does_not_change_the_answer(
    analyst: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "table.csv"
    estimate(
        "--user", analyst, "--by", "none", "--method", "loglinear", "--write-table", str(table)
    )
    frame = pd.read_csv(table)
    lists = [c for c in frame.columns if c not in ("stratum", "count")]
    shuffled = tmp_path / "shuffled.csv"
    frame[["count", *reversed(lists), "stratum"]].to_csv(shuffled, index=False)
    args = ["--method", "lcmcr", "--seed", SEED, *SMALL_OPTIONS]
    assert figures(mse(capsys, str(table), *args)) == figures(mse(capsys, str(shuffled), *args))


def test_the_order_lists_are_named_in_does_not_change_the_answer(analyst: str) -> None:
    run = estimate(
        "--user", analyst, "--by", "none", "--method", "lcmcr", "--seed", SEED, *SMALL_SETTINGS
    )
    lists = EstimateRun.objects.get(pk=run["run"]).list_names
    named = estimate(
        *("--user", analyst, "--by", "none", "--method", "lcmcr", "--seed", SEED),
        *SMALL_SETTINGS,
        *("--lists", *reversed(lists)),
    )
    assert named["data_hash"] == run["data_hash"]
    assert figures(named["strata"][0]) == figures(run["strata"][0])


def test_the_page_and_the_command_agree_on_one_seed(analyst: str) -> None:
    client = Client()
    client.force_login(User.objects.get(username=analyst))
    client.post("/estimates/", {"method": ["loglinear"], "stratify_by": "year", "seed": SEED})
    call_command("estimate", "--run-pending", stdout=StringIO(), stderr=StringIO())
    on_the_page = EstimateRun.objects.get()
    by_command = estimate(
        "--user", analyst, "--by", "year", "--method", "loglinear", "--seed", SEED
    )
    assert on_the_page.data_hash == by_command["data_hash"]
    stored = [
        (r["stratum"], r.get("estimate"), outcomes.status(r, "loglinear"))
        for r in on_the_page.results
    ]
    assert stored == [(s["stratum"], figures(s)[0], s.get("status")) for s in by_command["strata"]]


def test_dozor_mse_estimates_one_group_of_a_table_by_year(
    analyst: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "table.csv"
    run = estimate(
        *("--user", analyst, "--by", "year", "--method", "loglinear", "--seed", SEED),
        *("--write-table", str(table)),
    )
    group = next(s for s in run["strata"] if s.get("estimate") is not None)
    from_file = mse(capsys, str(table), "--stratum", group["stratum"], "--method", "loglinear")
    assert figures(from_file) == figures(group)


def test_dozor_mse_asks_which_group_of_a_table_with_several(
    analyst: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "table.csv"
    estimate(
        "--user", analyst, "--by", "year", "--method", "loglinear", "--write-table", str(table)
    )
    assert mse_main([str(table)]) == 2
    assert "choose one with --stratum" in capsys.readouterr().err


def test_write_table_into_a_missing_folder_is_refused_before_the_run(
    analyst: str, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match=r"--write-table .*no such folder"):
        call_command(
            "estimate",
            *("--user", analyst, "--write-table", str(tmp_path / "nowhere" / "t.csv")),
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert not EstimateRun.objects.exists()


def test_a_setting_switched_off_is_given_to_dozor_mse_as_its_option(
    analyst: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "table.csv"
    capsys.readouterr()
    run = estimate(
        *("--user", analyst, "--by", "none", "--method", "loglinear"),
        *("--setting=heterogeneity_check=no", "--write-table", str(table)),
    )
    said = capsys.readouterr().err
    assert "--seed" in said and said.rstrip().endswith(
        "--no-heterogeneity-check` gives this run's figures."
    )
    from_file = mse(capsys, str(table), "--method", "loglinear", "--no-heterogeneity-check")
    assert from_file["settings"]["heterogeneity_check"] is False
    assert figures(from_file) == figures(run["strata"][0]["results"][0])
