"""The dozor dossier command: files in both languages, and only what the user may see."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from dozor.responses.management.commands.dossier import MSG_NO_REFERENCES
from tests.conftest import Cast
from tests.responses.factories import RaiseListEntryFactory, ResponseEventFactory


def test_html_dossier_in_russian(cast: Cast, tmp_path: Path) -> None:
    ResponseEventFactory(incident=cast.incident, kind="case_opened")
    out = tmp_path / "dossier.html"
    call_command("dossier", cast.incident.reference, user="owner", lang="ru", out=str(out))
    assert "Возбуждено уголовное дело" in out.read_text(encoding="utf-8")


def test_pdf_dossier_of_the_raise_list(cast: Cast, tmp_path: Path) -> None:
    RaiseListEntryFactory(organisation=cast.organisation, incident=cast.incident)
    out = tmp_path / "dossier.pdf"
    call_command("dossier", user="colleague", raise_list=True, out=str(out))
    assert out.read_bytes().startswith(b"%PDF")


def test_an_outsider_gets_no_dossier(cast: Cast, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="may see"):
        call_command(
            "dossier", cast.incident.reference, user="outsider", out=str(tmp_path / "x.pdf")
        )
    assert not (tmp_path / "x.pdf").exists()


def test_an_unknown_user_is_named(cast: Cast, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="nobody"):
        call_command("dossier", cast.incident.reference, user="nobody", out=str(tmp_path / "x"))


def test_references_are_needed(cast: Cast, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("dossier", user="owner", out=str(tmp_path / "x.pdf"))
    assert str(caught.value) == MSG_NO_REFERENCES
