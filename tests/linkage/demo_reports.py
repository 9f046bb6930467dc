"""The demo generator's reports stored through the services, in three lists of one organisation.

The fields are the generator's parsed fields (DemoReport.parsed) given to report_create as an
import would store them: the file importers are being rebuilt, and what these tests protect is
what happens after reports are stored (linkage, accepting its groups, undoing them). The truth
(DemoReport.incident_key) comes back by report id, to score the incidents made.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dozor.demo.generator import demo_generate
from dozor.records.models import Incident, Organisation, Report
from dozor.records.services import organisation_create, report_create, source_list_create
from dozor.security.models import Role, User
from tests.factories import UserFactory


@dataclass
class DemoReports:
    organisation: Organisation
    user: User
    truth: pd.Series  # report id -> true incident key
    reports: int


def demo_reports_store(
    *, size: int, seed: int, username: str = "linker", organisation: Organisation | None = None
) -> DemoReports:
    """Store the generator's reports (about 1.1 per incident of ``size``) in three lists."""
    dataset = demo_generate(size=size, seed=seed)
    owner = organisation or organisation_create(name=f"Монитор {seed}-{size}")
    user = UserFactory(username=username, organisation=owner, role=Role.DOCUMENTER)
    lists = {
        demo.key: source_list_create(
            name=f"{demo.name} ({owner.pk})",
            kind=demo.kind,
            organisation=owner,
            language=demo.language,
            user=user,
        )
        for demo in dataset.source_lists
    }
    truth = {}
    for demo in dataset.reports:
        report = report_create(
            source_list=lists[demo.source_list],
            external_id=demo.external_id,
            payload=demo.raw,
            fields=demo.parsed,
            received_on=demo.received,
            user=user,
        )
        truth[report.pk] = demo.incident_key
    return DemoReports(owner, user, pd.Series(truth), len(truth))


def incidents_of(organisation: Organisation) -> pd.Series:
    """Each report of the organisation's lists -> the incident it is part of (None if none)."""
    rows = Report.objects.filter(source_list__organisation=organisation).values_list(
        "pk", "incident_link__incident_id"
    )
    return pd.Series(dict(rows))


def incident_count(organisation: Organisation) -> int:
    return Incident.objects.filter(organisation=organisation).count()


def linked_demo(*, size: int, seed: int, username: str) -> DemoReports:
    """Demo reports stored and linked by `dozor link`, as a user would."""
    from io import StringIO

    from django.core.management import call_command

    data = demo_reports_store(size=size, seed=seed, username=username)
    call_command("link", "--user", username, "--json", stdout=StringIO())
    return data
