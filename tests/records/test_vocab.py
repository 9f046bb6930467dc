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
    with pytest.raises(VocabularyError) as error:
        vocabulary_parse(path)
    assert str(error.value) == "broken.yaml: terms[1].label.ru: expected a value; found nothing."


def test_a_numeric_looking_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ages.yaml"
    path.write_text(
        "name: ages\nversion: 1\nlabel: {en: Ages, ru: Возраст}\n"
        "terms:\n  - code: 18_29\n    label: {en: A, ru: Б}\n",
        encoding="utf-8",
    )
    with pytest.raises(VocabularyError) as error:
        vocabulary_parse(path)
    assert str(error.value) == "ages.yaml: terms[1].code: expected a text; found int 1829."


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_broken_vocabulary_file_names_every_mistake(tmp_path: Path) -> None:
    path = write(
        tmp_path / "kinds.yaml",
        "name: kind\nversion: 0\nlabel: {en: Kinds, ru: Виды}\nterms:\n"
        "  - {code: a, label: {en: A, ru: А}, colour: red}\n"
        "  - {code: a, label: {en: A2, ru: А2}}\n",
    )
    with pytest.raises(VocabularyError) as error:
        vocabulary_parse(path)
    assert error.value.messages == (
        "kinds.yaml: name: expected the file's name, kinds; found str 'kind'.",
        "kinds.yaml: version: expected a number of at least 1; found int 0.",
        "kinds.yaml: terms[1].colour: unknown key; the keys allowed here are against_defenders, "
        "code, hate_motive, label, odihr_group, open, stage, terminal.",
    )


def test_a_code_given_twice_is_refused_naming_the_second(tmp_path: Path) -> None:
    path = write(
        tmp_path / "kinds.yaml",
        "name: kinds\nversion: 1\nlabel: {en: Kinds, ru: Виды}\nterms:\n"
        "  - {code: a, label: {en: A, ru: А}}\n  - {code: a, label: {en: B, ru: Б}}\n",
    )
    with pytest.raises(VocabularyError) as error:
        vocabulary_parse(path)
    assert str(error.value) == (
        "kinds.yaml: terms[2].code: expected a code no other term has; found str 'a'."
    )


def test_a_terms_attributes_are_those_its_file_gives() -> None:
    search = vocabulary("incident_type").term("search_raid")
    assert search.attributes == {"odihr_group": "attack_on_property", "against_defenders": True}
    assert set(vocabulary("incident_type").term("homicide").attributes) == {"odihr_group"}
    assert vocabulary("harm").term("killed").attributes == {}


def test_all_of_russias_federal_subjects_have_both_names() -> None:
    regions = geography.russian_regions()
    assert len(regions) == 83
    assert regions["RU-SPE"].name("ru") == "Санкт-Петербург"
    assert regions["RU-MOW"].name("en") == "Moscow"
    assert all(region.federal_district for region in regions.values())


def test_regions_of_other_countries_come_from_iso_3166_2() -> None:
    assert "DE-BE" in geography.country_regions("DE")
    assert geography.country_regions("XX") == {}


def test_every_vocabulary_file_of_every_app_follows_the_schema() -> None:
    # Unknown keys are refused: a label YAML split at an unquoted comma cannot load cut short.
    package = Path(__file__).resolve().parents[2] / "dozor"
    files = sorted(package.glob("vocab/vocabularies/*/*.yaml"))
    assert len(files) >= 29
    for path in files:
        assert vocabulary_parse(path).name == path.stem
