"""The commitments catalogue: ``data/commitments.yaml``, checked against its schema when loaded.

A broken file stops the program with a message naming the file, the commitment and the field.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dozor.analysis.evaluation import HIGHER, LOWER, Thresholds

CATALOGUE_FILE = Path(__file__).parent / "data" / "commitments.yaml"
LANGUAGES = ("en", "ru")
KINDS = ("computed", "assessed")
METRICS = (
    "reported_share",
    "median_days_to_opening",
    "motive_recognised_share",
    "official_to_documented",
    "undocumented_share",
)
UNITS = ("share", "ratio", "days")


class CatalogueError(ValueError):
    """The catalogue file does not follow its schema."""


@dataclass(frozen=True)
class Source:
    decision: str
    paragraph: str
    labels: dict[str, str]

    def label(self, language: str = "en") -> str:
        return self.labels.get(language[:2], self.labels["en"])

    def citation(self) -> str:
        return f"{self.decision} ¶{self.paragraph}" if self.paragraph else self.decision


@dataclass(frozen=True)
class Indicator:
    code: str
    commitment: str
    kind: str
    labels: dict[str, str]
    metric: str = ""
    unit: str = ""
    thresholds: Thresholds | None = None
    observations: dict[str, str] | None = None

    @property
    def computed(self) -> bool:
        return self.kind == "computed"

    def label(self, language: str = "en") -> str:
        return self.labels.get(language[:2], self.labels["en"])

    def observation(self, language: str = "en") -> str:
        texts = self.observations or {}
        return texts.get(language[:2], texts.get("en", ""))


@dataclass(frozen=True)
class Commitment:
    code: str
    labels: dict[str, str]
    sources: tuple[Source, ...]
    indicators: tuple[Indicator, ...]

    def label(self, language: str = "en") -> str:
        return self.labels.get(language[:2], self.labels["en"])


@dataclass(frozen=True)
class Catalogue:
    name: str
    version: int
    labels: dict[str, str]
    commitments: tuple[Commitment, ...]

    @functools.cached_property
    def indicators(self) -> dict[str, Indicator]:
        return {i.code: i for c in self.commitments for i in c.indicators}

    def indicator(self, code: str) -> Indicator:
        try:
            return self.indicators[code]
        except KeyError:
            raise CatalogueError(f"there is no indicator {code!r} in the catalogue") from None

    def label(self, language: str = "en") -> str:
        return self.labels.get(language[:2], self.labels["en"])


def _labels(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or any(
        not isinstance(value.get(lang), str) or not value[lang].strip() for lang in LANGUAGES
    ):
        raise CatalogueError(f"{where}: expected a text in English (en) and Russian (ru)")
    return {lang: value[lang] for lang in LANGUAGES}


def _thresholds(entry: dict[str, Any], where: str) -> Thresholds:
    raw = entry.get("thresholds")
    direction = entry.get("direction")
    if direction not in (HIGHER, LOWER):
        raise CatalogueError(f"{where}, direction: expected {HIGHER!r} or {LOWER!r}")
    if not isinstance(raw, dict) or not all(
        isinstance(raw.get(k), int | float) for k in ("partial", "met")
    ):
        raise CatalogueError(f"{where}, thresholds: expected numbers for partial and met")
    try:
        return Thresholds(partial=float(raw["partial"]), met=float(raw["met"]), direction=direction)
    except ValueError as error:
        raise CatalogueError(f"{where}, thresholds: {error}") from None


def parse_catalogue(data: Any, *, path: str) -> Catalogue:
    if not isinstance(data, dict):
        raise CatalogueError(
            f"{path}: expected a mapping with name, version, decisions, commitments"
        )
    if not isinstance(data.get("version"), int):
        raise CatalogueError(f"{path}, version: expected a whole number")
    decisions = data.get("decisions")
    if not isinstance(decisions, dict) or not decisions:
        raise CatalogueError(f"{path}, decisions: expected the decisions the commitments cite")
    decision_labels = {
        code: _labels(labels, f"{path}, decision {code}") for code, labels in decisions.items()
    }
    seen: set[str] = set()
    commitments = []
    for number, item in enumerate(data.get("commitments") or [], start=1):
        where = f"{path}, commitment {number}"
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            raise CatalogueError(f"{where}: expected a mapping with a code")
        code = item["code"]
        where = f"{path}, commitment {code}"
        sources = []
        for source in item.get("sources") or []:
            decision = source.get("decision") if isinstance(source, dict) else None
            if decision not in decision_labels:
                raise CatalogueError(f"{where}, sources: {decision!r} is not a listed decision")
            sources.append(
                Source(
                    decision=str(decision),
                    paragraph=str(source.get("paragraph") or ""),
                    labels=decision_labels[decision],
                )
            )
        if not sources:
            raise CatalogueError(f"{where}, sources: expected at least one decision")
        indicators = []
        for entry in item.get("indicators") or []:
            if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
                raise CatalogueError(f"{where}, indicators: expected mappings with a code")
            icode = entry["code"]
            iwhere = f"{where}, indicator {icode}"
            if icode in seen:
                raise CatalogueError(f"{iwhere}: the code is used twice")
            seen.add(icode)
            kind = entry.get("kind")
            if kind not in KINDS:
                raise CatalogueError(f"{iwhere}, kind: expected one of {', '.join(KINDS)}")
            labels = _labels(entry.get("label"), f"{iwhere}, label")
            if kind == "assessed":
                indicators.append(Indicator(code=icode, commitment=code, kind=kind, labels=labels))
                continue
            if entry.get("metric") not in METRICS:
                raise CatalogueError(f"{iwhere}, metric: expected one of {', '.join(METRICS)}")
            if entry.get("unit") not in UNITS:
                raise CatalogueError(f"{iwhere}, unit: expected one of {', '.join(UNITS)}")
            indicators.append(
                Indicator(
                    code=icode,
                    commitment=code,
                    kind=kind,
                    labels=labels,
                    metric=entry["metric"],
                    unit=entry["unit"],
                    thresholds=_thresholds(entry, iwhere),
                    observations=_labels(entry.get("observation"), f"{iwhere}, observation"),
                )
            )
        if not indicators:
            raise CatalogueError(f"{where}, indicators: expected at least one indicator")
        commitments.append(
            Commitment(
                code=code,
                labels=_labels(item.get("label"), f"{where}, label"),
                sources=tuple(sources),
                indicators=tuple(indicators),
            )
        )
    if not commitments:
        raise CatalogueError(f"{path}, commitments: expected at least one commitment")
    return Catalogue(
        name=str(data.get("name", "")),
        version=data["version"],
        labels=_labels(data.get("label"), f"{path}, label"),
        commitments=tuple(commitments),
    )


def load_catalogue(path: Path) -> Catalogue:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CatalogueError(f"{path.name}: not valid YAML ({error})") from None
    return parse_catalogue(data, path=path.name)


@functools.cache
def catalogue() -> Catalogue:
    return load_catalogue(CATALOGUE_FILE)
