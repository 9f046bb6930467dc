from __future__ import annotations

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
