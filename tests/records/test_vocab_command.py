"""`dozor vocab` lists every vocabulary a mapping or a form may use, in both languages."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def vocab(*arguments: str) -> str:
    out = StringIO()
    call_command("vocab", *arguments, stdout=out)
    return out.getvalue()


def test_vocab_lists_the_response_vocabularies_beside_the_records() -> None:
    names = [line.split()[0] for line in vocab().splitlines()]
    assert {"bias_motivation", "response_event_kind", "legal_article"} <= set(names)


def test_vocab_shows_the_response_event_kinds_in_russian() -> None:
    output = vocab("response_event_kind", "--lang", "ru")
    assert output.startswith("Событие реакции властей (response_event_kind, version 1)")
    assert "detained" in output and "Подозреваемый задержан" in output


def test_vocab_names_an_unknown_vocabulary_and_the_known_ones() -> None:
    with pytest.raises(CommandError, match="There is no vocabulary 'colours'; known vocabularies"):
        vocab("colours")
