# Russian text is the point of this module, so Cyrillic letters that look Latin are intended.
"""Texts of the synthetic incidents: titles, summaries and the phrases reports reuse.

Templates come from ``data/texts.yaml``; slots that cost something to fill (victims' names in a
case, descriptions of their origin) are filled only when a template asks for them.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dozor.demo.catalogue import Catalogue, between, pick
from dozor.demo.dataset import DemoPerson
from dozor.demo.russian import (
    decline_first_name,
    decline_surname,
    locative,
    people_count,
)


@dataclass(frozen=True)
class Victim:
    """A victim as drawn, with what the texts need beyond the DemoPerson."""

    first: str
    surname: str  # in the form that matches sex
    sex: str
    age: int | None
    group: str
    ethnicity: str
    harm: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.surname}" if self.first else ""

    def person(self) -> DemoPerson:
        return DemoPerson(
            role="victim",
            name=self.name,
            sex=self.sex,
            age=self.age,
            perceived_group=self.group,
            harm=self.harm,
        )

    def declined(self, case: str) -> str:
        if not self.first:
            return ""
        first = decline_first_name(self.first, self.sex, case)
        return f"{first} {decline_surname(self.surname, self.sex, case)}"


def tidy(text: str) -> str:
    """Collapse the spaces left by empty slots and capitalise the first letter."""
    if "  " in text or text[:1] == " " or text[-1:] == " ":
        text = " ".join(text.split())
    if " ." in text or " ," in text:
        text = text.replace(" .", ".").replace(" ,", ",")
    return text[:1].upper() + text[1:]


class TemplateSlots(dict[str, Any]):
    """Template slots; the costly ones are computed only when a template asks for them."""

    def __init__(self, values: dict[str, Any], lazy: dict[str, Callable[[], Any]]) -> None:
        super().__init__(values)
        self.lazy = lazy

    def __missing__(self, key: str) -> Any:
        value = self.lazy[key]()
        self[key] = value
        return value


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def join_phrases(items: list[str], conjunction: str = "и") -> str:
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def agree(victims: list[Victim], masculine: str, feminine: str, plural: str) -> str:
    if len(victims) > 1:
        return plural
    if victims and victims[0].sex == "female":
        return feminine
    return masculine


def date_phrase(cat: Catalogue, date: datetime.date, precision: str) -> str:
    if precision == "day":
        return f"{date.day} {cat.texts['months_genitive'][date.month - 1]} {date.year} года"
    if precision == "month":
        return f"в {cat.texts['months_prepositional'][date.month - 1]} {date.year} года"
    return f"в {date.year} году"


_DESCRIPTORS: dict[tuple[str, str, str], str] = {}  # the formatted descriptor texts


def descriptor(rng: random.Random, cat: Catalogue, victim: Victim, case: str, org_gen: str) -> str:
    forms = pick(rng, cat.texts["descriptors"][victim.group])
    index = (2 if victim.sex == "female" else 0) + (1 if case == "acc" else 0)
    country = pick(rng, cat.texts["origins"].get(victim.ethnicity, ["России"]))
    key = (forms[index], country, org_gen)
    text = _DESCRIPTORS.get(key)
    if text is None:
        text = _DESCRIPTORS[key] = str(forms[index]).format(country=country, org_gen=org_gen)
    return text


def _age_word(victim: Victim, case: str) -> str:
    if victim.age is None:
        return ""
    endings = {
        ("nom", False): "ий",
        ("acc", False): "его",
        ("nom", True): "яя",
        ("acc", True): "юю",
    }
    return f"{victim.age}-летн{endings[(case, victim.sex == 'female')]}"


def _victim_phrase(
    rng: random.Random,
    cat: Catalogue,
    victim: Victim,
    case: str,
    *,
    name: str,
    org_gen: str,
    with_age: bool,
) -> str:
    age = _age_word(victim, case) if with_age else ""
    return " ".join(filter(None, [age, descriptor(rng, cat, victim, case, org_gen), name]))


def _harm_sentence(killed: int, injured: int, victims: list[Victim], incident_type: str) -> str:
    parts = []
    if killed:
        parts.append("погиб один человек" if killed == 1 else f"погибли {people_count(killed)}")
    if injured:
        parts.append("ранен один человек" if injured == 1 else f"ранены {people_count(injured)}")
    if not parts:
        if incident_type == "physical_assault" and victims and victims[0].harm == "unhurt":
            return agree(victims, "Пострадавшему", "Пострадавшей", "Пострадавшим") + (
                " удалось убежать."
            )
        return ""
    return capital(", ".join(parts)) + "."


def press_harm(killed: int, injured: int, victims: list[Victim], incident_type: str) -> str:
    if len(victims) == 1 and killed + injured == 1:
        if killed:
            return agree(
                victims, "От полученных ран он скончался.", "От полученных ран она скончалась.", ""
            )
        return agree(
            victims,
            "Пострадавший госпитализирован с травмами.",
            "Пострадавшая госпитализирована с травмами.",
            "",
        )
    return _harm_sentence(killed, injured, victims, incident_type)


_PLACES: dict[str, dict[str, str]] = {}


def _place(cat: Catalogue, locality: str) -> dict[str, str]:
    slots = _PLACES.get(locality)
    if slots is None:
        phrase = locative(locality, cat.places["locative"])
        slots = _PLACES[locality] = {"loc": phrase, "Loc": capital(phrase), "city": locality}
    return slots


def incident_texts(
    rng: random.Random,
    cat: Catalogue,
    *,
    family: str,
    incident_type: str,
    date: datetime.date,
    precision: str,
    locality: str,
    victims: list[Victim],
    organisation: dict[str, Any] | None,
    site: tuple[str, str] | None,
    killed: int,
    injured: int,
    note: str,
) -> tuple[str, str]:
    """The monitors' own title and summary of an incident."""
    org_gen = organisation["gen"] if organisation else ""
    date_text = date_phrase(cat, date, precision)
    values = {
        **_place(cat, locality),
        "date": date_text,
        "Date": capital(date_text),
        "note": note,
        "org_gen": org_gen,
        "agency_short": "полицию",
        **agreement_slots(victims),
    }
    lazy: dict[str, Callable[[], Any]] = {
        "harm": lambda: _harm_sentence(killed, injured, victims, incident_type),
        "perps": lambda: pick(rng, cat.texts["perpetrators"]),
        "agency": lambda: pick(rng, cat.scenarios["agencies"]),
        "count_computers": lambda: between(rng, 3, 14),
        **site_slots(rng, cat, incident_type, site),
        **victim_slots(
            rng,
            cat,
            victims,
            lambda case: [v.declined(case) for v in victims],
            org_gen=org_gen,
            with_age=False,
        ),
    }
    slots = TemplateSlots(values, lazy)
    title = tidy(pick(rng, cat.texts["titles"][family]).format_map(slots))
    summary = tidy(pick(rng, cat.texts["summaries"][family]).format_map(slots))
    return title, summary


# Words that agree with the victims: masculine, feminine, plural.
_AGREEING_WORDS = {
    "beaten": ("избит", "избита", "избиты"),
    "detained_word": ("задержан", "задержана", "задержаны"),
    "received_word": ("получил", "получила", "получили"),
    "was_were": ("was", "was", "were"),
    "them": ("его", "её", "их"),
    "them_prep": ("него", "неё", "них"),
}
_AGREEMENT = {
    form: {slot: words[index] for slot, words in _AGREEING_WORDS.items()}
    for index, form in enumerate(("masculine", "feminine", "plural"))
}


def agreement_slots(victims: list[Victim]) -> dict[str, str]:
    if len(victims) > 1:
        return _AGREEMENT["plural"]
    if victims and victims[0].sex == "female":
        return _AGREEMENT["feminine"]
    return _AGREEMENT["masculine"]


def site_slots(
    rng: random.Random, cat: Catalogue, incident_type: str, site: tuple[str, str] | None
) -> dict[str, Callable[[], Any]]:
    word = cat.texts["incident_words"][incident_type]
    slots: dict[str, Callable[[], Any]] = {
        "incident_word": lambda: word,
        "Incident_word": lambda: capital(word),
    }
    if site:
        acts = cat.texts["property_acts"].get(incident_type, ["повреждено имущество"])
        object_en = cat.texts["objects_en"][site[0]]
        slots |= {
            "object": lambda: site[0],
            "object_gen": lambda: site[1],
            "property_act": lambda: pick(rng, acts),
            "object_en": lambda: capital(object_en),
            "object_en_lower": lambda: object_en,
        }
    return slots


def victim_slots(
    rng: random.Random,
    cat: Catalogue,
    victims: list[Victim],
    names: Callable[[str], list[str]],
    *,
    org_gen: str,
    with_age: bool,
) -> dict[str, Callable[[], Any]]:
    """Slots naming the victims; ``names(case)`` gives their names in a case, as written."""
    if not victims:
        # A report may have lost every victim; its text then speaks of "the victim".
        return {
            "victim_nom": lambda: "пострадавший",
            "victim_acc": lambda: "человека",
            "victims_nom": lambda: "пострадавший",
            "victims_acc": lambda: "человека",
            "victims_gen": lambda: "пострадавшего",
            "victims_dat": lambda: "пострадавшему",
            "victims_ins": lambda: "пострадавшим",
            "killed_phrase": lambda: "убит человек",
        }

    def phrases(case: str) -> str:
        return join_phrases(
            [
                _victim_phrase(rng, cat, v, case, name=name, org_gen=org_gen, with_age=with_age)
                for v, name in zip(victims, names(case), strict=True)
            ]
        )

    first = victims[0]
    if len(victims) > 1:
        several = people_count(len(victims))  # "В Москве избиты 3 человека"
        victim_nom: Callable[[], str] = lambda: several  # noqa: E731 - one of two phrasings, chosen once
        victim_acc: Callable[[], str] = lambda: several  # noqa: E731 - one of two phrasings, chosen once
    else:
        victim_nom = lambda: descriptor(rng, cat, first, "nom", org_gen)  # noqa: E731 - one of two phrasings, chosen once
        victim_acc = lambda: descriptor(rng, cat, first, "acc", org_gen)  # noqa: E731 - one of two phrasings, chosen once
    killed = [v for v in victims if v.harm == "killed"]

    def killed_phrase() -> str:
        if len(killed) == 1:
            word = agree(killed, "убит", "убита", "убиты")
            return f"{word} {descriptor(rng, cat, killed[0], 'nom', org_gen)}"
        if killed:
            return f"убиты {people_count(len(killed))}"
        return "убит человек"

    return {
        "victim_nom": victim_nom,
        "victim_acc": victim_acc,
        "killed_phrase": killed_phrase,
        "victims_nom": lambda: phrases("nom"),
        "victims_acc": lambda: phrases("acc"),
        "victims_gen": lambda: (
            join_phrases(names("gen"))
            or agree(victims, "пострадавшего", "пострадавшей", "пострадавших")
        ),
        "victims_dat": lambda: (
            join_phrases(names("dat"))
            or agree(victims, "пострадавшему", "пострадавшей", "пострадавшим")
        ),
        "victims_ins": lambda: (
            join_phrases(names("ins"))
            or agree(victims, "пострадавшим", "пострадавшей", "пострадавшими")
        ),
    }
