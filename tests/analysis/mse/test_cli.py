from __future__ import annotations

import json
from pathlib import Path

import pytest

from dozor.analysis.mse.cli import main

from .conftest import DATA


def test_json_output_is_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(DATA / "HIV.csv"), "--method", "loglinear", "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert {"observed", "estimate", "lower", "upper", "method"} <= set(data)
    assert data["observed"] == 1896 and data["method"] == "loglinear"
    assert round(data["estimate"], 1) == 12318.5
    assert data["lower"] < data["estimate"] < data["upper"]


def test_readable_summary_and_count_column(capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(DATA / "UKdat.csv"), "--count-column", "count", "--method", "loglinear"]
    code = main([*args, "--selection", "stepwise"])
    assert code == 0
    out = capsys.readouterr().out
    assert "Observed (on at least one list): 2,744" in out
    assert "95% interval" in out and "Caution:" in out


def test_lcmcr_seed_repeats(capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(DATA / "lesbian.csv"), "--method", "lcmcr", "--seed", "4", "--json"]
    args += ["--K", "4", "--burnin", "500", "--samples", "100", "--thinning", "5", "--fixed"]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    second = json.loads(capsys.readouterr().out)
    assert first["estimate"] == second["estimate"] and first["seed"] == 4


def test_dga_method(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(DATA / "madigan_york_3list_example.csv"), "--method", "dga", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["method"] == "dga" and data["estimate"] >= data["observed"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "no such file"),
        ("a,b,c,count\n1,0,2,3\n0,1,1,2\n", "column 'c', row 0: expected 0 or 1"),
        ("a,b,count\n1,0,3\n0,1,4\n1,1,2\n", "--allow-two-lists"),
        ("", "not a readable CSV"),
        ("a,b,c,count\n1,0,0,3\n0,1,0,4\n0,0,0,5\n", "row 2: the history is on no list"),
    ],
)
def test_bad_files_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, fragment: str
) -> None:
    path = tmp_path / "lists.csv"
    if content is not None:
        path.write_text(content)
    assert main([str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert fragment in captured.err


def test_usage_errors_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(DATA / "HIV.csv"), "--method", "magic"]) == 2
    assert main(["--help"]) == 0
    assert "capture-recapture" in capsys.readouterr().out


def test_an_unconverged_run_is_said_first_and_not_as_a_plain_figure(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = [str(DATA / "lesbian.csv"), "--method", "lcmcr", "--seed", "2", "--burnin", "100"]
    args += ["--samples", "20", "--thinning", "1", "--max-seconds", "0.001"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("NOT CONVERGED")
    assert "Caution: the sampler's diagnostics" in out


def test_json_carries_status_cautions_and_diagnostics(capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(DATA / "madigan_york_3list_example.csv"), "--method", "lcmcr", "--seed", "4"]
    args += ["--K", "4", "--burnin", "500", "--samples", "100", "--thinning", "5", "--fixed"]
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] in ("ok", "not_converged")
    assert data["cautions"][0] == {"code": "three_lists", "params": {}}
    assert data["warnings"][0].startswith("only three lists")
    diagnostics = data["details"]["diagnostics"]
    assert diagnostics["K"] == 4 and len(diagnostics["trace"]) == 2
    assert "trace_N" not in data["details"]
