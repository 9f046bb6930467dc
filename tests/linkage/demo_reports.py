"""The demo generator's three lists imported from the files partners send, into one organisation.

`dozor demo --write-files` writes them (the NGO's CSV, the press scan's JSON Lines, the partner's
XLSX); `dozor import` reads each with its shipped mapping into a list made beforehand with the
list's language, as a documenter would. The truth (which incident each row reports) comes back
by report id, to score the incidents made.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pandas as pd
from django.core.management import call_command

from dozor.accounts.models import Organisation, Role, User
from dozor.accounts.services import organisation_create
from dozor.demo.files import demo_files_write, row_id
from dozor.demo.generator import demo_generate
from dozor.records.models import Incident, Report
from dozor.records.services import source_list_create
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
    """Import the generator's three lists (about 2 reports per incident of ``size``)."""
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
    with tempfile.TemporaryDirectory() as folder:
        for file in demo_files_write(dataset, Path(folder)):
            call_command(
                "import",
                str(file.path),
                *("--source-list", lists[file.list_key].name, "--mapping", str(file.mapping)),
                *("--user", username),
                stdout=StringIO(),
            )
    incident_of = {(r.source_list, row_id(r)): r.incident_key for r in dataset.reports}
    key_of = {source_list.pk: key for key, source_list in lists.items()}
    truth = {
        pk: incident_of[(key_of[list_id], external_id)]
        for pk, list_id, external_id in Report.objects.filter(
            source_list__in=lists.values()
        ).values_list("pk", "source_list_id", "external_id")
    }
    assert len(truth) == len(dataset.reports), "every row of the files is stored"
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
    """Demo reports imported and linked by `dozor link`, as a user would."""
    data = demo_reports_store(size=size, seed=seed, username=username)
    call_command("link", "--user", username, "--json", stdout=StringIO())
    return data
