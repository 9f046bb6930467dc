"""One incident's fields made from all the reports that describe it.

Each report is read through ``report_schema.standard_values``, so a field one report got wrong is
left out of that report and never stops the incident. The rules, field by field:

- date: the most precise one (a day, then a range, then a month, then a year); among equally
  precise dates, the one most reports give (then the earliest);
- country, region, locality: the value most reports give, among those that give one; a region
  must lie in the chosen country;
- incident type: the one most reports give; bias motivations: every one any report gives;
- victims and perpetrators: one person per name across the reports, names compared by linkage's
  own keys (declension and Latin spellings fold into one); the stored name is a nominative
  Cyrillic spelling from a Russian-language list where there is one; sex, age, perceived group
  and harm from any report that gives them. Unnamed people are kept when a report counts more
  people than there are names;
- killed and injured: the largest count reported;
- title, summary: from the report with most to say;
- the organisation's own fields (records.custom_fields): a mapping fills one by writing a field
  named ``custom_<key>``; of each, the value most reports give (then the first). A field on
  people is filled by a people field's ``custom`` option, which writes ``custom_<key>`` into each
  person: of each, the text most reports naming that person give (then the smallest).

Where reports disagree the incident still shows one value: the incident page lists which report
says what (``records.selectors.incident_disagreements``).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dozor.analysis.linkage import is_cyrillic, name_is_nominative, name_key
from dozor.records.custom_fields import MAPPING_PREFIX as CUSTOM_PREFIX
from dozor.records.models import Report
from dozor.records.report_schema import standard_values
from dozor.records.services import BiasInput, IncidentInput, PersonInput
from dozor.validators import validate_country, validate_region_of_country
from dozor.vocab.registry import vocabulary

UNTITLED = _("Untitled incident")
# Most precise first; a range is more precise than a month only when it has its last day.
PRECISION_RANK = {"day": 0, "range": 1, "month": 2, "year": 3}
TITLE_MAX = 300
LOCALITY_MAX = 200

T = TypeVar("T", bound=Hashable)


@dataclass(frozen=True)
class _Source:
    """One report's standard values, with the language of its list."""

    report: Report
    values: dict[str, Any]
    language: str


def _sources(reports: Sequence[Report]) -> list[_Source]:
    return [
        _Source(r, standard_values(r.fields)[0], getattr(r.source_list, "language", "") or "")
        for r in reports
    ]


def _most_reported(values: Iterable[T], *, order: Callable[[T], Any] = str) -> T | None:
    """The value given most often; ties go to the smallest by ``order`` (stable and
    independent of the order the reports come in)."""
    counts = Counter(values)
    if not counts:
        return None
    return min(counts, key=lambda value: (-counts[value], order(value)))


def _richness(source: _Source) -> tuple[int, int, int, int]:
    """What _best_report ranks by: a day-precise date, a region, named victims, a long summary."""
    values = source.values
    return (
        values.get("date_precision") == "day",
        bool(values.get("region")),
        sum(1 for person in values.get("victims") or [] if person["name"]),
        len(values.get("summary") or ""),
    )


def best_source(sources: Sequence[_Source]) -> _Source:
    return max(sources, key=lambda s: (*_richness(s), -s.report.pk))


Dated = tuple[datetime.date, str, datetime.date | None]


def _date(sources: Sequence[_Source]) -> Dated | None:
    candidates: list[Dated] = []
    for source in sources:
        values = source.values
        precision = values.get("date_precision", "day")
        if "date" not in values or precision not in PRECISION_RANK:
            continue
        start = datetime.date.fromisoformat(values["date"])
        end = values.get("date_end")
        if precision == "range":
            if not end:
                precision = "year"  # a range without its last day: only its year is sure
            else:
                candidates.append((start, precision, datetime.date.fromisoformat(end)))
                continue
        candidates.append((start, precision, None))
    if not candidates:
        return None
    sharpest = min(PRECISION_RANK[precision] for _start, precision, _end in candidates)
    sharp = [c for c in candidates if PRECISION_RANK[c[1]] == sharpest]
    return _most_reported(sharp, order=lambda c: (c[0], c[2] or c[0]))


def _valid(check: Callable[..., None], *values: str) -> bool:
    try:
        check(*values)
    except ValidationError:
        return False
    return True


def _place(sources: Sequence[_Source], default_country: str) -> tuple[str, str, str]:
    countries = [
        s.values["country"]
        for s in sources
        if s.values.get("country") and _valid(validate_country, s.values["country"])
    ]
    regions = [
        s.values["region"]
        for s in sources
        if s.values.get("region")
        and _valid(validate_region_of_country, s.values["region"], s.values["region"][:2])
    ]
    country = _most_reported(countries) or (
        _most_reported(region.split("-", 1)[0] for region in regions) or default_country
    )
    region = _most_reported(r for r in regions if r.startswith(f"{country}-")) or ""
    locality = _most_reported(
        s.values["locality"].strip()[:LOCALITY_MAX]
        for s in sources
        if s.values.get("locality", "").strip()
    )
    return country, region, locality or ""


@dataclass
class _Person:
    """One person as several reports name them."""

    spellings: list[tuple[str, _Source]]
    entries: list[dict[str, Any]]


def _preferred_spelling(spellings: Sequence[tuple[str, _Source]]) -> str:
    """A nominative Cyrillic spelling from a Russian-language list, else the best there is."""
    counts = Counter(name for name, _source in spellings)

    def rank(item: tuple[str, _Source]) -> tuple[int, int, int, int, str]:
        name, source = item
        return (
            -name_is_nominative(name),
            -is_cyrillic(name),
            -(source.language == "ru"),
            -counts[name],
            name,
        )

    return min(spellings, key=rank)[0]


def _code(entries: Sequence[dict[str, Any]], key: str, codes: Iterable[str], empty: str) -> str:
    allowed = set(codes) - {empty}
    return _most_reported(e[key] for e in entries if e.get(key) in allowed) or empty


def _person_custom(
    entries: Sequence[dict[str, Any]], keys: Collection[str]
) -> dict[str, str] | None:
    """The person's custom values for these keys, each the text most entries give (None: none
    given, so a program that knows nothing of them leaves them as they are)."""
    given: dict[str, list[str]] = {}
    for entry in entries:
        for key in keys:
            value = entry.get(CUSTOM_PREFIX + key)
            if isinstance(value, str) and value:
                given.setdefault(key, []).append(value)
    chosen = {key: _most_reported(values) for key, values in given.items()}
    return {key: value for key, value in chosen.items() if value is not None} or None


def _person_input(
    role: str, name: str, entries: Sequence[dict[str, Any]], custom_keys: Collection[str]
) -> PersonInput:
    ages = [e["age"] for e in entries if isinstance(e.get("age"), int)]
    return PersonInput(
        role=role,
        name=name,
        sex=_code(entries, "sex", vocabulary("sex").codes, "unknown"),
        age=_most_reported(ages, order=lambda age: age),
        perceived_group=_code(entries, "perceived_group", vocabulary("perceived_group").codes, ""),
        harm=_code(entries, "harm", vocabulary("harm").codes, "unknown"),
        custom=_person_custom(entries, custom_keys),
    )


def _people(
    sources: Sequence[_Source], field: str, role: str, custom_keys: Collection[str]
) -> list[PersonInput]:
    """One person per name across the reports, and the unnamed people the counts call for."""
    named: dict[tuple[str, str], _Person] = {}
    unnamed_by_report: list[list[dict[str, Any]]] = []
    most_people = 0
    for source in sources:
        people = source.values.get(field) or []
        most_people = max(most_people, len(people))
        unnamed = []
        for person in people:
            key = name_key(person["name"], person["sex"]) if person["name"] else None
            if key is None:
                unnamed.append(person)
                continue
            entry = named.setdefault((key.phonetic, key.gender), _Person([], []))
            entry.spellings.append((person["name"], source))
            entry.entries.append(person)
        unnamed_by_report.append(unnamed)
    result = [
        _person_input(role, _preferred_spelling(person.spellings), person.entries, custom_keys)
        for person in named.values()
    ]
    missing = most_people - len(result)
    if missing > 0:
        most_unnamed = max(unnamed_by_report, key=len, default=[])
        for position in range(missing):
            given = most_unnamed[position : position + 1]  # that person's details, if any
            result.append(_person_input(role, "", given, custom_keys))
    return result


def _biases(sources: Sequence[_Source]) -> list[BiasInput]:
    codes = set(vocabulary("bias_motivation").codes)
    given = Counter(
        code for s in sources for code in dict.fromkeys(s.values.get("bias_motivations") or [])
    )
    ordered = sorted((c for c in given if c in codes), key=lambda c: (-given[c], c))
    return [BiasInput(motivation=code) for code in ordered]


def _summary_language(values: dict[str, Any], summary: str) -> str:
    if values.get("summary_language"):
        return str(values["summary_language"])
    return "ru" if is_cyrillic(summary) else "en"


def _custom(reports: Sequence[Report], keys: Collection[str]) -> dict[str, Any] | None:
    """The custom values the reports' mappings gave for these keys (None: none given)."""
    given: dict[str, list[Any]] = {}
    for report in reports:
        for name, value in (report.fields or {}).items():
            key = name.removeprefix(CUSTOM_PREFIX)
            if name.startswith(CUSTOM_PREFIX) and key in keys and value not in (None, "", []):
                given.setdefault(key, []).append(tuple(value) if isinstance(value, list) else value)
    if not given:
        return None
    chosen = {key: Counter(values).most_common(1)[0][0] for key, values in given.items()}
    return {
        key: list(value) if isinstance(value, tuple) else value for key, value in chosen.items()
    }


def incident_input(
    reports: Sequence[Report],
    *,
    default_country: str = "RU",
    custom_keys: Collection[str] = (),
    person_custom_keys: Collection[str] = (),
) -> IncidentInput:
    """The fields of one incident made from ``reports`` (at least one), by the rules above.

    ``default_country`` is the country when no report gives one or a region (the
    organisation's); ``custom_keys`` the keys of its active custom fields on incidents (a
    report's ``custom_*`` field of another key is left in the report), ``person_custom_keys``
    those on people (a person's ``custom_*`` value of another key likewise). The result goes
    through incident_create's validation like any other.
    """
    sources = _sources(reports)
    best = best_source(sources).values
    dated = _date(sources)
    country, region, locality = _place(sources, default_country)
    types = vocabulary("incident_type").codes
    summary = str(best.get("summary") or "")
    title = str(best.get("title") or summary[:120] or UNTITLED)[:TITLE_MAX]
    return IncidentInput(
        title=title,
        incident_type=_most_reported(
            s.values["incident_type"] for s in sources if s.values.get("incident_type") in types
        )
        or "",
        date_start=dated[0] if dated else None,
        date_end=dated[2] if dated else None,
        date_precision=dated[1] if dated else "unknown",
        summary=summary,
        summary_language=_summary_language(best, summary),
        country=country,
        region=region,
        locality=locality,
        killed=max((s.values.get("killed", 0) for s in sources), default=0),
        injured=max((s.values.get("injured", 0) for s in sources), default=0),
        defender_targeted=any(s.values.get("defender_targeted") is True for s in sources),
        verification_status="unverified",
        biases=_biases(sources),
        people=[
            *_people(sources, "victims", "victim", person_custom_keys),
            *_people(sources, "perpetrators", "perpetrator", person_custom_keys),
        ],
        custom=_custom(reports, custom_keys),
    )
