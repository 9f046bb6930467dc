"""The PNG downloads of the annual report's bar charts: labels kept whole and bars kept apart."""

from __future__ import annotations

import datetime

from dozor.reporting.annual import annual_report
from dozor.reporting.charts import PNG_LABEL_LINES, Table, bar_figure, png_label
from tests.conftest import Cast
from tests.factories import IncidentBiasFactory, IncidentFactory

RELIGION_RU = "Против последователей других религий и убеждений"


def _tick_labels(table: Table) -> list[str]:
    axes = bar_figure(table).axes[0]
    return [" ".join(tick.get_text().split()) for tick in axes.get_yticklabels()]


def test_a_long_russian_bias_label_keeps_every_word_in_the_png(cast: Cast) -> None:
    incident = IncidentFactory(organisation=cast.organisation, date_start=datetime.date(2008, 3, 1))
    IncidentBiasFactory(incident=incident, motivation="other_religion")
    report = annual_report(user=cast.owner, country="RU", year=2008, language="ru", public=False)
    assert RELIGION_RU in _tick_labels(report.tables["bias"])
    response = cast.client("owner").get(
        "/reports/annual/RU/2008/bias.png", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 200 and response.content.startswith(b"\x89PNG")


def test_two_labels_alike_at_the_start_are_two_bars_in_the_png() -> None:
    start = "Нападения на сотрудников организации, занимающейся "
    table = Table(
        key="type",
        title="t",
        column="c",
        rows=[("a", start + "правами мигрантов", 7), ("b", start + "правами заключённых", 9)],
    )
    axes = bar_figure(table).axes[0]
    positions = sorted(round(bar.get_y(), 3) for bar in axes.patches)
    assert len(positions) == 2 and positions[0] != positions[1]
    assert len(set(_tick_labels(table))) == 2


def test_a_label_too_long_for_two_lines_ends_in_an_ellipsis() -> None:
    label = png_label("слово " * 40)
    assert label.endswith("…") and len(label.splitlines()) <= PNG_LABEL_LINES
