"""The annual report quotes the figure the organisation published for the year, as known on the
date it was published, beside the earlier revisions; with nothing published, the latest run's."""

from __future__ import annotations

import datetime

import pytest

from dozor.accounts.models import Role, User
from dozor.estimation import services
from dozor.estimation.models import EstimateRun
from dozor.reporting.annual import annual_html, annual_report
from tests.conftest import Cast
from tests.estimation.conftest import (
    World,
    demo_analyst,
    incident_add,
    incident_on,
    world_build,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIRST_DAY = datetime.datetime(2010, 1, 15, 10, 0, tzinfo=datetime.UTC)
A_YEAR_LATER = datetime.datetime(2011, 1, 20, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def world(cast: Cast) -> World:
    """Incidents of 2008 and 2009 on lists A, B and C (tests/estimation/conftest.py)."""
    return world_build(cast)


@pytest.fixture
def analyst(world: World) -> User:
    return UserFactory(username="analyst", organisation=world.cast.organisation, role=Role.ANALYST)


def by_year(world: World) -> EstimateRun:
    run = services.estimate_run_start(
        user=world.cast.owner, method="loglinear", stratify_by="year", country="RU", seed=1
    )
    return services.estimate_run_execute(run_id=run.pk)


def publish_count(
    monkeypatch: pytest.MonkeyPatch,
    world: World,
    analyst: User,
    day: datetime.datetime,
) -> None:
    monkeypatch.setattr(services, "_now", lambda: day)
    services.estimate_publish(user=analyst, run=by_year(world), stratum="2009", kind="documented")


def html(user: User, *, public: bool = False) -> str:
    return annual_html(user=user, country="RU", year=2009, language="en", public=public)


def test_the_report_quotes_the_published_count_as_known_on_its_date(
    world: World,
    analyst: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    publish_count(monkeypatch, world, analyst, FIRST_DAY)
    text = html(world.cast.owner)
    assert "As known on 2010-01-15: 3 incidents documented." in text


def test_the_report_shows_the_earlier_revision_and_the_change(
    world: World,
    analyst: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    publish_count(monkeypatch, world, analyst, FIRST_DAY)
    incident_on(incident_add(world.cast.organisation, "i8", 2009, "RU-MOW"), world.a)
    publish_count(monkeypatch, world, analyst, A_YEAR_LATER)
    report = annual_report(
        user=world.cast.owner, country="RU", year=2009, language="en", public=False
    )
    (quote,) = report.published
    assert (quote.latest.figure, quote.latest.change_text) == (4, "+1 (+33.3%)")
    assert [(e.published_on, e.figure) for e in quote.earlier] == [(FIRST_DAY.date(), 3)]
    text = html(world.cast.owner)
    assert "As known on 2011-01-20: 4 incidents documented." in text
    assert "Revision 2: +1 (+33.3%) on the figure published before." in text
    assert "<td>2010-01-15</td>" in text


def test_the_report_quotes_a_published_estimate_with_its_interval() -> None:
    analyst = demo_analyst(seed=11, size=300, role=Role.ANALYST)
    run = services.estimate_run_start(
        user=analyst, method="loglinear", stratify_by="year", country="RU", seed=1
    )
    run = services.estimate_run_execute(run_id=run.pk)
    result = next(r for r in run.results if r.get("estimate") is not None)
    year = int(result["stratum"])
    services.estimate_publish(user=analyst, run=run, stratum=str(year), method="loglinear")
    text = annual_html(user=analyst, country="RU", year=year, language="en", public=False)
    assert (
        f"{result['observed']} incidents documented; an estimated {result['estimate']:.0f} "
        f"happened (interval {result['lower']:.0f}–"
    ) in text
    assert "As known on" in text


def test_with_nothing_published_the_report_quotes_the_latest_run(
    world: World,
) -> None:
    by_year(world)
    text = html(world.cast.owner)
    assert "As known on" not in text
    assert "incidents documented; an estimated" in text or "No estimate has been run" in text


def test_a_public_report_suppresses_a_small_published_count(
    world: World,
    analyst: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    publish_count(monkeypatch, world, analyst, FIRST_DAY)
    assert "As known on 2010-01-15: &lt;5 incidents documented." in html(
        world.cast.owner, public=True
    )


def test_another_organisations_report_does_not_quote_the_figure(
    world: World,
    analyst: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    publish_count(monkeypatch, world, analyst, FIRST_DAY)
    assert "As known on" not in html(world.cast.outsider)
