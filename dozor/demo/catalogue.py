"""The data files behind the demo generator, loaded once and turned into ready-to-draw tables."""

from __future__ import annotations

import bisect
import functools
import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from dozor.lib.schemas import yaml_parse
from dozor.vocab.geography import Region, russian_regions
from dozor.vocab.registry import vocabulary

DATA_DIR = Path(__file__).parent / "data"
T = TypeVar("T")


class WeightedTable(Generic[T]):
    """Items with weights, drawn in proportion to their weight. Zero weights are dropped."""

    def __init__(self, weights: Mapping[T, float] | Sequence[tuple[T, float]]) -> None:
        pairs = list(weights.items()) if isinstance(weights, Mapping) else list(weights)
        pairs = [(item, float(weight)) for item, weight in pairs if weight > 0]
        if not pairs:
            raise ValueError("a weighted table needs at least one item with a positive weight")
        self.items: list[T] = [item for item, _ in pairs]
        self.cumulative = list(itertools.accumulate(weight for _, weight in pairs))

    def draw(self, rng: random.Random) -> T:
        index = bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])
        return self.items[min(index, len(self.items) - 1)]


def pick(rng: random.Random, items: Sequence[T]) -> T:
    """One item, uniformly; cheaper than ``random.choice`` and as good for this purpose."""
    return items[int(rng.random() * len(items))]


def between(rng: random.Random, low: int, high: int) -> int:
    """A whole number from low to high inclusive; cheaper than ``random.randint``."""
    return low + int(rng.random() * (high - low + 1))


def load_yaml(name: str) -> Any:
    return yaml_parse((DATA_DIR / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Catalogue:
    names: dict[str, Any]
    places: dict[str, Any]
    scenarios: dict[str, Any]
    texts: dict[str, Any]
    regions: dict[str, Region]
    hate_regions: WeightedTable[str]
    defender_regions: WeightedTable[str]
    hate_years: WeightedTable[int]
    defender_years: WeightedTable[int]
    hate_scenarios: WeightedTable[str]
    defender_types: WeightedTable[str]
    group_ethnicities: dict[str, WeightedTable[str]]
    scenario_groups: dict[str, WeightedTable[str]]
    labels: dict[str, dict[str, dict[str, str]]]  # vocabulary -> language -> code -> label
    hate_share: float

    def locality_en(self, region: str, locality: str) -> str:
        if locality == self.regions[region].capitals["ru"]:
            return self.regions[region].capitals["en"]
        for russian, english in self.places["district_towns"].get(region, []):
            if russian == locality:
                return str(english)
        return locality


@functools.cache
def catalogue() -> Catalogue:
    names = load_yaml("names.yaml")
    places = load_yaml("places.yaml")
    scenarios = load_yaml("scenarios.yaml")
    texts = load_yaml("texts.yaml")
    regions = russian_regions()
    default = places["default_weight"]
    hate_weights = {code: places["hate_crime_weights"].get(code, default) for code in regions}
    defender_weights = {code: places["defender_weights"].get(code, default) for code in regions}
    hate_years = scenarios["years"]["hate"]
    defender_years = scenarios["years"]["defenders"]
    hate_total = sum(hate_years.values())
    return Catalogue(
        names=names,
        places=places,
        scenarios=scenarios,
        texts=texts,
        regions=regions,
        hate_regions=WeightedTable(hate_weights),
        defender_regions=WeightedTable(defender_weights),
        hate_years=WeightedTable(hate_years),
        defender_years=WeightedTable(defender_years),
        hate_scenarios=WeightedTable(
            {key: spec["weight"] for key, spec in scenarios["hate"].items()}
        ),
        defender_types=WeightedTable(
            {key: spec["weight"] for key, spec in scenarios["defenders"].items()}
        ),
        group_ethnicities={
            group: WeightedTable(weights) for group, weights in names["group_ethnicities"].items()
        },
        scenario_groups={
            key: WeightedTable(spec["groups"]) for key, spec in scenarios["hate"].items()
        },
        labels={
            name: {
                language: {term.code: term.label(language) for term in vocabulary(name).terms}
                for language in ("en", "ru")
            }
            for name in ("bias_motivation", "incident_type", "perceived_group")
        },
        hate_share=hate_total / (hate_total + sum(defender_years.values())),
    )
