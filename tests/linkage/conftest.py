# Russian names are the point of these fixtures, so Cyrillic letters that look Latin are intended.
"""Reports of one invented attack in two lists, a candidate pair between them, and the cast."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from dozor.linkage.models import CandidatePair, LinkageRun
from dozor.records.models import Report
from tests.conftest import Cast
from tests.factories import ReportFactory, SourceListFactory


@dataclass
class Linkable:
    ngo: Report
    press: Report
    other: Report  # a third report of the organisation's list, of another attack
    foreign: Report  # a report of another organisation's list, not visible to the cast
    candidate: CandidatePair
    run: LinkageRun


NGO_FIELDS = {
    "date": "2009-03-14",
    "date_precision": "day",
    "region": "RU-SPE",
    "locality": "Санкт-Петербург",
    "incident_type": "physical_assault",
    "bias_motivations": ["racist_xenophobic"],
    "killed": 0,
    "injured": 1,
    "victims": [{"name": "Бахтиёр Нурматов", "sex": "male", "age": 31}],
    "title": "Нападение на уроженца Таджикистана",
    "summary": "Бахтиёр Нурматов избит группой молодых людей.",
}
PRESS_FIELDS = {
    **NGO_FIELDS,
    "date": "2009-03-15",
    "region": None,
    "victims": [{"name": "Бахтиёра Нурматова", "sex": "male", "age": None}],
    "title": "В Петербурге избит приезжий",
}


@pytest.fixture
def linkable(cast: Cast) -> Linkable:
    return linkable_reports(cast)


def linkable_reports(cast: Cast) -> Linkable:
    """The organisation's two reports of one attack, paired by a run, beside two others."""
    ngo_list = SourceListFactory(organisation=cast.organisation, name="Список НКО")
    press_list = SourceListFactory(organisation=cast.organisation, name="Пресса", kind="press_scan")
    foreign_list = SourceListFactory(organisation=cast.other_organisation, name="Чужой список")
    ngo = ReportFactory(source_list=ngo_list, fields=NGO_FIELDS)
    press = ReportFactory(source_list=press_list, fields=PRESS_FIELDS)
    other = ReportFactory(source_list=ngo_list, fields={**NGO_FIELDS, "date": "2011-01-02"})
    foreign = ReportFactory(source_list=foreign_list, fields=NGO_FIELDS)
    run = LinkageRun.objects.create(
        organisation=cast.organisation, started_by=cast.owner, threshold=0.1
    )
    first, second = sorted((ngo, press), key=lambda r: r.id)
    candidate = CandidatePair.objects.create(
        run=run, report_a=first, report_b=second, match_probability=0.97, match_weight=5.0
    )
    return Linkable(ngo, press, other, foreign, candidate, run)
