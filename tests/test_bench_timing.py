"""The benchmarks time in rounds (bench/list_incidents.py, timed_in_turn): every action once a
round, the first of each round one further on, so that a shared machine's slow spell falls on
the baseline and the searches alike; and each median is given as a multiple of the baseline's."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest

from tests.bench_modules import bench_module


@pytest.fixture
def bench() -> Iterator[ModuleType]:
    with bench_module("list_incidents") as module:
        yield module


def test_bench_rounds_time_every_action_once_each_round_starting_one_further_on(
    bench: ModuleType,
) -> None:
    ran: list[str] = []
    actions = {name: (lambda name=name: ran.append(name)) for name in ("baseline", "a", "b")}
    samples = bench.timed_in_turn(actions, 3)
    assert {name: len(times) for name, times in samples.items()} == {
        "baseline": 3,
        "a": 3,
        "b": 3,
    }
    warm_up, rounds = ran[:3], ran[3:]
    assert warm_up == ["baseline", "a", "b"]
    assert rounds == ["baseline", "a", "b", "a", "b", "baseline", "b", "baseline", "a"]


def test_bench_gives_each_median_as_a_multiple_of_the_baselines_of_the_same_rounds(
    bench: ModuleType,
) -> None:
    figures = bench.summary([10.0, 30.0, 20.0], [5.0, 10.0, 15.0])
    assert figures["median_ms"] == 20.0
    assert figures["median_to_baseline"] == 2.0
    assert "median_to_baseline" not in bench.summary([5.0, 10.0, 15.0])


def test_bench_table_puts_the_baseline_first_and_marks_what_is_over_the_target(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    samples = {"baseline": [10.0, 10.0, 10.0], "fast": [5.0, 5.0, 5.0], "slow": [30.0, 40.0, 50.0]}
    timings = bench.printed_timings("search", samples, "baseline", {"fast": 3, "slow": 7}, 45.0)
    assert timings.baseline == {"median_ms": 10.0, "p95_ms": 10.0}
    assert timings.actions["slow"]["median_to_baseline"] == 4.0
    assert timings.over_target == ["slow"]
    header, baseline, fast, slow = capsys.readouterr().out.splitlines()
    assert header.split() == ["search", "found", "median", "ms", "p95", "ms", "x", "baseline"]
    assert baseline.split() == ["baseline", "10.0", "10.0", "1.00"]
    assert fast.split() == ["fast", "3", "5.0", "5.0", "0.50"]
    assert slow.split() == ["slow", "7", "40.0", "49.0", "4.00", "over", "target"]
