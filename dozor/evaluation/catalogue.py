"""The commitments catalogue: ``data/commitments.yaml``, checked against its schema when loaded.

The file is declared as pydantic models (:class:`CatalogueSpec`); a broken file stops the program
with a message for each mistake, naming the file and the key (dozor.lib.schemas).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import BeforeValidator, Field, model_validator

from dozor.analysis.evaluation import HIGHER, LOWER, Thresholds
from dozor.lib.schemas import (
    Schema,
    SchemaError,
    Text,
    expected,
    load_model,
    without_tags,
    yaml_parse,
)
from dozor.records.schema_wording import schema_wording

CATALOGUE_FILE = Path(__file__).parent / "data" / "commitments.yaml"
LANGUAGES = ("en", "ru")
KINDS = ("computed", "assessed")
Metric = Literal[
    "reported_share",
    "median_days_to_opening",
    "motive_recognised_share",
    "official_to_documented",
    "undocumented_share",
]
Unit = Literal["share", "ratio", "days"]
METRICS: tuple[str, ...] = get_args(Metric)
UNITS: tuple[str, ...] = get_args(Unit)


class CatalogueError(SchemaError):
    """The catalogue file does not follow its schema; each message names the file and the key."""


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


# ---- the schema of the file -------------------------------------------------------------------


class Labels(Schema):
    """A text in English and Russian."""

    en: Text = Field(description="the text in English")
    ru: Text = Field(description="the text in Russian")


def _paragraph(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class SourceSpec(Schema):
    decision: str = Field(description="a decision listed under `decisions`")
    paragraph: Annotated[str, BeforeValidator(_paragraph)] = Field(
        default="", description="the paragraph of its operative part; empty for the whole decision"
    )


class AssessedSpec(Schema):
    """An indicator a person scores, with a justification and evidence."""

    code: Text
    kind: Literal["assessed"]
    label: Labels


class ThresholdsSpec(Schema):
    partial: float = Field(description="where “partial” begins")
    met: float = Field(description="where “met” begins")


class ComputedSpec(Schema):
    """An indicator computed from Dozor's data and scored against thresholds."""

    code: Text
    kind: Literal["computed"]
    label: Labels
    metric: Metric
    unit: Unit
    direction: Literal["higher", "lower"]
    thresholds: ThresholdsSpec
    observation: Labels

    @model_validator(mode="after")
    def _thresholds_in_order(self) -> ComputedSpec:
        partial, met = self.thresholds.partial, self.thresholds.met
        if self.direction == HIGHER and met < partial:
            raise expected(
                f"at least partial ({partial:g}) when higher is better", at="thresholds.met"
            )
        if self.direction == LOWER and met > partial:
            raise expected(
                f"at most partial ({partial:g}) when lower is better", at="thresholds.met"
            )
        return self


IndicatorSpec = Annotated[AssessedSpec | ComputedSpec, Field(discriminator="kind")]


class CommitmentSpec(Schema):
    code: Text
    label: Labels
    sources: Annotated[list[SourceSpec], Field(min_length=1)]
    indicators: Annotated[list[IndicatorSpec], Field(min_length=1)]


class CatalogueSpec(Schema):
    """The whole catalogue file."""

    name: str = ""
    version: int
    label: Labels
    decisions: Annotated[dict[str, Labels], Field(min_length=1)]
    commitments: Annotated[list[CommitmentSpec], Field(min_length=1)]

    @model_validator(mode="after")
    def _references(self) -> CatalogueSpec:
        seen: set[str] = set()
        for number, commitment in enumerate(self.commitments, start=1):
            for position, source in enumerate(commitment.sources, start=1):
                if source.decision not in self.decisions:
                    raise expected(
                        f"one of the decisions listed ({', '.join(self.decisions)})",
                        at=f"commitments[{number}].sources[{position}].decision",
                        found=source.decision,
                    )
            for position, indicator in enumerate(commitment.indicators, start=1):
                if indicator.code in seen:
                    raise expected(
                        "a code no other indicator has",
                        at=f"commitments[{number}].indicators[{position}].code",
                        found=indicator.code,
                    )
                seen.add(indicator.code)
        return self


def _labels(labels: Labels) -> dict[str, str]:
    return {"en": labels.en, "ru": labels.ru}


def _indicator(spec: AssessedSpec | ComputedSpec, commitment: str) -> Indicator:
    if isinstance(spec, AssessedSpec):
        return Indicator(spec.code, commitment, spec.kind, _labels(spec.label))
    return Indicator(
        code=spec.code,
        commitment=commitment,
        kind=spec.kind,
        labels=_labels(spec.label),
        metric=spec.metric,
        unit=spec.unit,
        thresholds=Thresholds(spec.thresholds.partial, spec.thresholds.met, spec.direction),
        observations=_labels(spec.observation),
    )


def parse_catalogue(data: Any, *, path: str) -> Catalogue:
    """The catalogue as ``data`` (parsed YAML) gives it; a CatalogueError names every mistake."""
    spec = load_model(
        CatalogueSpec,
        data,
        source=path,
        wording=schema_wording(),
        error=CatalogueError,
        location=without_tags("assessed", "computed"),
    )
    return Catalogue(
        name=spec.name,
        version=spec.version,
        labels=_labels(spec.label),
        commitments=tuple(
            Commitment(
                code=item.code,
                labels=_labels(item.label),
                sources=tuple(
                    Source(s.decision, s.paragraph, _labels(spec.decisions[s.decision]))
                    for s in item.sources
                ),
                indicators=tuple(_indicator(entry, item.code) for entry in item.indicators),
            )
            for item in spec.commitments
        ),
    )


def load_catalogue(path: Path) -> Catalogue:
    try:
        data = yaml_parse(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CatalogueError(f"{path.name}: not valid YAML ({error})") from None
    return parse_catalogue(data, path=path.name)


@functools.cache
def catalogue() -> Catalogue:
    return load_catalogue(CATALOGUE_FILE)
