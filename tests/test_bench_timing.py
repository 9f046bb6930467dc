"""The benchmarks time in rounds (bench/list_incidents.py, timed_in_turn): every action once a
round, the first of each round one further on, so that a shared machine's slow spell falls on
the baseline and the searches alike; and each median is given as a multiple of the baseline's."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture
def bench() -> Iterator[ModuleType]:
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module("list_incidents")
    finally:
        sys.path.remove(str(BENCH))


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
