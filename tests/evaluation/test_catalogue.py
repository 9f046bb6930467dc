"""The commitments catalogue is a checked data file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dozor.evaluation.catalogue import (
    CatalogueError,
    catalogue,
    load_catalogue,
    parse_catalogue,
)

DECISIONS = {"MC.DEC/9/09": {"en": "Athens", "ru": "Афины"}}


def minimal(**indicator: object) -> dict:
    entry = {"code": "C1.x", "kind": "assessed", "label": {"en": "A law", "ru": "Закон"}}
    entry.update(indicator)
    return {
        "version": 1,
        "label": {"en": "OSCE", "ru": "ОБСЕ"},
        "decisions": DECISIONS,
        "commitments": [
            {
                "code": "C1",
                "label": {"en": "Data", "ru": "Данные"},
                "sources": [{"decision": "MC.DEC/9/09", "paragraph": "1"}],
                "indicators": [entry],
            }
        ],
    }


def test_the_shipped_catalogue_has_the_fifteen_commitments() -> None:
    codes = [c.code for c in catalogue().commitments]
    assert codes == [f"C{n}" for n in range(1, 16)]


def test_every_commitment_cites_a_decision_and_speaks_both_languages() -> None:
    for commitment in catalogue().commitments:
        assert commitment.sources
        assert commitment.label("en") != commitment.label("ru")


def test_the_computed_indicators_are_the_five_metrics() -> None:
    metrics = {i.metric for i in catalogue().indicators.values() if i.computed}
    assert metrics == {
        "reported_share",
        "median_days_to_opening",
        "motive_recognised_share",
        "official_to_documented",
        "undocumented_share",
    }


def test_a_minimal_catalogue_parses() -> None:
    assert parse_catalogue(minimal(), path="x.yaml").indicator("C1.x").kind == "assessed"


def test_a_missing_russian_label_names_the_indicator() -> None:
    with pytest.raises(CatalogueError) as error:
        parse_catalogue(minimal(label={"en": "A law"}), path="x.yaml")
    assert str(error.value) == (
        "x.yaml: commitments[1].indicators[1].label.ru: expected a value; found nothing."
    )


def test_a_computed_indicator_needs_thresholds() -> None:
    broken = minimal(kind="computed", metric="reported_share", unit="share", direction="higher")
    with pytest.raises(CatalogueError) as error:
        parse_catalogue(broken, path="x.yaml")
    assert error.value.messages == (
        "x.yaml: commitments[1].indicators[1].thresholds: expected a value; found nothing.",
        "x.yaml: commitments[1].indicators[1].observation: expected a value; found nothing.",
    )


def test_an_unknown_decision_is_refused() -> None:
    data = minimal()
    data["commitments"][0]["sources"] = [{"decision": "MC.DEC/99/99"}]
    with pytest.raises(
        CatalogueError, match=r"commitments\[1\].sources\[1\].decision: expected one "
    ):
        parse_catalogue(data, path="x.yaml")


def test_an_indicator_code_used_twice_is_refused_naming_the_second() -> None:
    data = minimal()
    indicators = data["commitments"][0]["indicators"]
    indicators.append(dict(indicators[0]))
    with pytest.raises(CatalogueError) as error:
        parse_catalogue(data, path="x.yaml")
    assert str(error.value) == (
        "x.yaml: commitments[1].indicators[2].code: expected a code no other indicator has; "
        "found str 'C1.x'."
    )


def test_thresholds_the_wrong_way_round_are_refused() -> None:
    broken = minimal(
        kind="computed",
        metric="reported_share",
        unit="share",
        direction="higher",
        thresholds={"partial": 0.8, "met": 0.5},
        observation={"en": "{value}", "ru": "{value}"},
    )
    with pytest.raises(CatalogueError, match=r"thresholds.met: expected at least partial \(0.8\)"):
        parse_catalogue(broken, path="x.yaml")


def test_a_broken_catalogue_file_names_every_mistake(tmp_path: Path) -> None:
    data = minimal(kind="computed", metric="share_of_nothing", unit="share", direction="up")
    data["version"] = "1"
    path = tmp_path / "commitments.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError) as error:
        load_catalogue(path)
    lines = str(error.value).splitlines()
    assert lines[0] == "commitments.yaml: version: expected a whole number; found str '1'."
    assert lines[1].startswith(
        "commitments.yaml: commitments[1].indicators[1].metric: expected one of 'reported_share', "
    )
    assert lines[1].endswith("; found str 'share_of_nothing'.")
    assert lines[2] == (
        "commitments.yaml: commitments[1].indicators[1].direction: expected one of 'higher' or "
        "'lower'; found str 'up'."
    )
    assert len(lines) == 5  # and the thresholds and observation it lacks


def test_an_unknown_kind_of_indicator_names_the_kinds() -> None:
    with pytest.raises(CatalogueError) as error:
        parse_catalogue(minimal(kind="guessed"), path="x.yaml")
    assert str(error.value) == (
        "x.yaml: commitments[1].indicators[1].kind: expected one of 'assessed', 'computed'; "
        "found str 'guessed'."
    )


def test_a_label_cut_by_an_unquoted_comma_is_refused(tmp_path: Path) -> None:
    # YAML reads {en: A, ru: Б, В} as three keys; the Russian text would lose its end.
    text = yaml.safe_dump(minimal(), allow_unicode=True, default_flow_style=None)
    text = text.replace("ru: Закон}", "ru: Закон, о данных}")
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"label.о данных: unknown key; the keys allowed here"):
        load_catalogue(path)
