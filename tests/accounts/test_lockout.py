"""The sign-in lockout counts a user name at an address together, so that one person's mistyped
password does not lock out every colleague behind the same office address (issue 12, weak item
"Lockout of a whole office"), and `dozor user NAME --unlock` lifts what locked that user."""

from __future__ import annotations

from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client, override_settings

from dozor.audit.models import Action, AuditEntry
from tests.conftest import Cast
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
OFFICE = "203.0.113.7"
ELSEWHERE = "198.51.100.20"
FAILURE_LIMIT = 5


def attempt(username: str, password: str, address: str = OFFICE) -> int:
    """Post the sign-in form from an address; the status: 302 signed in, 200 refused, 429 locked."""
    response = Client(REMOTE_ADDR=address).post(LOGIN, {"username": username, "password": password})
    return response.status_code


def lock_out(username: str, address: str = OFFICE) -> None:
    for _ in range(FAILURE_LIMIT):
        attempt(username, "wrong", address)
    assert attempt(username, TEST_PASSWORD, address) == 429


def test_a_colleague_at_the_same_address_still_signs_in_after_another_user_is_locked(
    cast: Cast,
) -> None:
    lock_out("reader")
    assert attempt("colleague", TEST_PASSWORD) == 302


def test_guessing_many_names_from_one_address_does_not_lock_the_office(cast: Cast) -> None:
    for name in ["a", "b", "c", "d", "e", "f"]:
        attempt(name, "wrong")
    assert attempt("colleague", TEST_PASSWORD) == 302


def test_the_locked_user_stays_locked_at_that_address(cast: Cast) -> None:
    lock_out("reader")
    assert attempt("reader", TEST_PASSWORD) == 429


def test_unlock_lets_the_locked_user_in(cast: Cast) -> None:
    lock_out("reader")
    call_command("user", "reader", "--unlock", stdout=StringIO())
    assert attempt("reader", TEST_PASSWORD) == 302


def test_unlock_clears_the_users_records_at_every_address(cast: Cast) -> None:
    lock_out("reader")
    lock_out("reader", ELSEWHERE)
    out = StringIO()
    call_command("user", "reader", "--unlock", stdout=out)
    assert not AccessAttempt.objects.filter(username="reader").exists()
    assert "sign-in unlocked" in out.getvalue()


@override_settings(AXES_LOCKOUT_PARAMETERS=["username", "ip_address"])
def test_unlock_also_clears_the_address_count_when_addresses_are_locked_on_their_own(
    cast: Cast,
) -> None:
    # An operator who locks by address alone as well: the address the user failed from is
    # cleared with them, so neither they nor the colleague behind it wait out the lockout.
    lock_out("reader")
    assert attempt("colleague", TEST_PASSWORD) == 429
    call_command("user", "reader", "--unlock", stdout=StringIO())
    assert attempt("colleague", TEST_PASSWORD) == 302
    assert attempt("reader", TEST_PASSWORD) == 302


def test_unlock_leaves_other_addresses_alone(cast: Cast) -> None:
    lock_out("colleague", ELSEWHERE)
    lock_out("reader")
    call_command("user", "reader", "--unlock", stdout=StringIO())
    assert attempt("colleague", TEST_PASSWORD, ELSEWHERE) == 429


def test_an_unlock_is_audited(cast: Cast) -> None:
    lock_out("reader")
    call_command("user", "reader", "--unlock", stdout=StringIO())
    entry = AuditEntry.objects.filter(
        action=Action.USER_CHANGE, target_id=str(cast.reader.pk)
    ).last()
    assert entry is not None and entry.origin == "command:user"
    assert entry.changes == {"sign_in": "unlocked"}
