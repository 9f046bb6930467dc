"""The whole chain through the user's door: partners' files → import → link → accept → estimate.

The demo generator writes its three source lists as the files partners send (the NGO's CSV with
Russian headers and region names, the press scan's JSON Lines with declined names and no region,
the partner's XLSX with English headers, Latin names and month-only dates) and knows which
incident each row reports. A documenter imports them with the mappings Dozor ships, runs
`dozor link` and `dozor link accept`, and then `dozor estimate`: nothing is laid out by hand, and
the incidents that come out are scored against the truth.
"""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.core.management import call_command

from dozor.accounts.models import Role
from dozor.analysis.linkage import pairwise_scores
from dozor.analysis.linkage.evaluate import bcubed_scores
from dozor.demo.files import TRUTH_FILE, DemoFile, demo_files_write
from dozor.demo.generator import demo_generate
from dozor.intake.forms import shipped_mappings
from dozor.intake.mapping import mapping_parse
from dozor.records.models import IncidentReport, Report
from tests.factories import OrganisationFactory, UserFactory

SIZE = 250  # documented incidents: about 500 reports over three lists
SEED = 11


def _command(*args: str) -> Any:
    out = StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture(scope="module")
def partner_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[DemoFile], Any, Path]:
    dataset = demo_generate(size=SIZE, seed=SEED)
    folder = tmp_path_factory.mktemp("partner-files")
    return demo_files_write(dataset, folder), dataset, folder


def _truth(folder: Path) -> dict[tuple[str, str], str]:
    with (folder / TRUTH_FILE).open(encoding="utf-8", newline="") as handle:
        return {(row["list"], row["id"]): row["incident"] for row in csv.DictReader(handle)}


def _import_all(files: list[DemoFile], username: str) -> dict[str, Any]:
    summaries = {}
    for file in files:
        summaries[file.list_key] = _command(
            "import",
            str(file.path),
            "--source-list",
            f"Demo {file.list_key}",
            "--new-source-list",
            "--kind",
            file.kind,
            "--mapping",
            str(file.mapping),
            "--user",
            username,
            "--json",
        )
    return summaries


def test_every_shipped_mapping_reads_without_error() -> None:
    for name, text in shipped_mappings().items():
        mapping = mapping_parse(text, name)
        assert mapping.fields, name


@pytest.mark.django_db
def test_partner_files_become_incidents_that_match_the_truth(partner_files) -> None:
    files, dataset, folder = partner_files
    organisation = OrganisationFactory(name="Коалиция")
    user = UserFactory(username="coordinator", organisation=organisation, role=Role.DOCUMENTER)

    summaries = _import_all(files, user.username)
    for file in files:
        summary = summaries[file.list_key]
        rows = sum(1 for r in dataset.reports if r.source_list == file.list_key)
        assert (summary["rows"], summary["stored"], summary["quarantined"]) == (rows, rows, 0), (
            file.list_key,
            summary["problems"][:3],
        )
    reports = Report.objects.filter(source_list__organisation=organisation)
    assert reports.count() == len(dataset.reports)
    # What linkage compares came through the mappings: every list gives dates and places, and
    # names where the source wrote any.
    for file in files:
        fields = [r.fields for r in reports.filter(source_list__name=f"Demo {file.list_key}")]
        assert all(f.get("date") and f.get("date_precision") for f in fields), file.list_key
        assert sum(bool(f.get("region")) for f in fields) > len(fields) / 3, file.list_key
        named = sum(any(v.get("name") for v in f.get("victims") or []) for f in fields)
        assert named > len(fields) / 3, file.list_key
    partner = [r.fields for r in reports.filter(source_list__name="Demo partner")]
    assert any(f["date_precision"] == "month" for f in partner)

    run = _command("link", "--user", user.username, "--json")
    assert run["reports"] == len(dataset.reports)
    accepted = _command("link", "accept", "--user", user.username, "--json")
    assert accepted["lone_reports"] + accepted["links"] >= len(dataset.reports) * 0.9

    truth = _truth(folder)
    links = IncidentReport.objects.filter(report__source_list__organisation=organisation)
    predicted = pd.Series(
        {
            f"{link.report.source_list.name}:{link.report.external_id}": link.incident_id
            for link in links.select_related("report__source_list")
        }
    )
    true = pd.Series(
        {f"Demo {key}:{row}": incident for (key, row), incident in truth.items()}
    ).reindex(predicted.index)
    assert len(predicted) == len(dataset.reports), "every report is part of an incident"
    bcubed = bcubed_scores(predicted, true)
    pairwise = pairwise_scores(predicted, true)
    observed = true.nunique()
    made = predicted.nunique()
    assert bcubed.f1 >= 0.97, bcubed
    assert pairwise.f1 >= 0.95, pairwise
    assert abs(made - observed) <= 0.05 * observed, (made, observed)

    estimate = _command(
        "estimate", "--user", user.username, "--by", "none", "--method", "loglinear", "--json"
    )
    stratum = estimate["strata"][0]
    assert stratum["observed"] == made
    assert stratum["estimate"] >= made


@pytest.mark.django_db
def test_lcmcr_on_the_chain_covers_the_true_number_of_incidents(partner_files) -> None:
    files, dataset, _ = partner_files
    organisation = OrganisationFactory(name="Коалиция")
    user = UserFactory(username="coordinator", organisation=organisation, role=Role.DOCUMENTER)
    _import_all(files, user.username)
    _command("link", "--user", user.username, "--json")
    _command("link", "accept", "--user", user.username, "--json")
    estimate = _command(
        "estimate",
        *("--user", user.username, "--by", "none", "--method", "lcmcr", "--seed", "1", "--json"),
    )
    stratum = estimate["strata"][0]
    true_total = len(dataset.incidents)
    assert stratum["lower"] <= true_total <= stratum["upper"], (stratum, true_total)
