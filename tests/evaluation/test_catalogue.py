"""The commitments catalogue is a checked data file."""

from __future__ import annotations

import pytest

from dozor.evaluation.catalogue import CatalogueError, catalogue, parse_catalogue

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
    with pytest.raises(CatalogueError, match=r"x.yaml, commitment C1, indicator C1.x, label"):
        parse_catalogue(minimal(label={"en": "A law"}), path="x.yaml")


def test_a_computed_indicator_needs_thresholds() -> None:
    broken = minimal(kind="computed", metric="reported_share", unit="share", direction="higher")
    with pytest.raises(CatalogueError, match="thresholds"):
        parse_catalogue(broken, path="x.yaml")


def test_an_unknown_decision_is_refused() -> None:
    data = minimal()
    data["commitments"][0]["sources"] = [{"decision": "MC.DEC/99/99"}]
    with pytest.raises(CatalogueError, match="not a listed decision"):
        parse_catalogue(data, path="x.yaml")
