from pathlib import Path

import pytest

from dozor.vocab import geography
from dozor.vocab.registry import VocabularyError, vocabularies, vocabulary, vocabulary_parse

DESIGN_VOCABULARIES = {
    "bias_motivation",
    "bias_indicator",
    "incident_type",
    "odihr_group",
    "date_precision",
    "location_precision",
    "verification_status",
    "source_reliability",
    "confidentiality",
}


def test_every_vocabulary_the_design_names_is_shipped() -> None:
    assert set(vocabularies()) >= DESIGN_VOCABULARIES


def test_bias_motivations_are_odihrs_nine_plus_other() -> None:
    assert len(vocabulary("bias_motivation").terms) == 10
    assert "other" in vocabulary("bias_motivation")


def test_every_incident_type_rolls_up_to_an_odihr_group() -> None:
    groups = vocabulary("odihr_group")
    for term in vocabulary("incident_type").terms:
        assert term.attributes["odihr_group"] in groups, term.code


def test_acts_against_defenders_are_marked() -> None:
    marked = {
        t.code for t in vocabulary("incident_type").terms if t.attributes.get("against_defenders")
    }
    assert {"search_raid", "seizure", "detention", "prosecution", "harassment", "smear"} <= marked


def test_every_term_has_distinct_english_and_russian_labels() -> None:
    for vocab in vocabularies().values():
        for term in vocab.terms:
            assert term.label("ru") and term.label("en"), (vocab.name, term.code)
            assert any("\u0400" <= ch <= "\u04ff" for ch in term.label("ru")), (
                vocab.name,
                term.code,
            )


def test_unknown_code_names_the_vocabulary_and_the_choices() -> None:
    with pytest.raises(VocabularyError, match="'nope' is not a term of the vocabulary 'harm'"):
        vocabulary("harm").term("nope")


def test_a_file_without_russian_labels_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        "name: broken\nversion: 1\nlabel: {en: Broken, ru: Сломан}\n"
        "terms:\n  - code: a\n    label: {en: A}\n",
        encoding="utf-8",
    )
    with pytest.raises(VocabularyError, match=r"broken.yaml, term 1: 'label' must give a text"):
        vocabulary_parse(path)


def test_a_numeric_looking_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ages.yaml"
    path.write_text(
        "name: ages\nversion: 1\nlabel: {en: Ages, ru: Возраст}\n"
        "terms:\n  - code: 18_29\n    label: {en: A, ru: Б}\n",
        encoding="utf-8",
    )
    with pytest.raises(VocabularyError, match="'code' must be a non-empty text"):
        vocabulary_parse(path)


def test_all_of_russias_federal_subjects_have_both_names() -> None:
    regions = geography.russian_regions()
    assert len(regions) == 83
    assert regions["RU-SPE"].name("ru") == "Санкт-Петербург"
    assert regions["RU-MOW"].name("en") == "Moscow"
    assert all(region.federal_district for region in regions.values())


def test_regions_of_other_countries_come_from_iso_3166_2() -> None:
    assert "DE-BE" in geography.country_regions("DE")
    assert geography.country_regions("XX") == {}
