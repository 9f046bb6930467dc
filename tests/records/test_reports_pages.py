"""The Reports pages: what an import stored, for whom, with which names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from dozor.accounts.models import Role
from dozor.audit.models import Action, AuditEntry
from dozor.records import report_views
from dozor.records.models import Report
from dozor.records.report_schema import STANDARD_FIELDS
from dozor.records.report_selectors import STANDARD_FIELD_LABELS
from dozor.records.services import incident_link_reports
from dozor.security.crypto import KeyRing
from dozor.security.keyring import keyring_set
from tests.conftest import Cast
from tests.factories import IncidentFactory, UserFactory
from tests.named import names_in
from tests.records.imported import NEXT_CSV, Imported, import_file, import_named

pytestmark = pytest.mark.django_db

LIST = reverse("reports:report_list")


@pytest.fixture
def imported(cast: Cast, tmp_path: Path) -> Imported:
    return import_named(tmp_path, cast.owner)


def detail(report: Report) -> str:
    return reverse("reports:report_detail", args=[report.pk])


def listed(page: str) -> list[str]:
    """The reports' pages linked from a list, in order."""
    return re.findall(r'href="/reports/(\d+)/"', page)


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("colleague", 200), ("reader", 200), ("outsider", 200), ("anonymous", 302)],
)
def test_every_signed_in_user_gets_the_list(
    imported: Imported, cast: Cast, who: str, status: int
) -> None:
    assert cast.client(who).get(LIST).status_code == status


def test_the_list_shows_every_report_the_import_stored(imported: Imported, cast: Cast) -> None:
    page = cast.client("reader").get(LIST).content.decode()
    assert listed(page) == [str(imported.plain.pk), str(imported.named.pk)]
    assert "2 reports" in page


def test_another_organisation_sees_none_of_the_reports(imported: Imported, cast: Cast) -> None:
    page = cast.client("outsider").get(LIST).content.decode()
    assert listed(page) == [] and "Партнёр" not in page


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("colleague", 200), ("reader", 200), ("outsider", 404)],
)
def test_a_reports_page_is_for_its_organisation(
    imported: Imported, cast: Cast, who: str, status: int
) -> None:
    assert cast.client(who).get(detail(imported.named)).status_code == status


def test_an_anonymous_visitor_is_sent_to_sign_in(imported: Imported, cast: Cast) -> None:
    response = cast.client("anonymous").get(detail(imported.named))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_batch_filter_lists_only_what_that_import_stored(
    imported: Imported, cast: Cast, tmp_path: Path
) -> None:
    second = import_file(tmp_path, imported.source_list, cast.owner, NEXT_CSV, "next.csv")
    page = cast.client("owner").get(LIST, {"batch": second.pk}).content.decode()
    stored = Report.objects.filter(source_list=imported.source_list).exclude(
        pk__in=[imported.named.pk, imported.plain.pk]
    )
    assert sorted(listed(page)) == sorted(str(report.pk) for report in stored)
    assert f"The reports import {second.pk} stored." in page


def test_the_import_page_links_to_the_reports_it_stored(imported: Imported, cast: Cast) -> None:
    page = cast.client("owner").get(reverse("intake:import_detail", args=[imported.batch.pk]))
    assert f'href="{LIST}?batch={imported.batch.pk}"' in page.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"date_from": "2009-01-01"}, ["plain"]),
        ({"date_to": "2008-12-31"}, ["named"]),
        ({"region": "RU-SPE"}, ["named"]),
        ({"type": "threat"}, ["plain"]),
        ({"q": "2"}, ["plain"]),
        ({"sort": "date"}, ["named", "plain"]),
        ({"sort": "-injured"}, ["named", "plain"]),
    ],
)
def test_each_filter_and_sort_picks_the_reports_it_says(
    imported: Imported, cast: Cast, query: dict[str, str], expected: list[str]
) -> None:
    page = cast.client("owner").get(LIST, query).content.decode()
    assert listed(page) == [str(getattr(imported, name).pk) for name in expected]


def test_the_source_list_filter_leaves_out_other_lists(
    imported: Imported, cast: Cast, tmp_path: Path
) -> None:
    (tmp_path / "other").mkdir()
    other = import_named(tmp_path / "other", cast.owner, list_name="Другой партнёр")
    page = cast.client("owner").get(LIST, {"source_list": other.source_list.pk}).content.decode()
    assert listed(page) == [str(other.plain.pk), str(other.named.pk)]


def test_another_organisations_list_is_not_a_filter_choice(imported: Imported, cast: Cast) -> None:
    response = cast.client("outsider").get(LIST, {"source_list": imported.source_list.pk})
    page = response.content.decode()
    assert response.status_code == 200 and listed(page) == []
    assert "Select a valid choice" in page


def test_a_bad_filter_value_is_named_and_the_list_still_shows(
    imported: Imported, cast: Cast
) -> None:
    page = cast.client("owner").get(LIST, {"batch": "twelve"}).content.decode()
    assert "Enter a whole number." in page and len(listed(page)) == 2


def test_reports_part_of_an_incident_and_not_are_told_apart(imported: Imported, cast: Cast) -> None:
    incident_link_reports(incident=cast.incident, reports=[imported.named], user=cast.owner)
    client = cast.client("owner")
    linked = client.get(LIST, {"linked": "yes"}).content.decode()
    assert listed(linked) == [str(imported.named.pk)]
    assert cast.incident.reference in linked and "owner" in linked
    assert listed(client.get(LIST, {"linked": "no"}).content.decode()) == [str(imported.plain.pk)]


def test_the_list_pages_like_the_incident_list(
    imported: Imported, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_views, "PAGE_SIZE", 1)
    page = cast.client("owner").get(LIST, {"sort": "stored", "page": "2"}).content.decode()
    assert listed(page) == [str(imported.plain.pk)]
    assert "Page 2 of 2" in page and "sort=stored&amp;page=1" in page


def test_a_report_of_an_incident_a_reader_may_not_see_is_hidden_from_the_reader(
    imported: Imported, cast: Cast
) -> None:
    secret = IncidentFactory(organisation=cast.organisation, confidentiality="confidential")
    incident_link_reports(incident=secret, reports=[imported.named], user=cast.owner)
    assert cast.client("reader").get(detail(imported.named)).status_code == 404
    assert listed(cast.client("reader").get(LIST).content.decode()) == [str(imported.plain.pk)]
    assert cast.client("owner").get(detail(imported.named)).status_code == 200


def test_the_report_page_shows_the_parsed_fields_beside_the_row_as_it_came(
    imported: Imported, cast: Cast
) -> None:
    page = cast.client("owner").get(detail(imported.named)).content.decode()
    for label, value in (
        ("Date", "04.12.2008"),
        ("Region", "Saint Petersburg"),
        ("Incident type", "Physical assault"),
        ("Injured", "1"),
    ):
        assert f'<th scope="row">{label}</th><td>{value}</td>' in page
    assert 'witness <span class="muted">(extra field)</span>' in page
    assert '<th scope="row">Регион</th><td>RU-SPE</td>' in page
    assert f'href="/imports/{imported.batch.pk}/">import {imported.batch.pk}</a>, row 2' in page


def test_a_new_revision_links_to_the_one_before(
    imported: Imported, cast: Cast, tmp_path: Path
) -> None:
    import_file(tmp_path, imported.source_list, cast.owner, NEXT_CSV, "next.csv")
    second = Report.objects.get(source_list=imported.source_list, external_id="1", revision=2)
    page = cast.client("owner").get(detail(second)).content.decode()
    assert f'<a href="{detail(imported.named)}">revision 1</a>' in page


def test_the_report_page_links_to_its_incident(imported: Imported, cast: Cast) -> None:
    incident_link_reports(incident=cast.incident, reports=[imported.named], user=cast.owner)
    page = cast.client("reader").get(detail(imported.named)).content.decode()
    incident = reverse("records:incident_detail", args=[cast.incident.reference])
    assert f'href="{incident}"' in page and "linked by owner" in page


def test_the_incident_page_links_to_its_reports(imported: Imported, cast: Cast) -> None:
    incident_link_reports(incident=cast.incident, reports=[imported.named], user=cast.owner)
    url = reverse("records:incident_detail", args=[cast.incident.reference])
    assert f'href="{detail(imported.named)}"' in cast.client("owner").get(url).content.decode()


def test_the_owner_sees_the_names_in_the_list_and_on_the_page(
    imported: Imported, cast: Cast
) -> None:
    client = cast.client("owner")
    assert "Каримзоду" in names_in(client.get(LIST).content.decode())
    page = client.get(detail(imported.named)).content.decode()
    assert {"Каримзода", "Каримзоде", "Белова"} <= set(names_in(page))


@pytest.mark.parametrize("role", [Role.READER, Role.ANALYST])
def test_without_the_name_grant_no_name_is_in_the_list_or_on_the_page(
    imported: Imported, cast: Cast, role: str
) -> None:
    client = Client()
    client.force_login(UserFactory(organisation=cast.organisation, role=role))
    listing = client.get(LIST).content.decode()
    page = client.get(detail(imported.named)).content.decode()
    assert names_in(listing) == [] and names_in(page) == []
    assert "[name]" in page


def test_a_reader_with_the_name_grant_sees_the_names(imported: Imported, cast: Cast) -> None:
    cast.reader.can_see_names = True
    cast.reader.save(update_fields=["can_see_names"])
    page = cast.client("reader").get(detail(imported.named)).content.decode()
    assert "Фарход Каримзода" in page


def test_a_report_page_is_an_audited_read_that_says_whether_names_were_shown(
    imported: Imported, cast: Cast
) -> None:
    cast.client("owner").get(detail(imported.named))
    cast.client("reader").get(detail(imported.named))
    entries = AuditEntry.objects.filter(target_type="records.report", target_id=imported.named.pk)
    seen = {(entry.actor, entry.action, entry.changes["names"]) for entry in entries}
    assert seen == {("owner", Action.VIEW_NAMES, True), ("reader", Action.VIEW, False)}


def test_the_list_is_an_audited_read_with_the_number_of_reports_shown(
    imported: Imported, cast: Cast
) -> None:
    cast.client("owner").get(LIST)
    entry = AuditEntry.objects.filter(actor="owner").latest("id")
    assert entry.action == Action.VIEW_NAMES and entry.changes == {"names": True, "reports": 2}


def test_the_navigation_leads_to_reports_and_sources(cast: Cast) -> None:
    page = cast.client("reader").get(reverse("records:incident_list")).content.decode()
    assert f'href="{LIST}"' in page and f'href="{reverse("sources:source_list_list")}"' in page


def test_while_dozor_is_locked_the_pages_show_what_can_be_read(
    imported: Imported, cast: Cast
) -> None:
    keyring_set(KeyRing.locked_because("no key given"))
    try:
        listing = cast.client("owner").get(LIST).content.decode()
        page = cast.client("owner").get(detail(imported.named)).content.decode()
    finally:
        keyring_set(None)
    assert "04.12.2008" in listing and "Saint Petersburg" in listing
    assert "the report's fields and the row as it came are sealed" in page
    assert f'href="/imports/{imported.batch.pk}/">import {imported.batch.pk}</a>' in page
    assert '<th scope="row">Injured</th><td>1</td>' in page and names_in(page) == []


def test_every_standard_field_of_the_report_schema_has_a_label() -> None:
    assert set(STANDARD_FIELD_LABELS) == {spec.name for spec in STANDARD_FIELDS}
