"""A small hand-built world of incidents and reports whose capture histories are known."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from dozor.records.models import Incident, IncidentReport, SourceList
from tests.conftest import Cast
from tests.factories import IncidentBiasFactory, IncidentFactory, ReportFactory, SourceListFactory


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


def _incident(org: object, name: str, year: int, region: str, **kwargs: object) -> Incident:
    return IncidentFactory(
        organisation=org,
        title=name,
        date_start=datetime.date(year, 6, 1),
        region=region,
        **kwargs,
    )


def _on(incident: Incident, *lists: SourceList) -> None:
    for source in lists:
        IncidentReport.objects.create(incident=incident, report=ReportFactory(source_list=source))


@pytest.fixture
def world(cast: Cast) -> World:
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
        "i1": _incident(org, "i1", 2008, "RU-SPE"),
        "i2": _incident(org, "i2", 2008, "RU-MOW"),
        "i3": _incident(org, "i3", 2009, "RU-MOW"),
        "i4": _incident(org, "i4", 2009, "RU-SPE"),
        "i5": _incident(other, "i5", 2009, "RU-SPE"),
        "i6": _incident(other, "i6", 2009, "RU-TA", confidentiality="public"),
        "i7": _incident(org, "i7", 2009, "RU-SPE"),
    }
    IncidentBiasFactory(incident=i["i1"], motivation="racist_xenophobic")
    IncidentBiasFactory(incident=i["i2"], motivation="racist_xenophobic")
    IncidentBiasFactory(incident=i["i2"], motivation="antisemitic")
    _on(i["i1"], a, b)
    _on(i["i2"], a)
    _on(i["i3"], b, c, c)
    _on(i["i4"], c)
    _on(i["i5"], a)
    _on(i["i6"], a, b, c)
    return World(cast=cast, a=a, b=b, c=c, incidents=i)
