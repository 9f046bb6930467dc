"""Seeded, reproducible synthetic demo data: incidents, the organisations involved, and the reports
three overlapping source lists made of them.

Everything here is SYNTHETIC. Names are built by combining common first names and surnames from
pools that leave out well-known people and the real victims and defenders named in public
reporting, so no generated name refers to a real person. Organisations, hate groups, outlets and
web addresses are invented. The shapes follow published Russian monitoring (where, when, against
whom, how many killed and injured) without copying any real case.

``demo_generate(size=..., seed=...)`` returns a ``DemoDataset``: ``size`` incidents recorded by at
least one list, plus the incidents no list recorded (kept as the truth against which multiple
systems estimation can be scored). The same size and seed always give the same dataset.

The module is plain Python: no Django, so it runs in a notebook, a benchmark or a test alike.
"""

from __future__ import annotations

import datetime
import gc
import math
import random
from dataclasses import dataclass, field
from typing import Any

from dozor.demo.catalogue import Catalogue, WeightedTable, between, catalogue, pick
from dozor.demo.dataset import (
    DemoBias,
    DemoDataset,
    DemoIncident,
    DemoOrganisation,
    DemoPerson,
    DemoReport,
    DemoSourceList,
)
from dozor.demo.russian import feminine_surname
from dozor.demo.sources import report_render
from dozor.demo.texts import Victim, incident_texts

__all__ = [
    "MAX_SIZE",
    "DemoBias",
    "DemoDataset",
    "DemoIncident",
    "DemoOrganisation",
    "DemoPerson",
    "DemoReport",
    "DemoSourceList",
    "demo_generate",
]

MAX_SIZE = 1_000_000
SIZE_ERROR = (
    "size is the number of documented incidents to generate; it must be a whole number "
    "from 1 to {max_size:,}, not {size!r}"
)
SEED_ERROR = "seed must be a whole number, not {seed!r}"

_PERPETRATOR_COUNTS = WeightedTable(
    {1: 10, 2: 20, 3: 20, 4: 14, 5: 12, 6: 8, 8: 6, 10: 5, 15: 3, 20: 2}
)
_PRECISION = WeightedTable({"day": 90, "month": 7, "year": 3})
_PROPERTY_PRECISION = WeightedTable({"day": 70, "month": 25, "year": 5})
_INJURED_IN_ASSAULT = WeightedTable({0: 8, 1: 66, 2: 16, 3: 6, 4: 2, 5: 2})
_DETAINED = WeightedTable({1: 70, 2: 20, 3: 10})


@dataclass
class _Draft:
    """An incident while it is being drawn, before it gets its key and its texts."""

    order: int
    date: datetime.date
    precision: str
    region: str
    locality: str
    incident_type: str
    target_kind: str
    family: str  # which title/summary templates describe it
    biases: list[DemoBias]
    victims: list[Victim]
    others: list[DemoPerson]
    killed: int
    injured: int
    defender_targeted: bool
    organisation: dict[str, Any] | None = None
    site: tuple[str, str] | None = None  # attacked site: nominative, genitive
    captured: list[str] = field(default_factory=list)


def demo_generate(*, size: int = 3000, seed: int = 0) -> DemoDataset:
    """Generate ``size`` documented incidents (and the undocumented ones) from ``seed``."""
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_SIZE:
        raise ValueError(SIZE_ERROR.format(max_size=MAX_SIZE, size=size))
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(SEED_ERROR.format(seed=seed))
    # The generator allocates hundreds of thousands of small objects and frees none of them
    # until it returns; the cycle collector would only rescan them again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate(size, seed)
    finally:
        if collecting:
            gc.enable()


def _generate(size: int, seed: int) -> DemoDataset:
    cat = catalogue()
    rng = random.Random(f"dozor-demo:{seed}")
    organisations = tuple(
        DemoOrganisation(key=o["key"], name=o["name"], kind=o["kind"], region=o["region"])
        for o in cat.scenarios["organisations"]
    )
    source_lists = tuple(
        DemoSourceList(
            key=s["key"],
            name=s["name"],
            kind=s["kind"],
            organisation=s["organisation"],
            description=s["description"],
            language=s["language"],
        )
        for s in cat.scenarios["source_lists"]
    )
    drafts: list[_Draft] = []
    documented = 0
    while documented < size:
        draft = _draft_incident(rng, cat, order=len(drafts))
        draft.captured = _captures(rng, cat, draft)
        documented += bool(draft.captured)
        drafts.append(draft)
    drafts.sort(key=lambda d: (d.date, d.order))

    incidents: list[DemoIncident] = []
    reports: list[DemoReport] = []
    counters = {s.key: 0 for s in source_lists}
    for number, draft in enumerate(drafts, start=1):
        incident = _incident_finish(rng, cat, draft, key=f"T{number:06d}")
        incidents.append(incident)
        for list_key in draft.captured:
            counters[list_key] += 1
            reports.extend(
                report_render(
                    rng,
                    cat,
                    list_key=list_key,
                    number=counters[list_key],
                    incident=incident,
                    victims=draft.victims,
                    organisation=draft.organisation,
                    site=draft.site,
                )
            )
    return DemoDataset(
        seed=seed,
        size=size,
        organisations=organisations,
        source_lists=source_lists,
        incidents=tuple(incidents),
        reports=tuple(reports),
    )


def _draw_date(rng: random.Random, year: int) -> datetime.date:
    start = datetime.date(year, 1, 1)
    days = (datetime.date(year + 1, 1, 1) - start).days
    return start + datetime.timedelta(days=int(rng.random() * days))


def _draw_locality(rng: random.Random, cat: Catalogue, region: str) -> str:
    towns = cat.places["district_towns"].get(region)
    if towns and rng.random() < cat.places["district_town_share"]:
        return str(pick(rng, towns)[0])
    return cat.regions[region].capitals["ru"]


def _draw_age(rng: random.Random, group: str) -> int | None:
    if rng.random() < 0.15:
        return None
    if group == "homeless":
        return between(rng, 30, 68)
    if group in ("human_rights_defender", "religious_minority", "jewish"):
        return between(rng, 22, 70)
    if group in ("ideological_opponent", "lgbti"):
        return between(rng, 16, 38)
    if rng.random() < 0.03:
        return between(rng, 14, 17)  # teenagers are among the victims every year
    return round(rng.triangular(16, 60, 26))


def _draw_victim(rng: random.Random, cat: Catalogue, group: str, harm: str) -> Victim:
    ethnicity = cat.group_ethnicities[group].draw(rng)
    pool = cat.names["ethnicities"][ethnicity]
    female_share = cat.names["female_share"].get(group, cat.names["female_share"]["default"])
    sex = "female" if rng.random() < female_share else "male"
    first = pick(rng, pool["female" if sex == "female" else "male"])
    surname = pick(rng, pool["surnames"])
    if sex == "female":
        surname = feminine_surname(surname)
    known = rng.random() >= 0.08
    return Victim(
        first=first if known else "",
        surname=surname if known else "",
        sex=sex,
        age=_draw_age(rng, group),
        group=group,
        ethnicity=ethnicity,
        harm=harm,
    )


def _harms(killed: int, injured: int, unhurt: int) -> list[str]:
    return ["killed"] * killed + ["injured"] * injured + ["unhurt"] * unhurt


def _draft_incident(rng: random.Random, cat: Catalogue, *, order: int) -> _Draft:
    if rng.random() < cat.hate_share:
        return _draft_hate_crime(rng, cat, order=order)
    return _draft_against_defenders(rng, cat, order=order)


def _draft_hate_crime(rng: random.Random, cat: Catalogue, *, order: int) -> _Draft:
    key = cat.hate_scenarios.draw(rng)
    spec = cat.scenarios["hate"][key]
    incident_type = spec["incident_type"]
    region = cat.hate_regions.draw(rng)
    group = cat.scenario_groups[key].draw(rng)
    killed = injured = unhurt = 0
    if incident_type == "homicide":
        killed = 1 + (rng.random() < 0.08) + (rng.random() < 0.02)
        injured = int(rng.random() < 0.15) + int(rng.random() < 0.05)
    elif incident_type == "physical_assault":
        injured = _INJURED_IN_ASSAULT.draw(rng)
        unhurt = 1 if injured == 0 else int(rng.random() < 0.05)
    elif incident_type == "threat":
        unhurt = 1
    victims = [_draw_victim(rng, cat, group, harm) for harm in _harms(killed, injured, unhurt)]
    precision = (_PROPERTY_PRECISION if spec["target_kind"] == "property" else _PRECISION).draw(rng)
    notes = _indicator_notes(rng, cat, spec["indicators"])
    biases = [
        DemoBias(
            motivation=motivation,
            indicators=notes[0],
            note=" ".join(filter(None, [spec.get("note", ""), notes[1]])),
        )
        for motivation in spec["motivations"]
    ]
    others = _perpetrators(rng, cat, incident_type, spec["target_kind"])
    if victims and rng.random() < 0.08:
        others.append(_witness(rng, cat))
    site = tuple(pick(rng, spec["objects"])) if "objects" in spec else None
    family = incident_type if spec["target_kind"] == "people" else "property"
    return _Draft(
        order=order,
        date=_draw_date(rng, cat.hate_years.draw(rng)),
        precision=precision,
        region=region,
        locality=_draw_locality(rng, cat, region),
        incident_type=incident_type,
        target_kind=spec["target_kind"],
        family=family,
        biases=biases,
        victims=victims,
        others=others,
        killed=killed,
        injured=injured,
        defender_targeted=False,
        site=site,
    )


def _draft_against_defenders(rng: random.Random, cat: Catalogue, *, order: int) -> _Draft:
    incident_type = cat.defender_types.draw(rng)
    spec = cat.scenarios["defenders"][incident_type]
    organisations = cat.scenarios["organisations"]
    if spec["target_kind"] == "organisation":
        organisation = pick(rng, organisations)
        region = organisation["region"]
    else:
        region = cat.defender_regions.draw(rng)
        local = [o for o in organisations if o["region"] == region]
        organisation = pick(rng, local or organisations)
    killed = injured = unhurt = 0
    if incident_type == "physical_assault":
        injured = 1 + int(rng.random() < 0.1)
    elif incident_type == "detention":
        people = _DETAINED.draw(rng)
        injured = int(rng.random() < 0.1)
        unhurt = people - injured
    elif incident_type == "threat":
        unhurt = 1
    victims = [
        _draw_victim(rng, cat, "human_rights_defender", harm)
        for harm in _harms(killed, injured, unhurt)
    ]
    indicators, note = _indicator_notes(rng, cat, cat.scenarios["defender_indicators"])
    bias = DemoBias(
        motivation=cat.scenarios["defender_motivation"],
        indicators=indicators,
        note=f"{cat.scenarios['defender_note']} {note}".strip(),
    )
    family = {"physical_assault": "defender_assault", "threat": "defender_threat"}.get(
        incident_type, incident_type
    )
    others = _perpetrators(rng, cat, incident_type, spec["target_kind"]) if victims else []
    return _Draft(
        order=order,
        date=_draw_date(rng, cat.defender_years.draw(rng)),
        precision=_PRECISION.draw(rng),
        region=region,
        locality=_draw_locality(rng, cat, region),
        incident_type=incident_type,
        target_kind=spec["target_kind"],
        family=family,
        biases=[bias],
        victims=victims,
        others=others,
        killed=killed,
        injured=injured,
        defender_targeted=True,
        organisation=organisation,
    )


def _indicator_notes(
    rng: random.Random, cat: Catalogue, pool: list[str]
) -> tuple[tuple[str, ...], str]:
    chosen = sorted(rng.sample(pool, k=min(len(pool), between(rng, 1, 3))), key=pool.index)
    sentences = [pick(rng, cat.scenarios["indicator_notes"][code]) for code in chosen]
    return tuple(chosen), " ".join(sentences)


def _perpetrators(
    rng: random.Random, cat: Catalogue, incident_type: str, target_kind: str
) -> list[DemoPerson]:
    if incident_type in ("detention", "threat") or target_kind == "organisation":
        return []
    if rng.random() > (0.7 if target_kind == "people" else 0.35):
        return []
    count = _PERPETRATOR_COUNTS.draw(rng) if target_kind == "people" else between(rng, 1, 3)
    hate_group = pick(rng, cat.scenarios["hate_groups"]) if rng.random() < 0.2 else ""
    return [
        DemoPerson(
            role="perpetrator",
            name="",
            sex="male" if rng.random() < 0.93 else "unknown",
            age=None if rng.random() < 0.6 else between(rng, 15, 26),
            perceived_group="",
            harm="unknown" if rng.random() < 0.7 else "unhurt",
            group_affiliation=hate_group,
            count=count,
        )
    ]


def _witness(rng: random.Random, cat: Catalogue) -> DemoPerson:
    pool = cat.names["ethnicities"]["russian"]
    sex = "female" if rng.random() < 0.5 else "male"
    surname = pick(rng, pool["surnames"])
    if sex == "female":
        surname = feminine_surname(surname)
    return DemoPerson(
        role="witness",
        name=f"{pick(rng, pool[sex])} {surname}",
        sex=sex,
        age=between(rng, 18, 70),
        perceived_group="",
        harm="unhurt",
    )


def _visibility(rng: random.Random, cat: Catalogue, draft: _Draft) -> float:
    spec = cat.scenarios["visibility"]
    return float(
        spec["incident_type"].get(draft.incident_type, 0.0)
        + spec["region"].get(draft.region, 0.0)
        + spec["per_extra_victim"] * max(0, len(draft.victims) - 1)
        + rng.gauss(0.0, spec["spread"])
    )


def _captures(rng: random.Random, cat: Catalogue, draft: _Draft) -> list[str]:
    visibility = _visibility(rng, cat, draft)
    captured = []
    for spec in cat.scenarios["source_lists"]:
        probability = 1.0 / (1.0 + math.exp(-(spec["intercept"] + spec["slope"] * visibility)))
        if rng.random() < probability:
            captured.append(spec["key"])
    return captured


def _incident_finish(
    rng: random.Random, cat: Catalogue, draft: _Draft, *, key: str
) -> DemoIncident:
    lists = len(draft.captured)
    if lists == 0:
        verification = "unverified"
    elif lists == 1:
        verification = "single_source" if rng.random() < 0.8 else "disputed"
    else:
        verification = "verified" if rng.random() < 0.5 else "corroborated"
    if draft.defender_targeted:
        confidentiality = "confidential" if rng.random() < 0.3 else "restricted"
    elif draft.victims and rng.random() < 0.25:
        confidentiality = "restricted"
    else:
        confidentiality = "public"
    date = draft.date
    if draft.precision == "month":
        date = date.replace(day=1)
    elif draft.precision == "year":
        date = date.replace(month=1, day=1)
    title, summary = incident_texts(
        rng,
        cat,
        family=draft.family,
        incident_type=draft.incident_type,
        date=date,
        precision=draft.precision,
        locality=draft.locality,
        victims=draft.victims,
        organisation=draft.organisation,
        site=draft.site,
        killed=draft.killed,
        injured=draft.injured,
        note=draft.biases[0].note,
    )
    persons = tuple(v.person() for v in draft.victims) + tuple(draft.others)
    return DemoIncident(
        key=key,
        date=date,
        date_precision=draft.precision,
        region=draft.region,
        locality=draft.locality,
        incident_type=draft.incident_type,
        target_kind=draft.target_kind,
        biases=tuple(draft.biases),
        killed=draft.killed,
        injured=draft.injured,
        defender_targeted=draft.defender_targeted,
        target_organisation=draft.organisation["key"] if draft.organisation else None,
        title=title,
        summary=summary,
        verification_status=verification,
        confidentiality=confidentiality,
        persons=persons,
        documented=bool(draft.captured),
    )
