from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from dozor.commands import DozorCommand
from dozor.vocab.registry import Vocabulary, vocabularies, vocabulary_group

MSG_NO_VOCABULARY = "There is no vocabulary '{name}'; known vocabularies: {known}"


def every_vocabulary() -> dict[str, tuple[str, Vocabulary]]:
    """Every vocabulary (dozor/vocab/vocabularies/), by name, with the part of Dozor that uses
    it: the records' own, the responses' (response_event_kind, which a mapping's response events
    use), the estimation's."""
    return {name: (vocabulary_group(name), vocab) for name, vocab in vocabularies().items()}


class Command(DozorCommand):
    help = (
        "List the controlled vocabularies of every part of Dozor (bias motivations, incident "
        "types, response event kinds, ...), or with a NAME the codes and labels of one of them: "
        "`dozor vocab response_event_kind --lang ru`. Mappings (docs/import.md) use these codes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="a vocabulary, e.g. bias_motivation")
        parser.add_argument("--lang", choices=("en", "ru"), default="en", help="label language")

    def handle(self, *args: Any, name: str | None, lang: str, **options: Any) -> None:
        known = every_vocabulary()
        if name is None:
            for app, vocab in known.values():
                self.stdout.write(
                    f"{vocab.name:<24} v{vocab.version}  {len(vocab.terms):>3} terms  "
                    f"{app:<10}  {vocab.label(lang)}"
                )
            return
        if name not in known:
            raise CommandError(MSG_NO_VOCABULARY.format(name=name, known=", ".join(known)))
        _, vocab = known[name]
        self.stdout.write(f"{vocab.label(lang)} ({vocab.name}, version {vocab.version})")
        width = max(len(code) for code in vocab.codes)
        for term in vocab.terms:
            extra = "  ".join(f"{key}={value}" for key, value in term.attributes.items())
            self.stdout.write(f"  {term.code:<{width}}  {term.label(lang)}  {extra}".rstrip())
