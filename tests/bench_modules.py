"""Importing a benchmark from bench/, which is a folder of scripts and not a package: the folder
is on the path for as long as the benchmark is in use, since a benchmark imports its neighbours
(bench/search.py imports list_incidents and synthetic_incidents) as it runs."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parent.parent / "bench"


@contextmanager
def bench_module(name: str) -> Iterator[ModuleType]:
    """bench/<name>.py, imported, with bench/ on the path until the block ends."""
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCH))
