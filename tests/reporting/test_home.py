"""The home page: each role sees what waits that it may deal with, and nothing it may not; the
year's counts beside last year's; recent activity without a name; a fixed number of queries."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dozor.accounts.models import Role, User
from dozor.estimation.models import EstimateRun, RunStatus
from dozor.linkage.models import CandidatePair, Decision, LinkageRun, LinkDecision
from dozor.linkage.selectors import review_queue, review_queue_waiting
from dozor.records.models import Incident, IncidentReport
from dozor.reporting.home import ATTENTION_CAP, attention_items, capped_count
from dozor.security.crypto import KeyRing
from dozor.security.keyring import keyring_set
from dozor.submissions.services import SubmissionText, submission_receive
from tests.conftest import Cast
from tests.factories import IncidentFactory, ReportFactory, SourceListFactory, UserFactory
from tests.named import NAME_FORMS, VICTIM_NAME, named_incident, named_quarantine
from tests.responses.factories import RaisingFactory

pytestmark = pytest.mark.django_db

ITEMS = {"follow_ups", "linkage", "quarantine", "triage", "cautions"}


def waiting_for_organisation_a(cast: Cast, tmp_path: Path) -> User:
    """One of each thing that can wait in organisation A; its administrator."""
    administrator = UserFactory(
        username="administrator", organisation=cast.organisation, role=Role.ADMINISTRATOR
    )
    RaisingFactory(
        organisation=cast.organisation,
        incident=cast.incident,
        status="awaiting_reply",
        raised_on=datetime.date(2009, 3, 1),
        follow_up_due=datetime.date(2009, 4, 1),
    )
    source_list = SourceListFactory(organisation=cast.organisation, name="Партнёр")
    run = LinkageRun.objects.create(
        organisation=cast.organisation, started_by=cast.owner, threshold=0.1
    )
    CandidatePair.objects.create(
        run=run,
        report_a=ReportFactory(source_list=source_list),
        report_b=ReportFactory(source_list=source_list),
        match_probability=0.9,
        match_weight=4.0,
    )
    named_quarantine(cast.owner, source_list, tmp_path)
    submission_receive(
        organisation=cast.organisation,
        channel="form",
        text=SubmissionText(title="Нападение у метро", what_happened="Избили у станции."),
    )
    EstimateRun.objects.create(
        organisation=cast.organisation,
        created_by=administrator,
        stratify_by="year",
        lists=[],
        seed=1,
        status=RunStatus.DONE,
        finished_at=timezone.now(),
        results=[{"stratum": "2008", "cautions": [{"code": "two_lists"}]}],
    )
    return administrator


def shown_items(client: Client) -> set[str]:
    page = client.get(reverse("home")).content.decode()
    return set(re.findall(r'data-item="([a-z_]+)"', page))


def test_the_administrator_sees_everything_that_waits_in_the_organisation(
    cast: Cast, tmp_path: Path
) -> None:
    administrator = waiting_for_organisation_a(cast, tmp_path)
    client = Client()
    client.force_login(administrator)
    assert shown_items(client) == ITEMS


def test_a_documenter_sees_all_but_the_cautioned_estimates_which_are_for_those_who_publish(
    cast: Cast, tmp_path: Path
) -> None:
    waiting_for_organisation_a(cast, tmp_path)
    assert shown_items(cast.client("owner")) == ITEMS - {"cautions"}


def test_a_reader_sees_nothing_waiting_for_them_and_is_told_so(cast: Cast, tmp_path: Path) -> None:
    waiting_for_organisation_a(cast, tmp_path)
    page = cast.client("reader").get(reverse("home")).content.decode()
    assert "data-item=" not in page
    assert "Nothing waits for you" in page


def test_an_advocate_sees_the_overdue_follow_ups_only(cast: Cast, tmp_path: Path) -> None:
    waiting_for_organisation_a(cast, tmp_path)
    client = Client()
    client.force_login(UserFactory(organisation=cast.organisation, role=Role.ADVOCATE))
    assert shown_items(client) == {"follow_ups"}


def test_another_organisation_sees_nothing_of_what_waits_in_organisation_a(
    cast: Cast, tmp_path: Path
) -> None:
    waiting_for_organisation_a(cast, tmp_path)
    assert shown_items(cast.client("outsider")) == set()


def test_each_item_links_to_the_page_where_it_is_dealt_with(cast: Cast, tmp_path: Path) -> None:
    administrator = waiting_for_organisation_a(cast, tmp_path)
    run = EstimateRun.objects.get()
    links = {
        item.key: item.url
        for item in attention_items(administrator, today=datetime.date(2026, 6, 1))
    }
    assert links == {
        "follow_ups": reverse("responses:follow_ups"),
        "linkage": reverse("linkage:queue"),
        "quarantine": reverse("intake:quarantine_list"),
        "triage": reverse("submissions:queue"),
        "cautions": reverse("estimation:run_detail", args=[run.pk]),
    }


def test_a_run_without_cautions_waits_for_nobody(cast: Cast) -> None:
    administrator = UserFactory(organisation=cast.organisation, role=Role.ADMINISTRATOR)
    EstimateRun.objects.create(
        organisation=cast.organisation,
        created_by=administrator,
        stratify_by="year",
        lists=[],
        seed=1,
        status=RunStatus.DONE,
        finished_at=timezone.now(),
        results=[{"stratum": "2008", "cautions": []}],
    )
    assert attention_items(administrator, today=timezone.localdate()) == []


def test_a_follow_up_due_today_is_not_yet_overdue(cast: Cast) -> None:
    RaisingFactory(
        organisation=cast.organisation,
        incident=cast.incident,
        raised_on=datetime.date(2009, 3, 1),
        follow_up_due=datetime.date(2009, 4, 1),
    )
    assert attention_items(cast.owner, today=datetime.date(2009, 4, 1)) == []
    [item] = attention_items(cast.owner, today=datetime.date(2009, 4, 2))
    assert (item.shown_count, item.text) == ("1", "follow-up with an official is overdue")


def test_the_count_stops_after_the_cap(cast: Cast) -> None:
    for _ in range(ATTENTION_CAP + 3):
        IncidentFactory(organisation=cast.organisation)
    assert capped_count(Incident.objects.all()) == ATTENTION_CAP + 1


def test_the_pairs_counted_are_the_pairs_the_queue_lists(cast: Cast) -> None:
    """Undecided and unsure pairs wait; pairs decided, or already in one incident, do not."""
    source_list = SourceListFactory(organisation=cast.organisation)
    run = LinkageRun.objects.create(
        organisation=cast.organisation, started_by=cast.owner, threshold=0.1
    )
    reports = [ReportFactory(source_list=source_list) for _ in range(8)]
    pairs = [
        CandidatePair.objects.create(
            run=run,
            report_a=reports[2 * n],
            report_b=reports[2 * n + 1],
            match_probability=0.9 - n / 10,
            match_weight=4.0,
        )
        for n in range(4)
    ]
    for pair, decision in ((pairs[0], Decision.MATCH), (pairs[1], Decision.UNSURE)):
        LinkDecision.objects.create(
            organisation=cast.organisation,
            report_a=pair.report_a,
            report_b=pair.report_b,
            decision=decision,
            decided_by=cast.owner,
        )
    IncidentReport.objects.create(incident=cast.incident, report=pairs[2].report_a)
    IncidentReport.objects.create(incident=cast.incident, report=pairs[2].report_b)
    IncidentReport.objects.create(
        incident=IncidentFactory(organisation=cast.organisation), report=pairs[3].report_a
    )
    listed = {entry.candidate.pk for entry in review_queue(cast.owner)}
    assert set(review_queue_waiting(cast.owner).values_list("pk", flat=True)) == listed
    assert listed == {pairs[1].pk, pairs[3].pk}


def test_this_years_counts_stand_beside_last_years(cast: Cast) -> None:
    today = timezone.localdate()
    IncidentFactory(organisation=cast.organisation, date_start=today, killed=1)
    IncidentFactory(
        organisation=cast.organisation,
        date_start=datetime.date(today.year - 1, 1, 1),
        defender_targeted=True,
    )
    IncidentFactory(
        organisation=cast.organisation, date_start=datetime.date(today.year - 1, 12, 31)
    )
    # Confidential to its documenters: the reader counts it nowhere.
    IncidentFactory(
        organisation=cast.organisation, date_start=today, confidentiality="confidential"
    )
    page = cast.client("reader").get(reverse("home")).content.decode()
    counts = re.search(r'<table class="year-counts">.*?</table>', page, re.S)
    assert counts is not None
    rows = {
        cells[0]: cells[1:]
        for cells in (
            re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)
            for row in re.findall(r"<tr>(.*?)</tr>", counts.group(0))
        )
        if cells
    }
    same_day_last_year = "1" if today != datetime.date(today.year, 12, 31) else "2"
    assert rows["Incidents"] == ["1", same_day_last_year, "2"]
    assert rows["Killed"] == ["1", "0", "0"]
    assert rows["Acts against defenders and organisations"] == ["0", "1", "1"]


def test_recent_activity_shows_the_incident_by_reference_never_by_its_names(cast: Cast) -> None:
    incident = named_incident(cast.organisation, user=cast.owner)
    for who in ("owner", "reader"):
        page = cast.client(who).get(reverse("home")).content.decode()
        assert incident.reference in page
        assert "Physical assault" in page
        assert VICTIM_NAME not in page
        assert not [form for form in NAME_FORMS if form in page]


def test_recent_activity_lists_imports_with_what_they_stored(cast: Cast, tmp_path: Path) -> None:
    named_quarantine(cast.owner, SourceListFactory(organisation=cast.organisation), tmp_path)
    page = cast.client("reader").get(reverse("home")).content.decode()
    assert re.search(r"Import into [^:]+: \d+ stored, 1 quarantined", page)


def test_recent_activity_shows_nothing_of_another_organisation(cast: Cast) -> None:
    page = cast.client("outsider").get(reverse("home")).content.decode()
    assert cast.incident.reference not in page


def test_the_home_page_works_without_the_key(cast: Cast, tmp_path: Path) -> None:
    """Locked mode (no key given) is when users most need to land somewhere: the page reads no
    sealed field, so it lists what waits as ever, under the locked banner."""
    waiting_for_organisation_a(cast, tmp_path)
    keyring_set(KeyRing.locked_because("no key given"))
    try:
        page = cast.client("owner").get(reverse("home")).content.decode()
    finally:
        keyring_set(None)
    assert 'id="locked-banner"' in page
    assert 'data-item="quarantine"' in page


def test_signing_in_lands_on_the_home_page() -> None:
    assert settings.LOGIN_REDIRECT_URL == "home"


def test_an_anonymous_visitor_at_the_root_is_sent_to_sign_in(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_home_page_speaks_russian(cast: Cast, tmp_path: Path) -> None:
    waiting_for_organisation_a(cast, tmp_path)
    client = cast.client("owner")
    client.post(reverse("set_language"), {"language": "ru", "next": "/"})
    page = client.get(reverse("home")).content.decode()
    assert "Что нужно сделать" in page
    assert "ждёт" in page or "ждут" in page


# The session, the user, the user's authenticator; the overdue follow-ups, the pairs, the
# quarantined rows, the submissions, the cautioned runs; the year's counts; the incidents and
# the imports of recent activity; the user's organisation (for the menu).
HOME_QUERIES = 12


def test_the_home_page_runs_a_fixed_number_of_queries_however_much_waits(
    cast: Cast, tmp_path: Path, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    administrator = waiting_for_organisation_a(cast, tmp_path)
    client = Client()
    client.force_login(administrator)
    client.get(reverse("home"))  # the session's first renewal is written once
    with django_assert_max_num_queries(HOME_QUERIES):
        assert client.get(reverse("home")).status_code == 200
    for _ in range(30):
        IncidentFactory(organisation=cast.organisation, updated_by=cast.owner)
    named_quarantine(cast.owner, SourceListFactory(organisation=cast.organisation), tmp_path)
    with django_assert_max_num_queries(HOME_QUERIES):
        assert client.get(reverse("home")).status_code == 200
