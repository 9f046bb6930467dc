"""The records of the synthetic demo dataset: plain frozen dataclasses, no Django."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class DemoPerson:
    role: str  # person_role code: victim | perpetrator | witness
    name: str  # full name in Cyrillic, nominative; "" when unknown
    sex: str  # sex code
    age: int | None
    perceived_group: str  # perceived_group code for victims, "" otherwise
    harm: str  # harm code (perpetrators: "unknown" or "unhurt")
    group_affiliation: str = ""  # perpetrators: an invented neo-Nazi group, or ""
    count: int = 1  # perpetrators: how many people the row stands for


@dataclass(frozen=True, slots=True)
class DemoBias:
    motivation: str  # bias_motivation code
    indicators: tuple[str, ...]  # bias_indicator codes
    note: str  # coder's note, Russian


@dataclass(frozen=True, slots=True)
class DemoOrganisation:
    key: str
    name: str
    kind: str  # organisation_kind code
    region: str  # ISO 3166-2


@dataclass(frozen=True, slots=True)
class DemoIncident:
    key: str  # truth key, e.g. "T000123"
    date: datetime.date
    date_precision: str  # date_precision code
    region: str  # ISO 3166-2
    locality: str  # Russian locality name
    incident_type: str
    target_kind: str
    biases: tuple[DemoBias, ...]
    killed: int
    injured: int
    defender_targeted: bool
    target_organisation: str | None  # DemoOrganisation.key
    title: str
    summary: str
    verification_status: str
    confidentiality: str
    persons: tuple[DemoPerson, ...]
    documented: bool  # False: no list recorded it (kept only as truth for estimation)


@dataclass(frozen=True, slots=True)
class DemoSourceList:
    key: str
    name: str
    kind: str  # source_kind code
    organisation: str  # DemoOrganisation.key owning it
    description: str
    language: str  # "ru" or "en"


@dataclass(frozen=True, slots=True)
class DemoReport:
    source_list: str  # DemoSourceList.key
    external_id: str  # unique within the source list
    incident_key: str  # truth: the DemoIncident.key it reports
    received: datetime.date
    raw: dict[str, Any]  # the record as the source gives it
    parsed: dict[str, Any]  # canonical fields, with the source's own spellings


@dataclass(frozen=True, slots=True)
class DemoDataset:
    seed: int
    size: int
    organisations: tuple[DemoOrganisation, ...]
    source_lists: tuple[DemoSourceList, ...]
    incidents: tuple[DemoIncident, ...]  # all true incidents, documented or not
    reports: tuple[DemoReport, ...]
