"""The state's response through /api/v1/: an incident's timeline, its raisings, the raise list and
the bodies, for each caller what the web pages give them; the pages' forms' checks and messages;
corrections that keep the history; writes in the trail with the token; names only with the grant."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from dozor.audit.models import AuditEntry
from dozor.records.models import Incident
from dozor.responses.models import Body, RaiseListEntry, Raising, ResponseEvent
from dozor.security.crypto import KeyRing
from dozor.security.keyring import keyring_set
from tests.api.conftest import ApiClient
from tests.conftest import Cast
from tests.factories import IncidentFactory
from tests.named import EVENT_NOTE, VICTIM_NAME, named_incident, named_responses, names_in
from tests.responses.factories import BodyFactory

pytestmark = pytest.mark.django_db

WEB_USERS = ["owner", "colleague", "reader", "outsider"]
EVENT = {"kind": "case_opened", "date": "2008-12-10", "articles": ["ru_cc_116"]}
RAISE = {"priority": "high", "reason": "Дело стоит год."}


def events(reference: str) -> str:
    return f"/api/v1/incidents/{reference}/events/"


def raisings(reference: str) -> str:
    return f"/api/v1/incidents/{reference}/raisings/"


def raising_data(body: Body) -> dict[str, Any]:
    return {
        "raised_on": "2009-02-01",
        "raised_by": "Owner",
        "body": body.pk,
        "channel": "meeting",
        "request": "Qualify the motive",
        "status": "awaiting_reply",
        "impact": "no_response",
    }


@pytest.fixture
def incidents(cast: Cast) -> dict[str, Incident]:
    """One incident of each kind of access, as in test_incidents.py."""
    return {
        "own_restricted": cast.incident,
        "own_confidential": IncidentFactory(
            organisation=cast.organisation, confidentiality="confidential"
        ),
        "other_public": IncidentFactory(
            organisation=cast.other_organisation, confidentiality="public"
        ),
        "other_restricted": IncidentFactory(organisation=cast.other_organisation),
    }


def web_outcome(client: Client, url: str, data: dict[str, Any], who: str) -> int:
    """What the API should answer a write that the page answers so, the page's write undone at
    once: a redirect (the write was done) is the API's 201."""
    with transaction.atomic():
        status = client.post(url, data).status_code
        transaction.set_rollback(True)
    return 201 if status == 302 else status


@pytest.mark.parametrize("who", WEB_USERS)
def test_the_timeline_is_answered_where_its_page_is_and_refused_where_it_is(
    cast: Cast, incidents: dict[str, Incident], callers: dict[str, ApiClient], who: str
) -> None:
    for kind, incident in incidents.items():
        web = cast.client(who).get(reverse("responses:timeline", args=[incident.reference]))
        api = callers[who].get(events(incident.reference))
        assert api.status_code == web.status_code, (kind, api.content)
        raised = callers[who].get(raisings(incident.reference))
        assert raised.status_code == web.status_code, (kind, raised.content)


@pytest.mark.parametrize("who", WEB_USERS)
def test_an_event_is_added_where_the_page_adds_it_and_refused_where_it_is(
    cast: Cast, incidents: dict[str, Incident], callers: dict[str, ApiClient], who: str
) -> None:
    for kind, incident in incidents.items():
        url = reverse("responses:timeline", args=[incident.reference])
        web = web_outcome(cast.client(who), url, {**EVENT, "date": "2008-12"}, who)
        api = callers[who].post(events(incident.reference), EVENT)
        assert api.status_code == web, (kind, api.content)
        stored = ResponseEvent.objects.filter(incident=incident).exists()
        assert stored is (web == 201), kind


@pytest.mark.parametrize("who", WEB_USERS)
def test_raisings_and_the_raise_list_are_written_where_their_pages_write_them(
    cast: Cast, incidents: dict[str, Incident], callers: dict[str, ApiClient], who: str
) -> None:
    body = BodyFactory()
    for kind, incident in incidents.items():
        url = reverse("responses:raising_new", args=[incident.reference])
        web = web_outcome(cast.client(who), url, raising_data(body), who)
        api = callers[who].post(raisings(incident.reference), raising_data(body))
        assert api.status_code == web, (kind, api.content)
        url = reverse("responses:raise_add", args=[incident.reference])
        web = web_outcome(cast.client(who), url, RAISE, who)
        api = callers[who].post("/api/v1/raise-list/", {"incident": incident.reference, **RAISE})
        # The incident is named in the body, not the address: one the caller may not see is a
        # field of the request refused (400), where the page is not found (404) — after the
        # role, which a reader's lacks (403) whatever the incident.
        expected = 400 if web == 404 else web
        if who == "reader":
            expected = 403
        assert api.status_code == expected, (kind, api.content)


@pytest.mark.parametrize("who", ["anonymous", "expired", "revoked"])
def test_a_call_without_a_usable_token_is_refused_with_401_and_nothing_is_stored(
    cast: Cast, callers: dict[str, ApiClient], who: str
) -> None:
    reference = cast.incident.reference
    for path in (events(reference), raisings(reference), "/api/v1/raise-list/", "/api/v1/bodies/"):
        answer = callers[who].get(path)
        assert answer.status_code == 401, path
        assert answer["Content-Type"] == "application/problem+json"
    assert callers[who].post(events(reference), EVENT).status_code == 401
    assert callers[who].post("/api/v1/raise-list/", {"incident": reference}).status_code == 401
    assert not ResponseEvent.objects.exists() and not RaiseListEntry.objects.exists()


def test_a_read_only_token_reads_but_cannot_write(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    named_responses(cast.incident, cast.owner)
    client = callers["owner_read_only"]
    reference = cast.incident.reference
    event = ResponseEvent.objects.get()
    raising = Raising.objects.get()
    entry = RaiseListEntry.objects.get()
    assert client.get(events(reference)).status_code == 200
    assert client.get("/api/v1/raise-list/").status_code == 200
    refused = [
        client.post(events(reference), EVENT),
        client.post(f"{events(reference)}{event.pk}/corrections/", {"kind": "closed"}),
        client.post(raisings(reference), raising_data(raising.body)),
        client.patch(f"/api/v1/raisings/{raising.pk}/", {"reply": "Отказ"}),
        client.post("/api/v1/raise-list/", {"incident": reference, **RAISE}),
        client.delete(f"/api/v1/raise-list/{entry.pk}/"),
    ]
    assert [answer.status_code for answer in refused] == [403] * 6
    assert "read" in refused[0].json()["detail"]
    assert ResponseEvent.objects.count() == 1 and Raising.objects.count() == 1
    assert RaiseListEntry.objects.filter(pk=entry.pk).exists()


def test_the_timeline_shows_each_event_and_the_status_they_make(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    added = callers["owner"].post(events(cast.incident.reference), EVENT)
    assert added.status_code == 201, added.content
    body = callers["reader"].get(events(cast.incident.reference)).json()
    page = cast.client("reader").get(reverse("responses:timeline", args=[cast.incident.reference]))
    assert f'<p class="status-line">{escape(body["status"])}</p>' in page.content.decode()
    assert body["stage"] == "investigation"
    [event] = body["events"]
    assert event["id"] == added.json()["id"]
    assert (event["kind"], event["date"], event["articles"]) == (
        "case_opened",
        "2008-12-10",
        ["ru_cc_116"],
    )
    assert event["superseded"] is False and event["supersedes"] is None


def test_a_correction_keeps_the_original_and_marks_it_superseded(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    reference = cast.incident.reference
    original = callers["owner"].post(events(reference), {**EVENT, "authority": "СК"}).json()
    url = f"{events(reference)}{original['id']}/corrections/"
    corrected = callers["owner"].post(url, {"date": "2008-12-12"})
    assert corrected.status_code == 201, corrected.content
    correction = corrected.json()
    # The fields left out keep the corrected event's values.
    assert (correction["kind"], correction["authority"]) == ("case_opened", "СК")
    assert correction["supersedes"] == original["id"]
    timeline = callers["colleague"].get(events(reference)).json()["events"]
    assert [(e["id"], e["superseded"], e["superseded_by"]) for e in timeline] == [
        (original["id"], True, correction["id"]),
        (correction["id"], False, None),
    ]
    assert ResponseEvent.objects.get(pk=original["id"]).date == datetime.date(2008, 12, 10)
    again = callers["owner"].post(url, {"date": "2008-12-13"})
    assert again.status_code == 400
    assert again.json()["errors"][0]["message"].startswith("This event has already been")


def test_an_event_of_another_incident_is_not_found(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    other = IncidentFactory(organisation=cast.organisation)
    event = callers["owner"].post(events(other.reference), EVENT).json()
    url = f"{events(cast.incident.reference)}{event['id']}/corrections/"
    answer = callers["owner"].post(url, {"kind": "closed"})
    assert answer.status_code == 404
    assert ResponseEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Give the date as YYYY-MM-DD, YYYY-MM or YYYY."),
        ("ru", "Укажите дату в виде ГГГГ-ММ-ДД, ГГГГ-ММ или ГГГГ."),
    ],
)
def test_a_refused_event_gets_the_forms_message_in_the_callers_language(
    cast: Cast, callers: dict[str, ApiClient], language: str, message: str
) -> None:
    client = callers["owner"]
    answer = client.client.post(
        events(cast.incident.reference),
        {"kind": "detained", "date": "12/2008"},
        content_type="application/json",
        headers={**client.headers, "Accept-Language": language},
    )
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/problem+json"
    assert [(e["field"], e["message"]) for e in answer.json()["errors"]] == [("date", message)]
    assert not ResponseEvent.objects.exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "The reply is dated before the case was raised."),
        ("ru", "Ответ датирован раньше обращения."),
    ],
)
def test_a_refused_raising_gets_the_services_message_in_the_callers_language(
    cast: Cast, callers: dict[str, ApiClient], language: str, message: str
) -> None:
    client = callers["owner"]
    answer = client.client.post(
        raisings(cast.incident.reference),
        {**raising_data(BodyFactory()), "reply": "Нет", "reply_on": "2009-01-01"},
        content_type="application/json",
        headers={**client.headers, "Accept-Language": language},
    )
    assert answer.status_code == 400
    assert [(e["field"], e["message"]) for e in answer.json()["errors"]] == [("reply_on", message)]
    assert not Raising.objects.exists()


def test_a_raising_is_logged_with_the_forms_defaults_and_updated_field_by_field(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    body = BodyFactory()
    logged = callers["owner"].post(
        raisings(cast.incident.reference),
        {"body": body.pk, "channel": "letter", "request": "Возбудите дело"},
    )
    assert logged.status_code == 201, logged.content
    raising = logged.json()
    assert raising["raised_by"] == "owner" and raising["status"] == "awaiting_reply"
    assert raising["raised_on"] == timezone.localdate().isoformat()
    changed = callers["owner"].patch(
        f"/api/v1/raisings/{raising['id']}/", {"reply": "Отказ", "status": "closed"}
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["reply"], changed.json()["request"]) == ("Отказ", "Возбудите дело")
    assert changed.json()["open"] is False
    assert callers["colleague"].get(f"/api/v1/raisings/{raising['id']}/").json()["reply"] == "Отказ"
    assert callers["outsider"].get(f"/api/v1/raisings/{raising['id']}/").status_code == 404
    assert callers["outsider"].patch(f"/api/v1/raisings/{raising['id']}/", {}).status_code == 404


def test_the_raise_list_is_the_one_its_page_shows(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    added = callers["owner"].post(
        "/api/v1/raise-list/", {"incident": cast.incident.reference, "reason": "Стоит год"}
    )
    assert added.status_code == 201, added.content
    assert added.json()["priority"] == "medium"
    for who in WEB_USERS:
        page = cast.client(who).get(reverse("responses:raise_list")).content.decode()
        listed = callers[who].get("/api/v1/raise-list/").json()
        assert [entry["incident"] for entry in listed] == (
            [cast.incident.reference] if cast.incident.reference in page else []
        ), who
    again = callers["colleague"].post(
        "/api/v1/raise-list/", {"incident": cast.incident.reference, "reason": "Снова"}
    )
    assert again.status_code == 400
    assert again.json()["errors"][0] == {
        "field": "incident",
        "code": "invalid",
        "message": "This case is already on your raise list.",
    }


def test_an_incident_the_caller_may_not_see_is_a_refused_field_of_the_raise_list(
    cast: Cast, incidents: dict[str, Incident], callers: dict[str, ApiClient]
) -> None:
    answer = callers["outsider"].post(
        "/api/v1/raise-list/", {"incident": cast.incident.reference, "priority": "urgent"}
    )
    assert answer.status_code == 400
    fields = [e["field"] for e in answer.json()["errors"]]
    assert fields == ["incident", "priority", "reason"]
    assert cast.incident.title not in answer.content.decode()


def test_a_case_is_taken_off_the_raise_list_only_by_its_organisations_writers(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    entry = (
        callers["owner"]
        .post("/api/v1/raise-list/", {"incident": cast.incident.reference, **RAISE})
        .json()
    )
    path = f"/api/v1/raise-list/{entry['id']}/"
    assert callers["outsider"].delete(path).status_code == 404
    assert callers["reader"].delete(path).status_code == 403
    answer = callers["colleague"].delete(path)
    assert answer.status_code == 204
    assert not RaiseListEntry.objects.exists()
    assert callers["colleague"].delete(path).status_code == 404


def test_the_bodies_count_the_callers_organisations_raisings(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    body = BodyFactory(name="Прокуратура")
    callers["owner"].post(raisings(cast.incident.reference), raising_data(body))
    counts = {row["name"]: row["raised"] for row in callers["reader"].get("/api/v1/bodies/").json()}
    assert counts == {"Прокуратура": 1}
    outsider = callers["outsider"].get("/api/v1/bodies/").json()
    assert [(row["name"], row["raised"]) for row in outsider] == [("Прокуратура", 0)]


def test_every_write_is_in_the_trail_with_the_tokens_name(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    reference = cast.incident.reference
    before = AuditEntry.objects.count()
    client = callers["owner"]
    event = client.post(events(reference), EVENT).json()
    client.post(f"{events(reference)}{event['id']}/corrections/", {"kind": "suspended"})
    raising = client.post(raisings(reference), raising_data(BodyFactory())).json()
    client.patch(f"/api/v1/raisings/{raising['id']}/", {"reply": "Отказ"})
    entry = client.post("/api/v1/raise-list/", {"incident": reference, **RAISE}).json()
    client.delete(f"/api/v1/raise-list/{entry['id']}/")
    entries = list(AuditEntry.objects.order_by("id")[before:])
    assert [(e.action, e.target_type, e.actor, e.origin) for e in entries] == [
        ("create", "responses.responseevent", "owner", "api:notebook"),
        ("update", "responses.responseevent", "owner", "api:notebook"),
        ("create", "responses.raising", "owner", "api:notebook"),
        ("update", "responses.raising", "owner", "api:notebook"),
        ("create", "responses.raiselistentry", "owner", "api:notebook"),
        ("delete", "responses.raiselistentry", "owner", "api:notebook"),
    ]


@pytest.mark.parametrize("who", ["reader", "outsider"])
def test_no_answer_names_the_victim_to_a_caller_without_the_grant(
    cast: Cast, callers: dict[str, ApiClient], who: str
) -> None:
    incident = named_incident(cast.organisation, user=cast.owner, confidentiality="public")
    named_responses(incident, cast.owner)
    raising = Raising.objects.get()
    paths = [
        events(incident.reference),
        raisings(incident.reference),
        f"/api/v1/raisings/{raising.pk}/",
        "/api/v1/raise-list/",
        "/api/v1/bodies/",
    ]
    for path in paths:
        answer = callers[who].get(path)
        assert answer.status_code in (200, 404), (path, answer.status_code)
        assert names_in(answer.content.decode()) == [], path
    shown = callers["owner"].get(events(incident.reference)).json()["events"][0]["note"]
    assert shown == EVENT_NOTE
    reader = callers["reader"].get(events(incident.reference)).json()["events"][0]["note"]
    assert reader != EVENT_NOTE and VICTIM_NAME not in reader


def test_the_owner_reads_the_names_in_the_dialogue(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    incident = named_incident(cast.organisation, user=cast.owner)
    named_responses(incident, cast.owner)
    for path in (raisings(incident.reference), "/api/v1/raise-list/"):
        assert names_in(callers["owner"].get(path).content.decode()) != [], path


@pytest.fixture
def locked() -> Iterator[None]:
    keyring_set(KeyRing.locked_because("no key given"))
    with translation.override("en"):
        yield
    keyring_set(None)


def test_a_note_cannot_be_stored_while_locked(
    cast: Cast, callers: dict[str, ApiClient], locked: None
) -> None:
    answer = callers["owner"].post(events(cast.incident.reference), {**EVENT, "note": "Избит"})
    assert answer.status_code == 423
    assert "locked" in answer.json()["detail"]
    assert not ResponseEvent.objects.exists()


def test_a_note_reads_as_locked_while_locked_and_the_timeline_is_still_answered(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    named_responses(cast.incident, cast.owner)
    keyring_set(KeyRing.locked_because("no key given"))
    try:
        for who in ("owner", "reader"):
            answer = callers[who].get(events(cast.incident.reference))
            assert answer.status_code == 200, answer.content
            assert [e["note"] for e in answer.json()["events"]] == ["locked"], who
            assert names_in(answer.content.decode()) == [], who
    finally:
        keyring_set(None)


def test_a_raising_cannot_be_changed_while_locked(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    named_responses(cast.incident, cast.owner)
    raising = Raising.objects.get()
    keyring_set(KeyRing.locked_because("no key given"))
    try:
        answer = callers["owner"].patch(f"/api/v1/raisings/{raising.pk}/", {"status": "closed"})
    finally:
        keyring_set(None)
    assert answer.status_code == 423, answer.content
    raising.refresh_from_db()
    assert raising.status == "awaiting_reply"


@pytest.mark.parametrize("reference", ["RU-2024\x00-00001", "R" * 200])
def test_a_reference_no_incident_can_have_is_a_field_refused_not_a_server_error(
    cast: Cast, callers: dict[str, ApiClient], reference: str
) -> None:
    """A NUL in a text parameter is refused by PostgreSQL itself (found by the schema fuzz)."""
    answer = callers["owner"].post("/api/v1/raise-list/", {"incident": reference, **RAISE})
    assert answer.status_code == 400, answer.content
    assert [error["field"] for error in answer.json()["errors"]] == ["incident"]
    assert not RaiseListEntry.objects.exists()
