"""Personal API tokens: the key is shown once and kept nowhere, only its owner (or an administrator
of their organisation) revokes it, and a revoked, expired or deactivated user's key opens nothing.

The services are tested directly; the page as a person reaches it (the test client); the
operator's side through `dozor user NAME --tokens / --revoke-token NAME` in process.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from dozor.accounts.management.commands.user import MSG_NOTHING_TO_REVOKE
from dozor.accounts.management.commands.user import Command as UserCommand
from dozor.accounts.models import API_TOKEN_NAME_MAX_LENGTH, ApiToken, Role, TokenState, User
from dozor.accounts.services import (
    API_TOKEN_DAYS_MAX,
    API_TOKEN_PREFIX,
    API_TOKEN_SHOWN_PREFIX,
    MSG_TOKEN_DAYS,
    MSG_TOKEN_INACTIVE,
    MSG_TOKEN_NAME_EMPTY,
    MSG_TOKEN_NAME_LONG,
    MSG_TOKEN_NAME_TAKEN,
    MSG_TOKEN_SCOPE,
    MSG_TOKEN_WRITE_ROLE,
    api_token_create,
    api_token_revoke,
    api_token_use,
    user_update,
)
from dozor.accounts.views import MSG_TOKEN_REVOKED, MSG_USER_TOKEN_REVOKED
from dozor.audit.models import Action, AuditEntry
from tests.conftest import Cast
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/accounts/tokens/"
KEY = re.compile(re.escape(API_TOKEN_PREFIX) + r"[A-Za-z0-9_-]{40,}")


def revoke_url(token: ApiToken) -> str:
    return f"/accounts/tokens/{token.pk}/revoke/"


def admin_revoke_url(token: ApiToken) -> str:
    return f"/accounts/users/{token.user.username}/tokens/{token.pk}/revoke/"


def errors(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


def stored_rows() -> str:
    """Every stored value of every token and audit entry, as one text to search."""
    return repr(list(ApiToken.objects.values())) + repr(list(AuditEntry.objects.values()))


def key_parts(key: str) -> list[str]:
    """The key, and its secret part past the prefix that lists show."""
    return [key, key[API_TOKEN_SHOWN_PREFIX:]]


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_on_the_page(client: Client, **data: Any) -> Any:
    return client.post(PAGE, {"name": "laptop script", "scope": "read", "days": "90", **data})


# The services: what is kept, what is refused.


def test_a_new_key_is_kept_only_as_its_digest(cast: Cast) -> None:
    token, key = api_token_create(user=cast.owner, name="laptop script")
    assert key.startswith(API_TOKEN_PREFIX)
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:API_TOKEN_SHOWN_PREFIX]
    rows = stored_rows()
    assert [part for part in key_parts(key) if part in rows] == []


def test_making_a_token_is_audited_by_name_and_scope(cast: Cast) -> None:
    token, _key = api_token_create(user=cast.owner, name="laptop script", scope="write", days=30)
    entry = AuditEntry.objects.filter(action=Action.USER_CHANGE).latest("id")
    assert (entry.actor_id, entry.target_id) == (cast.owner.pk, str(cast.owner.pk))
    assert entry.changes["api_token"] == "laptop script"
    assert entry.changes["scope"] == "write"
    assert entry.changes["expires"] == token.expires_at.isoformat()


def test_two_keys_are_never_the_same(cast: Cast) -> None:
    _first, one = api_token_create(user=cast.owner, name="one")
    _second, other = api_token_create(user=cast.owner, name="other")
    assert one != other


@pytest.mark.parametrize("name", ["", "   "])
def test_a_token_needs_a_name(cast: Cast, name: str) -> None:
    with pytest.raises(ValidationError) as error:
        api_token_create(user=cast.owner, name=name)
    assert errors(error) == {"name": [str(MSG_TOKEN_NAME_EMPTY)]}


def test_a_name_longer_than_the_limit_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError) as error:
        api_token_create(user=cast.owner, name="x" * (API_TOKEN_NAME_MAX_LENGTH + 1))
    assert errors(error) == {
        "name": [str(MSG_TOKEN_NAME_LONG) % {"limit": API_TOKEN_NAME_MAX_LENGTH}]
    }


def test_a_name_at_the_limit_is_accepted(cast: Cast) -> None:
    token, _key = api_token_create(user=cast.owner, name="x" * API_TOKEN_NAME_MAX_LENGTH)
    assert len(token.name) == API_TOKEN_NAME_MAX_LENGTH


def test_a_name_the_user_already_has_is_refused(cast: Cast) -> None:
    api_token_create(user=cast.owner, name="laptop script")
    with pytest.raises(ValidationError) as error:
        api_token_create(user=cast.owner, name=" laptop script ")
    assert errors(error) == {"name": [str(MSG_TOKEN_NAME_TAKEN) % {"name": "laptop script"}]}


def test_a_revoked_tokens_name_can_be_used_again(cast: Cast) -> None:
    old, _key = api_token_create(user=cast.owner, name="laptop script")
    api_token_revoke(token=old, by=cast.owner)
    new, _key = api_token_create(user=cast.owner, name="laptop script")
    assert new.pk != old.pk


def test_another_users_token_name_does_not_count(cast: Cast) -> None:
    api_token_create(user=cast.colleague, name="laptop script")
    token, _key = api_token_create(user=cast.owner, name="laptop script")
    assert token.user == cast.owner


def test_a_reader_may_make_a_token_that_writes_as_they_may_start_an_estimate(
    cast: Cast,
) -> None:
    token, _key = api_token_create(user=cast.reader, name="sync", scope="write")
    assert token.writes()


def test_an_inactive_user_cannot_make_a_token_that_writes(cast: Cast) -> None:
    cast.reader.is_active = False
    with pytest.raises(ValidationError) as error:
        api_token_create(user=cast.reader, name="sync", scope="write")
    assert errors(error)["scope"] == [str(MSG_TOKEN_WRITE_ROLE)]
    assert not ApiToken.objects.exists()


def test_a_scope_that_is_not_one_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError) as error:
        api_token_create(user=cast.owner, name="sync", scope="admin")
    assert errors(error) == {"scope": [str(MSG_TOKEN_SCOPE) % {"value": "admin"}]}


@pytest.mark.parametrize("days", [0, -1, API_TOKEN_DAYS_MAX + 1])
def test_days_outside_one_to_a_year_are_refused(cast: Cast, days: int) -> None:
    with pytest.raises(ValidationError) as error:
        api_token_create(user=cast.owner, name="sync", days=days)
    assert errors(error) == {
        "days": [str(MSG_TOKEN_DAYS) % {"limit": API_TOKEN_DAYS_MAX, "value": days}]
    }


@pytest.mark.parametrize("days", [1, API_TOKEN_DAYS_MAX])
def test_a_token_expires_after_its_days(cast: Cast, days: int) -> None:
    before = timezone.now()
    token, _key = api_token_create(user=cast.owner, name="sync", days=days)
    lasts = token.expires_at - before
    assert datetime.timedelta(days=days) <= lasts < datetime.timedelta(days=days, minutes=1)


def test_an_inactive_user_cannot_make_a_token(cast: Cast) -> None:
    cast.owner.is_active = False
    cast.owner.save()
    with pytest.raises(ValidationError) as error:
        api_token_create(user=cast.owner, name="sync")
    assert errors(error) == {"__all__": [str(MSG_TOKEN_INACTIVE)]}


def test_a_key_opens_its_token(cast: Cast) -> None:
    token, key = api_token_create(user=cast.owner, name="sync")
    assert api_token_use(key) == token


@pytest.mark.parametrize(
    "key", ["", "dozor_", "dozor_wrong", "Bearer dozor_x", "x" * 50, API_TOKEN_PREFIX + "a" * 500]
)
def test_a_key_that_is_none_opens_nothing(cast: Cast, key: str) -> None:
    api_token_create(user=cast.owner, name="sync")
    assert api_token_use(key) is None


def test_a_revoked_key_opens_nothing(cast: Cast) -> None:
    token, key = api_token_create(user=cast.owner, name="sync")
    api_token_revoke(token=token, by=cast.owner)
    assert api_token_use(key) is None


def test_an_expired_key_opens_nothing(cast: Cast) -> None:
    token, key = api_token_create(user=cast.owner, name="sync")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert api_token_use(key) is None


def test_the_key_of_a_deactivated_user_opens_nothing(cast: Cast) -> None:
    _token, key = api_token_create(user=cast.owner, name="sync")
    cast.owner.is_active = False
    cast.owner.save()
    assert api_token_use(key) is None


def test_using_a_key_records_when(cast: Cast) -> None:
    token, key = api_token_create(user=cast.owner, name="sync")
    before = timezone.now()
    api_token_use(key)
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at >= before


def test_using_a_key_again_within_a_minute_writes_nothing(cast: Cast) -> None:
    token, key = api_token_create(user=cast.owner, name="sync")
    recently = timezone.now() - datetime.timedelta(seconds=30)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recently)
    api_token_use(key)
    token.refresh_from_db()
    assert token.last_used_at == recently


def test_using_a_key_a_minute_later_records_it_again(cast: Cast) -> None:
    token, key = api_token_create(user=cast.owner, name="sync")
    earlier = timezone.now() - datetime.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    api_token_use(key)
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at > earlier


def test_revoking_is_audited_and_revoking_again_is_not(cast: Cast) -> None:
    token, _key = api_token_create(user=cast.owner, name="sync")
    api_token_revoke(token=token, by=cast.owner)
    api_token_revoke(token=token, by=cast.owner)
    revocations = [
        entry for entry in AuditEntry.objects.all() if entry.changes.get("revoked") is True
    ]
    assert [(e.actor_id, e.changes["api_token"]) for e in revocations] == [(cast.owner.pk, "sync")]


def test_a_tokens_state_follows_its_dates(cast: Cast) -> None:
    token, _key = api_token_create(user=cast.owner, name="sync", days=1)
    assert token.state() == TokenState.ACTIVE
    assert token.state(token.expires_at) == TokenState.EXPIRED
    revoked = api_token_revoke(token=token, by=cast.owner)
    assert revoked.state() == TokenState.REVOKED


# The page, as its user reaches it.


def test_anonymous_is_sent_to_sign_in(cast: Cast) -> None:
    response = cast.client("anonymous").get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_lists_the_users_tokens_and_no_one_elses(cast: Cast) -> None:
    mine, _key = api_token_create(user=cast.owner, name="laptop script")
    api_token_create(user=cast.colleague, name="colleague's sync")
    page = cast.client("owner").get(PAGE).content.decode()
    assert "laptop script" in page and f"{mine.prefix}…" in page
    assert "colleague&#x27;s sync" not in page and "colleague's sync" not in page


def test_making_a_token_on_the_page_shows_its_key_once(cast: Cast) -> None:
    client = cast.client("owner")
    response = make_on_the_page(client)
    assert response.status_code == 200
    shown = KEY.findall(response.content.decode())
    assert len(shown) == 1
    token = ApiToken.objects.get(user=cast.owner)
    assert token.digest == hashlib.sha256(shown[0].encode()).hexdigest()
    assert "shown this once and never again" in response.content.decode()
    again = client.get(PAGE).content.decode()
    assert KEY.findall(again) == []
    assert f"{token.prefix}…" in again


def test_the_key_is_kept_in_no_session_cookie_or_stored_row(cast: Cast) -> None:
    client = cast.client("owner")
    key = KEY.findall(make_on_the_page(client).content.decode())[0]
    sessions = repr([session.get_decoded() for session in Session.objects.all()])
    cookies = repr({name: morsel.value for name, morsel in client.cookies.items()})
    kept = sessions + cookies + stored_rows()
    assert [part for part in key_parts(key) if part in kept] == []


def test_the_token_page_is_never_cached(cast: Cast) -> None:
    client = cast.client("owner")
    assert "no-store" in make_on_the_page(client)["Cache-Control"]
    assert "no-store" in client.get(PAGE)["Cache-Control"]


def test_a_refused_name_is_explained_and_makes_nothing(cast: Cast) -> None:
    response = make_on_the_page(cast.client("owner"), name="")
    assert response.status_code == 400
    assert str(MSG_TOKEN_NAME_EMPTY) in response.content.decode()
    assert KEY.findall(response.content.decode()) == []
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "data",
    [{"days": "0"}, {"days": "1" * 40}, {"days": "ninety"}, {"name": "x\x00y"}, {"scope": "all"}],
)
def test_odd_input_is_refused_with_a_form_not_an_error(cast: Cast, data: dict[str, str]) -> None:
    response = make_on_the_page(cast.client("owner"), **data)
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_a_writer_is_offered_a_token_that_writes(cast: Cast) -> None:
    page = cast.client("owner").get(PAGE).content.decode()
    assert 'value="write"' in page


def test_a_reader_is_offered_a_token_that_writes_too(cast: Cast) -> None:
    page = cast.client("reader").get(PAGE).content.decode()
    assert 'value="read"' in page and 'value="write"' in page


def test_a_user_revokes_their_token_on_the_page(cast: Cast) -> None:
    token, key = api_token_create(user=cast.owner, name="laptop script")
    client = cast.client("owner")
    response = client.post(revoke_url(token), follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    token.refresh_from_db()
    assert token.state() == TokenState.REVOKED
    assert api_token_use(key) is None
    page = response.content.decode()
    assert str(MSG_TOKEN_REVOKED) % {"name": "laptop script"} in page.replace("&#x27;", "'")


@pytest.mark.parametrize("who", ["colleague", "reader", "outsider"])
def test_no_one_else_can_revoke_a_users_token(cast: Cast, who: str) -> None:
    token, _key = api_token_create(user=cast.owner, name="laptop script")
    assert cast.client(who).post(revoke_url(token)).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_administrator_cannot_revoke_through_the_owners_own_page(
    cast: Cast, admin: User
) -> None:
    token, _key = api_token_create(user=cast.owner, name="laptop script")
    assert client_of(admin).post(revoke_url(token)).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_needs_a_post(cast: Cast) -> None:
    token, _key = api_token_create(user=cast.owner, name="laptop script")
    assert cast.client("owner").get(revoke_url(token)).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


@override_settings(DOZOR_TWO_FACTOR_ROLES=frozenset({"documenter"}))
def test_the_page_waits_for_two_factor_set_up_where_the_role_requires_it(cast: Cast) -> None:
    response = cast.client("owner").get(PAGE)
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/"


def test_the_page_waits_for_the_one_time_code_of_a_user_with_an_authenticator(
    cast: Cast,
) -> None:
    TOTPDevice.objects.create(user=cast.reader, name="authenticator app", confirmed=True)
    response = cast.client("reader").post(PAGE, {"name": "sync", "scope": "read", "days": "9"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/verify/")
    assert not ApiToken.objects.exists()


# The administrator's list on the user's page.


def test_an_administrator_sees_a_users_tokens_without_their_keys(cast: Cast, admin: User) -> None:
    token, key = api_token_create(user=cast.reader, name="reader's sync")
    page = client_of(admin).get(f"/accounts/users/{cast.reader.username}/").content.decode()
    assert f"{token.prefix}…" in page and admin_revoke_url(token) in page
    assert [part for part in key_parts(key) if part in page] == []


def test_an_administrator_revokes_a_users_token(cast: Cast, admin: User) -> None:
    token, _key = api_token_create(user=cast.reader, name="sync")
    response = client_of(admin).post(admin_revoke_url(token), follow=True)
    assert response.redirect_chain == [(f"/accounts/users/{cast.reader.username}/", 302)]
    token.refresh_from_db()
    assert token.state() == TokenState.REVOKED
    entry = AuditEntry.objects.latest("id")
    assert (entry.actor_id, entry.target_id) == (admin.pk, str(cast.reader.pk))
    assert entry.changes == {"api_token": "sync", "revoked": True}
    expected = str(MSG_USER_TOKEN_REVOKED) % {"name": "sync", "username": "reader"}
    assert expected in response.content.decode()


def test_an_administrator_cannot_revoke_a_token_through_another_users_page(
    cast: Cast, admin: User
) -> None:
    token, _key = api_token_create(user=cast.owner, name="sync")
    url = f"/accounts/users/{cast.reader.username}/tokens/{token.pk}/revoke/"
    assert client_of(admin).post(url).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_administrator_of_another_organisation_cannot_revoke(cast: Cast) -> None:
    token, _key = api_token_create(user=cast.reader, name="sync")
    other = UserFactory(organisation=cast.other_organisation, role=Role.ADMINISTRATOR)
    assert client_of(other).post(admin_revoke_url(token)).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("who", ["owner", "colleague", "outsider"])
def test_only_administrators_revoke_other_users_tokens(cast: Cast, who: str) -> None:
    token, _key = api_token_create(user=cast.reader, name="sync")
    assert cast.client(who).post(admin_revoke_url(token)).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


# The operator's command.


def run_user(*args: str) -> str:
    out = StringIO()
    call_command("user", *args, stdout=out)
    return out.getvalue()


def test_the_command_lists_a_users_tokens_without_key_or_digest(cast: Cast) -> None:
    active, key = api_token_create(user=cast.owner, name="laptop script", scope="write")
    revoked, _key = api_token_create(user=cast.owner, name="old sync")
    api_token_revoke(token=revoked, by=cast.owner)
    api_token_create(user=cast.colleague, name="colleague's sync")
    out = run_user("owner", "--tokens")
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("name"))
    assert header.split() == [
        "name", "scope", "begins", "with", "created", "expires", "last", "used", "state"
    ]  # fmt: skip
    row = next(line for line in lines if line.startswith("laptop script"))
    assert f"{active.prefix}…" in row and "write" in row and row.endswith("active")
    assert "never" in row
    assert next(line for line in lines if line.startswith("old sync")).endswith("revoked")
    assert "colleague's sync" not in out
    leaked = [*key_parts(key), active.digest, revoked.digest]
    assert [part for part in leaked if part in out] == []


def test_the_command_says_when_a_user_has_no_tokens(cast: Cast) -> None:
    assert "reader has no API tokens." in run_user("reader", "--tokens")


def test_the_command_revokes_a_token_by_name(cast: Cast) -> None:
    token, key = api_token_create(user=cast.owner, name="laptop script")
    out = run_user("owner", "--revoke-token", "laptop script")
    assert "token 'laptop script'" in out and "revoked" in out
    token.refresh_from_db()
    assert token.state() == TokenState.REVOKED
    assert api_token_use(key) is None
    entry = AuditEntry.objects.latest("id")
    assert (entry.actor_id, entry.origin) == (None, "command:user")
    assert entry.changes == {"api_token": "laptop script", "revoked": True}


def test_the_command_revokes_only_the_named_users_token(cast: Cast) -> None:
    theirs, _key = api_token_create(user=cast.colleague, name="laptop script")
    api_token_create(user=cast.owner, name="laptop script")
    run_user("owner", "--revoke-token", "laptop script")
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


@pytest.mark.parametrize("revoked_first", [False, True])
def test_the_command_names_the_token_and_user_it_cannot_find(
    cast: Cast, revoked_first: bool
) -> None:
    if revoked_first:
        token, _key = api_token_create(user=cast.owner, name="laptop script")
        api_token_revoke(token=token, by=cast.owner)
    with pytest.raises(CommandError) as error:
        run_user("owner", "--revoke-token", "laptop script")
    assert str(error.value) == MSG_NOTHING_TO_REVOKE.format(username="owner", name="laptop script")


def test_every_option_of_dozor_user_is_documented() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    section = text.split("## `dozor user NAME", 1)[1].split("\n## ", 1)[0]
    parser = UserCommand().create_parser("dozor", "user")
    options = {
        option
        for action in parser._actions
        if action.help != argparse.SUPPRESS
        for option in action.option_strings
        if option.startswith("--") and option not in {"--help", "--verbosity", "--skip-checks"}
    }
    assert {"--tokens", "--revoke-token"} <= options
    undocumented = [
        option
        for option in sorted(options)
        if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", section)
    ]
    assert undocumented == []


def test_deactivating_a_user_revokes_their_tokens_for_good(cast: Cast) -> None:
    """Reactivation must not bring back keys that may have left with the person or a laptop."""
    _token, key = api_token_create(user=cast.owner, name="laptop", scope="write")
    admin = UserFactory(organisation=cast.organisation, role=Role.ADMINISTRATOR)
    user_update(user=cast.owner, by=admin, is_active=False)
    user_update(user=cast.owner, by=admin, is_active=True)
    assert api_token_use(key) is None
    entry = AuditEntry.objects.get(action=Action.USER_CHANGE, changes__has_key="api_tokens_revoked")
    assert entry.target_id == str(cast.owner.pk)
    assert entry.changes["api_tokens_revoked"]["after"] == 1
