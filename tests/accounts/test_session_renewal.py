"""An active session is kept alive by renewing it at most once a minute, not on every request."""

from __future__ import annotations

import time

from django.contrib.sessions.models import Session
from django.test import Client

from dozor.accounts.middleware import SESSION_RENEWED_KEY, session_renewal_seconds
from tests.conftest import Cast
from tests.factories import TEST_PASSWORD


def signed_in_reader() -> Client:
    client = Client()
    client.post("/accounts/login/", {"username": "reader", "password": TEST_PASSWORD})
    client.get("/incidents/")  # the first page renews the new session
    return client


def stored_expiry(client: Client) -> object:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_a_page_soon_after_the_last_renewal_does_not_store_the_session_again(cast: Cast) -> None:
    client = signed_in_reader()
    before = stored_expiry(client)
    assert client.get("/incidents/").status_code == 200
    assert stored_expiry(client) == before


def test_a_page_after_the_renewal_interval_moves_the_sessions_expiry(cast: Cast) -> None:
    client = signed_in_reader()
    session = client.session
    session[SESSION_RENEWED_KEY] = int(time.time()) - session_renewal_seconds()
    session.save()
    before = stored_expiry(client)
    assert client.get("/incidents/").status_code == 200
    assert stored_expiry(client) > before


def test_the_renewal_interval_is_a_tenth_of_the_idle_limit_and_at_most_a_minute(
    settings: object,
) -> None:
    settings.SESSION_COOKIE_AGE = 30 * 60  # type: ignore[attr-defined]
    assert session_renewal_seconds() == 60
    settings.SESSION_COOKIE_AGE = 5 * 60  # type: ignore[attr-defined]
    assert session_renewal_seconds() == 30
