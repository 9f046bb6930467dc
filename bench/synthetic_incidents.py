"""Synthetic incidents for the benchmarks: a realistic mix loaded in bulk.

Shared by bench/list_incidents.py and bench/load.py, so both time the same data. Every function
here expects Django to be set up against the database to load.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable

BATCH = 5_000
SEED = 20_040_101
# The synthetic data is not secret, but summaries are sealed like real ones, so the key is fixed:
# a database kept by one run opens in the next.
BENCH_KEY = "ZG96b3ItYmVuY2gta2V5LW5vdC1hLXNlY3JldC0zMmI"

# ---------------------------------------------------------------------------------------------
# Synthetic data: shapes loosely follow what Russian monitors published for 2004-2024.
# ---------------------------------------------------------------------------------------------

# Incidents per year rise to the late 2000s, fall, then rise again with prosecutions of defenders.
YEAR_WEIGHTS = {
    2004: 6, 2005: 7, 2006: 8, 2007: 9, 2008: 9, 2009: 7, 2010: 6, 2011: 5, 2012: 5, 2013: 5,
    2014: 4, 2015: 4, 2016: 4, 2017: 4, 2018: 4, 2019: 4, 2020: 4, 2021: 5, 2022: 5, 2023: 5,
    2024: 5,
}  # fmt: skip
REGION_SHARES = {"RU-MOW": 0.30, "RU-SPE": 0.14, "RU-MOS": 0.05, "RU-LEN": 0.02}
NO_REGION_SHARE = 0.02
TYPE_WEIGHTS = {
    "physical_assault": 40, "threat": 14, "property_damage": 12, "desecration": 6, "arson": 4,
    "homicide": 4, "search_raid": 6, "seizure": 3, "detention": 7, "prosecution": 4,
}  # fmt: skip
BIAS_WEIGHTS = {
    "racist_xenophobic": 45, "anti_lgbti": 12, "antisemitic": 6, "anti_muslim": 7,
    "anti_christian": 4, "other_religion": 8, "anti_roma": 3, "gender_based": 4,
    "disability": 1, "other": 10,
}  # fmt: skip
STATUS_WEIGHTS = {
    "unverified": 25, "single_source": 35, "corroborated": 20, "verified": 15, "disputed": 5,
}  # fmt: skip
PRECISION_WEIGHTS = {"day": 80, "month": 9, "year": 5, "range": 4, "unknown": 2}
# (name, kind, share of incidents); the benchmark's user belongs to the first.
ORGANISATIONS = [
    ("Северный маяк", "ngo", 0.34),
    ("Правовая инициатива", "ngo", 0.22),
    ("Мониторинговая группа «Вектор»", "ngo", 0.18),
    ("Независимый информационный центр", "media", 0.16),
    ("Комитет против ненависти", "community", 0.10),
]
CONFIDENTIALITY_WEIGHTS = {"restricted": 78, "public": 18, "confidential": 4}

VICTIMS = {
    "racist_xenophobic": ["уроженец Таджикистана", "мигрант из Узбекистана", "студент из Нигерии",
                          "уроженец Кыргызстана", "торговец с рынка", "дворник-мигрант"],
    "anti_lgbti": ["ЛГБТ-активист", "участники пикета", "гей-пара", "трансгендерная женщина"],
    "antisemitic": ["прихожанин синагоги", "раввин", "еврейский общинный центр"],
    "anti_muslim": ["имам мечети", "женщина в хиджабе", "прихожане мечети"],
    "anti_christian": ["священник", "прихожане церкви", "православный храм"],
    "other_religion": ["Свидетели Иеговы", "пятидесятники", "последователи Фалуньгун",
                       "кришнаиты"],
    "anti_roma": ["цыганская семья", "жители цыганского посёлка"],
    "gender_based": ["активистка", "журналистка"],
    "disability": ["человек с инвалидностью", "колясочник"],
    "other": ["бездомный", "журналист", "правозащитник", "антифашист", "студент"],
}  # fmt: skip
PERPETRATORS = [
    "группа молодых людей", "неизвестные", "националисты", "несколько человек в масках",
    "сотрудники полиции", "члены праворадикальной группировки", "нападавший", "футбольные фанаты",
]  # fmt: skip
ACTIONS = {
    "physical_assault": "избили",
    "homicide": "убили",
    "threat": "угрожали расправой, адресат —",
    "property_damage": "повредили имущество; пострадавшие —",
    "desecration": "осквернили место, которое посещают",
    "arson": "подожгли дом, где жили",
    "search_raid": "провели обыск; под удар попали",
    "seizure": "изъяли технику и архивы; пострадавшие —",
    "detention": "задержали",
    "prosecution": "возбудили уголовное дело; обвиняемые —",
}
DETAILS = [
    "Нападавшие выкрикивали ксенофобные лозунги.",
    "Пострадавший госпитализирован с травмами головы.",
    "Свидетели сообщили, что нападавшие были вооружены ножом и битами.",
    "На стене оставлены свастики и оскорбительные надписи.",
    "Полиция возбудила уголовное дело по статье о хулиганстве.",
    "Мотив ненависти в деле не вменялся.",
    "Нападение было снято на видео и выложено в социальные сети.",
    "Задержан один подозреваемый, остальные скрылись.",
    "Прокуратура отказалась квалифицировать дело как преступление ненависти.",
    "Родственники пострадавшего обратились в правозащитную организацию.",
    "Это уже не первый подобный случай в этом районе за последний год.",
    "По словам очевидцев, нападавшим было на вид от 16 до 20 лет.",
]
SOURCES = [
    "Источник: сообщение в местных СМИ.",
    "Источник: рассказ пострадавшего мониторам.",
    "Источник: пресс-релиз МВД.",
    "Источник: публикация в Telegram-канале.",
    "Источник: материалы суда.",
]
MONTHS_RU = [
    "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
    "октября", "ноября", "декабря",
]  # fmt: skip


def weighted(rng: random.Random, weights: dict[str, float]) -> Callable[[], str]:
    keys, values = list(weights), list(weights.values())
    return lambda: rng.choices(keys, values)[0]


def region_weights(codes: list[str]) -> dict[str, float]:
    """Moscow and St Petersburg take most; the remaining regions share the rest, Zipf-like."""
    others = [code for code in codes if code not in REGION_SHARES]
    rest = 1.0 - sum(REGION_SHARES.values()) - NO_REGION_SHARE
    harmonic = sum(1 / rank for rank in range(1, len(others) + 1))
    weights = dict(REGION_SHARES)
    weights.update({code: rest / harmonic / rank for rank, code in enumerate(others, start=1)})
    weights[""] = NO_REGION_SHARE
    return weights


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


def load(rows: int) -> None:
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from dozor.accounts.models import Organisation
    from dozor.records.models import Incident, IncidentBias, search_text
    from dozor.vocab.geography import russian_regions
    from dozor.vocab.registry import vocabulary

    rng = random.Random(SEED)
    for name in ("incident_type", "bias_motivation", "verification_status", "confidentiality"):
        known = set(vocabulary(name).codes)
        table = {
            "incident_type": TYPE_WEIGHTS,
            "bias_motivation": BIAS_WEIGHTS,
            "verification_status": STATUS_WEIGHTS,
            "confidentiality": CONFIDENTIALITY_WEIGHTS,
        }[name]
        assert set(table) <= known, f"{name}: {set(table) - known} not in the vocabulary"
    regions = russian_regions()
    type_labels = {t.code: t.label("ru") for t in vocabulary("incident_type").terms}
    defender_types = {
        t.code for t in vocabulary("incident_type").terms if t.attributes.get("against_defenders")
    }

    organisations = [
        Organisation.objects.create(name=name, kind=kind, country="RU")
        for name, kind, _ in ORGANISATIONS
    ]
    pick_org = weighted(rng, {str(i): share for i, (_, _, share) in enumerate(ORGANISATIONS)})
    pick_year = weighted(rng, {str(year): w for year, w in YEAR_WEIGHTS.items()})
    pick_region = weighted(rng, region_weights(sorted(regions)))
    pick_type = weighted(rng, TYPE_WEIGHTS)
    pick_bias = weighted(rng, BIAS_WEIGHTS)
    pick_status = weighted(rng, STATUS_WEIGHTS)
    pick_precision = weighted(rng, PRECISION_WEIGHTS)
    pick_confidentiality = weighted(rng, CONFIDENTIALITY_WEIGHTS)
    numbers: dict[str, int] = {}

    def incident(pk: int) -> tuple[Incident, list[IncidentBias]]:
        precision = pick_precision()
        year = int(pick_year())
        start = end = None
        if precision != "unknown":
            start = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
            if precision == "month":
                start = start.replace(day=1)
            elif precision == "year":
                start = start.replace(month=1, day=1)
            elif precision == "range":
                end = start + datetime.timedelta(days=rng.randint(1, 60))
        region = pick_region()
        city = regions[region].capitals["ru"] if region else "Россия"
        kind = pick_type()
        motivations = [pick_bias()]
        if rng.random() < 0.25:
            second = pick_bias()
            if second != motivations[0]:
                motivations.append(second)
        victim = rng.choice(VICTIMS[motivations[0]])
        title = f"{type_labels[kind]}: {victim}, {city}"
        when = f"{start.day} {MONTHS_RU[start.month - 1]} {start.year} г." if start else "Недавно"
        summary = f"{when} в городе {city} {rng.choice(PERPETRATORS)} {ACTIONS[kind]} {victim}."
        details = rng.sample(DETAILS, len(DETAILS))
        target_length = rng.randint(200, 400)
        while len(summary) < target_length - 40 and details:
            summary += " " + details.pop()
        summary = f"{summary} {rng.choice(SOURCES)}"[:400]
        killed = rng.choice([1, 1, 1, 2, 3]) if kind == "homicide" else 0
        injured = rng.choice([0, 1, 1, 1, 2, 3, 5]) if kind in ("physical_assault", "arson") else 0
        country_year = f"RU-{start.year if start else '0000'}"
        numbers[country_year] = numbers.get(country_year, 0) + 1
        row = Incident(
            id=pk,
            reference=f"{country_year}-{numbers[country_year]:05d}",
            organisation=organisations[int(pick_org())],
            title=title,
            summary=summary,
            date_start=start,
            date_end=end,
            date_precision=precision,
            country="RU",
            region=region,
            locality=city if region else "",
            location_precision="locality" if region else "country",
            incident_type=kind,
            target_kind="organisation" if kind in ("search_raid", "seizure") else "people",
            killed=killed,
            injured=injured,
            verification_status=pick_status(),
            confidentiality=pick_confidentiality(),
            defender_targeted=kind in defender_types and rng.random() < 0.6,
            search_text=search_text(title),
        )
        biases = [IncidentBias(incident_id=pk, motivation=code) for code in motivations]
        return row, biases

    started = time.perf_counter()
    done = 0
    while done < rows:
        size = min(BATCH, rows - done)
        made = [incident(done + offset + 1) for offset in range(size)]
        with transaction.atomic():
            Incident.objects.bulk_create([row for row, _ in made])
            IncidentBias.objects.bulk_create([bias for _, biases in made for bias in biases])
        done += size
        elapsed = time.perf_counter() - started
        print(f"  loaded {done:>7,} / {rows:,} incidents ({elapsed:5.1f} s)", flush=True)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Incident, IncidentBias]):
            cursor.execute(sql)
    analyze()


def analyze() -> None:
    from django.db import connection

    # VACUUM too, as autovacuum would after a load: it fills the visibility map that index-only
    # scans rely on, so counts are not timed against a freshly loaded, never-vacuumed table.
    print("VACUUM ANALYZE ...", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
