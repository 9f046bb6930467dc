"""A documenter in a real browser: upload a file, preview, confirm, correct a quarantined row."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dozor.intake import views
from dozor.intake.models import ImportJob, ImportJobState, PendingUpload, QuarantinedRow
from dozor.records.models import Report
from tests.browser.conftest import screenshot
from tests.browser.test_incident_flow import sign_in
from tests.conftest import Cast
from tests.factories import SourceListFactory
from tests.intake.conftest import TORONTO_CSV

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def small_toronto_file(path: Path) -> Path:
    """Three rows of the Toronto file; the third was reported a year before it happened."""
    lines = TORONTO_CSV.read_text(encoding="utf-8").splitlines()
    header = lines[0]
    good = [line for line in lines[1:] if "This should be removed" not in line][:3]
    cells = good[2].split(",")  # quoted commas come later in the row: rejoined as they were
    assert header.split(",")[6] == "REPORTED_DATE"
    cells[6] = "2000-01-01"
    broken = ",".join(cells)
    path.write_text("\n".join([header, good[0], good[1], broken]) + "\n", encoding="utf-8")
    return path


def test_upload_preview_confirm_and_correct_a_quarantined_row(
    transactional_db: None,
    live_server,
    cast: Cast,
    page: Page,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The live server and the test share one in-memory database: the import runs in the request.
    monkeypatch.setattr(views, "RUN_IN_THREAD", False)
    source_list = SourceListFactory(name="Toronto police", organisation=cast.organisation)
    upload = small_toronto_file(tmp_path / "toronto-small.csv")
    sign_in(page, live_server.url, "owner")

    page.goto(f"{live_server.url}/imports/new/")
    page.set_input_files("#id_file", str(upload))
    page.select_option("#id_source_list", str(source_list.pk))
    page.select_option("#id_shipped_mapping", "toronto_police_hate_crimes.yaml")
    page.click("form button[type=submit].primary")
    expect(page.locator("h1")).to_have_text("Preview of the import")
    expect(page.locator("main table tbody tr")).to_have_count(3)
    expect(page.locator("main table .tag")).to_have_count(1)
    assert Report.objects.count() == 0 and PendingUpload.objects.count() == 1
    screenshot(page, "import-preview")

    page.get_by_role("button", name="Import the whole file").click()
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    expect(page.locator("main")).to_contain_text("toronto-small.csv")
    job = ImportJob.objects.get()
    assert (job.state, job.done, job.total) == (ImportJobState.DONE, 3, 3)
    assert Report.objects.count() == 2 and not PendingUpload.objects.exists()
    row = QuarantinedRow.objects.get()

    page.get_by_role("link", name="Correct", exact=True).click()
    expect(page.locator("h1")).to_have_text("Correct a quarantined row")
    reported = page.get_by_label("REPORTED_DATE", exact=True)
    occurred = page.get_by_label("OCCURRENCE_DATE", exact=True).input_value()
    reported.fill(occurred)
    page.get_by_role("button", name="Store the corrected row").click()
    expect(page).to_have_url(re.compile(rf"/imports/{row.batch_id}/$"))
    row.refresh_from_db()
    assert row.status == "stored" and Report.objects.count() == 3
    screenshot(page, "import-corrected")
