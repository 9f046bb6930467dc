"""The press cue file is checked against its declared model: a broken file names every mistake."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dozor.analysis.text.cues import CUES_FILE, CueError, cues, cues_load


def shipped() -> dict:
    return yaml.safe_load(CUES_FILE.read_text(encoding="utf-8"))


def refusal(tmp_path: Path, data: dict) -> tuple[str, ...]:
    path = tmp_path / "cues.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CueError) as error:
        cues_load(path)
    return error.value.messages


def test_the_shipped_cue_file_reads_as_the_cached_cues() -> None:
    assert cues_load(CUES_FILE) == cues()


def test_a_code_outside_its_vocabulary_is_named_with_the_vocabularys_codes(tmp_path) -> None:
    data = shipped()
    data["bias_motivation"]["anti_martian"] = {"ru": ["марсиан"], "en": ["martian"]}
    (message,) = refusal(tmp_path, data)
    assert message.startswith(
        "cues.yaml: bias_motivation.anti_martian: expected a code of the bias_motivation "
        "vocabulary ("
    )
    assert message.endswith("; found str 'anti_martian'.")


def test_every_mistake_of_a_broken_file_is_named(tmp_path) -> None:
    data = shipped()
    data["incident_type"]["arson"]["en"] = []
    data["bias_indicator"][next(iter(data["bias_indicator"]))] = {"ru": ["слово"]}
    del data["defender_targeted"]
    messages = refusal(tmp_path, data)
    first_indicator = next(iter(shipped()["bias_indicator"]))
    assert messages == (
        "cues.yaml: incident_type.arson.en: expected at least 1 item(s); found list [].",
        f"cues.yaml: bias_indicator.{first_indicator}.en: expected a value; found nothing.",
        "cues.yaml: defender_targeted: expected a value; found nothing.",
    )


def test_an_incident_type_left_out_of_the_precedence_is_named(tmp_path) -> None:
    data = shipped()
    data["precedence"].remove("arson")
    (message,) = refusal(tmp_path, data)
    assert message.startswith(
        "cues.yaml: precedence: expected every incident type that has cues, once (missing: arson;"
    )
