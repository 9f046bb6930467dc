"""What extraction returns: the draft's fields, the text spans behind each, and notes."""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from typing import Any

# Notes are codes with parameters, so that the interface can word them in its own language.
NOTE_NO_DATE = "no_date"
NOTE_NIGHT_BEFORE = "night_before"
NOTE_DATE_FROM_WEEKDAY = "date_from_weekday"
NOTE_YEAR_ASSUMED = "year_assumed"
NOTE_SEVERAL_DATES = "several_dates"
NOTE_NO_PLACE = "no_place"
NOTE_NEAR_PLACE = "near_place"
NOTE_REGION_ONLY = "region_only"
NOTE_SEVERAL_PLACES = "several_places"
NOTE_NO_VICTIM_NAMES = "no_victim_names"
NOTE_PEOPLE_SKIPPED = "people_skipped"
NOTE_COUNT_FROM_VICTIMS = "count_from_victims"
NOTE_NO_TYPE = "no_incident_type"
NOTE_NO_BIAS = "no_bias_cue"
NOTE_LANGUAGE_GUESSED = "language_guessed"
NOTE_ORIGIN = "origin"
NOTE_ATTEMPTED = "attempted"


@dataclass(frozen=True)
class Evidence:
    """A span of the text that a field was read from; start and end are character offsets."""

    field: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Note:
    code: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Victim:
    name: str
    sex: str = "unknown"  # the sex vocabulary's codes: male, female, unknown
    mention: str = ""  # as the text wrote it


@dataclass(frozen=True)
class Person:
    """Someone the text names, with the role read and the words that show it."""

    name: str
    sex: str
    role: str  # victim, perpetrator or other
    mention: str  # as the text wrote it
    cue: str  # the words that show the role
    read_from: str  # syntax, role word, or default (nothing said otherwise)


@dataclass
class Draft:
    """A report drafted from one press text. A person reviews it before it becomes a report."""

    language: str
    published: datetime.date
    url: str
    sha256: str
    title: str = ""
    date_start: datetime.date | None = None
    date_end: datetime.date | None = None
    date_precision: str = "unknown"
    country: str = "RU"
    region: str = ""
    locality: str = ""
    location_precision: str = "unknown"
    victims: list[Victim] = field(default_factory=list)
    perpetrators: list[Victim] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)  # "уроженца Дагестана": who the victim is
    # Where the (first) victim comes from as the text states it, a clue to the perceived group:
    # an ISO 3166-2:RU region (RU-DA) or an ISO 3166-1 country (TJ); "" when not stated.
    victim_origin: str = ""
    killed: int = 0
    injured: int = 0
    incident_type: str = ""
    attempted: bool = False  # an attempt (attempted murder) that nobody died of
    bias_motivations: list[str] = field(default_factory=list)
    bias_indicators: list[str] = field(default_factory=list)
    defender_targeted: bool = False
    evidence: list[Evidence] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    # How far each field can be trusted, from how it was found: field -> (level, how).
    confidence: dict[str, tuple[str, str]] = field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        """The parsed fields in the shape records.Report.fields uses."""
        return {
            "title": self.title,
            "date": self.date_start.isoformat() if self.date_start else None,
            "date_end": self.date_end.isoformat() if self.date_end else None,
            "date_precision": self.date_precision,
            "country": self.country,
            "region": self.region or None,
            "locality": self.locality,
            "location_precision": self.location_precision,
            "incident_type": self.incident_type or None,
            "bias_motivations": list(self.bias_motivations),
            "bias_indicators": list(self.bias_indicators),
            "defender_targeted": self.defender_targeted,
            "killed": self.killed,
            "injured": self.injured,
            "victims": [{"name": v.name, "sex": v.sex} for v in self.victims],
            "perpetrators": [{"name": p.name, "sex": p.sex} for p in self.perpetrators],
            "attempted": self.attempted,
            "victim_origin": self.victim_origin or None,
            "language": self.language,
            "published": self.published.isoformat(),
            "url": self.url,
            "sha256": self.sha256,
        }

    def to_json(self) -> dict[str, Any]:
        """Fields, evidence and notes as plain JSON values."""
        return {
            "fields": self.fields(),
            "evidence": [asdict(item) for item in self.evidence],
            "notes": [asdict(note) for note in self.notes],
            "victim_mentions": [v.mention for v in self.victims],
            "people": [asdict(person) for person in self.people],
            "origins": list(self.origins),
            "confidence": {
                name: {"level": level, "how": how} for name, (level, how) in self.confidence.items()
            },
        }
