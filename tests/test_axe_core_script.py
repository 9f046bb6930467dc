"""scripts/axe_core.py installs only the pinned axe-core release it can check."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import axe_core

pytestmark = pytest.mark.database_free


def test_a_tarball_that_is_not_the_pinned_release_is_refused_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Response:
        def __enter__(self) -> Response:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def read(self) -> bytes:
            return b"not the package"

    monkeypatch.setattr(axe_core.urllib.request, "urlopen", lambda *a, **k: Response())
    with pytest.raises(SystemExit, match="does not match its pinned integrity"):
        axe_core.install(tmp_path / "axe")
    assert not (tmp_path / "axe").exists()


def test_an_installed_copy_of_the_pinned_version_is_kept_without_fetching(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "axe"
    folder.mkdir()
    (folder / "axe.min.js").write_text("/* axe */")
    (folder / "VERSION").write_text(axe_core.VERSION + "\n")

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("fetched although the pinned version is installed")

    monkeypatch.setattr(axe_core.urllib.request, "urlopen", no_network)
    assert axe_core.install(folder) == folder / "axe.min.js"
