"""The interval that carries the uncertainty of the links no person reviewed.

The reports come through the user's door, once per module: the demo generator's three lists as
the files partners send, `dozor import` with the shipped mappings, `dozor link` and `dozor link
accept` (the model's groups become incidents, no pair reviewed). Each test then estimates with
`dozor estimate --linkage-replicates R` in its own transaction, rolled back after it.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client

from dozor.accounts.models import Role, User
from dozor.demo.files import demo_files_write
from dozor.demo.generator import demo_generate
from dozor.estimation import replicates, selectors, services
from dozor.estimation.models import EstimateRun, RunStatus
from dozor.linkage.models import CandidatePair, Decision
from dozor.linkage.services import link_decision_record
from dozor.records.models import IncidentReport
from tests.factories import OrganisationFactory, UserFactory

# The module's tests share a fixture made once: one worker runs them all.
pytestmark = pytest.mark.xdist_group("linkage-uncertainty")

USER = "uncertain"
SIZE = 90  # documented incidents: about 180 reports over three lists
# A fixed model, so that the replicates differ by their links only, not by the model AIC picks.
MODEL = ("--method", "loglinear", "--setting=model=Mt")


@dataclass
class Chain:
    user: User
    true_total: int


def _command(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


@pytest.fixture(scope="module")
def chain(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Chain]:
    dataset = demo_generate(size=SIZE, seed=4)
    files = demo_files_write(dataset, tmp_path_factory.mktemp("partner-files"))
    with django_db_blocker.unblock(), transaction.atomic():
        organisation = OrganisationFactory(name="Сеть мониторинга")
        user = UserFactory(username=USER, organisation=organisation, role=Role.DOCUMENTER)
        for file in files:
            _command(
                "import",
                str(file.path),
                *("--source-list", f"Uncertain {file.list_key}", "--new-source-list"),
                *("--kind", file.kind, "--mapping", str(file.mapping)),
                *("--user", USER, "--json"),
            )
        _command("link", "--user", USER, "--json")
        _command("link", "accept", "--user", USER, "--json")
        yield Chain(user=user, true_total=len(dataset.incidents))
        transaction.set_rollback(True)


def estimate(*args: str, replicates_: int = 20, seed: int = 5) -> dict[str, Any]:
    return _command(
        "estimate",
        *("--user", USER, "--by", "none", "--seed", str(seed)),
        *("--linkage-replicates", str(replicates_), "--json"),
        *args,
    )


def chain_client(chain: Chain) -> Client:
    client = Client()
    client.force_login(chain.user)
    return client


def _log_width(lower: float, upper: float) -> float:
    return math.log(upper) - math.log(lower)


def _decide_every_pair(user: User) -> int:
    """A person decides every scored pair as the incidents now have it; returns how many."""
    incident_of = dict(
        IncidentReport.objects.filter(
            report__source_list__organisation=user.organisation
        ).values_list("report_id", "incident_id")
    )
    pairs = CandidatePair.objects.select_related("report_a", "report_b")
    for pair in pairs:
        same = incident_of.get(pair.report_a_id) == incident_of.get(pair.report_b_id)
        link_decision_record(
            user=user,
            first=pair.report_a,
            second=pair.report_b,
            decision=Decision.MATCH if same else Decision.NO_MATCH,
        )
    return pairs.count()


@pytest.mark.django_db
def test_the_estimate_carries_an_interval_with_linkage_uncertainty(chain: Chain) -> None:
    stratum = estimate(*MODEL)["strata"][0]
    linkage = stratum["linkage"]
    assert linkage["replicates"] == 20 and linkage["reviewed_share"] == 0
    assert linkage["pairs"] > 0 and not linkage["note"]
    assert linkage["lower"] < stratum["estimate"] < linkage["upper"]
    assert linkage["lower"] < linkage["estimate"] < linkage["upper"]


@pytest.mark.django_db
def test_unreviewed_links_make_the_interval_wider(chain: Chain) -> None:
    stratum = estimate(*MODEL)["strata"][0]
    linkage = stratum["linkage"]
    assert linkage["between_variance"] > 0
    assert _log_width(linkage["lower"], linkage["upper"]) >= _log_width(
        stratum["lower"], stratum["upper"]
    )


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_interval_with_linkage_uncertainty(chain: Chain) -> None:
    first = estimate(*MODEL, seed=8)["strata"][0]["linkage"]
    again = estimate(*MODEL, seed=8)["strata"][0]["linkage"]
    other = estimate(*MODEL, seed=9)["strata"][0]["linkage"]
    assert first == again
    assert (first["estimate"], first["lower"]) != (other["estimate"], other["lower"])


@pytest.mark.django_db
def test_reproduce_recomputes_the_interval_with_linkage_uncertainty(chain: Chain) -> None:
    run_id = estimate(
        "--method",
        "lcmcr",
        "--setting=burnin=200",
        "--setting=samples=200",
        "--setting=adaptive=no",
    )["run"]
    outcome = _command("estimate", "--reproduce", str(run_id), "--user", USER, "--json")
    assert outcome["reproduced"], outcome["differences"]


@pytest.mark.django_db
def test_reproduce_notices_a_decision_made_since(chain: Chain) -> None:
    run_id = estimate(*MODEL, replicates_=5)["run"]
    pair = CandidatePair.objects.select_related("report_a", "report_b").first()
    assert pair is not None
    link_decision_record(
        user=chain.user, first=pair.report_a, second=pair.report_b, decision=Decision.NO_MATCH
    )
    with pytest.raises(CommandError, match=f"run {run_id} was not reproduced"):
        call_command(
            "estimate",
            "--reproduce",
            str(run_id),
            "--user",
            USER,
            stdout=StringIO(),
            stderr=StringIO(),
        )


@pytest.mark.django_db
def test_decisions_count_as_reviewed_links(chain: Chain) -> None:
    pairs = list(CandidatePair.objects.select_related("report_a", "report_b")[:3])
    for pair in pairs:
        link_decision_record(
            user=chain.user, first=pair.report_a, second=pair.report_b, decision=Decision.MATCH
        )
    linkage = estimate(*MODEL, replicates_=3)["strata"][0]["linkage"]
    assert linkage["pairs_reviewed"] == 3
    assert linkage["reviewed_share"] == pytest.approx(3 / linkage["pairs"])


@pytest.mark.django_db
def test_every_pair_reviewed_gives_the_plain_interval_and_says_why(chain: Chain) -> None:
    decided = _decide_every_pair(chain.user)
    stratum = estimate(*MODEL)["strata"][0]
    linkage = stratum["linkage"]
    assert linkage["pairs_reviewed"] == linkage["pairs"] == decided
    assert linkage["reviewed_share"] == 1 and linkage["note"] == replicates.NOTE_ALL_REVIEWED
    assert (linkage["estimate"], linkage["lower"], linkage["upper"]) == (
        stratum["estimate"],
        stratum["lower"],
        stratum["upper"],
    )


@pytest.mark.django_db
def test_the_linkages_of_the_incidents_as_they_are_give_the_plain_capture_table(
    chain: Chain,
) -> None:
    lists = selectors.source_lists_resolve(user=chain.user, choices=None)
    table = selectors.capture_table(user=chain.user, stratify_by="year", lists=lists)
    data = replicates.linkage_data(user=chain.user, stratify_by="year", lists=lists)
    plain = table.strata()
    rebuilt = replicates.replicate_histories(data, data.incident_of, lists=lists, strata=plain)
    assert list(rebuilt) == list(plain)
    for stratum, histories in plain.items():
        assert np.array_equal(rebuilt[stratum].full_table(), histories.full_table()), stratum


@pytest.mark.django_db
def test_the_command_prints_both_intervals(chain: Chain) -> None:
    out = StringIO()
    call_command(
        "estimate",
        *("--user", USER, "--by", "none", "--seed", "3", "--linkage-replicates", "5", MODEL),
        stdout=out,
        stderr=StringIO(),
    )
    line = next(text for text in out.getvalue().splitlines() if "linkage:" in text)
    assert "without linkage uncertainty:" in line and "with:" in line
    assert "(5 replicate linkages, 0% of links reviewed)" in line


@pytest.mark.django_db
def test_cancelling_during_the_replicates_keeps_the_plain_results(chain: Chain) -> None:
    run = services.estimate_run_start(
        user=chain.user, method="loglinear", stratify_by="none", seed=1, linkage_replicates=10
    )

    def cancel_at_the_third(run: EstimateRun, step: str, method: str) -> None:
        if step.startswith("replicate linkage 3 "):
            services.estimate_run_cancel(run=run, user=chain.user)

    run = services.estimate_run_execute(run_id=run.pk, progress=cancel_at_the_third)
    assert run.status == RunStatus.CANCELLED
    assert run.results[0]["estimate"] is not None and "linkage" not in run.results[0]


@pytest.mark.django_db
def test_the_run_page_and_its_csv_show_both_intervals(chain: Chain) -> None:
    run_id = estimate(*MODEL, replicates_=5)["run"]
    client = chain_client(chain)
    page = client.get(f"/estimates/{run_id}/").content.decode()
    assert "With linkage uncertainty" in page and "replicate linkages: 5" in page
    csv_text = client.get(f"/estimates/{run_id}/results.csv").content.decode()
    (row,) = list(csv.DictReader(io.StringIO(csv_text)))
    run = EstimateRun.objects.get(pk=run_id)
    linkage = run.results[0]["linkage"]
    assert [row[name] for name in replicates.CSV_HEADER] == [
        str(linkage["estimate"]),
        str(linkage["lower"]),
        str(linkage["upper"]),
        "5",
        "0.0",
        "",
    ]


@pytest.mark.django_db
def test_the_estimates_form_starts_a_run_with_replicate_linkages(chain: Chain) -> None:
    response = chain_client(chain).post(
        "/estimates/", {"method": "loglinear", "stratify_by": "none", "linkage_replicates": "7"}
    )
    assert response.status_code == 302
    assert EstimateRun.objects.get().linkage_replicates == 7


@pytest.mark.django_db
def test_a_figure_not_to_quote_gives_its_linkage_interval_only_as_not_to_quote(
    chain: Chain,
) -> None:
    # A chain far too short to converge: the figure, and its interval with the links'
    # uncertainty, are not to be quoted.
    stratum = estimate(
        *("--method", "lcmcr", "--setting=burnin=20", "--setting=samples=10"),
        "--setting=adaptive=no",
        replicates_=2,
    )["strata"][0]
    assert stratum["status"] == "not_converged"
    assert stratum["estimate"] is None and "linkage" not in stratum
    assert stratum["not_for_quoting"]["linkage"]["replicates"] == 2
