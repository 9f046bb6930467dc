"""schemathesis over the API's own OpenAPI schema, through Dozor's WSGI application: for inputs
generated from the schema, with a token of each scope, no answer is a server error and every
answer matches the schema (its status, its content type, its body); and, statefully, a record
made through the API is followed along the schema's links to the requests that read, change or
extend it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from dozor.accounts.services import api_token_create
from dozor.wsgi import application
from tests.api.test_report_upload import RECORDS
from tests.conftest import Cast
from tests.factories import IncidentFactory, SourceListFactory
from tests.responses.factories import BodyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_schema(db: None) -> Iterator[Any]:
    """The schema, called through the WSGI application. As Django's test client does, the
    requests leave the database connection open: at the end of each, Django's handler would
    close it, and with it the test's transaction (on PostgreSQL; SQLite's in-memory database
    ignores the close)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    # The tests send their own token: no Authorization is generated, so no negative case is
    # "a request without its token" that the token the test adds makes valid. A query parameter
    # the API does not know is ignored, as the pages ignore one: a case made invalid only by an
    # unknown parameter is not one the API must refuse.
    schema.config.generation.update(with_security_parameters=False, allow_extra_parameters=False)
    try:
        yield schema
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def runs_stay_queued(settings: Any) -> None:
    """An estimate run the fuzzing starts is left queued for a worker that never comes: no
    thread computes it while the examples go on."""
    settings.DOZOR_ESTIMATION_WORKER = "command"


def _key(cast: Cast, scope: str) -> str:
    """The owner's token of a scope, and an incident the generated references may hit."""
    IncidentFactory(organisation=cast.organisation, reference="RU-2024-00001")
    return api_token_create(user=cast.owner, name="fuzz", scope=scope)[1]


@pytest.fixture
def read_key(cast: Cast) -> str:
    return _key(cast, "read")


@pytest.fixture
def write_key(cast: Cast) -> str:
    return _key(cast, "write")


# Every check but one: a request the schema admits may still be refused (400) for what only the
# vocabularies and the gazetteer know (a bias code, a region of the country), as the form
# refuses it. That refusal must be a problem naming the field, which the other checks verify.
EXCLUDED = [positive_data_acceptance]
FUZZ = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@schema.parametrize()
@FUZZ
def test_no_request_of_a_read_token_gets_a_server_error_or_an_answer_outside_the_schema(
    case: Any, read_key: str
) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {read_key}"}, excluded_checks=EXCLUDED
    )


@schema.parametrize()
@FUZZ
def test_no_request_of_a_write_token_gets_a_server_error_or_an_answer_outside_the_schema(
    case: Any, write_key: str
) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {write_key}"}, excluded_checks=EXCLUDED
    )


def _valid_bodies(cast: Cast) -> dict[tuple[str, str], dict[str, Any]]:
    """A valid body for each operation that makes a record, where generated data would be
    refused for what only the vocabularies know: a chain needs its first record made."""
    body = BodyFactory()
    partner = SourceListFactory(name="Partner network", organisation=cast.organisation)
    return {
        ("POST", "/api/v1/incidents/"): {
            "title": "Нападение у гаражей",
            "incident_type": "physical_assault",
            "date_start": "2024-03-02",
            "region": "RU-SPE",
            "biases": [{"motivation": "racist_xenophobic"}],
            "people": [{"name": "Иван Петров", "harm": "injured"}],
        },
        ("POST", "/api/v1/incidents/{reference}/events/"): {
            "kind": "case_opened",
            "date": "2024-03-10",
            "articles": ["ru_cc_116"],
        },
        ("POST", "/api/v1/incidents/{reference}/raisings/"): {
            "body": body.pk,
            "channel": "meeting",
            "request": "Qualify the motive",
        },
        ("POST", "/api/v1/reports/"): {
            "source_list": partner.pk,
            "mapping": "demo_partner.yaml",
            "records": RECORDS,
        },
    }


def test_records_made_through_the_api_are_followed_along_the_schemas_links(
    api_schema: Any, cast: Cast, write_key: str, settings: Any
) -> None:
    """Every step answers as its schema says, whatever came before it in the chain, and the
    links from a new incident and a new import lead to requests on their records."""
    settings.DOZOR_ESTIMATION_WORKER = "command"  # runs stay queued: no thread beside the test
    valid = _valid_bodies(cast)
    followed: set[str] = set()
    made: Counter[tuple[str, str]] = Counter()

    class Chains(api_schema.as_state_machine()):  # type: ignore[misc]
        """Each scenario starts from the same database, in a savepoint rolled back at its end:
        Hypothesis replays a scenario and expects the same answers."""

        def setup(self) -> None:
            made.clear()
            self.savepoint = transaction.atomic()
            self.savepoint.__enter__()

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.savepoint.__exit__(None, None, None)

        def before_call(self, case: Any) -> None:
            # Every other creation of each kind carries a valid record (the first one included),
            # the others what was generated.
            key = (case.operation.method.upper(), case.operation.path)
            made[key] += 1
            if key in valid and made[key] % 2 == 1:
                case.body = valid[key]
            headers = {**(case.headers or {}), "Authorization": f"Bearer {write_key}"}
            if key == ("POST", "/api/v1/reports/"):
                # New records under a new key: each import stores its reports.
                number = sum(made.values())
                headers["Idempotency-Key"] = f"chain-{number}"
                if isinstance(case.body, dict) and case.body.get("records") is RECORDS:
                    case.body = {
                        **case.body,
                        "records": [{**r, "ID": f"{r['ID']}-{number}"} for r in RECORDS],
                    }
            case.headers = headers

        def after_call(self, response: Any, case: Any) -> None:
            if response.status_code < 300 and case.operation.method.upper() != "POST":
                followed.add(f"{case.operation.method.upper()} {case.operation.path}")

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            # The token is the test's, not generated: the checks are told so.
            token = {"Authorization": f"Bearer {write_key}"}
            case.validate_response(response, excluded_checks=EXCLUDED, headers=token)

    Chains.run(
        settings=settings_for_chains,
    )
    # A made incident's reference reached at least one of the operations it links to (which,
    # Hypothesis decides), and a made import's first report was read.
    from_incident = {
        "GET /api/v1/incidents/{reference}/",
        "PATCH /api/v1/incidents/{reference}/",
        "GET /api/v1/incidents/{reference}/events/",
        "GET /api/v1/incidents/{reference}/raisings/",
    }
    assert followed & from_incident, followed
    assert "GET /api/v1/reports/{report_id}/" in followed, followed


settings_for_chains = settings(
    max_examples=60,
    stateful_step_count=5,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
