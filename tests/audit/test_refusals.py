"""The refusal log: refused requests in the audit trail with who, what and where, and the alert.

Reproduction (issue 12, item 5): 75 refused requests of a documenter of another organisation
reached only `WARNING django.request`, with no user and no address.
"""

from __future__ import annotations

import datetime
import json
import logging
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from dozor.accounts.models import Role
from dozor.audit.models import Action, AuditEntry
from dozor.audit.selectors import audit_verify
from tests.conftest import Cast
from tests.factories import IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db

BROWSER = "Probe/1.0"


def refusals() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=Action.REFUSED).order_by("id"))


def test_another_organisations_incident_refused_to_a_documenter_is_logged_with_who_what_where(
    cast: Cast,
) -> None:
    secret = IncidentFactory(organisation=cast.organisation, confidentiality="confidential")
    response = cast.client("outsider").get(
        f"/incidents/{secret.reference}/", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT=BROWSER
    )
    assert response.status_code == 404
    [entry] = refusals()
    assert (entry.actor, entry.actor_id) == ("outsider", cast.outsider.pk)
    assert entry.changes == {
        "method": "GET",
        "path": f"/incidents/{secret.reference}/",
        "status": 404,
        "view": "records:incident_detail",
    }
    assert (entry.ip_address, entry.user_agent, entry.origin) == ("203.0.113.7", BROWSER, "web")


def test_a_forbidden_request_is_logged_as_a_refusal(cast: Cast) -> None:
    response = cast.client("reader").post("/incidents/new/", {"title": "x"})
    assert response.status_code == 403
    [entry] = refusals()
    assert entry.actor == "reader"
    assert entry.changes["method"] == "POST" and entry.changes["status"] == 403


def test_the_query_string_is_not_logged_because_it_may_hold_a_searched_name(cast: Cast) -> None:
    secret = IncidentFactory(organisation=cast.organisation, confidentiality="confidential")
    cast.client("outsider").get(f"/incidents/{secret.reference}/?q=Петров")
    [entry] = refusals()
    assert "Петров" not in json.dumps(entry.changes, ensure_ascii=False)


def test_an_address_that_names_no_page_is_not_a_refusal(cast: Cast) -> None:
    assert cast.client("outsider").get("/no-such-page/").status_code == 404
    assert refusals() == []


def test_a_page_that_is_shown_is_not_a_refusal(cast: Cast) -> None:
    assert cast.client("owner").get(f"/incidents/{cast.incident.reference}/").status_code == 200
    assert refusals() == []


def probe(client: Client, cast: Cast, times: int) -> None:
    secret = IncidentFactory(organisation=cast.organisation, confidentiality="confidential")
    for _ in range(times):
        assert client.get(f"/incidents/{secret.reference}/").status_code == 404


def test_many_refusals_within_the_window_raise_one_alert_logged_as_an_error(
    cast: Cast, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.DOZOR_REFUSAL_ALERT_COUNT = 20
    settings.DOZOR_REFUSAL_ALERT_MINUTES = 10
    with caplog.at_level(logging.ERROR, logger="dozor.security.refusals"):
        probe(cast.client("outsider"), cast, 75)
    assert len(refusals()) == 75
    [alert] = AuditEntry.objects.filter(action=Action.REFUSAL_ALERT)
    assert alert.actor == "outsider"
    assert alert.changes["refusals"] == 20 and alert.changes["minutes"] == 10
    # The alert comes right after the refusal that reached the threshold.
    assert alert.pk == refusals()[19].pk + 1
    assert any("refusal alert" in r.message and "outsider" in r.message for r in caplog.records)
    assert list(audit_verify()) == []


def test_fewer_refusals_than_the_threshold_raise_no_alert(cast: Cast, settings: Any) -> None:
    settings.DOZOR_REFUSAL_ALERT_COUNT = 20
    probe(cast.client("outsider"), cast, 19)
    assert not AuditEntry.objects.filter(action=Action.REFUSAL_ALERT).exists()


def test_refusals_spread_over_more_than_the_window_raise_no_alert(
    cast: Cast, settings: Any
) -> None:
    settings.DOZOR_REFUSAL_ALERT_COUNT = 3
    settings.DOZOR_REFUSAL_ALERT_MINUTES = 10
    client = cast.client("outsider")
    start = timezone.now()
    for hop in range(4):
        with mock.patch(
            "django.utils.timezone.now", return_value=start + datetime.timedelta(minutes=6 * hop)
        ):
            probe(client, cast, 1)
    assert len(refusals()) == 4
    assert not AuditEntry.objects.filter(action=Action.REFUSAL_ALERT).exists()


def test_a_new_window_of_many_refusals_raises_a_new_alert(cast: Cast, settings: Any) -> None:
    settings.DOZOR_REFUSAL_ALERT_COUNT = 3
    settings.DOZOR_REFUSAL_ALERT_MINUTES = 10
    client = cast.client("outsider")
    start = timezone.now()
    for later in (0, 12):
        with mock.patch(
            "django.utils.timezone.now", return_value=start + datetime.timedelta(minutes=later)
        ):
            probe(client, cast, 5)
    assert AuditEntry.objects.filter(action=Action.REFUSAL_ALERT).count() == 2


def test_the_refusals_of_two_users_are_counted_apart(cast: Cast, settings: Any) -> None:
    settings.DOZOR_REFUSAL_ALERT_COUNT = 4
    probe(cast.client("outsider"), cast, 2)
    probe(cast.client("reader"), cast, 0)  # the reader sees restricted incidents, not this one
    other = UserFactory(username="other", organisation=cast.other_organisation)
    client = Client()
    client.force_login(other)
    probe(client, cast, 2)
    assert not AuditEntry.objects.filter(action=Action.REFUSAL_ALERT).exists()


def test_the_refusal_page_shows_an_administrator_the_refusals_of_their_members(
    cast: Cast, settings: Any
) -> None:
    settings.DOZOR_REFUSAL_ALERT_COUNT = 2
    probe(cast.client("outsider"), cast, 2)
    admin = UserFactory(
        username="admin-b", organisation=cast.other_organisation, role=Role.ADMINISTRATOR
    )
    client = Client()
    client.force_login(admin)
    page = client.get("/audit/refusals/").content.decode()
    assert "outsider" in page and "/incidents/" in page and "2 within 10 minutes" in page


def test_the_refusal_page_shows_nothing_of_another_organisations_members(cast: Cast) -> None:
    probe(cast.client("outsider"), cast, 1)
    admin = UserFactory(username="admin-a", organisation=cast.organisation, role=Role.ADMINISTRATOR)
    client = Client()
    client.force_login(admin)
    response = client.get("/audit/refusals/")
    assert response.status_code == 200
    assert "outsider" not in response.content.decode()


@pytest.mark.parametrize("who", ["owner", "reader", "outsider"])
def test_the_refusal_page_is_for_administrators_only(cast: Cast, who: str) -> None:
    assert cast.client(who).get("/audit/refusals/").status_code == 403


def test_the_refusal_page_sends_a_signed_out_visitor_to_sign_in(cast: Cast) -> None:
    assert cast.client("anonymous").get("/audit/refusals/").status_code == 302


def test_dozor_audit_refusals_lists_each_refusal_and_alert(cast: Cast, settings: Any) -> None:
    settings.DOZOR_REFUSAL_ALERT_COUNT = 2
    probe(cast.client("outsider"), cast, 2)
    out = StringIO()
    call_command("audit", "refusals", stdout=out)
    lines = out.getvalue().splitlines()
    assert sum("refused  outsider  GET /incidents/" in line for line in lines) == 2
    assert sum("ALERT    outsider  2 refusals within 10 minutes" in line for line in lines) == 1


def test_dozor_audit_refusals_as_json_gives_who_what_and_where(cast: Cast) -> None:
    probe(cast.client("outsider"), cast, 1)
    out = StringIO()
    call_command("audit", "refusals", "--json", "--user", "outsider", stdout=out)
    [line] = out.getvalue().splitlines()
    record = json.loads(line)
    assert record["user"] == "outsider" and record["method"] == "GET"
    assert record["address"] == "127.0.0.1" and record["status"] == 404
