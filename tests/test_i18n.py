"""The Russian interface is complete: every message translated, the compiled file current."""

import shutil
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import messages  # noqa: E402 - scripts/ is put on the path first

CATALOGUE = ROOT / "dozor" / "locale" / "ru" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_russian_translation() -> None:
    catalogue = polib.pofile(str(CATALOGUE))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []


def test_the_compiled_catalogue_matches_the_source() -> None:
    source = {(e.msgid, e.msgstr) for e in polib.pofile(str(CATALOGUE)) if not e.msgid_plural}
    compiled = {
        (e.msgid, e.msgstr)
        for e in polib.mofile(str(CATALOGUE.with_suffix(".mo")))
        if e.msgid and not e.msgid_plural
    }
    assert source == compiled, "run `make messages` to recompile the catalogue"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_every_translatable_text_in_the_code_is_in_a_catalogue() -> None:
    assert messages.missing_texts() == {}, "run `make messages` and translate the new texts"
