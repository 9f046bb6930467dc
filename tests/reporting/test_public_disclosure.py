"""The public annual report never lets a suppressed count be worked out from what it shows.

Each test reads the report as a reader of the published files would: the totals from the HTML
page, each table from its CSV download, each chart from the page's SVG. The month, region and
type tables each add up to the year's incidents shown in the totals; the bias table adds up to at
least that (an incident with several motivations counts in each). A suppressed cell is given
away when it is fixed by those equations (the rank test: its unit vector lies in the row space of
the equations restricted to the suppressed entries) or pinned by the bounds ("<5" is 1 to 4).
"""

from __future__ import annotations

import csv
import datetime
import html
import io
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from dozor.analysis.disclosure.suppression import SHOWN, column_statuses
from tests.conftest import Cast
from tests.factories import IncidentBiasFactory, IncidentFactory

pytestmark = pytest.mark.django_db

HIDDEN = ("<5", "x")
# Tables whose rows add up to the year's incidents; the bias table adds up to at least that.
SUMMING = ("month", "region", "type")
AT_LEAST = ("bias",)
TABLES = (*SUMMING, *AT_LEAST, "victim_group", "defenders")
REGIONS = ("RU-MOW", "RU-SPE", "RU-TA", "RU-SVE", "RU-KDA", "RU-NIZ")
TYPES = ("physical_assault", "threat", "arson", "property_damage")
BIASES = ("racist_xenophobic", "anti_roma", "antisemitic", "anti_muslim")


@dataclass
class Published:
    """What the public report shows: the year's totals and each table's rows."""

    totals: dict[str, str]
    tables: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # (code, shown)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # code: label, per table
    page: str = ""


def incidents(cast: Cast, layout: list[tuple[int, str, str, tuple[str, ...]]]) -> None:
    """One incident of 2008 per (month, region, type, bias motivations)."""
    for number, (month, region, kind, biases) in enumerate(layout):
        incident = IncidentFactory(
            organisation=cast.organisation,
            date_start=datetime.date(2008, month, 1 + number % 28),
            region=region,
            incident_type=kind,
        )
        for motivation in biases:
            IncidentBiasFactory(incident=incident, motivation=motivation)


def published(client: Client) -> Published:
    page = client.get("/reports/annual/?country=RU&year=2008&public=on").content.decode()
    section = re.search(r'<section class="totals">(.*?)</section>', page, re.S)
    assert section is not None
    values = [html.unescape(v) for v in re.findall(r'<td class="num">(.*?)</td>', section[1])]
    result = Published(
        totals=dict(zip(("incidents", "killed", "injured"), values, strict=True)), page=page
    )
    for key in TABLES:
        response = client.get(f"/reports/annual/RU/2008/{key}.csv?public=on")
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        result.tables[key] = [(row["code"], row["count"]) for row in rows]
        result.labels[key] = {row["code"]: list(row.values())[1] for row in rows}
    return result


def unknown_or_value(shown: str) -> int | None:
    return None if shown in HIDDEN else int(shown)


def determined_by_the_sums(report: Published) -> list[str]:
    """The suppressed entries that the published sums fix exactly (the rank test)."""
    total = unknown_or_value(report.totals["incidents"])
    unknowns = ["total"] if total is None else []
    equations: list[dict[str, int]] = []
    for key in SUMMING:
        equation: dict[str, int] = {}
        for code, shown in report.tables[key]:
            if unknown_or_value(shown) is None:
                name = f"{key}:{code}"
                unknowns.append(name)
                equation[name] = 1
        if total is None:
            equation["total"] = -1
        equations.append(equation)
    if not unknowns:
        return []
    matrix = np.array([[eq.get(name, 0) for name in unknowns] for eq in equations], dtype=float)
    rank = np.linalg.matrix_rank(matrix)
    given_away = []
    for index, name in enumerate(unknowns):
        unit = np.zeros(len(unknowns))
        unit[index] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            given_away.append(name)
    return given_away


def pinned_by_the_bias_bound(report: Published) -> list[str]:
    """Suppressed bias cells whose range the inequality sum(bias) >= incidents closes to one
    value: each "<5" is 1 to 4, each "x" 0 to the year's incidents."""
    total = unknown_or_value(report.totals["incidents"])
    if total is None:
        return []
    cells = report.tables["bias"]
    shown_sum = sum(v for _c, s in cells if (v := unknown_or_value(s)) is not None)
    hidden = [(code, (1, 4) if s == "<5" else (0, total)) for code, s in cells if s in HIDDEN]
    pinned = []
    for code, (low, high) in hidden:
        others = sum(h for c, (_lo, h) in hidden if c != code)
        lowest = max(low, total - shown_sum - others)
        if lowest == high:
            pinned.append(code)
    return pinned


def test_a_single_small_month_cannot_be_recovered_from_the_years_total(cast: Cast) -> None:
    # The case: March is "<5" beside months of 6, 7 and 5 and the year's total of 21.
    layout = [(1, "RU-MOW", "physical_assault", ("racist_xenophobic",))] * 6
    layout += [(2, "RU-MOW", "physical_assault", ("racist_xenophobic",))] * 7
    layout += [(3, "RU-MOW", "physical_assault", ("racist_xenophobic",))] * 3
    layout += [(12, "RU-SPE", "physical_assault", ("racist_xenophobic",))] * 4  # + the cast's
    incidents(cast, layout)
    report = published(cast.client("owner"))
    assert report.totals["incidents"] == "21"
    months = dict(report.tables["month"])
    assert months["3"] == "<5"
    assert determined_by_the_sums(report) == []


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_no_suppressed_cell_of_a_generated_year_can_be_derived(cast: Cast, seed: int) -> None:
    chance = random.Random(seed)
    layout = []
    for _ in range(chance.randint(25, 70)):
        month = chance.choices(range(1, 13), weights=[8, 1, 6, 1, 5, 9, 2, 7, 1, 6, 3, 1])[0]
        region = chance.choices(REGIONS, weights=[30, 12, 3, 6, 1, 2])[0]
        kind = chance.choices(TYPES, weights=[20, 6, 1, 3])[0]
        biases = tuple(chance.sample(BIASES, chance.choices([1, 2], weights=[4, 1])[0]))
        layout.append((month, region, kind, biases))
    incidents(cast, layout)
    report = published(cast.client("owner"))
    hidden = [s for key in SUMMING for _c, s in report.tables[key] if s in HIDDEN]
    assert "<5" in hidden  # the layouts are chosen to have small cells
    assert determined_by_the_sums(report) == []
    assert pinned_by_the_bias_bound(report) == []


def test_the_pages_charts_show_no_suppressed_value(cast: Cast) -> None:
    layout = [(1, "RU-MOW", "physical_assault", ("racist_xenophobic",))] * 9
    layout += [(2, "RU-TA", "threat", ("anti_roma",))] * 2
    layout += [(4, "RU-SVE", "arson", ("antisemitic",))] * 6
    incidents(cast, layout)
    report = published(cast.client("owner"))
    for key in ("month", "region", "type", "bias"):
        svg = re.search(rf'<svg[^>]*data-chart="{key}".*?</svg>', report.page, re.S)
        assert svg is not None
        bars = re.findall(
            r'<text[^>]*>([^<]*)</text><rect[^>]*width="([^"]*)"[^>]*/><text[^>]*>([^<]*)</text>',
            svg[0],
        )
        shown_in_csv = {shown for _code, shown in report.tables[key]}
        for _label, width, value in bars:
            value = html.unescape(value)
            if value in HIDDEN:
                assert float(width) == 0.0
            else:
                assert value.replace(",", "") in shown_in_csv
        assert sum(html.unescape(v) in HIDDEN for *_r, v in bars) == sum(
            s in HIDDEN for _c, s in report.tables[key]
        )
    assert determined_by_the_sums(report) == []


def test_suppressed_rows_are_listed_by_name_not_by_size(cast: Cast) -> None:
    # Listed by count, a hidden row between a 9 and a 7 would be known to be 7 to 9.
    layout = [(1, "RU-MOW", "physical_assault", ())] * 9
    layout += [(1, "RU-TA", "physical_assault", ())] * 3
    layout += [(1, "RU-KDA", "physical_assault", ())] * 1
    layout += [(1, "RU-SVE", "physical_assault", ())] * 7
    incidents(cast, layout)
    report = published(cast.client("owner"))
    rows, labels = report.tables["region"], report.labels["region"]
    shown = [(code, s) for code, s in rows if s not in HIDDEN]
    hidden = [code for code, s in rows if s in HIDDEN]
    assert shown == [("RU-MOW", "9"), ("RU-SVE", "7")]
    assert set(hidden) == {"RU-TA", "RU-KDA", "RU-SPE"}
    assert rows[: len(shown)] == shown  # the shown rows first, largest first
    assert hidden == sorted(hidden, key=lambda code: labels[code])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=12), min_size=2, max_size=15))
def test_the_column_rule_leaves_no_cell_determined_by_its_total(counts: list[int]) -> None:
    cells, total_status = column_statuses(counts, total=sum(counts))
    unknowns = [i for i, status in enumerate(cells) if status != SHOWN]
    if total_status != SHOWN:
        unknowns.append(len(counts))
    if not unknowns:
        return
    row = np.array([[1.0 if i < len(counts) else -1.0 for i in unknowns]])
    rank = np.linalg.matrix_rank(row)
    for index in range(len(unknowns)):
        unit = np.zeros((1, len(unknowns)))
        unit[0, index] = 1
        assert np.linalg.matrix_rank(np.vstack([row, unit])) > rank


def test_the_printed_report_hides_the_same_cells(cast: Cast, tmp_path: Path) -> None:
    layout = [(1, "RU-MOW", "physical_assault", ("racist_xenophobic",))] * 6
    layout += [(3, "RU-MOW", "physical_assault", ("racist_xenophobic",))] * 3
    layout += [(12, "RU-SPE", "physical_assault", ("racist_xenophobic",))] * 4  # + the cast's
    incidents(cast, layout)
    out = tmp_path / "annual.html"
    call_command("report", "annual", year=2008, out=str(out), user="owner", public=True)
    printed = out.read_text(encoding="utf-8")
    svg = re.search(r'<svg[^>]*data-chart="month".*?</svg>', printed, re.S)
    assert svg is not None
    values = [html.unescape(v) for v in re.findall(r"<text[^>]*>([^<]*)</text>", svg[0])[1::2]]
    # January 6, March 3, December 5 of a year of 14: March is "<5", December hidden with it.
    assert (values[0], values[2], values[11]) == ("6", "<5", "x")
    assert determined_by_the_sums(published(cast.client("owner"))) == []


@pytest.mark.parametrize("key", ["region", "month", "map"])
def test_a_public_chart_with_hidden_rows_draws(cast: Cast, key: str) -> None:
    incidents(cast, [(1, "RU-MOW", "physical_assault", ())] * 6)
    client = cast.client("owner")
    fmt = "svg" if key == "map" else "png"
    response = client.get(f"/reports/annual/RU/2008/{key}.{fmt}?public=on")
    assert response.status_code == 200
    assert response.content.startswith(b"<svg" if fmt == "svg" else b"\x89PNG")
    if key == "map":
        # Moscow's 6 beside the year's 7 is hidden: its square reads "x", not 6.
        square = re.search(rb'<g data-region="RU-MOW">.*?</g>', response.content)
        assert square is not None and b">x</text>" in square[0] and b">6<" not in square[0]
