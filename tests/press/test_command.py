from __future__ import annotations

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dozor.press.models import DraftReport
from dozor.records.models import SourceList
from tests.conftest import Cast

CORPUS = Path(__file__).resolve().parents[1] / "data" / "press"


def _press(*args: str) -> dict:
    out = StringIO()
    call_command("press", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in ("ru01_night_saturday.txt", "en01_tuesday_night.txt"):
        shutil.copy(CORPUS / name, tmp_path / name)
    (tmp_path / "undated.txt").write_text("Вчера в Казани избили студента.", encoding="utf-8")
    return tmp_path


def test_a_folder_is_drafted_with_failures_named(
    cast: Cast, press_list: SourceList, folder: Path
) -> None:
    summary = _press(str(folder), "--source-list", "Пресса", "--user", "owner")
    assert (summary["drafted"], summary["present"], summary["failed"]) == (2, 0, 1)
    assert summary["items"]["failed"][0]["origin"].endswith("undated.txt")
    assert "Date:" in summary["items"]["failed"][0]["reason"]


def test_feeding_the_same_folder_twice_drafts_nothing_new(
    cast: Cast, press_list: SourceList, folder: Path
) -> None:
    _press(str(folder), "--source-list", "Пресса", "--user", "owner")
    summary = _press(str(folder), "--source-list", "Пресса", "--user", "owner")
    assert (summary["drafted"], summary["present"], DraftReport.objects.count()) == (0, 2, 2)


def test_published_option_dates_texts_without_a_header(
    cast: Cast, press_list: SourceList, folder: Path
) -> None:
    summary = _press(
        str(folder / "undated.txt"),
        "--source-list",
        "Пресса",
        "--user",
        "owner",
        "--published",
        "2024-03-04",
    )
    assert summary["drafted"] == 1
    assert DraftReport.objects.get().fields["date"] == "2024-03-03"


def test_a_feed_on_disk_is_drafted_entry_by_entry(
    cast: Cast, press_list: SourceList, tmp_path: Path
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>Нападение в Казани</title><link>https://example.org/1</link>"
        "<description>Вчера в Казани избили студента Ивана Петрова.</description>"
        "<pubDate>Mon, 04 Mar 2024 09:00:00 +0300</pubDate></item></channel></rss>",
        encoding="utf-8",
    )
    summary = _press(str(feed), "--source-list", "Пресса", "--user", "owner")
    assert summary["drafted"] == 1
    assert DraftReport.objects.get().url == "https://example.org/1"


def test_an_unknown_source_list_is_refused_unless_asked_to_create_it(
    cast: Cast, folder: Path
) -> None:
    with pytest.raises(CommandError, match="no source list"):
        _press(str(folder), "--source-list", "Новая", "--user", "owner")
    _press(str(folder), "--source-list", "Новая", "--user", "owner", "--new-source-list")
    assert SourceList.objects.get(name="Новая").kind == "press_scan"


@pytest.mark.parametrize("who", ["reader", "outsider"])
def test_only_documenters_of_the_owning_organisation_may_feed_a_list(
    cast: Cast, press_list: SourceList, folder: Path, who: str
) -> None:
    with pytest.raises(CommandError):
        _press(str(folder), "--source-list", "Пресса", "--user", who)
    assert DraftReport.objects.count() == 0
