"""A documenter in a real browser: partner files imported, a linkage run started from the
Linkage page, the model's groups previewed and accepted as incidents, the batch undone."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from dozor.demo.files import demo_files_write
from dozor.demo.generator import demo_generate
from dozor.linkage import views
from dozor.linkage.models import AcceptBatch, LinkageRun
from dozor.records.models import Incident, IncidentReport, LinkKind, Report
from tests.browser.conftest import screenshot
from tests.browser.test_incident_flow import sign_in
from tests.conftest import Cast

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def import_partner_files(folder: Path, username: str) -> int:
    """The demo's three lists as partners send them, through `dozor import`; the reports stored."""
    dataset = demo_generate(size=40, seed=5)
    for file in demo_files_write(dataset, folder):
        call_command(
            "import",
            str(file.path),
            *("--source-list", f"Demo {file.list_key}", "--new-source-list", "--kind", file.kind),
            *("--mapping", str(file.mapping), "--user", username),
            stdout=StringIO(),
        )
    return len(dataset.reports)


def test_start_a_run_accept_the_models_groups_and_undo_them(
    transactional_db: None,
    live_server,
    cast: Cast,
    page: Page,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The live server and the test share one in-memory database: jobs run in the request.
    monkeypatch.setattr(views, "RUN_IN_THREAD", False)
    reports = import_partner_files(tmp_path, cast.owner.username)
    assert Report.objects.count() == reports
    sign_in(page, live_server.url, "owner")

    page.goto(f"{live_server.url}/linkage/")
    page.get_by_role("button", name="Start a linkage run").click()
    expect(page.locator("h1")).to_have_text("Linkage review")
    run = LinkageRun.objects.get()
    assert run.reports == reports
    screenshot(page, "linkage-run-done")

    page.get_by_role("link", name="Accept the model's groups").click()
    expect(page.locator("h1")).to_have_text("Accept the model's groups")
    page.get_by_role("button", name="Show what it would do").click()
    expect(page.locator(".preview")).to_contain_text("New incidents")
    assert not AcceptBatch.objects.exists(), "the preview stores nothing"
    screenshot(page, "linkage-accept-preview")

    before = Incident.objects.count()
    page.get_by_role("button", name=re.compile(r"^Accept: make \d+ incidents?$")).click()
    batch = AcceptBatch.objects.get()
    expect(page.locator("h1")).to_have_text(f"Accepted batch {batch.pk}")
    linked = IncidentReport.objects.filter(report__source_list__organisation=cast.organisation)
    assert linked.count() == reports
    assert set(linked.values_list("kind", flat=True)) == {LinkKind.MODEL}
    assert Incident.objects.count() - before == batch.incidents_created

    page.get_by_role("button", name="Undo the batch").click()
    expect(page.locator("main")).to_contain_text("undone")
    assert not linked.exists()
    assert Incident.objects.count() == before
