"""The annual report: counts, small-cell suppression, charts, map, access and the command."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from dozor.reporting.annual import annual_report, shown
from dozor.reporting.charts import Table, table_csv, tile_grid
from dozor.vocab.geography import russian_regions
from tests.conftest import Cast
from tests.factories import IncidentBiasFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("count", "public", "expected"),
    [(0, True, 0), (1, True, "<5"), (4, True, "<5"), (5, True, 5), (3, False, 3)],
)
def test_counts_under_5_are_suppressed_only_in_public(
    count: int, public: bool, expected: object
) -> None:
    assert shown(count, public=public) == expected


def test_the_tile_grid_holds_each_federal_subject_once() -> None:
    grid = tile_grid()
    assert set(grid) == set(russian_regions())
    assert len(set(grid.values())) == 83


def test_a_public_csv_suppresses_small_cells() -> None:
    table = Table(
        "region",
        "By region",
        "region",
        [("RU-MOW", "Moscow", 7), ("RU-SPE", "SPb", 2)],
        public=True,
    )
    assert table_csv(table).splitlines()[1:] == ["RU-MOW,Moscow,7", "RU-SPE,SPb,<5"]


@pytest.fixture
def year(cast: Cast) -> Cast:
    for day in range(1, 7):
        incident = IncidentFactory(
            organisation=cast.organisation,
            region="RU-MOW",
            killed=1,
            date_start=datetime.date(2008, 3, day),
        )
        IncidentBiasFactory(incident=incident)
    IncidentFactory(organisation=cast.other_organisation, date_start=datetime.date(2008, 5, 1))
    return cast


def test_the_report_counts_what_the_user_may_see(year: Cast) -> None:
    report = annual_report(user=year.owner, country="RU", year=2008, language="en", public=False)
    # six incidents in March in Moscow and the cast's own of 4 December in St Petersburg
    assert report.totals == {"incidents": 7, "killed": 6, "injured": 0}
    regions = {code: n for code, _label, n in report.tables["region"].rows}
    assert regions == {"RU-MOW": 6, "RU-SPE": 1}
    months = {code: n for code, _label, n in report.tables["month"].rows}
    assert months["3"] == 6 and months["12"] == 1
    assert {c: n for c, _l, n in report.tables["bias"].rows} == {"racist_xenophobic": 6}


def test_the_public_report_suppresses_small_counts(year: Cast) -> None:
    report = annual_report(user=year.owner, country="RU", year=2008, language="en", public=True)
    cells = {code: n for code, _label, n in report.tables["region"].cells()}
    # Moscow's 6 beside the year's 7 would give St Petersburg's 1 away: it is hidden too.
    assert cells == {"RU-MOW": "x", "RU-SPE": "<5"}
    assert "&lt;5" in str(report.svgs["map"])


@pytest.mark.parametrize("who", ["owner", "colleague", "outsider"])
def test_signed_in_users_open_the_annual_report(year: Cast, who: str) -> None:
    response = year.client(who).get("/reports/annual/?country=RU&year=2008")
    assert response.status_code == 200
    assert 'data-chart="map"' in response.content.decode()


def test_an_outsider_does_not_count_another_organisations_incidents(year: Cast) -> None:
    report = annual_report(user=year.outsider, country="RU", year=2008, language="en", public=False)
    assert report.totals["incidents"] == 1


@pytest.mark.parametrize(
    "url",
    ["/reports/annual/", "/reports/annual/RU/2008/report.pdf", "/reports/annual/RU/2008/bias.csv"],
)
def test_anonymous_is_sent_to_sign_in(cast: Cast, url: str) -> None:
    assert cast.client("anonymous").get(url).status_code == 302


@pytest.mark.parametrize(
    ("fmt", "start"), [("png", b"\x89PNG"), ("svg", b"<svg"), ("csv", b"code")]
)
def test_each_chart_downloads(year: Cast, fmt: str, start: bytes) -> None:
    response = year.client("colleague").get(f"/reports/annual/RU/2008/region.{fmt}")
    assert response.status_code == 200 and response.content.startswith(start)


def test_the_map_downloads_as_svg(year: Cast) -> None:
    response = year.client("owner").get("/reports/annual/RU/2008/map.svg")
    assert b'data-region="RU-MOW"' in response.content


def test_the_annual_pdf(year: Cast) -> None:
    response = year.client("owner").get("/reports/annual/RU/2008/report.pdf?lang=ru")
    assert response.content.startswith(b"%PDF")


def test_the_annual_command(year: Cast, tmp_path: Path) -> None:
    out = tmp_path / "annual.html"
    call_command("report", "annual", year=2008, lang="ru", out=str(out), user="owner", public=True)
    assert "Москва" in out.read_text(encoding="utf-8")


def test_the_annual_command_refuses_an_unknown_user(cast: Cast, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="nobody"):
        call_command("report", "annual", year=2008, out=str(tmp_path / "a.pdf"), user="nobody")


def test_the_report_opens_on_the_latest_year_with_incidents_not_the_calendars(
    year: Cast,
) -> None:
    page = year.client("owner").get("/reports/annual/").content.decode()
    assert "Annual report: RU, 2008" in page
    assert 'name="year" value="2008"' in page


def test_the_opening_year_is_of_the_incidents_the_user_may_see(year: Cast) -> None:
    IncidentFactory(
        organisation=year.organisation,
        date_start=datetime.date(2012, 1, 5),
        confidentiality="confidential",
    )
    for who, opening in (("owner", 2012), ("reader", 2008)):
        page = year.client(who).get("/reports/annual/").content.decode()
        assert f"Annual report: RU, {opening}" in page


def test_an_incident_dated_in_a_later_year_does_not_move_the_opening_past_this_year(
    year: Cast,
) -> None:
    this_year = timezone.localdate().year
    IncidentFactory(organisation=year.organisation, date_start=datetime.date(this_year + 3, 1, 1))
    page = year.client("owner").get("/reports/annual/").content.decode()
    assert f"Annual report: RU, {this_year + 3}" not in page


def test_with_no_incident_at_all_the_report_opens_on_last_year(cast: Cast) -> None:
    cast.incident.delete()
    last_year = timezone.localdate().year - 1
    page = cast.client("owner").get("/reports/annual/").content.decode()
    assert f"Annual report: RU, {last_year}" in page


def test_an_asked_for_year_is_kept(year: Cast) -> None:
    page = year.client("owner").get("/reports/annual/", {"country": "RU", "year": 2010})
    assert "Annual report: RU, 2010" in page.content.decode()
