"""API tokens for the cast of tests/conftest.py, and a client that sends them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dozor.accounts.models import ApiToken, User
from dozor.accounts.services import api_token_create, api_token_revoke
from dozor.estimation import services
from tests.conftest import Cast


def key_for(user: User, *, scope: str = "read", name: str = "notebook") -> str:
    _token, key = api_token_create(user=user, name=name, scope=scope)
    return key


class ApiClient:
    """The test client with an API token on every request (or none: anonymous)."""

    def __init__(self, key: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(
            path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs
        )

    def post(self, path: str, data: Any, **kwargs: Any) -> Any:
        return self.client.post(
            path,
            data,
            content_type="application/json",
            headers={**self.headers, **kwargs.pop("headers", {})},
            **kwargs,
        )

    def patch(self, path: str, data: Any, **kwargs: Any) -> Any:
        return self.client.patch(
            path, data, content_type="application/json", headers=self.headers, **kwargs
        )

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.client.delete(path, headers=self.headers, **kwargs)


@pytest.fixture
def callers(cast: Cast) -> dict[str, ApiClient]:
    """Who calls the API: the cast with tokens that write (any role may have one: what each
    may write is its role's), an owner's read-only token, an expired and a revoked one of the
    owner's, and anonymous."""
    expired_token, expired = api_token_create(user=cast.owner, name="old", scope="write")
    ApiToken.objects.filter(pk=expired_token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    revoked_token, revoked = api_token_create(user=cast.owner, name="lost", scope="write")
    api_token_revoke(token=revoked_token, by=cast.owner)
    return {
        "owner": ApiClient(key_for(cast.owner, scope="write")),
        "owner_read_only": ApiClient(key_for(cast.owner, name="read only")),
        "colleague": ApiClient(key_for(cast.colleague, scope="write")),
        "reader": ApiClient(key_for(cast.reader, scope="write")),
        "outsider": ApiClient(key_for(cast.outsider, scope="write")),
        "anonymous": ApiClient(None),
        "expired": ApiClient(expired),
        "revoked": ApiClient(revoked),
    }


@pytest.fixture
def runs_computed_when_started(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run is computed in the request that starts it, by the function the worker calls. The
    server's worker thread would compute it beside the requests that poll it, and SQLite's
    in-memory test database then refuses one of them (“database table is locked”) where a
    database file would make it wait."""
    settings.DOZOR_ESTIMATION_WORKER = "command"
    monkeypatch.setattr(
        "dozor.estimation.forms.estimate_run_dispatch",
        lambda run_id: services.estimate_run_execute(run_id=run_id),
    )
