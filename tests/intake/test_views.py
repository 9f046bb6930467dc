import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dozor.intake import views
from dozor.intake.models import ImportBatch, QuarantinedRow
from dozor.intake.services import import_run
from dozor.records.models import Report
from tests.intake.conftest import SMALL_MAPPING, write_csv

pytestmark = pytest.mark.django_db

GOOD = "id,Дата,Мотив,Убито\n1,04.12.2008,ксенофобия,0\n2,=cmd|' /C calc'!A0,расизм,\n"


@pytest.fixture(autouse=True)
def imports_run_inline(monkeypatch) -> None:
    monkeypatch.setattr(views, "RUN_IN_THREAD", False)


@pytest.fixture
def imported(cast, source_list, small_mapping, tmp_path):
    summary = import_run(
        user=cast.owner,
        source_list=source_list,
        path=write_csv(tmp_path / "partner.csv", GOOD),
        file_name="partner.csv",
        mapping=small_mapping,
    )
    return ImportBatch.objects.get(pk=summary.batch)


def upload(client, source_list, text=GOOD, mapping=SMALL_MAPPING):
    return client.post(
        reverse("intake:import_new"),
        {
            "file": SimpleUploadedFile("partner.csv", text.encode("utf-8")),
            "source_list": source_list.pk,
            "mapping_text": mapping,
        },
    )


def test_upload_preview_confirm_stores_the_file(cast, source_list) -> None:
    client = cast.client("owner")
    response = upload(client, source_list)
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert "ксенофобия" in preview.content.decode() and Report.objects.count() == 0
    token = response["Location"].rstrip("/").split("/")[-1]
    confirmed = client.post(reverse("intake:import_confirm", args=[token]), follow=True)
    assert confirmed.status_code == 200
    assert Report.objects.count() == 1 and QuarantinedRow.objects.count() == 1
    assert "partner.csv" in confirmed.content.decode()


def test_a_broken_mapping_is_shown_on_the_form(cast, source_list) -> None:
    response = upload(cast.client("owner"), source_list, mapping="version: 1\nname: x\nfields: []")
    assert response.status_code == 400
    assert "fields: expected a mapping" in response.content.decode()


def test_an_unreadable_file_is_explained_in_the_preview(cast, source_list) -> None:
    client = cast.client("owner")
    response = upload(client, source_list, text="a,a\n1,2\n")
    preview = client.get(response["Location"])
    assert preview.status_code == 400 and "appears twice" in preview.content.decode()


@pytest.mark.parametrize(("who", "status"), [("colleague", 403), ("reader", 403)])
def test_only_writers_of_the_organisation_may_upload(cast, source_list, who, status) -> None:
    if who == "colleague":
        cast.colleague.role = "analyst"
        cast.colleague.save()
    assert cast.client(who).get(reverse("intake:import_new")).status_code == status


def test_an_outsider_writer_cannot_choose_another_organisations_list(cast, source_list) -> None:
    form = cast.client("outsider").get(reverse("intake:import_new"))
    assert form.status_code == 200 and "Партнёр" not in form.content.decode()
    response = upload(cast.client("outsider"), source_list)
    assert response.status_code == 400 and Report.objects.count() == 0


def test_anonymous_is_sent_to_sign_in(cast) -> None:
    for name in ("import_list", "import_new", "quarantine_list", "quarantine_export"):
        response = cast.client("anonymous").get(reverse(f"intake:{name}"))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("who", "sees"), [("owner", True), ("colleague", True), ("outsider", False)]
)
def test_imports_and_quarantine_are_seen_by_the_organisation_only(
    cast, imported, who, sees
) -> None:
    client = cast.client(who)
    assert ("partner.csv" in client.get(reverse("intake:import_list")).content.decode()) == sees
    detail = client.get(reverse("intake:import_detail", args=[imported.pk]))
    assert detail.status_code == (200 if sees else 404)
    listing = client.get(reverse("intake:quarantine_list")).content.decode()
    assert ("partner.csv" in listing) == sees


@pytest.mark.parametrize(("who", "rows"), [("owner", 1), ("colleague", 1), ("outsider", 0)])
def test_the_quarantine_csv_is_limited_and_neutralises_formulas(cast, imported, who, rows) -> None:
    response = cast.client(who).get(reverse("intake:quarantine_export"))
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(table) - 1 == rows
    cells = [cell for line in table for cell in line]
    assert not any(cell.startswith("=") for cell in cells)
    if rows:
        assert "'=cmd|' /C calc'!A0" in cells


def test_a_quarantined_row_is_corrected_in_the_browser(cast, imported) -> None:
    row = QuarantinedRow.objects.get()
    client = cast.client("owner")
    form = client.get(reverse("intake:quarantine_correct", args=[row.pk]))
    assert form.status_code == 200
    data = {f"cell_{i}": v for i, v in enumerate(["2", "2009-01-19", "расизм", ""])}
    response = client.post(reverse("intake:quarantine_correct", args=[row.pk]), data)
    assert response.status_code == 302
    assert Report.objects.filter(external_id="2").exists()


def test_a_correction_still_wrong_is_shown_again(cast, imported) -> None:
    row = QuarantinedRow.objects.get()
    data = {f"cell_{i}": v for i, v in enumerate(["2", "yesterday", "расизм", ""])}
    response = cast.client("owner").post(reverse("intake:quarantine_correct", args=[row.pk]), data)
    assert response.status_code == 400 and "yesterday" in response.content.decode()


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("reader", 403)])
def test_others_cannot_correct_a_row(cast, imported, who, status) -> None:
    row = QuarantinedRow.objects.get()
    response = cast.client(who).get(reverse("intake:quarantine_correct", args=[row.pk]))
    assert response.status_code == status


def test_a_running_job_page_refreshes_itself(cast) -> None:
    from dozor.intake.models import ImportJob

    job = ImportJob.objects.create(token="t" * 32, created_by=cast.owner, done=10, total=100)
    response = cast.client("owner").get(reverse("intake:import_job", args=[job.token]))
    assert response["Refresh"] == "2" and "10 of about 100" in response.content.decode()


@pytest.mark.parametrize("who", ["colleague", "outsider"])
def test_a_job_page_is_for_whoever_started_the_import(cast, who) -> None:
    from dozor.intake.models import ImportJob

    job = ImportJob.objects.create(token="t" * 32, created_by=cast.owner)
    assert cast.client(who).get(reverse("intake:import_job", args=[job.token])).status_code == 404


def test_anonymous_is_sent_from_a_job_page_to_sign_in(cast) -> None:
    from dozor.intake.models import ImportJob

    job = ImportJob.objects.create(token="t" * 32, created_by=cast.owner)
    response = cast.client("anonymous").get(reverse("intake:import_job", args=[job.token]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_preview_lists_response_events_in_words(cast, source_list) -> None:
    mapping = SMALL_MAPPING + (
        "  arrested:\n    column: Арест\n    type: boolean\n"
        '    "true": [да]\n    "false": [нет]\n'
        "response_events:\n  - {when: arrested, kind: detained, date: date}\n"
    )
    text = "id,Дата,Мотив,Убито,Арест\n1,04.12.2008,ксенофобия,0,да\n"
    client = cast.client("owner")
    response = upload(client, source_list, text=text, mapping=mapping)
    assert response.status_code == 302, response.content.decode()
    page = client.get(response["Location"]).content.decode()
    assert "Suspect detained, 2008-12-04" in page
    assert "_response_events" not in page and "_import" not in page


def test_the_preview_shows_the_mappings_warnings(cast, source_list) -> None:
    from django.utils.html import escape

    from dozor.intake.mapping import LINKAGE_WARNINGS

    client = cast.client("owner")
    response = upload(client, source_list)
    page = client.get(response["Location"]).content.decode()
    assert escape(str(LINKAGE_WARNINGS["place"])) in page
    assert escape(str(LINKAGE_WARNINGS["victims' names"])) in page
    assert escape(str(LINKAGE_WARNINGS["date"])) not in page
