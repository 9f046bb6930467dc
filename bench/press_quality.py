"""Quality and speed of press drafting on an evaluation set, beside a baseline in the same run.

The set, ``bench/data/press_eval.yaml``, holds texts written for this purpose (Russian and
English) in the manner of real reports of hate crimes and of attacks on human-rights defenders in
Russia: officials and lawyers quoted, hospitals and the Investigative Committee named, the
victim's origin stated, several dates in one text, relative dates, counts in words, perpetrators
named. Each text carries its publication date and the fields a reviewer would accept. The set is
checked on load (``load_set``): every entry has every key, dates are dates, codes are in the
vocabularies and regions in the geography; a broken entry stops the bench with its id and field.

Each text is drafted as `dozor press` drafts it: ``extract_draft`` on the stripped text with the
publication date and the language detected. Scored fields, each right, wrong or not produced:

- ``date``: the event date as its precision writes it (31.08.2024, 10.2023, 2023, a range, or
  none), so a day given where the text says only a month is wrong;
- ``region``, ``locality``, ``incident_type``, ``bias_motivations`` (as a set),
  ``defender_targeted``, ``killed``, ``injured``;
- ``victims``: the set of (name in the nominative, sex);
- ``perpetrators`` (the set of names), ``attempted`` (an attempt such as "покушение на
  убийство" with nobody killed), ``victim_origin`` (an ISO 3166-2 region such as RU-DA or an
  ISO 3166-1 country such as TJ), read from ``Draft.fields()`` (``perpetrators`` as names or
  objects with a ``name``; the origin as ``victim_origin`` or an ``origin`` on a victim). An
  extractor without such a field (an older baseline) scores "not produced", which is a miss.

Printed: each field's accuracy the share of texts with every field right and the share with every
field it produces right (overall and by tag of what a text tries), for the extractor in this tree
and for the baseline, and texts per second after one warm-up text (the models load on the first
text; that time is printed apart), by the wall clock (the target) and per second of CPU the drafting
process used (steadier on a shared machine). The baseline is the extractor of another git revision
(``--baseline-ref``, by default the commit before issue 20's work): ``git archive`` exports that
revision's ``dozor`` package into a temporary folder and a child process drafts with it there, so
the baseline is exactly that revision's code and data whatever this tree changes, and neither
extractor's imports can see the other's. The extractor of this tree runs the same way, in a child
process of its own, so both are timed alike. ``--baseline-ref none`` skips the baseline (outside a
git checkout, say).

Targets (issue 20): at least TARGET_FIELD_ACCURACY (0.9) on every field, TARGET_ENTIRELY_RIGHT
(0.6) of texts entirely right and TARGET_TEXTS_PER_SECOND (5) on the development machine's two
cores, for the extractor of this tree. The last line is one JSON object with every figure; the
exit status is 1 when a target is missed (the output says which).

    python bench/press_quality.py
    python bench/press_quality.py --misses              # each wrong field: found, expected
    python bench/press_quality.py --baseline-ref main --set other.yaml
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SET_FILE = ROOT / "bench" / "data" / "press_eval.yaml"
# main before issue 20's work on the extractor: the drafting that the issue found wanting.
BASELINE_REF = "fc50d70593bb5a91b43e3003f2c1b3e959706623"
TARGET_FIELD_ACCURACY = 0.9
TARGET_ENTIRELY_RIGHT = 0.6
TARGET_TEXTS_PER_SECOND = 5.0
MIN_TEXTS = {"ru": 60, "en": 20}

FIELDS = (
    "date",
    "region",
    "locality",
    "incident_type",
    "bias_motivations",
    "defender_targeted",
    "killed",
    "injured",
    "victims",
    "perpetrators",
    "attempted",
    "victim_origin",
)
EXPECTED_KEYS = frozenset(
    {
        "date",
        "date_precision",
        "date_end",
        "region",
        "locality",
        "incident_type",
        "bias_motivations",
        "defender_targeted",
        "killed",
        "injured",
        "victims",
        "perpetrators",
        "attempted",
        "victim_origin",
    }
)
ENTRY_KEYS = frozenset({"id", "language", "published", "covers", "text", "expected"})
# What each text is there to try; the bench prints the share entirely right per tag.
COVERS = frozenset(
    {
        "several_dates",
        "relative_date",
        "named_day",
        "month_only",
        "year_only",
        "no_date",
        "origin_not_place",
        "small_town",
        "adjectival_place",
        "street_address",
        "people_quoted",
        "institution_named",
        "perpetrator_named",
        "count_in_words",
        "attempted",
        "defender",
        "feminine_name",
        "several_victims",
        "unnamed_victim",
    }
)
SEXES = frozenset({"male", "female", "unknown"})
ID_PATTERN = re.compile(r"(ru|en)\d{3}_[a-z0-9_]+")

RIGHT, WRONG, NOT_PRODUCED = "right", "wrong", "not produced"


class SetError(ValueError):
    """The evaluation set is not as the bench expects; the message names the entry and field."""


MSG_SET_SHAPE = "{path}: expected a mapping with a list under 'texts'."
MSG_ENTRY = "{path}, entry {where}: {problem}"


@dataclass(frozen=True)
class Entry:
    id: str
    language: str
    published: datetime.date
    covers: tuple[str, ...]
    text: str
    expected: dict[str, Any]


def _problem(path: Path, where: str, problem: str) -> SetError:
    return SetError(MSG_ENTRY.format(path=path, where=where, problem=problem))


def _date(value: Any, path: Path, where: str, key: str) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise _problem(path, where, f"{key} {value!r} is not a date such as 2024-08-29 (or null)")


def _check_expected(expected: Any, path: Path, where: str, published: datetime.date) -> None:
    """One entry's expected fields: every key there, each value of its field's form."""
    if not isinstance(expected, dict):
        raise _problem(path, where, "expected must be a mapping of fields")
    missing, unknown = EXPECTED_KEYS - expected.keys(), expected.keys() - EXPECTED_KEYS
    if missing or unknown:
        raise _problem(
            path, where, f"expected lacks {sorted(missing)} / has unknown {sorted(unknown)}"
        )
    _check_dates(expected, path, where, published)
    _check_place_and_kind(expected, path, where)
    _check_counts_and_people(expected, path, where)


def _check_dates(
    expected: dict[str, Any], path: Path, where: str, published: datetime.date
) -> None:
    # Imported here so that the drafting children never load this tree's vocabularies.
    from dozor.vocab.registry import vocabulary

    start = _date(expected["date"], path, where, "date")
    end = _date(expected["date_end"], path, where, "date_end")
    precision = expected["date_precision"]
    if precision not in vocabulary("date_precision"):
        raise _problem(path, where, f"date_precision {precision!r} is not a date_precision code")
    if (start is None) != (precision == "unknown"):
        raise _problem(path, where, "date is null exactly when date_precision is unknown")
    if (end is not None) != (precision == "range"):
        raise _problem(path, where, "date_end is given exactly when date_precision is range")
    if start is None:
        return
    if start > published or (end is not None and not start < end):
        raise _problem(path, where, f"date {start} is after publication or after its end")
    if precision == "month" and start.day != 1:
        raise _problem(path, where, "a month's date is its first day")
    if precision == "year" and (start.month, start.day) != (1, 1):
        raise _problem(path, where, "a year's date is its 1 January")


def _check_place_and_kind(expected: dict[str, Any], path: Path, where: str) -> None:
    # Imported here so that the drafting children never load this tree's vocabularies.
    from dozor.vocab.geography import country_exists, russian_regions
    from dozor.vocab.registry import vocabulary

    regions = russian_regions()
    if expected["region"] not in regions:
        raise _problem(path, where, f"region {expected['region']!r} is not a Russian region code")
    if not isinstance(expected["locality"], str):
        raise _problem(path, where, "locality must be a name or '' (none)")
    capital = {region.capitals["ru"]: code for code, region in regions.items()}
    if capital.get(expected["locality"], expected["region"]) != expected["region"]:
        raise _problem(path, where, f"locality {expected['locality']} is not in the region")
    if expected["incident_type"] not in vocabulary("incident_type"):
        raise _problem(path, where, f"incident_type {expected['incident_type']!r} is unknown")
    motivations = vocabulary("bias_motivation")
    for code in expected["bias_motivations"]:
        if code not in motivations:
            raise _problem(path, where, f"bias_motivations: {code!r} is not a code")
    origin = expected["victim_origin"]
    if origin is not None and origin not in regions and not country_exists(origin):
        raise _problem(path, where, f"victim_origin {origin!r} is no region or country code")


def _check_counts_and_people(expected: dict[str, Any], path: Path, where: str) -> None:
    for key in ("killed", "injured"):
        if not isinstance(expected[key], int) or isinstance(expected[key], bool):
            raise _problem(path, where, f"{key} must be a whole number")
        if expected[key] < 0:
            raise _problem(path, where, f"{key} must not be negative")
    for key in ("defender_targeted", "attempted"):
        if not isinstance(expected[key], bool):
            raise _problem(path, where, f"{key} must be true or false")
    if expected["attempted"] and expected["killed"]:
        raise _problem(path, where, "an attempt kills nobody: attempted with killed > 0")
    for victim in expected["victims"]:
        if not isinstance(victim, dict) or set(victim) != {"name", "sex"}:
            raise _problem(path, where, f"victim {victim!r} must have exactly a name and a sex")
        if victim["sex"] not in SEXES:
            raise _problem(path, where, f"victim {victim['name']}: sex {victim['sex']!r}")
    if not all(isinstance(name, str) and name for name in expected["perpetrators"]):
        raise _problem(path, where, "perpetrators must be a list of names")


def load_set(path: Path = SET_FILE) -> list[Entry]:
    """The evaluation set, checked entry by entry."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("texts"), list):
        raise SetError(MSG_SET_SHAPE.format(path=path))
    entries: list[Entry] = []
    seen: set[str] = set()
    for number, item in enumerate(data["texts"], start=1):
        where = f"#{number}"
        if not isinstance(item, dict) or set(item) != ENTRY_KEYS:
            raise _problem(path, where, f"an entry has exactly the keys {sorted(ENTRY_KEYS)}")
        where = f"#{number} ({item['id']})"
        if not isinstance(item["id"], str) or not ID_PATTERN.fullmatch(item["id"]):
            raise _problem(path, where, "id must read like ru001_what_it_tries")
        if item["id"] in seen:
            raise _problem(path, where, "the id is used twice")
        seen.add(item["id"])
        if item["language"] != item["id"][:2]:
            raise _problem(path, where, "language must be ru or en, as the id begins")
        published = _date(item["published"], path, where, "published")
        if published is None:
            raise _problem(path, where, "published is required")
        if not isinstance(item["text"], str) or len(item["text"].strip()) < 80:
            raise _problem(path, where, "text must be a news text of at least 80 characters")
        covers = item["covers"]
        if not isinstance(covers, list) or not covers or not set(covers) <= COVERS:
            raise _problem(path, where, f"covers must be a list of tags from {sorted(COVERS)}")
        _check_expected(item["expected"], path, where, published)
        entries.append(
            Entry(
                item["id"],
                item["language"],
                published,
                tuple(covers),
                item["text"],
                item["expected"],
            )
        )
    return entries


# Scoring: values brought to one comparable form on both sides.


def date_text(start: Any, end: Any, precision: str | None) -> str | None:
    """The date as its precision writes it: 29.08.2024, 10.2023, 2023, a range, or None."""
    if start is None or precision in (None, "unknown"):
        return None
    start = _as_date(start)
    if precision == "year":
        return f"{start:%Y}"
    if precision == "month":
        return f"{start:%m.%Y}"
    if precision == "range" and end is not None:
        return f"{start:%d.%m.%Y}–{_as_date(end):%d.%m.%Y}"
    return f"{start:%d.%m.%Y}"


def _as_date(value: Any) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def _name(value: Any) -> str:
    name = value.get("name", "") if isinstance(value, dict) else str(value)
    return " ".join(name.replace("ё", "е").replace("Ё", "Е").split()).casefold()


def expected_value(expected: dict[str, Any], field: str) -> Any:
    if field == "date":
        return date_text(expected["date"], expected["date_end"], expected["date_precision"])
    if field == "victims":
        return sorted((_name(v), v["sex"]) for v in expected["victims"])
    if field == "perpetrators":
        return sorted(_name(name) for name in expected["perpetrators"])
    if field == "bias_motivations":
        return sorted(set(expected["bias_motivations"]))
    if field == "locality":
        return _name(expected["locality"])
    return expected[field]


_MISSING = object()


def produced_value(fields: dict[str, Any], field: str) -> Any:
    """The draft's value of a field in the form expected_value gives, or _MISSING when the draft
    has no such field."""
    if field == "date":
        return date_text(fields.get("date"), fields.get("date_end"), fields.get("date_precision"))
    if field == "victims":
        return sorted((_name(v), v.get("sex", "unknown")) for v in fields.get("victims", []))
    if field == "perpetrators":
        if "perpetrators" not in fields:
            return _MISSING
        return sorted(_name(person) for person in fields["perpetrators"])
    if field == "bias_motivations":
        return sorted(set(fields.get("bias_motivations") or []))
    if field == "locality":
        return _name(fields.get("locality") or "")
    if field == "region":
        return fields.get("region") or ""
    if field == "victim_origin":
        if "victim_origin" in fields:
            return fields["victim_origin"] or None
        origins = [v["origin"] for v in fields.get("victims", []) if "origin" in v]
        if not origins:
            return _MISSING
        return next((origin for origin in origins if origin), None)
    return fields.get(field, _MISSING)


def score_field(fields: dict[str, Any], expected: dict[str, Any], field: str) -> str:
    found = produced_value(fields, field)
    if found is _MISSING:
        return NOT_PRODUCED
    return RIGHT if found == expected_value(expected, field) else WRONG


def score_entry(fields: dict[str, Any], expected: dict[str, Any]) -> dict[str, str]:
    return {field: score_field(fields, expected, field) for field in FIELDS}


def summarise(entries: list[Entry], drafts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per-field accuracy (and how often it was not produced), the share entirely right, the
    share right on every field produced, and that share per tag of what a text tries."""
    scores = {entry.id: score_entry(drafts[entry.id], entry.expected) for entry in entries}
    total = len(entries)
    fields = {}
    for field in FIELDS:
        counts = Counter(scores[entry.id][field] for entry in entries)
        fields[field] = {
            "accuracy": round(counts[RIGHT] / total, 3),
            "not_produced": round(counts[NOT_PRODUCED] / total, 3),
        }
    entire = [entry for entry in entries if set(scores[entry.id].values()) == {RIGHT}]
    # Beside it, what the extractor can be held to today: every field it produces right.
    entire_produced = [entry for entry in entries if WRONG not in scores[entry.id].values()]
    by_tag: dict[str, list[bool]] = {}
    for entry in entries:
        for tag in entry.covers:
            by_tag.setdefault(tag, []).append(entry in entire_produced)
    return {
        "fields": fields,
        "entirely_right": round(len(entire) / total, 3),
        "entirely_right_where_produced": round(len(entire_produced) / total, 3),
        "by_tag": {tag: round(sum(ok) / len(ok), 2) for tag, ok in sorted(by_tag.items())},
        "scores": scores,
    }


# Drafting, in a child process per extractor.


def draft_all(root: Path, set_path: Path) -> dict[str, Any]:
    """Draft every text with the extractor of the ``dozor`` package under ``root`` (run in a child
    process: the package must be the only ``dozor`` this process ever imports)."""
    sys.path.insert(0, str(root))
    started = time.perf_counter()
    from dozor.analysis.text import extract_draft  # the extractor under root, imported late

    module = sys.modules["dozor"].__file__ or ""
    if not Path(module).resolve().is_relative_to(root.resolve()):
        raise SystemExit(f"expected dozor from {root}, imported {module}")
    items = yaml.safe_load(set_path.read_text(encoding="utf-8"))["texts"]

    def one(item: dict[str, Any]) -> dict[str, Any]:
        published = item["published"]
        if isinstance(published, str):
            published = datetime.date.fromisoformat(published)
        # As `dozor press` drafts: the text stripped, the language detected.
        draft = extract_draft(item["text"].replace("\r\n", "\n").strip(), published=published)
        fields: dict[str, Any] = draft.fields()
        return fields

    drafts = {items[0]["id"]: one(items[0])}
    warm_up = time.perf_counter() - started
    started, cpu_started = time.perf_counter(), time.process_time()
    for item in items:
        drafts[item["id"]] = one(item)
    seconds = time.perf_counter() - started
    # On a machine shared with other work the wall clock varies from run to run; the CPU time
    # this process used says what drafting itself costs.
    cpu_seconds = time.process_time() - cpu_started
    return {
        "drafts": drafts,
        "load_s": round(warm_up, 2),
        "seconds": round(seconds, 2),
        "texts_per_second": round(len(items) / seconds, 1),
        "texts_per_cpu_second": round(len(items) / cpu_seconds, 1),
    }


def run_child(root: Path, set_path: Path) -> dict[str, Any]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(root), str(set_path)],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode != 0:
        sys.exit(f"drafting with the extractor under {root} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def export_revision(ref: str, into: Path) -> None:
    """Write the ``dozor`` package of git revision ``ref`` under ``into``."""
    done = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, "dozor"],
        capture_output=True,
    )
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        sys.exit(
            f"--baseline-ref {ref}: git could not export that revision ({message}); give a "
            "commit or branch of this checkout, or --baseline-ref none"
        )
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        archive.extractall(into, filter="data")


def _cell(figures: dict[str, Any] | None, field: str) -> str:
    if figures is None:
        return "-"
    value = figures["fields"][field]
    if value["not_produced"] == 1:
        return "not produced"
    return f"{value['accuracy']:.2f}"


def print_misses(entries: list[Entry], result: dict[str, Any]) -> None:
    for entry in entries:
        fields = result["drafts"][entry.id]
        for field, score in result["figures"]["scores"][entry.id].items():
            if score == WRONG:
                found = produced_value(fields, field)
                wanted = expected_value(entry.expected, field)
                print(f"  {entry.id} {field}: found {found!r}, expected {wanted!r}")
            elif score == NOT_PRODUCED:
                print(f"  {entry.id} {field}: not produced")


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        # default=str: a field an extractor adds as a date or a code object still reaches the
        # parent, as text.
        drafted = draft_all(Path(sys.argv[2]), Path(sys.argv[3]))
        print(json.dumps(drafted, ensure_ascii=False, default=str))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", type=Path, default=SET_FILE, help="the evaluation set (YAML)")
    parser.add_argument(
        "--baseline-ref",
        default=BASELINE_REF,
        help="git revision whose extractor is the baseline; 'none' for no baseline",
    )
    parser.add_argument("--misses", action="store_true", help="print each field not right")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    try:
        entries = load_set(args.set)
    except (OSError, yaml.YAMLError, SetError) as error:
        sys.exit(f"the evaluation set cannot be used: {error}")
    languages = Counter(entry.language for entry in entries)

    baseline = None
    with tempfile.TemporaryDirectory(prefix="dozor-bench-press-") as folder:
        # The revision first: a wrong --baseline-ref stops the bench before any drafting.
        if args.baseline_ref != "none":
            export_revision(args.baseline_ref, Path(folder))
        current = run_child(ROOT, args.set)
        if args.baseline_ref != "none":
            baseline = run_child(Path(folder), args.set)
    current["figures"] = summarise(entries, current["drafts"])
    if baseline is not None:
        baseline["figures"] = summarise(entries, baseline["drafts"])

    print(
        f"{len(entries)} texts ({languages['ru']} Russian, {languages['en']} English); "
        + (f"extractor of this tree beside {args.baseline_ref}" if baseline else "no baseline")
    )
    print(f"{'field':<18} {'this tree':>12} {'baseline':>12}")
    base_figures = baseline["figures"] if baseline else None
    for field in FIELDS:
        print(
            f"{field:<18} {_cell(current['figures'], field):>12} {_cell(base_figures, field):>12}"
        )
    base_entire = f"{base_figures['entirely_right']:.2f}" if base_figures else "-"
    print(f"{'entirely right':<18} {current['figures']['entirely_right']:>12.2f} {base_entire:>12}")
    base_produced = f"{base_figures['entirely_right_where_produced']:.2f}" if base_figures else "-"
    print(
        f"{'  where produced':<18} "
        f"{current['figures']['entirely_right_where_produced']:>12.2f} {base_produced:>12}"
    )
    base_rate = f"{baseline['texts_per_second']:.1f}" if baseline else "-"
    print(f"{'texts per second':<18} {current['texts_per_second']:>12.1f} {base_rate:>12}")
    base_cpu = f"{baseline['texts_per_cpu_second']:.1f}" if baseline else "-"
    print(f"{'  per CPU second':<18} {current['texts_per_cpu_second']:>12.1f} {base_cpu:>12}")
    base_load = f"{baseline['load_s']:.1f}" if baseline else "-"
    print(f"{'first text (s)':<18} {current['load_s']:>12.1f} {base_load:>12}")
    tags = current["figures"]["by_tag"]
    print(
        "right where produced, by what the text tries: "
        + ", ".join(f"{t} {v}" for t, v in tags.items())
    )
    if args.misses:
        print("this tree's misses:")
        print_misses(entries, current)

    missed = [
        f"{field} {current['figures']['fields'][field]['accuracy']:.2f} < {TARGET_FIELD_ACCURACY}"
        for field in FIELDS
        if current["figures"]["fields"][field]["accuracy"] < TARGET_FIELD_ACCURACY
    ]
    if current["figures"]["entirely_right"] < TARGET_ENTIRELY_RIGHT:
        missed.append(
            f"entirely right {current['figures']['entirely_right']:.2f} < {TARGET_ENTIRELY_RIGHT}"
        )
    if current["texts_per_second"] < TARGET_TEXTS_PER_SECOND:
        missed.append(
            f"texts per second {current['texts_per_second']:.1f} < {TARGET_TEXTS_PER_SECOND}"
        )
    small = [
        f"{lang} {languages[lang]} < {n}" for lang, n in MIN_TEXTS.items() if languages[lang] < n
    ]
    if small:
        missed.append("set too small: " + ", ".join(small))
    print("targets: " + ("met" if not missed else "MISSED: " + "; ".join(missed)))

    def figures_of(result: dict[str, Any] | None) -> dict[str, Any] | None:
        if result is None:
            return None
        return {
            "fields": result["figures"]["fields"],
            "entirely_right": result["figures"]["entirely_right"],
            "entirely_right_where_produced": result["figures"]["entirely_right_where_produced"],
            "by_tag": result["figures"]["by_tag"],
            "texts_per_second": result["texts_per_second"],
            "texts_per_cpu_second": result["texts_per_cpu_second"],
            "load_s": result["load_s"],
        }

    print(
        json.dumps(
            {
                "texts": len(entries),
                "languages": dict(languages),
                "current": figures_of(current),
                "baseline_ref": None if baseline is None else args.baseline_ref,
                "baseline": figures_of(baseline),
                "target_field_accuracy": TARGET_FIELD_ACCURACY,
                "target_entirely_right": TARGET_ENTIRELY_RIGHT,
                "target_texts_per_second": TARGET_TEXTS_PER_SECOND,
                "within_target": not missed,
                "missed": missed,
            }
        )
    )
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main())
