# Russian text is the point of this module, so Cyrillic letters that look Latin are intended.
"""From reports as sources give them to the columns the linkage model compares."""

from __future__ import annotations

import concurrent.futures
import datetime
import functools
import itertools
import multiprocessing
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from dozor.analysis.linkage.errors import LinkageInputError
from dozor.analysis.linkage.names import (
    is_cyrillic,
    name_key,
    organisation_keys,
    to_cyrillic,
    to_latin,
    word_key,
    words,
)
from dozor.vocab.geography import russian_regions
from dozor.vocab.registry import vocabulary

EPOCH = datetime.date(1970, 1, 1)

# The columns a reports frame must have; `victims` is a list of {"name": ..., "sex": ...}.
# Optional: `bias_motivations` (a list of codes), `country` (ISO 3166-1 alpha-2) and
# `target_organisation` (the name of the organisation attacked, raided or searched). Any value
# may be missing (None): `killed` and `injured` both missing mean the report gives no count.
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

_Key = TypeVar("_Key", bound=Hashable)
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
    for region in russian_regions().values():
        russian = region.capitals["ru"].strip()
        english = region.capitals["en"].strip()
        if not russian:
            continue
        region_of[_fold(russian)] = region.code
        region_of[_fold(english)] = region.code
        russian_of[_fold(english)] = russian
    return region_of, russian_of


@functools.cache
def odihr_groups() -> dict[str, str]:
    return {
        term.code: str(term.attributes.get("odihr_group", ""))
        for term in vocabulary("incident_type").terms
    }


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
    # pandas keeps a column of dates with gaps as text with NaN, not None.
    if precision == "unknown" or value in (None, "") or _missing(value):
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


def _missing(value: Any) -> bool:
    """None, or the NaN or NA pandas puts in a gap of a column."""
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _count(report_id: Any, column: str, value: Any) -> int | None:
    """A count of people, or None when the report does not give it."""
    if _missing(value):
        return None
    if isinstance(value, bool) or not float(value).is_integer() or value < 0:
        raise LinkageInputError(
            MSG_BAD_COUNT.format(report_id=report_id, column=column, value=value)
        )
    return int(value)


def summary_words(text: str) -> list[str]:
    """The distinct word stems of a text that say something: long words, no common ones."""
    keys: dict[str, None] = {}
    for word in words(text):
        key = _summary_key(word)
        if key is not None:
            keys[key] = None
            if len(keys) == SUMMARY_WORDS:
                break
    return sorted(keys)


@functools.lru_cache(maxsize=1 << 20)
def _summary_key(word: str) -> str | None:
    """A word's stem, or None for a short word or one too common to tell reports apart."""
    if len(word) < 5:
        return None
    key = word_key(word)
    return None if key in _STOPWORDS else key


# One victim's name recurs in the reports of every list that records them.
_name_key = functools.lru_cache(maxsize=1 << 20)(name_key)


def _victim_keys(victims: Iterable[Mapping[str, Any]] | None) -> dict[str, list[Any]]:
    full: list[str] = []
    phonetic: list[str] = []
    surnames: list[str] = []
    ages: list[int] = []
    for victim in victims or ():
        age = victim.get("age")
        if isinstance(age, int) and not isinstance(age, bool) and 0 < age < 120:
            ages.append(age)
        key = _name_key(str(victim.get("name") or ""), str(victim.get("sex") or "unknown"))
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


def _distinct(keys: Iterable[_Key]) -> tuple[np.ndarray, list[_Key]]:
    """Codes into the distinct keys (in order of first appearance), and those keys."""
    index: dict[_Key, int] = {}
    codes = np.fromiter((index.setdefault(key, len(index)) for key in keys), dtype=np.int64)
    return codes, list(index)


def _first_report(reports: pd.DataFrame, codes: np.ndarray, code: int) -> Any:
    return reports["report_id"].iloc[int(np.argmax(codes == code))]


def _spread(values: Sequence[Any], codes: np.ndarray) -> np.ndarray:
    """One value per row from one value per distinct key (lists stay lists)."""
    holder = np.empty(len(values), dtype=object)
    for position, value in enumerate(values):
        holder[position] = value
    result: np.ndarray = holder[codes]
    return result


# Below this many distinct values, starting processes costs more than it saves.
PARALLEL_FROM = 20_000
_Value = TypeVar("_Value")
_Result = TypeVar("_Result")


def read_distinct(
    function: Callable[[_Value], _Result],
    values: Sequence[_Value],
    workers: int,
    *,
    parallel_from: int | None = None,
) -> list[_Result]:
    """`function` of each value, in order; in `workers` processes when there are many values.

    Reading names and summaries is Python work that holds the interpreter, so threads would not
    help. The processes are started by a fork server: a clean process, not a copy of this one
    with its threads (a web server's, DuckDB's). `function` must be importable by name.
    """
    if workers < 2 or len(values) < (parallel_from or PARALLEL_FROM):
        return [function(value) for value in values]
    size = -(-len(values) // (workers * 4))
    chunks = [values[start : start + size] for start in range(0, len(values), size)]
    context = multiprocessing.get_context("forkserver")
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        parts = pool.map(_read_chunk, itertools.repeat(function), chunks)
        return [result for part in parts for result in part]


def _read_chunk(function: Callable[[_Value], _Result], values: Sequence[_Value]) -> list[_Result]:
    return [function(value) for value in values]


def _dates(reports: pd.DataFrame) -> dict[str, Any]:
    precisions = [value or "day" for value in reports["date_precision"].tolist()]
    codes, distinct = _distinct(zip(reports["date"].tolist(), precisions, strict=True))
    spans = []
    for code, (value, precision) in enumerate(distinct):
        report_id = None
        if precision not in PRECISIONS or not _readable_date(value, precision):
            report_id = _first_report(reports, codes, code)
        if precision not in PRECISIONS:
            raise LinkageInputError(MSG_BAD_PRECISION.format(report_id=report_id, value=precision))
        start, end = _date_span(report_id, value, precision)
        day = None if start is None else EPOCH + datetime.timedelta(start)
        spans.append(
            (
                start,
                end,
                start if precision == "day" else None,
                None if day is None else day.strftime("%Y-%m"),
                None if day is None else day.year,
            )
        )
    columns = ("day_start", "day_end", "day_exact", "month", "year")
    table = list(zip(*spans, strict=True)) if spans else [()] * len(columns)
    return {
        name: _spread(values, codes)
        if name == "month"
        else pd.array(_spread(values, codes), dtype="Int64")
        for name, values in zip(columns, table, strict=True)
    }


def _readable_date(value: Any, precision: str) -> bool:
    try:
        _date_span(None, value, precision)
    except LinkageInputError:
        return False
    return True


def _counts(reports: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Each report's count (0 where it gives none) and whether it gives one."""
    codes, distinct = _distinct(reports[column].tolist())
    counts = []
    for code, value in enumerate(distinct):
        try:
            counts.append(_count(None, column, value))
        except (LinkageInputError, TypeError, ValueError):
            report_id = _first_report(reports, codes, code)
            raise LinkageInputError(
                MSG_BAD_COUNT.format(report_id=report_id, column=column, value=value)
            ) from None
    if not counts:
        return np.zeros(0, np.int64), np.zeros(0, bool)
    given = np.asarray([count is not None for count in counts], dtype=bool)[codes]
    values = np.asarray([count or 0 for count in counts], dtype=np.int64)[codes]
    return values, given


def _countries(reports: pd.DataFrame) -> np.ndarray:
    """Each report's country as an upper-case ISO code, or "" when the frame or report has none.

    Unknown is "", not NULL, so that blocking rules on the country still pair two reports that
    both leave it out (a frame from before countries were compared has none at all).
    """
    if "country" not in reports.columns:
        return np.full(len(reports), "", dtype=object)
    codes, distinct = _distinct(
        value.strip().upper() if isinstance(value, str) else ""
        for value in reports["country"].tolist()
    )
    return _spread(distinct, codes)


def _places(reports: pd.DataFrame, countries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes, distinct = _distinct(
        zip(
            countries.tolist(),
            reports["region"].tolist(),
            reports["locality"].tolist(),
            strict=True,
        )
    )
    regions, localities = [], []
    for country, given_region, given_locality in distinct:
        # A missing value is None, or NaN where pandas keeps a column of texts.
        locality = given_locality if isinstance(given_locality, str) else ""
        region = given_region if isinstance(given_region, str) and given_region else None
        # The gazetteer knows Russia's regional capitals only.
        if locality and region is None and country in ("", "RU"):
            region = region_of_locality(locality)
        regions.append(region or None)
        localities.append(locality_key(locality) or None)
    return _spread(regions, codes), _spread(localities, codes)


def _victim_keys_of(victims: tuple[tuple[Any, Any, Any], ...]) -> dict[str, list[Any]]:
    return _victim_keys({"name": name, "sex": sex, "age": age} for name, sex, age in victims)


def _victims(reports: pd.DataFrame, workers: int) -> dict[str, np.ndarray]:
    codes, distinct = _distinct(
        tuple(
            (v.get("name"), v.get("sex"), v.get("age")) for v in victims if isinstance(v, Mapping)
        )
        if isinstance(victims, list | tuple)
        else ()
        for victims in reports["victims"].tolist()
    )
    keys = read_distinct(_victim_keys_of, distinct, workers)
    columns = {
        name: _spread([k[name] or None for k in keys], codes)
        for name in ("victim_names", "victim_phonetic", "victim_surnames", "victim_ages")
    }
    columns["name_key"] = _spread(
        [k["victim_names"][0] if k["victim_names"] else None for k in keys], codes
    )
    columns["name_count"] = np.asarray([len(k["victim_names"]) for k in keys], dtype=np.int64)[
        codes
    ]
    return columns


def _organisations(reports: pd.DataFrame) -> np.ndarray:
    """The keys of each report's targeted organisation (organisation_keys), or None."""
    if "target_organisation" not in reports.columns:
        return np.full(len(reports), None, dtype=object)
    codes, distinct = _distinct(
        value.strip() if isinstance(value, str) else "" for value in reports["target_organisation"]
    )
    return _spread([organisation_keys(name) or None for name in distinct], codes)


def _summaries(reports: pd.DataFrame, workers: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinctive words and language per report; common words are counted over all reports."""
    codes, distinct = _distinct(
        value if isinstance(value, str) else str(value or "")
        for value in reports["summary"].tolist()
    )
    keys = read_distinct(summary_words, distinct, workers)
    # A word's count over reports is its count over distinct summaries, each weighted by how
    # many reports carry it.
    weights = np.bincount(codes, minlength=len(distinct))
    counts: Counter[str] = Counter()
    for words_, weight in zip(keys, weights.tolist(), strict=True):
        for word in words_:
            counts[word] += weight
    limit = max(COMMON_WORD_SHARE * len(reports), 5)
    common = {word for word, count in counts.items() if count > limit}
    kept = [[w for w in words_ if w not in common] or None for words_ in keys]
    return _spread(kept, codes), _spread([_language(text) for text in distinct], codes)


def features_from_reports(reports: pd.DataFrame, *, workers: int = 1) -> pd.DataFrame:
    """The columns the model compares, one row per report, keyed by `unique_id`.

    With `workers` above 1, victims' names and summaries are read in that many processes once
    there are enough of them (PARALLEL_FROM distinct values).

    Names, summaries, places and dates repeat across reports (and across copies of one source):
    each distinct value is read once and spread over the rows that hold it.
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
    reports = reports.reset_index(drop=True)
    dates = _dates(reports)
    killed, killed_given = _counts(reports, "killed")
    injured, injured_given = _counts(reports, "injured")
    # A report that gives neither count says nothing of how many were harmed; one that gives
    # one of them counts the other as 0.
    counted = killed_given | injured_given
    country = _countries(reports)
    region, locality = _places(reports, country)
    groups = odihr_groups()
    types_codes, types = _distinct(reports["incident_type"].tolist())
    victims = _victims(reports, workers)
    summary_words_, summary_language = _summaries(reports, workers)
    if "bias_motivations" in reports.columns:
        bias_codes, bias = _distinct(
            tuple(sorted(set(value or ()))) for value in reports["bias_motivations"].tolist()
        )
        bias_motivations = _spread([list(value) or None for value in bias], bias_codes)
    else:
        bias_motivations = np.full(len(reports), None, dtype=object)
    harmed = killed + injured
    undated = np.asarray(pd.isna(dates["day_start"]), dtype=bool)

    def counted_only(values: np.ndarray) -> Any:
        """The counts as nullable integers: unknown where the report gives neither count."""
        result = pd.array(values, dtype="Int64")
        result[~counted] = pd.NA
        return result

    def undated_only(values: np.ndarray) -> np.ndarray:
        """The values of reports without a date (None for the others): blocking rules join
        these to every report's own, so that an undated report meets dated ones."""
        kept = np.asarray(values, dtype=object).copy()
        kept[~undated] = None
        return kept

    frame = pd.DataFrame(
        {
            "unique_id": reports["report_id"].to_numpy(),
            "source": reports["source"].to_numpy(),
            **{
                name: dates[name] for name in ("day_start", "day_end", "day_exact", "month", "year")
            },
            "country": country,
            "region": region,
            "locality": locality,
            "incident_type": _spread([value or None for value in types], types_codes),
            "type_group": _spread(
                [groups.get(value or "", "") or None for value in types], types_codes
            ),
            "killed": counted_only(killed),
            "injured": counted_only(injured),
            "harmed": counted_only(harmed),
            **{
                name: victims[name]
                for name in ("victim_names", "victim_phonetic", "victim_surnames", "victim_ages")
            },
            "name_key": victims["name_key"],
            # Every victim counted is named: disjoint names then speak against a match.
            "names_complete": victims["name_count"] >= np.maximum(harmed, 1),
            "summary_words": summary_words_,
            "summary_language": summary_language,
            "bias_motivations": bias_motivations,
            "organisation_keys": _organisations(reports),
        }
    )
    _fill_regions_from_localities(frame)
    frame["undated_region"] = undated_only(frame["region"].to_numpy())
    frame["undated_locality"] = undated_only(frame["locality"].to_numpy())
    frame["undated_name_key"] = undated_only(frame["name_key"].to_numpy())
    return frame


def _language(text: str) -> str | None:
    """Summaries are compared only within one language: "ru" for Cyrillic text, else "latin"."""
    if not text.strip():
        return None
    return "ru" if is_cyrillic(text) else "latin"


def _fill_regions_from_localities(frame: pd.DataFrame) -> None:
    """A report that names a town but not its region gets the region other reports give it.

    The gazetteer is learnt from the reports themselves: for each locality of a country, the
    region most reports that name both agree on.
    """
    known = frame.dropna(subset=["locality", "region"])
    if known.empty:
        return
    counts = known.groupby(["country", "locality"]).region.value_counts().reset_index(name="n")
    best = counts.sort_values("n", ascending=False, kind="stable").drop_duplicates(
        ["country", "locality"]
    )
    learnt = best.set_index(["country", "locality"])["region"]
    missing = frame["region"].isna() & frame["locality"].notna()
    if not missing.any():
        return
    keys = pd.MultiIndex.from_frame(frame.loc[missing, ["country", "locality"]])
    frame.loc[missing, "region"] = learnt.reindex(keys).to_numpy()


def reports_frame(records: Iterable[tuple[Any, str, Mapping[str, Any]]]) -> pd.DataFrame:
    """A reports frame from (report id, source, parsed fields) triples, as Report.fields holds
    them (date, date_precision, country, region, locality, incident_type, killed, injured,
    victims, bias_motivations, target_organisation, title, summary). The fields are taken as
    given: read them with the report schema's `standard_values()` first, which leaves out a value
    that is not what its field says."""
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
                "killed": parsed.get("killed"),
                "injured": parsed.get("injured"),
                "victims": parsed.get("victims") or [],
                "bias_motivations": list(parsed.get("bias_motivations") or []),
                "country": parsed.get("country"),
                "target_organisation": parsed.get("target_organisation"),
                "summary": " ".join(
                    str(parsed.get(key) or "") for key in ("title", "summary")
                ).strip(),
            }
        )
    return pd.DataFrame(
        rows, columns=[*REPORT_COLUMNS, "bias_motivations", "country", "target_organisation"]
    )
