"""Static files: hashed names cached for a year once collected, plain names until then."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from dozor import server
from dozor.server import static_collect
from tests.conftest import Cast

HASHED_STYLESHEET = re.compile(r'href="(/static/dozor/dozor\.[0-9a-f]{12}\.css)"')
PLAIN_STYLESHEET = 'href="/static/dozor/dozor.css"'
ONE_YEAR = 365 * 24 * 3600


@pytest.fixture
def static_root(settings: Any, tmp_path: Path) -> Path:
    """An empty STATIC_ROOT of the test's own, as on a fresh DOZOR_HOME."""
    root = tmp_path / "static"
    root.mkdir()
    settings.STATIC_ROOT = root
    return root


@pytest.fixture(scope="module")
def collected_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The static files collected once for the module: hashing and compressing them all takes
    tens of seconds."""
    root = tmp_path_factory.mktemp("collected") / "static"
    root.mkdir()
    with override_settings(STATIC_ROOT=root):
        static_collect()
    return root


@pytest.fixture
def collected(settings: Any, tmp_path: Path, collected_once: Path) -> Path:
    """A STATIC_ROOT of the test's own as `dozor serve` leaves it once it has collected."""
    root = tmp_path / "static"
    shutil.copytree(collected_once, root)
    stamp = collected_once.parent / server.COLLECTED_STAMP
    shutil.copy2(stamp, tmp_path / server.COLLECTED_STAMP)
    settings.STATIC_ROOT = root
    return root


def max_age(cache_control: str) -> int:
    found = re.search(r"max-age=(\d+)", cache_control)
    assert found, f"no max-age in {cache_control!r}"
    return int(found.group(1))


def sign_in_page() -> str:
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_collected_stylesheet_is_cached_for_a_year_as_immutable(
    db: None, collected: Path
) -> None:
    stylesheet = HASHED_STYLESHEET.search(sign_in_page())
    assert stylesheet, "the sign-in page links no hashed stylesheet"
    response = Client().get(stylesheet.group(1))
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert max_age(response["Cache-Control"]) >= ONE_YEAR


def test_a_collected_stylesheet_is_served_compressed_to_a_browser_that_accepts_it(
    db: None, collected: Path
) -> None:
    stylesheet = HASHED_STYLESHEET.search(sign_in_page())
    assert stylesheet
    response = Client().get(stylesheet.group(1), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"


def test_pages_link_the_plain_names_until_the_files_are_collected(
    db: None, static_root: Path
) -> None:
    assert PLAIN_STYLESHEET in sign_in_page()
    response = Client().get("/static/dozor/dozor.css")
    assert response.status_code == 200
    assert "immutable" not in response["Cache-Control"]
    assert max_age(response["Cache-Control"]) <= 60


def test_a_dossier_printed_after_collecting_carries_its_hashed_stylesheet_inside(
    cast: Cast, collected: Path, tmp_path: Path
) -> None:
    out = tmp_path / "dossier.html"
    call_command("dossier", cast.incident.reference, user="owner", out=str(out))
    text = out.read_text(encoding="utf-8")
    assert "<style>" in text and "@page" in text
    assert 'rel="stylesheet"' not in text


def test_a_start_with_the_same_files_does_not_collect_them_again(
    collected: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[tuple[Any, ...]] = []
    monkeypatch.setattr(server, "call_command", lambda *args, **kwargs: runs.append(args))
    static_collect()
    assert runs == []


def test_a_changed_or_missing_file_makes_the_next_start_collect_again(
    collected: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[tuple[Any, ...]] = []
    monkeypatch.setattr(server, "call_command", lambda *args, **kwargs: runs.append(args))
    # One collected file gone (an operator cleaned the folder): collected again.
    next(collected.rglob("dozor.*.css")).unlink()
    static_collect()
    assert len(runs) == 1
    # A source file changed (an upgrade): collected again.
    monkeypatch.setattr(server, "static_sources_fingerprint", lambda: "another version")
    monkeypatch.setattr(server, "_collected_files_present", lambda root: True)
    static_collect()
    assert len(runs) == 2
