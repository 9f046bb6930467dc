from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from dozor.analysis.mse import CaptureHistories, capture_histories_from_frame

DATA = Path(__file__).resolve().parents[2] / "data" / "mse"


def load(name: str) -> CaptureHistories:
    return capture_histories_from_frame(pd.read_csv(DATA / name), label=name)


@pytest.fixture(scope="session")
def hare() -> CaptureHistories:
    return load("hare.csv")


@pytest.fixture(scope="session")
def hiv() -> CaptureHistories:
    return load("HIV.csv")


@pytest.fixture(scope="session")
def lesbian() -> CaptureHistories:
    return load("lesbian.csv")


@pytest.fixture(scope="session")
def uk() -> CaptureHistories:
    return load("UKdat.csv")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave the long statistical runs out unless asked for (``-m slow`` or DOZOR_RUN_SLOW=1)."""
    if "slow" in (config.getoption("markexpr") or "") or os.environ.get("DOZOR_RUN_SLOW"):
        return
    skip = pytest.mark.skip(reason="long statistical run: use -m slow or DOZOR_RUN_SLOW=1")
    here = Path(__file__).resolve().parent
    for item in items:
        if "slow" in item.keywords and here in Path(item.path).resolve().parents:
            item.add_marker(skip)
