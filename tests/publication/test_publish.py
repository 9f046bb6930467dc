from __future__ import annotations

import csv
import datetime
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from dozor.audit.models import Action, AuditEntry
from dozor.publication import selectors
from tests.conftest import Cast
from tests.factories import IncidentBiasFactory, IncidentFactory, PersonFactory

pytestmark = pytest.mark.django_db


def incidents(count: int, **fields: object) -> None:
    for _ in range(count):
        IncidentFactory(**fields)


def test_the_year_table_suppresses_a_small_year() -> None:
    incidents(7, date_start=datetime.date(2019, 3, 1))
    incidents(2, date_start=datetime.date(2020, 3, 1))
    incidents(9, date_start=datetime.date(2021, 3, 1))
    table = selectors.aggregate_tables()[0].as_dict()
    # One column, so no row totals; the column total (18) would give 2020 away, so 7 goes too.
    assert table["incidents"] == [["x"], ["<5"], ["9"], ["18"]]


def test_killed_follow_the_incident_suppression_pattern() -> None:
    incidents(6, date_start=datetime.date(2019, 3, 1), killed=1)
    incidents(1, date_start=datetime.date(2020, 3, 1), killed=1)
    table = selectors.aggregate_tables()[0].as_dict()
    assert table["killed"] == [["x"], ["<5"], ["7"]]


def test_public_incidents_keep_only_region_and_month(cast: Cast) -> None:
    incident = IncidentFactory(
        confidentiality="public", date_start=datetime.date(2008, 12, 4), locality="Санкт-Петербург"
    )
    IncidentBiasFactory(incident=incident, motivation="antisemitic")
    PersonFactory(incident=incident, name="Фарход Каримзода")
    published = selectors.public_incidents()
    assert [row["reference"] for row in published] == [incident.reference]
    row = published[0]
    assert row["month"] == "2008-12" and row["region"] == "RU-SPE"
    assert "Каримзода" not in str(row) and "Петербург" not in str(row) and "title" not in row


def test_the_command_writes_csv_and_json_and_is_audited(cast: Cast, tmp_path: Path) -> None:
    IncidentFactory(confidentiality="public")
    PersonFactory(incident=cast.incident, name="Фарход Каримзода")
    call_command("publish", "--out", str(tmp_path / "out"), stdout=StringIO())
    document = json.loads((tmp_path / "out" / "publication.json").read_text())
    assert len(document["incidents"]) == 1
    with (tmp_path / "out" / "year_region_incidents.csv").open() as handle:
        assert next(csv.reader(handle))[0] == "year"
    everything = "".join(p.read_text() for p in (tmp_path / "out").iterdir())
    assert "Каримзода" not in everything and cast.incident.title not in everything
    assert AuditEntry.objects.filter(action=Action.PUBLISH).count() == 1


@pytest.mark.parametrize("who", ["owner", "colleague", "outsider", "anonymous"])
def test_the_public_page_is_off_by_default(cast: Cast, who: str) -> None:
    assert cast.client(who).get("/public/").status_code == 404


@override_settings(DOZOR_PUBLIC_PAGE=True)
@pytest.mark.parametrize("who", ["owner", "colleague", "outsider", "anonymous"])
def test_the_public_page_shows_suppressed_figures_to_anyone(cast: Cast, who: str) -> None:
    page = cast.client(who).get("/public/").content.decode()
    assert "&lt;5" in page and cast.incident.title not in page
