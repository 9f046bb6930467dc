"""Personal API tokens: the key is shown once and kept nowhere, and a revoked, expired or
deactivated user's key opens nothing."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dozor.accounts.models import API_TOKEN_NAME_MAX_LENGTH, ApiToken, TokenState
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
)
from dozor.audit.models import Action, AuditEntry
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def errors(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


def stored_rows() -> str:
    """Every stored value of every token and audit entry, as one text to search."""
    return repr(list(ApiToken.objects.values())) + repr(list(AuditEntry.objects.values()))


def key_parts(key: str) -> list[str]:
    """The key, and its secret part past the prefix that lists show."""
    return [key, key[API_TOKEN_SHOWN_PREFIX:]]


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


def test_a_reader_cannot_make_a_token_that_writes(cast: Cast) -> None:
    with pytest.raises(ValidationError) as error:
        api_token_create(user=cast.reader, name="sync", scope="write")
    assert errors(error) == {"scope": [str(MSG_TOKEN_WRITE_ROLE)]}
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
