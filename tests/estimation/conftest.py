"""A small hand-built world of incidents and reports whose capture histories are known."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction

from dozor.accounts.models import Role, User
from dozor.demo.generator import demo_generate
from dozor.demo.services import demo_load
from dozor.estimation import services
from dozor.records.models import Incident, IncidentReport, SourceList
from tests.conftest import Cast
from tests.factories import (
    IncidentBiasFactory,
    IncidentFactory,
    ReportFactory,
    SourceListFactory,
    UserFactory,
)

# LCMCR settings small enough for a test to run in a second or two: a fixed run (no rounds until
# the diagnostics pass), whose length does not depend on the machine's speed.
LCMCR_SMALL = {"burnin": 200, "samples": 100, "thinning": 2, "adaptive": False}


def demo_analyst(seed: int, size: int = 400, role: str = Role.DOCUMENTER) -> User:
    """The demo's incidents loaded by its own loader, and a user of their organisation.

    A documenter by default: an analyst does not see the organisation's confidential incidents,
    and some tests compare the estimate with every incident of the demo.
    """
    demo_load(dataset=demo_generate(size=size, seed=seed), user=None)
    owner = Incident.objects.filter(demo_truth__isnull=False).first()
    assert owner is not None
    return UserFactory(username="analyst", organisation=owner.organisation, role=role)


def demo_analyst_shared(django_db_blocker: Any, seed: int, size: int = 400) -> Iterator[User]:
    """demo_analyst() for a module-scoped fixture: loaded once for the module and rolled back at
    its end; each test runs in a transaction of its own inside it (loading 400 incidents takes
    seconds, and a module's tests only read them or change them in their own transaction)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield demo_analyst(seed=seed, size=size)
        transaction.set_rollback(True)


@pytest.fixture
def shaped(monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    """Marks to add to each method's stored results (a status, cautions as codes, the interval
    with linkage uncertainty), as the estimator gives them: ``shaped["lcmcr"] = {...}``."""
    marks: dict[str, dict[str, Any]] = {}
    real: Callable[..., dict[str, Any]] = services.stratum_estimate

    def estimate_with_marks(**kwargs: Any) -> dict[str, Any]:
        return {**real(**kwargs), **marks.get(kwargs["method"], {})}

    monkeypatch.setattr(services, "stratum_estimate", estimate_with_marks)
    return marks


@pytest.fixture(autouse=True)
def runs_wait_for_the_worker(settings: Any) -> None:
    """Tests execute runs themselves; no background thread races the test transaction."""
    settings.DOZOR_ESTIMATION_WORKER = "command"


@dataclass
class World:
    cast: Cast
    a: SourceList
    b: SourceList
    c: SourceList
    incidents: dict[str, Incident]


def incident_add(org: object, name: str, year: int, region: str, **kwargs: object) -> Incident:
    return IncidentFactory(
        organisation=org,
        title=name,
        date_start=datetime.date(year, 6, 1),
        region=region,
        **kwargs,
    )


def incident_on(incident: Incident, *lists: SourceList) -> None:
    for source in lists:
        IncidentReport.objects.create(incident=incident, report=ReportFactory(source_list=source))


@pytest.fixture
def world(cast: Cast) -> World:
    return world_build(cast)


def world_build(cast: Cast) -> World:
    """Lists A, B, C. The owner's organisation sees i1-i4 (its own) and i6 (public):

    i1 2008 RU-SPE racist      A B      i4 2009 RU-SPE no bias      C
    i2 2008 RU-MOW racist+anti A        i5 2009 other org (hidden)  A
    i3 2009 RU-MOW no bias       B C C  i6 2009 RU-TA public        A B C
    i7 2009 RU-SPE own, on no list (not counted)
    """
    org, other = cast.organisation, cast.other_organisation
    a = SourceListFactory(name="A list", organisation=org)
    b = SourceListFactory(name="B list", organisation=org)
    c = SourceListFactory(name="C list", organisation=other)
    i = {
        "i1": incident_add(org, "i1", 2008, "RU-SPE"),
        "i2": incident_add(org, "i2", 2008, "RU-MOW"),
        "i3": incident_add(org, "i3", 2009, "RU-MOW"),
        "i4": incident_add(org, "i4", 2009, "RU-SPE"),
        "i5": incident_add(other, "i5", 2009, "RU-SPE"),
        "i6": incident_add(other, "i6", 2009, "RU-TA", confidentiality="public"),
        "i7": incident_add(org, "i7", 2009, "RU-SPE"),
    }
    IncidentBiasFactory(incident=i["i1"], motivation="racist_xenophobic")
    IncidentBiasFactory(incident=i["i2"], motivation="racist_xenophobic")
    IncidentBiasFactory(incident=i["i2"], motivation="antisemitic")
    incident_on(i["i1"], a, b)
    incident_on(i["i2"], a)
    incident_on(i["i3"], b, c, c)
    incident_on(i["i4"], c)
    incident_on(i["i5"], a)
    incident_on(i["i6"], a, b, c)
    return World(cast=cast, a=a, b=b, c=c, incidents=i)
