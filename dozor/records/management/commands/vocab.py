from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from dozor.commands import DozorCommand
from dozor.records.vocab import VocabularyError, vocabularies, vocabulary


class Command(DozorCommand):
    help = (
        "List the controlled vocabularies (bias motivations, incident types, ...), or with a "
        "NAME the codes and labels of one of them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="a vocabulary, e.g. bias_motivation")
        parser.add_argument("--lang", choices=("en", "ru"), default="en", help="label language")

    def handle(self, *args: Any, name: str | None, lang: str, **options: Any) -> None:
        if name is None:
            for vocab in vocabularies().values():
                self.stdout.write(
                    f"{vocab.name:<22} v{vocab.version}  {len(vocab.terms):>3} terms  "
                    f"{vocab.label(lang)}"
                )
            return
        try:
            vocab = vocabulary(name)
        except VocabularyError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{vocab.label(lang)} ({vocab.name}, version {vocab.version})")
        width = max(len(code) for code in vocab.codes)
        for term in vocab.terms:
            extra = "  ".join(f"{key}={value}" for key, value in term.attributes.items())
            self.stdout.write(f"  {term.code:<{width}}  {term.label(lang)}  {extra}".rstrip())
