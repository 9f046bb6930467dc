"""One registry for every vocabulary file, whichever part of Dozor uses it."""

from pathlib import Path

import pytest

from dozor.vocab import registry
from dozor.vocab.registry import VocabularyError, vocabularies, vocabularies_of, vocabulary_group

VOCABULARY = (
    "name: {name}\nversion: 1\nlabel: {{en: A, ru: Б}}\n"
    "terms:\n  - code: a\n    label: {{en: A, ru: Б}}\n"
)


def test_the_registry_holds_the_records_the_responses_and_the_estimation_vocabularies() -> None:
    assert {"bias_motivation", "response_event_kind", "federal_district"} <= set(vocabularies())
    assert vocabulary_group("legal_article") == "responses"
    assert vocabulary_group("federal_district") == "estimation"
    assert "bias_motivation" not in vocabularies_of("responses")


def test_the_records_vocabularies_come_first() -> None:
    names = list(vocabularies())
    assert names.index("verification_status") < names.index("body_kind")


def test_a_vocabulary_name_in_two_folders_stops_the_program(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for group in ("records", "responses"):
        (tmp_path / group).mkdir()
        (tmp_path / group / "sex.yaml").write_text(VOCABULARY.format(name="sex"), encoding="utf-8")
    monkeypatch.setattr(registry, "VOCABULARY_DIR", tmp_path)
    registry._by_group.cache_clear()
    try:
        with pytest.raises(VocabularyError, match=r"responses/sex.yaml: .* also in records/"):
            registry._by_group()
    finally:
        registry._by_group.cache_clear()
