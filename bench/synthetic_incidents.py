"""Synthetic incidents for the benchmarks: a realistic mix loaded in bulk.

Shared by bench/list_incidents.py and bench/load.py, so both time the same data. Every function
here expects Django to be set up against the database to load.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BATCH = 20_000
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


# Named victims, for bench/search.py: most incidents have one, named from a few hundred invented
# surnames in their masculine and feminine forms (no real person's name).
NAMED_SHARE = 0.7
ROOTS = (
    "Султон", "Карим", "Рахим", "Юсуп", "Назар", "Саид", "Рустам", "Фарход", "Шариф", "Давлат",
    "Хаким", "Мирзо", "Умар", "Ахмед", "Исмаил", "Бахтияр", "Тимур", "Алишер", "Икром", "Зариф",
    "Гулям", "Джамол", "Файзулл", "Хуршед", "Нурулл", "Собир", "Комил", "Олим", "Равшан", "Шерал",
)  # fmt: skip
SUFFIXES = (("ов", "ова"), ("ев", "ева"), ("зода", "зода"), ("заде", "заде"), ("бек", "бек"))
FIRST = {
    "male": ("Далер", "Фарход", "Рустам", "Алишер", "Умед", "Бахром", "Джамшед", "Азиз", "Парвиз"),
    "female": ("Мадина", "Зарина", "Нигина", "Шахло", "Дилноза", "Малика", "Гульнора", "Сабина"),
}  # fmt: skip


def weighted(rng: random.Random, weights: Mapping[str, float]) -> Callable[[], str]:
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
# Generating
# ---------------------------------------------------------------------------------------------


@dataclass
class Generated:
    """One batch of rows, as plain values in the order of their tables' columns."""

    incidents: list[dict[str, Any]] = field(default_factory=list)
    biases: list[tuple[int, str]] = field(default_factory=list)
    people: list[dict[str, Any]] = field(default_factory=list)


class Generator:
    """The synthetic incidents, drawn in order from SEED: the same rows on every run."""

    def __init__(self, *, named_victims: bool) -> None:
        from dozor.vocab.geography import russian_regions
        from dozor.vocab.registry import vocabulary

        self.rng = rng = random.Random(SEED)
        # Its own stream, so the incidents are the same with or without named victims.
        self.people_rng = random.Random(SEED + 1) if named_victims else None
        for name, table in (
            ("incident_type", TYPE_WEIGHTS),
            ("bias_motivation", BIAS_WEIGHTS),
            ("verification_status", STATUS_WEIGHTS),
            ("confidentiality", CONFIDENTIALITY_WEIGHTS),
        ):
            known = set(vocabulary(name).codes)
            assert set(table) <= known, f"{name}: {set(table) - known} not in the vocabulary"
        self.regions = russian_regions()
        self.type_labels = {t.code: t.label("ru") for t in vocabulary("incident_type").terms}
        self.defender_types = {
            t.code
            for t in vocabulary("incident_type").terms
            if t.attributes.get("against_defenders")
        }
        self.pick_org = weighted(
            rng, {str(i): share for i, (_, _, share) in enumerate(ORGANISATIONS)}
        )
        self.pick_year = weighted(rng, {str(year): w for year, w in YEAR_WEIGHTS.items()})
        self.pick_region = weighted(rng, region_weights(sorted(self.regions)))
        self.pick_type = weighted(rng, TYPE_WEIGHTS)
        self.pick_bias = weighted(rng, BIAS_WEIGHTS)
        self.pick_status = weighted(rng, STATUS_WEIGHTS)
        self.pick_precision = weighted(rng, PRECISION_WEIGHTS)
        self.pick_confidentiality = weighted(rng, CONFIDENTIALITY_WEIGHTS)
        self.numbers: dict[str, int] = {}

    def incident(self, pk: int, organisations: list[int], batch: Generated) -> None:
        rng = self.rng
        precision = self.pick_precision()
        year = int(self.pick_year())
        start = end = None
        if precision != "unknown":
            start = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
            if precision == "month":
                start = start.replace(day=1)
            elif precision == "year":
                start = start.replace(month=1, day=1)
            elif precision == "range":
                end = start + datetime.timedelta(days=rng.randint(1, 60))
        region = self.pick_region()
        city = self.regions[region].capitals["ru"] if region else "Россия"
        kind = self.pick_type()
        motivations = [self.pick_bias()]
        if rng.random() < 0.25:
            second = self.pick_bias()
            if second != motivations[0]:
                motivations.append(second)
        victim = rng.choice(VICTIMS[motivations[0]])
        title = f"{self.type_labels[kind]}: {victim}, {city}"
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
        self.numbers[country_year] = self.numbers.get(country_year, 0) + 1
        batch.incidents.append(
            {
                "id": pk,
                "reference": f"{country_year}-{self.numbers[country_year]:05d}",
                "organisation_id": organisations[int(self.pick_org())],
                "title": title,
                "summary": summary,
                "date_start": start,
                "date_end": end,
                "date_precision": precision,
                "region": region,
                "locality": city if region else "",
                "location_precision": "locality" if region else "country",
                "incident_type": kind,
                "target_kind": "organisation" if kind in ("search_raid", "seizure") else "people",
                "killed": killed,
                "injured": injured,
                "verification_status": self.pick_status(),
                "confidentiality": self.pick_confidentiality(),
                "defender_targeted": kind in self.defender_types and rng.random() < 0.6,
            }
        )
        batch.biases.extend((pk, code) for code in motivations)
        people = self.people_rng
        if people is not None and people.random() < NAMED_SHARE:
            sex = people.choice(("male", "female"))
            ending = people.choice(SUFFIXES)[0 if sex == "male" else 1]
            name = f"{people.choice(FIRST[sex])} {people.choice(ROOTS)}{ending}"
            batch.people.append({"incident_id": pk, "name": name, "sex": sex})


# ---------------------------------------------------------------------------------------------
# Writing: COPY on PostgreSQL, executemany elsewhere
# ---------------------------------------------------------------------------------------------


class Table:
    """A table written in bulk: its columns, and the values of those a row does not give (the
    fields' defaults, prepared for the database once)."""

    def __init__(self, model: Any, constants: dict[str, Any]) -> None:
        from django.db import connection

        self.name = model._meta.db_table
        self.fields = [
            f
            for f in model._meta.concrete_fields
            if f.column is not None and not getattr(f, "generated", False)
        ]
        self.columns = [f.column for f in self.fields]
        self.constants: dict[str, Any] = {}
        for f in self.fields:
            value = constants[f.attname] if f.attname in constants else f.get_default()
            self.constants[f.attname] = f.get_db_prep_save(value, connection)
        self.dates = {f.attname for f in self.fields if f.get_internal_type() == "DateField"}

    def row(self, values: dict[str, Any]) -> tuple[Any, ...]:
        from django.db import connection

        adapt = connection.ops.adapt_datefield_value
        return tuple(
            (adapt(values[name]) if name in self.dates else values[name])
            if name in values
            else self.constants[name]
            for name in (f.attname for f in self.fields)
        )

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        from django.db import connection

        if not rows:
            return
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quote(self.name)} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            marks = ", ".join(["%s"] * len(self.columns))
            cursor.executemany(f"INSERT INTO {quote(self.name)} ({columns}) VALUES ({marks})", rows)


class Tokens:
    """The search tokens of one searched field, computed once per distinct word.

    A value's tokens are the union of its words' tokens (dozor.security.search.value_tokens:
    each word and its beginnings, keyed for the field), and the synthetic vocabulary is small,
    so each word's HMACs are computed once for the whole load.
    """

    def __init__(self, ring: Any, searched: Any, extra: tuple[str, ...] = ()) -> None:
        """``extra``: the columns the database keeps beside a token on PostgreSQL (its
        incident's date, search_order), written here so that the load need not fire the
        triggers that fill them, one row at a time."""
        from dozor.security.crypto import tokens

        self.ring = ring
        self.searched = searched
        self.extra = extra
        self.model = searched.search.token_model()
        self.table = self.model._meta.db_table
        self.by_word: dict[str, frozenset[str]] = {}
        self.split = tokens
        self.rows: list[tuple[int, str]] = []
        self.text: list[str] = []
        self.count = 0

    def add(self, pk: int, value: str, extra: tuple[Any, ...] = ()) -> None:
        from django.db import connection

        found: set[str] = set()
        for word in self.split(value):
            known = self.by_word.get(word)
            if known is None:
                known = frozenset(
                    self.ring.search_tokens(
                        self.searched.label, word, prefixes=self.searched.search.prefixes
                    )
                )
                self.by_word[word] = known
            found |= known
        self.count += len(found)
        if connection.vendor == "postgresql":
            prefix = f"{pk}\t{self.searched.name}\t"
            suffix = "".join("\t" + ("\\N" if v is None else str(v)) for v in extra) + "\n"
            self.text.append("".join([prefix + token + suffix for token in found]))
        else:
            self.rows.extend((pk, token) for token in found)

    def write(self, *, freeze: bool) -> None:
        from django.db import connection

        quote = connection.ops.quote_name
        columns = ", ".join(
            quote(self.model._meta.get_field(name).column) for name in ("record", "field", "token")
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                columns += "".join(f", {quote(name)}" for name in self.extra)
                options = " WITH (FREEZE)" if freeze else ""
                sql = f"COPY {quote(self.table)} ({columns}) FROM STDIN{options}"
                with cursor.cursor.copy(sql) as copy:
                    copy.write("".join(self.text).encode())
            elif self.rows:
                cursor.executemany(
                    f"INSERT INTO {quote(self.table)} ({columns}) VALUES (%s, %s, %s)",
                    [(pk, self.searched.name, token) for pk, token in self.rows],
                )
        self.rows, self.text = [], []


@dataclass
class Deferred:
    """Indexes and constraints dropped for a bulk load into empty tables, and the statements
    that make them again, exactly as the migrations made them."""

    recreate: list[str] = field(default_factory=list)
    add_foreign_keys: list[str] = field(default_factory=list)


def _defer_indexes(tables: list[str], token_tables: list[str]) -> Deferred:
    """Drop the secondary indexes and foreign keys of the tables to load, and the token tables'
    primary keys: building a B-tree once from sorted rows is several times faster than keeping
    it up to date row by row, and a foreign key is checked once for the whole table."""
    from django.db import connection

    deferred = Deferred()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND (contype = 'f' OR (contype = 'p' AND %s))",
                [table, table in token_tables],
            )
            for name, definition, kind in cursor.fetchall():
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                statement = f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
                (deferred.add_foreign_keys if kind == "f" else deferred.recreate).append(statement)
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid = %s::regclass AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint WHERE conindid = indexrelid)",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {name}")
                deferred.recreate.append(definition)
    return deferred


# The triggers of migrations records/0018 and 0019 that fill a token's date (and a name's
# incident) when it is inserted.
FILL_TRIGGERS = {
    "records_incidenttoken": "records_incidenttoken_date_fill",
    "records_persontoken": "records_persontoken_incident_fill",
}


def _fill_triggers(action: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table, trigger in FILL_TRIGGERS.items():
            cursor.execute(f'ALTER TABLE "{table}" {action} TRIGGER "{trigger}"')


def load(rows: int, *, named_victims: bool = False) -> None:
    """Load ``rows`` synthetic incidents (with a named victim for NAMED_SHARE of them if
    ``named_victims``) and their summaries' and names' search tokens, as the services would
    write them, in one transaction.

    On PostgreSQL into empty tables the rows go in with COPY, the tokens with COPY FREEZE into
    the token tables truncated in the same transaction (so no VACUUM has to visit them), and the
    tables' indexes, the token tables' primary keys and the foreign keys are built after the
    rows. ``dozor keys reindex --check`` finds the tokens right (tests/test_bench_data.py).
    """
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from dozor.accounts.models import Organisation
    from dozor.records.models import (
        Incident,
        IncidentBias,
        IncidentToken,
        PersonInvolvement,
        PersonToken,
        search_text,
    )
    from dozor.security.keyring import keyring

    ring = keyring()
    if ring.locked:
        raise SystemExit(
            f"The synthetic summaries are sealed and the key is missing: {ring.reason}"
        )
    now = timezone.now()
    tracked = {"created_at": now, "updated_at": now}
    incidents = Table(Incident, {**tracked, "country": "RU", "summary_language": "ru"})
    biases = Table(IncidentBias, {})
    people = Table(PersonInvolvement, {**tracked, "role": "victim", "pseudonym": "A"})
    summary_field = Incident._meta.get_field("summary")
    name_field = PersonInvolvement._meta.get_field("name")
    summary_tokens = Tokens(ring, summary_field, extra=("date_start",))
    name_tokens = Tokens(ring, name_field, extra=("incident_id", "date_start"))
    blind: dict[str, str] = {}
    generator = Generator(named_victims=named_victims)
    postgres = connection.vendor == "postgresql"
    models = [Incident, IncidentBias, PersonInvolvement, IncidentToken, PersonToken]
    empty = not any(model._default_manager.exists() for model in models)
    bulk = postgres and empty

    started = time.perf_counter()
    with transaction.atomic():
        person_id = bias_id = 0
        if bulk:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
                cursor.execute("SET LOCAL synchronous_commit = off")
            token_tables = [IncidentToken._meta.db_table, PersonToken._meta.db_table]
            deferred = _defer_indexes([m._meta.db_table for m in models], token_tables)
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in token_tables))
        if postgres:
            # The tokens' dates and incidents are written with them (Tokens' extra): the
            # triggers that would look each one up are off for the load, in its transaction.
            _fill_triggers("DISABLE")
        # After the indexes are dropped: ALTER TABLE refuses while a row's checks are pending.
        organisations = [
            Organisation.objects.create(name=name, kind=kind, country="RU").pk
            for name, kind, _ in ORGANISATIONS
        ]
        done = 0
        while done < rows:
            batch = Generated()
            for pk in range(done + 1, min(rows, done + BATCH) + 1):
                generator.incident(pk, organisations, batch)
            incident_rows = []
            dates = {values["id"]: values["date_start"] for values in batch.incidents}
            for values in batch.incidents:
                text = values["summary"]
                summary_tokens.add(values["id"], text, (values["date_start"],))
                values["summary"] = ring.seal(text.encode(), label=summary_field.label)
                values["search_text"] = search_text(values["title"])
                incident_rows.append(incidents.row(values))
            person_rows = []
            for values in batch.people:
                person_id += 1
                name = values["name"]
                incident = values["incident_id"]
                name_tokens.add(person_id, name, (incident, dates[incident]))
                if name not in blind:
                    blind[name] = ring.blind(name)
                values.update(
                    id=person_id,
                    name=ring.seal(name.encode(), label=name_field.label),
                    name_index=blind[name],
                )
                person_rows.append(people.row(values))
            incidents.write(incident_rows)
            bias_rows = []
            for pk, code in batch.biases:
                bias_id += 1
                bias_rows.append(biases.row({"id": bias_id, "incident_id": pk, "motivation": code}))
            biases.write(bias_rows)
            people.write(person_rows)
            summary_tokens.write(freeze=bulk)
            name_tokens.write(freeze=bulk)
            done += len(batch.incidents)
            elapsed = time.perf_counter() - started
            print(f"  loaded {done:>9,} / {rows:,} incidents, {person_id:,} named victims, "
                  f"{summary_tokens.count + name_tokens.count:,} tokens ({elapsed:6.1f} s)",
                  flush=True)  # fmt: skip
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [Incident, IncidentBias, PersonInvolvement]
            ):
                cursor.execute(sql)
            if postgres:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                _fill_triggers("ENABLE")
            if bulk:
                for statement in [*deferred.recreate, *deferred.add_foreign_keys]:
                    print(f"  {statement[:100]} ...", flush=True)
                    cursor.execute(statement)
                print(f"  indexes built ({time.perf_counter() - started:6.1f} s)", flush=True)
    analyze()


def analyze() -> None:
    from django.db import connection

    # VACUUM too, as autovacuum would after a load: it fills the visibility map that index-only
    # scans rely on, so counts are not timed against a freshly loaded, never-vacuumed table.
    print("VACUUM ANALYZE ...", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


# ---------------------------------------------------------------------------------------------
# The cached databases: built once per number of incidents, reused by every bench
# ---------------------------------------------------------------------------------------------

# Bump when what load() writes changes: a database built from other data is then rebuilt.
DATA_VERSION = 2
MARKER = "dozor_bench_data"
DEFAULT_SERVER_URL = "postgres://dozor_test:dozor_test@127.0.0.1:5432/postgres"


def cached_database_url(server_url: str, rows: int) -> str:
    """The URL of the cached database of ``rows`` incidents on the server of ``server_url``."""
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/dozor_bench_incidents_{rows}"))


def expected_marker(rows: int) -> dict[str, Any]:
    from dozor.security.crypto import KeyRing, key_decode

    ring = KeyRing(key_decode(BENCH_KEY, where="BENCH_KEY"))
    return {MARKER: DATA_VERSION, "rows": rows, "kek_id": ring.kek_id, "named_share": NAMED_SHARE}


def _server(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """One statement on the server's maintenance database, outside a transaction."""
    import psycopg

    parts = urlsplit(url.replace("postgres://", "postgresql://", 1))
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def marker_read(url: str) -> dict[str, Any] | None:
    """The marker in the database's comment (None if it does not exist or has none)."""
    found = _server(
        url,
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        (database_name(url),),
    )
    if not found or not found[0][0]:
        return None
    try:
        marker = json.loads(found[0][0])
    except ValueError:
        return None
    return marker if isinstance(marker, dict) and MARKER in marker else None


def database_size(url: str) -> str:
    found = _server(url, "SELECT pg_size_pretty(pg_database_size(%s))", (database_name(url),))
    return str(found[0][0]) if found else "?"


def cached_database(url: str, rows: int, *, rebuild: bool = False) -> str:
    """Make sure the PostgreSQL database at ``url`` holds the synthetic data of ``rows``
    incidents with named victims, sealed with BENCH_KEY; build it (in a child process, with its
    own settings) only if its marker says otherwise. Returns the URL."""
    if not rebuild and marker_read(url) == expected_marker(rows):
        return url
    command = [sys.executable, str(Path(__file__).resolve()), "--database-url", url,
               "--rows", str(rows)] + (["--rebuild"] if rebuild else [])  # fmt: skip
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DOZOR_")}
    if subprocess.run(command, env=environment, check=False).returncode != 0:
        sys.exit(f"building the cached database {database_name(url)} failed")
    return url


def build(url: str, rows: int, *, rebuild: bool) -> int:
    """Build the cached database unless its marker already fits; one build at a time per
    database (an advisory lock: a second bench waits for the first's build and reuses it)."""
    import psycopg

    name = database_name(url)
    maintenance = urlsplit(url.replace("postgres://", "postgresql://", 1))
    with psycopg.connect(maintenance._replace(path="/postgres").geturl(), autocommit=True) as lock:
        print(f"waiting for the lock on {name} ...", flush=True)
        lock.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"dozor bench {name}",))
        if not rebuild and marker_read(url) == expected_marker(rows):
            print(f"{name} already holds {rows:,} incidents ({database_size(url)})", flush=True)
            return 0
        print(f"creating database {name} ...", flush=True)
        # FORCE ends the sessions still connected but refuses to end an autovacuum worker
        # busy in the database; a plain DROP stops the worker itself and waits for it.
        try:
            _server(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except psycopg.errors.InsufficientPrivilege:
            _server(url, f'DROP DATABASE IF EXISTS "{name}"')
        _server(url, f'CREATE DATABASE "{name}"')
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "dozor.settings",
                "DOZOR_ENV": "test",
                "DOZOR_HOME": tempfile.mkdtemp(prefix="dozor-bench-"),
                "DOZOR_DATABASE_URL": url,
                "DOZOR_KEY": BENCH_KEY,
            }
        )
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        from dozor.security.crypto import KeyRing, key_decode
        from dozor.security.keys import NewKey, keyring_init

        started = time.perf_counter()
        print("migrating ...", flush=True)
        call_command("migrate", verbosity=0, interactive=False)
        keyring_init(new=NewKey(ring=KeyRing(key_decode(BENCH_KEY, where="BENCH_KEY"))))
        print(f"loading {rows:,} incidents with named victims ...", flush=True)
        load(rows, named_victims=True)
        from django.db import connections

        connections.close_all()
        comment = json.dumps(expected_marker(rows)).replace("'", "''")
        _server(url, f"COMMENT ON DATABASE \"{name}\" IS '{comment}'")
        print(f"built {name}: {rows:,} incidents in {time.perf_counter() - started:.0f} s, "
              f"{database_size(url)}", flush=True)  # fmt: skip
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Build (once) the cached PostgreSQL database of synthetic incidents that "
        "bench/list_incidents.py, bench/search.py and bench/load.py time.",
    )
    parser.add_argument("--rows", type=int, default=100_000, help="incidents (100000)")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL URL of the database (by default dozor_bench_incidents_<rows> on the "
        "server of DOZOR_DATABASE_URL, or of the local test server)",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild even if it fits")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be positive")
    url = args.database_url or cached_database_url(server_url(), args.rows)
    if not url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a PostgreSQL URL")
    return build(url, args.rows, rebuild=args.rebuild)


def server_url() -> str:
    """The PostgreSQL server the cached databases live on: DOZOR_DATABASE_URL's, if it is one."""
    url = os.environ.get("DOZOR_DATABASE_URL", "").strip()
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_SERVER_URL


if __name__ == "__main__":
    raise SystemExit(main())
