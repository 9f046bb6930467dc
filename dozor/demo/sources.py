# Russian text is the point of this module, so Cyrillic letters that look Latin are intended.
"""The reports each source list makes of the synthetic incidents.

Three sources write about the same event differently: the NGO's list (Russian columns,
nominative names, sometimes surname first), the press scan (articles with names declined as a
journalist writes them), and the partner's list (English columns, names in one of several Latin
transliterations). Each report may also carry the errors real reports carry: a date a day off, a
city with no region, a different count of killed and injured, a misspelt or missing victim.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dozor.demo.catalogue import Catalogue, WeightedTable, between, pick
from dozor.demo.dataset import DemoIncident, DemoReport
from dozor.demo.russian import (
    decline_first_name,
    decline_surname,
    locative,
    misspell,
    transliterate,
)
from dozor.demo.texts import (
    TemplateSlots,
    Victim,
    agreement_slots,
    capital,
    date_phrase,
    incident_texts,
    press_harm,
    site_slots,
    tidy,
    victim_slots,
)

_SCHEMES = WeightedTable({"bgn": 5, "icao": 3, "informal": 2})


@dataclass
class _Variant:
    """What one report says, before it is written in the source's own format."""

    date: datetime.date
    precision: str
    incident_type: str
    killed: int
    injured: int
    victims: list[Victim]
    region_known: bool


def _variant(
    rng: random.Random, incident: DemoIncident, victims: list[Victim], *, source: str
) -> _Variant:
    date = incident.date
    if incident.date_precision == "day" and rng.random() < (0.15 if source == "press" else 0.1):
        date += datetime.timedelta(days=pick(rng, (-1, 1)))
    killed, injured, incident_type = incident.killed, incident.injured, incident.incident_type
    if victims and rng.random() < 0.12:
        if killed and source == "press" and rng.random() < 0.5:
            # An early article: the victim died later in hospital.
            killed, injured = killed - 1, injured + 1
            if not killed and incident_type == "homicide":
                incident_type = "physical_assault"
        elif injured and rng.random() < 0.5:
            injured -= 1
        else:
            injured += 1
    kept = list(victims)
    if len(kept) >= 2 and rng.random() < 0.2:
        kept.pop(rng.randrange(len(kept)))
    elif len(kept) == 1 and rng.random() < 0.05:
        kept = []
    region_known = rng.random() >= {"ngo": 0.08, "press": 0.5, "partner": 0.1}[source]
    return _Variant(
        date, incident.date_precision, incident_type, killed, injured, kept, region_known
    )


def _without_yo(text: str, rng: random.Random, share: float) -> str:
    return text.replace("ё", "е") if "ё" in text and rng.random() < share else text


def _spelt(name: str, rng: random.Random, *, typo: float, yo: float) -> str:
    if not name:
        return ""
    if rng.random() < typo:
        name = misspell(name, rng)
    return _without_yo(name, rng, yo)


def _parsed(
    incident: DemoIncident,
    variant: _Variant,
    *,
    region: str | None,
    locality: str,
    victims: list[dict[str, Any]],
    title: str,
    summary: str,
    target_organisation: str = "",
) -> dict[str, Any]:
    return {
        "date": variant.date.isoformat(),
        "date_precision": variant.precision,
        "country": "RU",
        "region": region,
        "locality": locality,
        "incident_type": variant.incident_type,
        "bias_motivations": [b.motivation for b in incident.biases],
        "killed": variant.killed,
        "injured": variant.injured,
        "victims": victims,
        "target_organisation": target_organisation or None,
        "title": title,
        "summary": summary,
    }


def _organisation_name(organisation: dict[str, Any] | None, *, short: bool) -> str:
    """The organisation as a list names it: in full, or (short) only its name in quotes."""
    if organisation is None:
        return ""
    name = str(organisation["name"])
    return name[name.find("«") :] if short and "«" in name else name


def report_render(
    rng: random.Random,
    cat: Catalogue,
    *,
    list_key: str,
    number: int,
    incident: DemoIncident,
    victims: list[Victim],
    organisation: dict[str, Any] | None,
    site: tuple[str, str] | None,
) -> list[DemoReport]:
    """The report(s) one source list made of one incident."""
    spec = next(s for s in cat.scenarios["source_lists"] if s["key"] == list_key)
    low, high = spec["delay_days"]
    if list_key == "ngo":
        return [_ngo_report(rng, cat, number, incident, victims, organisation, site, low, high)]
    if list_key == "press":
        reports = [
            _press_report(rng, cat, f"P{number:07d}", incident, victims, organisation, site, 0)
        ]
        if rng.random() < 0.06:
            follow_up = between(rng, 1, 5)
            reports.append(
                _press_report(
                    rng, cat, f"P{number:07d}-2", incident, victims, organisation, site, follow_up
                )
            )
        return reports
    return [_partner_report(rng, cat, number, incident, victims, organisation, site, low, high)]


def _ngo_report(
    rng: random.Random,
    cat: Catalogue,
    number: int,
    incident: DemoIncident,
    victims: list[Victim],
    organisation: dict[str, Any] | None,
    site: tuple[str, str] | None,
    low: int,
    high: int,
) -> DemoReport:
    variant = _variant(rng, incident, victims, source="ngo")
    date = variant.date
    written_date = {
        "day": f"{date:%d.%m.%Y}",
        "month": f"{date:%m.%Y}",
        "year": f"{date.year}",
    }[variant.precision]
    region_text = ""
    if variant.region_known:
        shorts = cat.texts["ngo_region_short"].get(incident.region)
        region_text = (
            pick(rng, shorts)
            if shorts and rng.random() < 0.5
            else cat.regions[incident.region].names["ru"]
        )
    surname_first = rng.random() < 0.3
    written_victims = []
    parsed_victims = []
    for victim in variant.victims:
        name = victim.name
        if name and surname_first:
            name = f"{victim.surname} {victim.first}"
        name = _spelt(name, rng, typo=0.1, yo=0.5)
        sex = "ж" if victim.sex == "female" else "м"
        details = f"{sex}, {victim.age}" if victim.age is not None else sex
        written_victims.append(f"{name or 'имя не установлено'} ({details})")
        parsed_victims.append({"name": name, "sex": victim.sex, "age": victim.age})
    title, summary = incident_texts(
        rng,
        cat,
        family=_family(incident, variant),
        incident_type=variant.incident_type,
        date=variant.date,
        precision=variant.precision,
        locality=incident.locality,
        victims=variant.victims,
        organisation=organisation,
        site=site,
        killed=variant.killed,
        injured=variant.injured,
        note="",
    )
    group = next((p.perceived_group for p in incident.persons if p.role == "victim"), "")
    raw = {
        "№": f"{incident.date.year}-{number:05d}",
        "Дата": written_date,
        "Регион": region_text,
        "Город": incident.locality,
        "Тип": pick(rng, cat.texts["ngo_type_words"][variant.incident_type]),
        "Мотив": "; ".join(
            cat.labels["bias_motivation"]["ru"][b.motivation].lower() for b in incident.biases
        ),
        "Группа пострадавших": cat.labels["perceived_group"]["ru"][group] if group else "",
        "Пострадавшие": "; ".join(written_victims),
        "Убиты": variant.killed,
        "Ранены": variant.injured,
        "Организация": _organisation_name(organisation, short=False),
        "Кратко": title,
        "Описание": summary,
        "Источник": pick(rng, cat.texts["ngo_sources"]),
    }
    parsed = _parsed(
        incident,
        variant,
        region=incident.region if variant.region_known else None,
        locality=incident.locality,
        victims=parsed_victims,
        title=title,
        summary=summary,
        target_organisation=raw["Организация"],
    )
    return DemoReport(
        source_list="ngo",
        external_id=f"SM-{number:06d}",
        incident_key=incident.key,
        received=incident.date + datetime.timedelta(days=between(rng, low, high)),
        raw=raw,
        parsed=parsed,
    )


def _family(incident: DemoIncident, variant: _Variant) -> str:
    if incident.defender_targeted:
        return {"physical_assault": "defender_assault", "threat": "defender_threat"}.get(
            variant.incident_type, variant.incident_type
        )
    if incident.target_kind == "property":
        return "property"
    return variant.incident_type


_PRESS_CASES = WeightedTable({"acc": 6, "gen": 2, "dat": 1, "ins": 1})


def _press_report(
    rng: random.Random,
    cat: Catalogue,
    external_id: str,
    incident: DemoIncident,
    victims: list[Victim],
    organisation: dict[str, Any] | None,
    site: tuple[str, str] | None,
    follow_up_days: int,
) -> DemoReport:
    variant = _variant(rng, incident, victims, source="press")
    published = variant.date + datetime.timedelta(days=between(rng, 0, 3) + follow_up_days)
    outlet, slug = pick(rng, cat.texts["press_outlets"])
    org_gen = organisation["gen"] if organisation else ""
    date_text = date_phrase(cat, variant.date, variant.precision)
    if variant.precision == "day" and rng.random() < 0.3:
        date_text = f"{variant.date.day} {cat.texts['months_genitive'][variant.date.month - 1]}"
    regional = cat.places["press_region_names"].get(incident.region)
    if regional and rng.random() < 0.3:
        place, locality = regional, ""
        place_phrase = locative(
            regional,
            {
                "Подмосковье": "в Подмосковье",
                "Ленобласть": "в Ленобласти",
                "Кубань": "на Кубани",
                "Приморье": "в Приморье",
            },
        )
    else:
        place, locality = incident.locality, incident.locality
        place_phrase = locative(incident.locality, cat.places["locative"])
    federal_city = incident.region in ("RU-MOW", "RU-SPE")
    region = (
        incident.region
        if (regional and not locality) or federal_city or variant.region_known
        else None
    )
    case = _PRESS_CASES.draw(rng)
    name_forms = [_press_name(rng, victim) for victim in variant.victims]

    def as_written(form_case: str) -> list[str]:
        return [form(form_case) for form in name_forms]

    values: dict[str, Any] = {
        "loc": place_phrase,
        "Loc": capital(place_phrase),
        "city": place,
        "date": date_text,
        "Date": capital(date_text),
        "org_gen": org_gen,
        "org": organisation["name"] if organisation else "",
        **agreement_slots(variant.victims),
    }
    event = cat.texts["press_events"].get(variant.incident_type, "")
    lazy: dict[str, Callable[[], Any]] = {
        "perps": lambda: pick(rng, cat.texts["perpetrators"]),
        "harm": lambda: press_harm(
            variant.killed, variant.injured, variant.victims, variant.incident_type
        ),
        "agency": lambda: pick(rng, cat.scenarios["agencies"]),
        "event": lambda: event,
        "event_lower": lambda: event[:1].lower() + event[1:],
        **site_slots(rng, cat, variant.incident_type, site),
        **victim_slots(
            rng, cat, variant.victims, as_written, org_gen=org_gen, with_age=rng.random() < 0.6
        ),
    }
    slots = TemplateSlots(values, lazy)
    kind = _press_kind(incident, variant)
    if kind == "organisation" and incident.incident_type in ("search_raid", "seizure", "detention"):
        kind = "organisation_raid"
    bodies = cat.texts["press_bodies"][kind]
    if kind == "people":
        bodies = bodies[case]
    headline_kind = "homicide" if kind == "people" and variant.killed else kind
    headline = tidy(pick(rng, cat.texts["press_headlines"][headline_kind]).format_map(slots))
    text = tidy(pick(rng, bodies).format_map(slots))
    # What a reader of the article gets: each victim's name in the form it first appears, if at all.
    article = f"{headline} {text}"
    written: list[str] = []
    parsed_victims = []
    for victim, form in zip(variant.victims, name_forms, strict=True):
        found = sorted(
            (article.find(name), name)
            for name in {form(c) for c in ("nom", "gen", "dat", "acc", "ins")}
            if name and name in article
        )
        written.extend(name for _, name in found)
        name = found[0][1] if found else ""
        age = victim.age if name and f"{victim.age}-летн" in article else None
        parsed_victims.append({"name": name, "sex": victim.sex, "age": age})
    # The scan codes each article: the event's date as precisely as the article gives it, and
    # the people it says were killed or injured; the rest is the article as published.
    coded_date = {
        "day": variant.date.isoformat(),
        "month": f"{variant.date:%Y-%m}",
        "year": f"{variant.date.year}",
    }[variant.precision]
    raw = {
        "id": external_id,
        "event_date": coded_date,
        "killed": variant.killed,
        "injured": variant.injured,
        "outlet": outlet,
        "url": f"https://{slug}.example/news/{external_id.lower()}",
        "published": published.isoformat(),
        "headline": headline,
        "place": place,
        "text": text,
        "victims_as_written": written,
        "organisation": _organisation_name(organisation, short=True),
        # The scan's own rubrics: what happened and, as its readers judged, why.
        "tags": [cat.labels["incident_type"]["ru"][variant.incident_type].lower()]
        + [cat.labels["bias_motivation"]["ru"][b.motivation].lower() for b in incident.biases],
    }
    parsed = _parsed(
        incident,
        variant,
        region=region,
        locality=locality,
        victims=parsed_victims,
        title=headline,
        summary=text,
        target_organisation=raw["organisation"],
    )
    return DemoReport(
        source_list="press",
        external_id=external_id,
        incident_key=incident.key,
        received=published + datetime.timedelta(days=between(rng, 0, 6)),
        raw=raw,
        parsed=parsed,
    )


def _press_name(rng: random.Random, victim: Victim) -> Callable[[str], str]:
    """How one article writes a victim's name: a function of the grammatical case.

    Articles leave some victims unnamed, give only an initial for some surnames, drop the
    ё, and now and then misspell a name, which then stays misspelt in every case.
    """
    if not victim.first or rng.random() < 0.12:
        return lambda case: ""
    first, surname = victim.first, victim.surname
    if rng.random() < 0.08:
        if rng.random() < 0.5:
            first = misspell(first, rng)
        else:
            surname = misspell(surname, rng)
    if rng.random() < 0.7:
        first, surname = first.replace("ё", "е"), surname.replace("ё", "е")
    initial_only = rng.random() < 0.05
    sex = victim.sex

    def form(case: str) -> str:
        family = f"{surname[0]}." if initial_only else decline_surname(surname, sex, case)
        return f"{decline_first_name(first, sex, case)} {family}"

    return form


def _press_kind(incident: DemoIncident, variant: _Variant) -> str:
    """Which family of press and partner templates tells this report's story."""
    if incident.target_kind in ("organisation", "property"):
        return incident.target_kind
    if incident.incident_type == "detention":
        return "organisation"
    if variant.incident_type == "threat":
        return "threat"
    return "people"


def _partner_report(
    rng: random.Random,
    cat: Catalogue,
    number: int,
    incident: DemoIncident,
    victims: list[Victim],
    organisation: dict[str, Any] | None,
    site: tuple[str, str] | None,
    low: int,
    high: int,
) -> DemoReport:
    variant = _variant(rng, incident, victims, source="partner")
    scheme = _SCHEMES.draw(rng)
    date = variant.date
    month = cat.texts["months_en"][date.month - 1]
    written_date = {
        "day": pick(rng, [date.isoformat(), f"{date:%d/%m/%Y}"]),
        "month": pick(rng, [f"{month} {date.year}", f"{date:%Y-%m}"]),
        "year": str(date.year),
    }[variant.precision]
    region = cat.regions[incident.region]
    region_text = ""
    if variant.region_known:
        region_text = region.names["en"]
        if rng.random() < 0.3:
            region_text = region_text.replace(" Oblast", " region").replace(" Krai", " territory")
    city = cat.locality_en(incident.region, incident.locality)
    if city == "Saint Petersburg":
        city = pick(rng, ["Saint Petersburg", "St. Petersburg", "St Petersburg"])
    surname_first = rng.random() < 0.2
    written_victims = []
    parsed_victims = []
    descriptions = []
    for victim in variant.victims:
        latin = ""
        if victim.first:
            first = transliterate(_spelt(victim.first, rng, typo=0.04, yo=0.0), scheme)
            last = transliterate(_spelt(victim.surname, rng, typo=0.04, yo=0.0), scheme)
            latin = f"{last.upper()} {first}" if surname_first else f"{first} {last}"
        gender = {"male": "M", "female": "F"}[victim.sex] if rng.random() < 0.85 else ""
        written_victims.append({"name": latin, "gender": gender, "age": victim.age})
        parsed_victims.append(
            {
                "name": latin,
                "sex": {"M": "male", "F": "female"}.get(gender, "unknown"),
                "age": victim.age,
            }
        )
        who = "a " + cat.texts["descriptors_en"][victim.group][victim.sex == "female"]
        descriptions.append(
            f"{who}, {latin}" + (f" ({victim.age})" if victim.age else "") if latin else who
        )
    incident_en = cat.labels["incident_type"]["en"][variant.incident_type]
    perps_en = pick(rng, cat.texts["perpetrators_en"])
    harm_parts = []
    if variant.killed:
        harm_parts.append(f"{variant.killed} killed")
    if variant.injured:
        harm_parts.append(f"{variant.injured} injured")
    values: dict[str, Any] = {
        "city_en": city,
        "perps_en": perps_en,
        "perps_en_lower": perps_en[0].lower() + perps_en[1:],
        "victims_en": "; ".join(descriptions) or "a person",
        "harm_en": (", ".join(harm_parts) + ".") if harm_parts else "",
        "incident_en": incident_en,
        "incident_en_lower": incident_en.lower(),
        "org_en": organisation["en"] if organisation else "",
        **agreement_slots(variant.victims),
    }
    slots = TemplateSlots(values, site_slots(rng, cat, variant.incident_type, site))
    kind = _press_kind(incident, variant)
    description = tidy(pick(rng, cat.texts["partner_descriptions"][kind]).format_map(slots))
    title = tidy(pick(rng, cat.texts["partner_titles"]).format_map(slots))
    raw = {
        "ID": f"ORN-{number:06d}",
        "Date": written_date,
        "Region": region_text,
        "City": city,
        "Incident type": incident_en,
        "Bias motivation": "; ".join(
            cat.labels["bias_motivation"]["en"][b.motivation] for b in incident.biases
        ),
        "Victims": written_victims,
        "Killed": variant.killed,
        "Injured": variant.injured,
        "Title": title,
        "Description": description,
        "Source": pick(rng, cat.texts["partner_sources"]),
    }
    parsed = _parsed(
        incident,
        variant,
        region=incident.region if variant.region_known else None,
        locality=city,
        victims=parsed_victims,
        title=title,
        summary=description,
    )
    return DemoReport(
        source_list="partner",
        external_id=raw["ID"],
        incident_key=incident.key,
        received=incident.date + datetime.timedelta(days=between(rng, low, high)),
        raw=raw,
        parsed=parsed,
    )
