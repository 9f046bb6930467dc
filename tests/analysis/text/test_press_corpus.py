"""The synthetic press corpus in tests/data/press: every field of every text against the truth."""

from __future__ import annotations

import datetime
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from dozor.analysis.text import Draft, extract_draft
from dozor.analysis.text.sources import parse_text_file

CORPUS = Path(__file__).resolve().parents[2] / "data" / "press"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load(
    (CORPUS / "expected.yaml").read_text(encoding="utf-8")
)
FIELDS = (
    "date",
    "region",
    "locality",
    "victims",
    "killed",
    "injured",
    "incident_type",
    "bias_motivations",
)
# Dates, regions and localities must all be right; the rest may miss now and then.
REQUIRED_ACCURACY = {
    "date": 1.0,
    "region": 1.0,
    "locality": 1.0,
    "victims": 0.9,
    "killed": 0.95,
    "injured": 0.9,
    "incident_type": 0.9,
    "bias_motivations": 0.85,
}


def _draft(name: str) -> Draft:
    item = parse_text_file((CORPUS / f"{name}.txt").read_text(encoding="utf-8"), origin=name)
    return extract_draft(item.text, published=item.published, url=item.url)


def _actual(draft: Draft) -> dict[str, Any]:
    fields = draft.fields()
    return {
        "date": fields["date"],
        "region": fields["region"] or "",
        "locality": fields["locality"],
        "victims": sorted(victim["name"] for victim in fields["victims"]),
        "killed": fields["killed"],
        "injured": fields["injured"],
        "incident_type": fields["incident_type"],
        "bias_motivations": sorted(fields["bias_motivations"]),
    }


def _expected(name: str) -> dict[str, Any]:
    truth = dict(EXPECTED[name])
    truth["victims"] = sorted(truth["victims"])
    truth["bias_motivations"] = sorted(truth["bias_motivations"])
    return truth


@pytest.fixture(scope="module")
def results() -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    return {name: (_actual(_draft(name)), _expected(name)) for name in sorted(EXPECTED)}


def test_the_corpus_has_at_least_25_texts_in_both_languages() -> None:
    languages = Counter(name[:2] for name in EXPECTED)
    assert len(EXPECTED) >= 25 and languages["ru"] >= 10 and languages["en"] >= 5


def test_every_text_in_the_folder_has_expected_fields() -> None:
    assert {path.stem for path in CORPUS.glob("*.txt")} == set(EXPECTED)


@pytest.mark.parametrize("field", FIELDS)
def test_field_accuracy_on_the_corpus(
    field: str, results: dict[str, tuple[dict[str, Any], dict[str, Any]]]
) -> None:
    misses = {
        name: (actual[field], truth[field])
        for name, (actual, truth) in results.items()
        if actual[field] != truth[field]
    }
    accuracy = 1 - len(misses) / len(results)
    print(f"{field}: {accuracy:.0%} correct; misses (found, expected): {misses}")
    assert accuracy >= REQUIRED_ACCURACY[field], misses


def test_night_to_saturday_is_dated_saturday_with_a_note() -> None:
    draft = _draft("ru01_night_saturday")
    assert draft.date_start == datetime.date(2024, 3, 2)
    assert "night_before" in {note.code for note in draft.notes}


def test_a_womans_surname_stays_feminine() -> None:
    draft = _draft("ru03_shcherbakova_genitive")
    assert [victim.name for victim in draft.victims] == ["Марина Щербакова"]
    assert draft.victims[0].sex == "female"


def test_near_a_federal_city_is_the_region_around_it() -> None:
    draft = _draft("ru02_gender_dative")
    assert (draft.region, draft.locality) == ("RU-MOS", "")
    assert "near_place" in {note.code for note in draft.notes}


def test_every_evidence_span_points_at_its_text() -> None:
    for name in EXPECTED:
        item = parse_text_file((CORPUS / f"{name}.txt").read_text(encoding="utf-8"), origin=name)
        draft = extract_draft(item.text, published=item.published)
        for evidence in draft.evidence:
            assert item.text[evidence.start : evidence.end] == evidence.text, (name, evidence)
