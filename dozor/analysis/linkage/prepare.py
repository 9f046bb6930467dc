# Russian text is the point of this module, so Cyrillic letters that look Latin are intended.
"""From reports as sources give them to the columns the linkage model compares."""

from __future__ import annotations

import csv
import datetime
import functools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from dozor.analysis.linkage.errors import LinkageInputError
from dozor.analysis.linkage.names import (
    is_cyrillic,
    name_key,
    to_cyrillic,
    to_latin,
    word_key,
    words,
)

VOCABULARIES = Path(__file__).resolve().parents[2] / "records" / "vocabularies"
EPOCH = datetime.date(1970, 1, 1)

# The columns a reports frame must have; `victims` is a list of {"name": ..., "sex": ...}.
REPORT_COLUMNS = (
    "report_id",
    "source",
    "date",
    "date_precision",
    "region",
    "locality",
    "incident_type",
    "killed",
    "injured",
    "victims",
    "summary",
)
MSG_MISSING_COLUMNS = "The reports frame lacks the column(s) {columns}; expected {expected}."
MSG_DUPLICATE_IDS = "report_id must be unique; {count} value(s) repeat, e.g. {example!r}."
MSG_BAD_DATE = "Report {report_id}: date {value!r} is not a date (YYYY-MM-DD expected)."
MSG_BAD_PRECISION = (
    "Report {report_id}: date_precision {value!r} is not one of day, month, year, range, unknown."
)
MSG_BAD_COUNT = "Report {report_id}: {column} {value!r} is not a whole number of people ≥ 0."

PRECISIONS = ("day", "month", "year", "range", "unknown")
SUMMARY_WORDS = 40
COMMON_WORD_SHARE = 0.02
_STOPWORDS = {
    "который", "котора", "которы", "которо", "после", "сообща", "соорбщ", "также", "говори",
    "время", "около", "несколь", "неизве", "unknown", "attack", "attacke", "report", "people",
    "person", "police", "group", "injure", "killed",
}  # fmt: skip


@functools.cache
def _regions() -> tuple[dict[str, str], dict[str, str]]:
    """Capitals by folded name → region code, and English capital names → Russian ones."""
    region_of: dict[str, str] = {}
    russian_of: dict[str, str] = {}
    with (VOCABULARIES / "regions_ru.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            russian = row["capital_ru"].strip()
            english = row["capital_en"].strip()
            if not russian:
                continue
            region_of[_fold(russian)] = row["code"]
            region_of[_fold(english)] = row["code"]
            russian_of[_fold(english)] = russian
    return region_of, russian_of


@functools.cache
def odihr_groups() -> dict[str, str]:
    with (VOCABULARIES / "incident_type.yaml").open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return {term["code"]: term.get("odihr_group", "") for term in data["terms"]}


def _fold(place: str) -> str:
    place = place.casefold().replace("ё", "е").replace("st.", "saint").strip()
    if place.startswith("st "):
        place = "saint " + place[3:]
    return " ".join(place.replace("-", " ").split())


@functools.cache
def locality_key(locality: str) -> str:
    """A place name in one Latin spelling: "Санкт-Петербург", "St. Petersburg" → one key."""
    folded = _fold(locality)
    if not folded:
        return ""
    russian_of = _regions()[1]
    if folded in russian_of:
        folded = _fold(russian_of[folded])
    cyrillic = folded if is_cyrillic(folded) else " ".join(to_cyrillic(w) for w in folded.split())
    return to_latin(cyrillic)


@functools.cache
def region_of_locality(locality: str) -> str | None:
    """The region whose capital the locality is, as regions_ru.csv lists capitals."""
    return _regions()[0].get(_fold(locality))


def _date_span(report_id: Any, value: Any, precision: str) -> tuple[int | None, int | None]:
    if precision == "unknown" or value in (None, ""):
        return None, None
    try:
        date = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise LinkageInputError(MSG_BAD_DATE.format(report_id=report_id, value=value)) from None
    start = date
    if precision == "month":
        start = date.replace(day=1)
        following = (start + datetime.timedelta(days=32)).replace(day=1)
        end = following - datetime.timedelta(days=1)
    elif precision == "year":
        start = date.replace(month=1, day=1)
        end = date.replace(month=12, day=31)
    else:
        end = date
    return (start - EPOCH).days, (end - EPOCH).days


def _count(report_id: Any, column: str, value: Any) -> int:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return 0
    if isinstance(value, bool) or not float(value).is_integer() or value < 0:
        raise LinkageInputError(
            MSG_BAD_COUNT.format(report_id=report_id, column=column, value=value)
        )
    return int(value)


def summary_words(text: str) -> list[str]:
    """The distinct word stems of a text that say something: long words, no common ones."""
    keys: list[str] = []
    seen: set[str] = set()
    for word in words(text):
        if len(word) < 5:
            continue
        key = word_key(word)
        if key in seen or key in _STOPWORDS:
            continue
        seen.add(key)
        keys.append(key)
        if len(keys) == SUMMARY_WORDS:
            break
    return sorted(keys)


def _victim_keys(victims: Iterable[Mapping[str, Any]] | None) -> dict[str, list[Any]]:
    full: list[str] = []
    phonetic: list[str] = []
    surnames: list[str] = []
    ages: list[int] = []
    for victim in victims or ():
        age = victim.get("age")
        if isinstance(age, int) and not isinstance(age, bool) and 0 < age < 120:
            ages.append(age)
        key = name_key(str(victim.get("name") or ""), str(victim.get("sex") or "unknown"))
        if key is None:
            continue
        full.append(key.full)
        phonetic.append(key.phonetic)
        if key.surname_phonetic:
            surnames.append(key.surname_phonetic)
    return {
        "victim_names": sorted(set(full)),
        "victim_phonetic": sorted(set(phonetic)),
        "victim_surnames": sorted(set(surnames)),
        "victim_ages": sorted(set(ages)),
    }


def features_from_reports(reports: pd.DataFrame) -> pd.DataFrame:
    """The columns the model compares, one row per report, keyed by `unique_id`.

    Raises LinkageInputError naming the report and field when a value cannot be read.
    """
    missing = [column for column in REPORT_COLUMNS if column not in reports.columns]
    if missing:
        raise LinkageInputError(
            MSG_MISSING_COLUMNS.format(
                columns=", ".join(missing), expected=", ".join(REPORT_COLUMNS)
            )
        )
    duplicated = reports["report_id"][reports["report_id"].duplicated()]
    if len(duplicated):
        raise LinkageInputError(
            MSG_DUPLICATE_IDS.format(count=len(duplicated), example=duplicated.iloc[0])
        )
    groups = odihr_groups()
    rows = []
    # Names and summaries repeat across reports (and across copies of one source): each
    # distinct value is read once.
    victims_seen: dict[tuple[Any, ...], dict[str, list[Any]]] = {}
    summaries_seen: dict[str, list[str]] = {}
    if "bias_motivations" not in reports.columns:
        reports = reports.assign(bias_motivations=None)
    for record in reports[[*REPORT_COLUMNS, "bias_motivations"]].itertuples(index=False):
        report_id = record.report_id
        precision = record.date_precision or "day"
        if precision not in PRECISIONS:
            raise LinkageInputError(MSG_BAD_PRECISION.format(report_id=report_id, value=precision))
        start, end = _date_span(report_id, record.date, precision)
        locality = str(record.locality or "")
        region = record.region or region_of_locality(locality) if locality else record.region
        killed = _count(report_id, "killed", record.killed)
        injured = _count(report_id, "injured", record.injured)
        victims = record.victims if isinstance(record.victims, list | tuple) else []
        victims_key = tuple(
            (v.get("name"), v.get("sex"), v.get("age")) for v in victims if isinstance(v, Mapping)
        )
        names = victims_seen.get(victims_key)
        if names is None:
            names = victims_seen[victims_key] = _victim_keys(
                [v for v in victims if isinstance(v, Mapping)]
            )
        summary = str(record.summary or "")
        words_ = summaries_seen.get(summary)
        if words_ is None:
            words_ = summaries_seen[summary] = summary_words(summary)
        first_name = names["victim_names"][0] if names["victim_names"] else None
        rows.append(
            {
                "unique_id": report_id,
                "source": record.source,
                "day_start": start,
                "day_end": end,
                "day_exact": start if precision == "day" else None,
                "month": None
                if start is None
                else (EPOCH + datetime.timedelta(start)).strftime("%Y-%m"),
                "year": None if start is None else (EPOCH + datetime.timedelta(start)).year,
                "region": region or None,
                "locality": locality_key(locality) or None,
                "incident_type": record.incident_type or None,
                "type_group": groups.get(record.incident_type or "", "") or None,
                "killed": killed,
                "injured": injured,
                "harmed": killed + injured,
                **{key: value or None for key, value in names.items()},
                "name_key": first_name,
                # Every victim counted is named: disjoint names then speak against a match.
                "names_complete": len(names["victim_names"]) >= max(killed + injured, 1),
                "summary_words": words_ or None,
                "summary_language": _language(summary),
                "bias_motivations": sorted(set(record.bias_motivations or ())) or None,
            }
        )
    frame = pd.DataFrame(rows)
    _fill_regions_from_localities(frame)
    _drop_common_words(frame)
    for column in ("day_start", "day_end", "day_exact", "year"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _language(text: str) -> str | None:
    """Summaries are compared only within one language: "ru" for Cyrillic text, else "latin"."""
    if not text.strip():
        return None
    return "ru" if is_cyrillic(text) else "latin"


def _fill_regions_from_localities(frame: pd.DataFrame) -> None:
    """A report that names a town but not its region gets the region other reports give it.

    The gazetteer is learnt from the reports themselves: for each locality, the region most
    reports that name both agree on.
    """
    known = frame.dropna(subset=["locality", "region"])
    if known.empty:
        return
    counts = known.groupby(["locality", "region"]).size().reset_index(name="n")
    best = counts.sort_values("n", ascending=False).drop_duplicates("locality")
    learnt = dict(zip(best["locality"], best["region"], strict=True))
    missing = frame["region"].isna() & frame["locality"].notna()
    frame.loc[missing, "region"] = frame.loc[missing, "locality"].map(learnt)


def _drop_common_words(frame: pd.DataFrame) -> None:
    """Words in more than COMMON_WORD_SHARE of the summaries say nothing about one incident."""
    exploded = frame["summary_words"].explode().dropna()
    if exploded.empty:
        return
    limit = max(COMMON_WORD_SHARE * len(frame), 5)
    counts = exploded.value_counts()
    common = set(counts[counts > limit].index)
    if not common:
        return
    frame["summary_words"] = [
        (kept or None) if isinstance(words_, list) else None
        for words_ in frame["summary_words"]
        for kept in [[w for w in words_ if w not in common] if isinstance(words_, list) else []]
    ]


def reports_frame(records: Iterable[tuple[Any, str, Mapping[str, Any]]]) -> pd.DataFrame:
    """A reports frame from (report id, source, parsed fields) triples, as Report.fields holds
    them (date, date_precision, region, locality, incident_type, killed, injured, victims,
    title, summary)."""
    rows = []
    for report_id, source, parsed in records:
        rows.append(
            {
                "report_id": report_id,
                "source": source,
                "date": parsed.get("date"),
                "date_precision": parsed.get("date_precision") or "day",
                "region": parsed.get("region"),
                "locality": parsed.get("locality") or "",
                "incident_type": parsed.get("incident_type"),
                "killed": parsed.get("killed") or 0,
                "injured": parsed.get("injured") or 0,
                "victims": parsed.get("victims") or [],
                "bias_motivations": list(parsed.get("bias_motivations") or []),
                "summary": " ".join(
                    str(parsed.get(key) or "") for key in ("title", "summary")
                ).strip(),
            }
        )
    return pd.DataFrame(rows, columns=[*REPORT_COLUMNS, "bias_motivations"])
