"""Quarantined rows are the partner's file as it came, names and all: only those who may see the
organisation's names read them whole, on the page, in the CSV and from the command."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from dozor.records.models import SourceList
from tests.conftest import Cast
from tests.named import named_quarantine, names_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quarantined(cast: Cast, source_list: SourceList, tmp_path: Path) -> None:
    named_quarantine(cast.owner, source_list, tmp_path)


def test_a_reader_downloads_the_quarantine_csv_without_names(cast: Cast) -> None:
    response = cast.client("reader").get(reverse("intake:quarantine_export"))
    assert response.status_code == 200
    text = response.content.decode()
    assert names_in(text) == []
    [_header, line] = list(csv.reader(io.StringIO(text)))
    assert "ФИО потерпевшего=[name]" in line[-1] and "избили у гаражей" in line[-1]


def test_the_owner_downloads_the_quarantine_csv_whole(cast: Cast) -> None:
    text = cast.client("owner").get(reverse("intake:quarantine_export")).content.decode()
    assert "Фарход Каримзода" in text and "Каримзоду" in text


def test_the_quarantine_command_lists_rows_without_names_for_a_reader(
    cast: Cast, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    call_command("quarantine", "list", "--user", "reader", "--json", stdout=out)
    [row] = json.loads(out.getvalue())
    assert names_in(json.dumps(row, ensure_ascii=False)) == []
    capsys.readouterr()
    call_command("quarantine", "export", "--user", "reader")
    exported = capsys.readouterr().out
    assert names_in(exported) == [] and "избили у гаражей" in exported


def test_the_quarantine_page_shows_a_reader_no_name(cast: Cast) -> None:
    page = cast.client("reader").get(reverse("intake:quarantine_list")).content.decode()
    assert names_in(page) == [] and "partner-names.csv" in page
