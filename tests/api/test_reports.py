"""/api/v1/reports/ and /api/v1/source-lists/ on reports imported from a partner's file: what
the Reports and Sources pages give each caller, names only with the grant, reads audited."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from dozor.audit.models import AuditEntry
from dozor.records.models import Report
from tests.api.conftest import ApiClient
from tests.conftest import Cast
from tests.factories import SourceListFactory
from tests.named import VICTIM_NAME, named_remap, names_in

pytestmark = pytest.mark.django_db

REPORT_LINK = re.compile(r'href="/reports/(\d+)/"')


@pytest.fixture
def imported(cast: Cast, tmp_path: Path) -> Report:
    """The partner's row naming its victim, imported from its file as the documenter would."""
    partner = SourceListFactory(name="Партнёр", organisation=cast.organisation)
    named_remap(cast.owner, partner, tmp_path)
    return Report.objects.get(source_list=partner, revision=1)


@pytest.mark.parametrize("who", ["owner", "colleague", "reader", "outsider"])
def test_the_report_list_gives_each_caller_the_reports_the_reports_page_gives_them(
    cast: Cast, imported: Report, callers: dict[str, ApiClient], who: str
) -> None:
    page = cast.client(who).get(reverse("reports:report_list")).content.decode()
    on_the_page = {int(pk) for pk in REPORT_LINK.findall(page)}
    answer = callers[who].get("/api/v1/reports/")
    assert answer.status_code == 200, answer.content
    assert {row["id"] for row in answer.json()["results"]} == on_the_page
    detail = callers[who].get(f"/api/v1/reports/{imported.pk}/")
    web = cast.client(who).get(reverse("reports:report_detail", args=[imported.pk]))
    assert detail.status_code == web.status_code


def test_a_reader_gets_no_name_from_the_reports_and_the_owner_does(
    cast: Cast, imported: Report, callers: dict[str, ApiClient]
) -> None:
    for path in ("/api/v1/reports/", f"/api/v1/reports/{imported.pk}/", "/api/v1/source-lists/"):
        assert names_in(callers["reader"].get(path).content.decode()) == [], path
    owner = callers["owner"].get(f"/api/v1/reports/{imported.pk}/").content.decode()
    assert VICTIM_NAME in owner


def test_each_read_of_reports_is_in_the_trail_with_the_token(
    cast: Cast, imported: Report, callers: dict[str, ApiClient]
) -> None:
    before = AuditEntry.objects.count()
    callers["owner"].get("/api/v1/reports/")
    callers["reader"].get(f"/api/v1/reports/{imported.pk}/")
    entries = list(AuditEntry.objects.order_by("id")[before:])
    assert [(e.action, e.actor, e.origin) for e in entries] == [
        ("view_names", "owner", "api:notebook"),
        ("view", "reader", "api:notebook"),
    ]


def test_the_source_lists_are_the_callers_organisations_only(
    cast: Cast, imported: Report, callers: dict[str, ApiClient]
) -> None:
    own = callers["reader"].get("/api/v1/source-lists/").json()
    stored = Report.objects.filter(source_list=imported.source_list).count()
    assert [(row["name"], row["report_count"]) for row in own] == [("Партнёр", stored)]
    assert callers["outsider"].get("/api/v1/source-lists/").json() == []
    assert callers["outsider"].get(f"/api/v1/reports/{imported.pk}/").status_code == 404
