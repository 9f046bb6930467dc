"""/api/v1/incidents/ as each caller reaches it with a token: what the web app would give them,
names only with the grant, the incident form's checks and messages, problem details."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from dozor.accounts.models import ApiToken
from dozor.accounts.services import api_token_call_count, api_token_create
from dozor.audit.models import AuditEntry
from dozor.records.models import Incident
from dozor.security.crypto import KeyRing
from dozor.security.keyring import keyring_set
from tests.api.conftest import ApiClient, key_for
from tests.conftest import Cast
from tests.factories import IncidentFactory
from tests.named import VICTIM_NAME, VICTIM_PSEUDONYM, named_incident, names_in

pytestmark = pytest.mark.django_db

LIST = "/api/v1/incidents/"
REFERENCE = re.compile(r"RU-\d{4}-\d{5}")


def detail(reference: str) -> str:
    return f"/api/v1/incidents/{reference}/"


@pytest.fixture
def incidents(cast: Cast) -> dict[str, Incident]:
    """One incident of each kind of access: the organisation's restricted one (the cast's), its
    confidential one, another organisation's public and restricted ones."""
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


WEB_USERS = ["owner", "colleague", "reader", "outsider"]


@pytest.mark.parametrize("who", WEB_USERS)
def test_the_list_gives_each_caller_the_incidents_the_list_page_gives_them(
    cast: Cast, incidents: dict[str, Incident], callers: dict[str, ApiClient], who: str
) -> None:
    page = cast.client(who).get(reverse("records:incident_list"))
    on_the_page = set(REFERENCE.findall(page.content.decode()))
    answer = callers[who].get(LIST)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert {row["reference"] for row in body["results"]} == on_the_page
    assert body["count"] == len(on_the_page) and body["count_capped"] is False


@pytest.mark.parametrize("who", WEB_USERS)
def test_an_incident_is_answered_where_its_page_is_and_refused_where_it_is(
    cast: Cast, incidents: dict[str, Incident], callers: dict[str, ApiClient], who: str
) -> None:
    for kind, incident in incidents.items():
        web = cast.client(who).get(reverse("records:incident_detail", args=[incident.reference]))
        api = callers[who].get(detail(incident.reference))
        assert api.status_code == web.status_code, (kind, api.content)
        if api.status_code == 404:
            assert api["Content-Type"] == "application/problem+json"
            assert incident.title not in api.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "expired", "revoked"])
def test_a_call_without_a_usable_token_is_refused_with_401(
    cast: Cast, incidents: dict[str, Incident], callers: dict[str, ApiClient], who: str
) -> None:
    for path in (LIST, detail(cast.incident.reference)):
        answer = callers[who].get(path)
        assert answer.status_code == 401
        assert answer["WWW-Authenticate"].startswith("Bearer")
        problem = answer.json()
        assert problem["status"] == 401 and problem["type"].endswith("/unauthenticated")
        assert cast.incident.title not in answer.content.decode()
    created = callers[who].post(LIST, {"title": "x", "incident_type": "physical_assault"})
    assert created.status_code == 401
    assert not Incident.objects.filter(title="x").exists()


def test_a_signed_in_browser_session_is_not_a_token(cast: Cast) -> None:
    """A page open in the owner's browser cannot call the API on their behalf."""
    answer = cast.client("owner").get(LIST)
    assert answer.status_code == 401


def test_a_read_only_token_cannot_write_and_nothing_is_stored(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    answer = callers["owner_read_only"].post(
        LIST, {"title": "Нападение", "incident_type": "physical_assault"}
    )
    assert answer.status_code == 403
    assert "read" in answer.json()["detail"]
    changed = callers["owner_read_only"].patch(detail(cast.incident.reference), {"killed": 3})
    assert changed.status_code == 403
    cast.incident.refresh_from_db()
    assert cast.incident.killed == 0
    assert Incident.objects.count() == 1


@pytest.mark.parametrize(("who", "status"), [("reader", 403), ("outsider", 403)])
def test_who_may_not_record_incidents_is_refused_as_on_the_form(
    cast: Cast, callers: dict[str, ApiClient], who: str, status: int
) -> None:
    web = cast.client(who).post(reverse("records:incident_create"), {})
    if who == "reader":
        assert web.status_code == status
        # A reader's token may write (to start estimate runs): the role still refuses.
        writing = ApiClient(key_for(cast.reader, scope="write", name="writing"))
        refused = writing.post(LIST, {"title": "Нападение", "incident_type": "physical_assault"})
        assert refused.status_code == status
    answer = callers[who].patch(detail(cast.incident.reference), {"killed": 3})
    assert answer.status_code in (403, 404)
    cast.incident.refresh_from_db()
    assert cast.incident.killed == 0


def test_names_reach_only_callers_with_the_grant(cast: Cast, callers: dict[str, ApiClient]) -> None:
    incident = named_incident(cast.organisation, user=cast.owner, confidentiality="public")
    for who in ("reader", "outsider"):
        body = callers[who].get(detail(incident.reference)).content.decode()
        assert names_in(body) == [], who
        assert VICTIM_PSEUDONYM in body
        listed = callers[who].get(LIST, data={"q": "гаражей"}).content.decode()
        assert names_in(listed) == [], who
    owner = callers["owner"].get(detail(incident.reference)).json()
    assert owner["people"][0]["label"] == VICTIM_NAME and owner["people"][0]["named"] is True


def test_an_answer_that_shows_names_is_in_the_audit_trail_with_the_tokens_name(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    incident = named_incident(cast.organisation, user=cast.owner)
    callers["owner"].get(detail(incident.reference))
    entry = AuditEntry.objects.filter(action="view_names", target_id=str(incident.pk)).get()
    assert entry.actor == "owner" and entry.origin == "api:notebook"
    callers["reader"].get(detail(incident.reference))
    assert AuditEntry.objects.filter(action="view_names").count() == 1


def test_an_incident_recorded_through_the_api_is_stored_audited_and_answered(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    answer = callers["owner"].post(
        LIST,
        {
            "title": "Нападение на активиста",
            "incident_type": "physical_assault",
            "date_start": "2024-03-02",
            "region": "ru-mow",
            "injured": 1,
            "biases": [
                {"motivation": "racist_xenophobic", "indicators": ["perpetrator_statements"]}
            ],
            "people": [{"name": "Иван Петров", "sex": "male", "harm": "injured"}],
        },
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    incident = Incident.objects.get(reference=body["reference"])
    assert incident.organisation == cast.organisation and incident.created_by == cast.owner
    assert incident.region == "RU-MOW" and incident.confidentiality == "restricted"
    assert body["people"][0]["label"] == "Иван Петров"
    assert [b.motivation for b in incident.biases.all()] == ["racist_xenophobic"]
    created = AuditEntry.objects.get(action="create", target_id=str(incident.pk))
    assert created.origin == "api:notebook"


def test_a_change_replaces_the_fields_given_and_keeps_the_rest(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    incident = named_incident(cast.organisation, user=cast.owner)
    answer = callers["owner"].patch(detail(incident.reference), {"killed": 1})
    assert answer.status_code == 200, answer.content
    incident.refresh_from_db()
    assert incident.killed == 1 and incident.injured == 1
    assert [str(p.name) for p in incident.people.all()] == [VICTIM_NAME]
    assert [b.motivation for b in incident.biases.all()] == ["racist_xenophobic"]


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "This field is required."), ("ru", "Обязательное поле.")],
)
def test_a_refused_incident_gets_the_forms_messages_in_the_callers_language(
    cast: Cast, callers: dict[str, ApiClient], language: str, message: str
) -> None:
    client = callers["owner"]
    answer = client.client.post(
        LIST,
        {"people": [{"age": 130}]},
        content_type="application/json",
        headers={**client.headers, "Accept-Language": language},
    )
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/problem+json"
    errors = {(e["field"], e["message"]) for e in answer.json()["errors"]}
    assert ("title", message) in errors
    assert ("incident_type", message) in errors
    assert any(field == "people[0].age" for field, _ in errors)
    assert Incident.objects.count() == 1


def test_a_body_of_the_wrong_shape_is_a_problem_naming_the_field(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    answer = callers["owner"].post(LIST, {"title": "x", "killed": "many"})
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["killed"]


def test_bad_filters_are_a_problem_naming_the_field(callers: dict[str, ApiClient]) -> None:
    answer = callers["owner"].get(LIST, data={"date_from": "2024-05-01", "date_to": "2024-01-01"})
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["date_to"]
    assert callers["owner"].get(LIST, data={"page": "0"}).status_code == 400


def test_a_page_past_the_end_is_404_and_pages_link_to_each_other(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    for _ in range(60):
        IncidentFactory(organisation=cast.organisation)
    first = callers["owner"].get(LIST).json()
    assert first["count"] == 61 and first["pages"] == 2 and len(first["results"]) == 50
    second = callers["owner"].get(first["next"]).json()
    assert len(second["results"]) == 11 and second["next"] is None
    assert callers["owner"].get(LIST, data={"page": "3"}).status_code == 404


@pytest.fixture
def locked() -> Iterator[None]:
    keyring_set(KeyRing.locked_because("no key given"))
    with translation.override("en"):
        yield
    keyring_set(None)


def test_a_write_while_locked_is_423_with_the_reason(
    cast: Cast, callers: dict[str, ApiClient], locked: None
) -> None:
    answer = callers["owner"].post(LIST, {"title": "x", "incident_type": "physical_assault"})
    assert answer.status_code == 423
    assert "locked" in answer.json()["detail"]
    assert Incident.objects.count() == 1


def test_a_token_past_its_rate_is_told_when_to_come_back(
    callers: dict[str, ApiClient], settings: Any
) -> None:
    settings.DOZOR_API_RATE_PER_MINUTE = 2
    assert callers["reader"].get(LIST).status_code == 200
    assert callers["reader"].get(LIST).status_code == 200
    refused = callers["reader"].get(LIST)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert callers["owner"].get(LIST).status_code == 200  # another token has its own count


def test_the_rate_is_counted_once_for_every_server_process(
    cast: Cast, callers: dict[str, ApiClient], settings: Any
) -> None:
    """The count is the token's, not a process's: a process with an empty cache of its own
    (cleared here before each call) still sees the calls the others answered."""
    settings.DOZOR_API_RATE_PER_MINUTE = 2
    for _ in range(2):
        cache.clear()
        assert callers["reader"].get(LIST).status_code == 200
    cache.clear()
    assert callers["reader"].get(LIST).status_code == 429
    assert ApiToken.objects.get(user=cast.reader).rate_calls == 3


def test_a_new_minute_starts_the_count_again(cast: Cast) -> None:
    token, _key = api_token_create(user=cast.reader, name="notebook", scope="read")
    counts = [api_token_call_count(token, minute=minute) for minute in (7, 7, 7, 8, 8)]
    assert counts == [1, 2, 3, 1, 2]


def test_the_schema_and_its_reference_page_are_served_by_dozor_itself() -> None:
    client = Client()
    schema = client.get("/api/v1/schema/").json()
    assert schema["openapi"].startswith("3.1")
    assert {"/api/v1/incidents/", "/api/v1/incidents/{reference}/"} <= set(schema["paths"])
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn" not in html.lower() and "/static/ninja/swagger-ui-bundle" in html
    assert "script-src 'self'" in page["Content-Security-Policy"]


def test_every_endpoint_of_the_schema_is_in_docs_api_md() -> None:
    documentation = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text("utf-8")
    schema = Client().get("/api/v1/schema/").json()
    missing = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if f"`{method.upper()} {path}`" not in documentation
    ]
    assert missing == []


def test_a_failure_inside_dozor_is_a_problem_logged_with_its_traceback(
    callers: dict[str, ApiClient], monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("the disk is gone")

    monkeypatch.setattr("dozor.records.selectors.incident_list_read", broken)
    answer = callers["reader"].get(LIST)
    assert answer.status_code == 500
    assert answer["Content-Type"] == "application/problem+json"
    assert "disk" not in answer.content.decode()
    assert any("the disk is gone" in (r.exc_text or "") for r in caplog.records)
