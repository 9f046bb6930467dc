"""A confirmed authenticator can be replaced only through an administrator, never by whoever
holds the password (issue 12, item 1: the setup page was open after the password alone)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from dozor.accounts.models import Role, User
from dozor.accounts.services import MSG_TWO_FACTOR_ALREADY_SET_UP
from dozor.audit.models import Action, AuditEntry
from tests.accounts.test_sign_in import code, sign_in
from tests.conftest import Cast
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SETUP = "/accounts/two-factor/"
VERIFY = "/accounts/two-factor/verify/"


def remove_page(username: str) -> str:
    return f"/accounts/users/{username}/two-factor/remove/"


def confirmed_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)


def two_factor_entries(user: User) -> list[AuditEntry]:
    return [
        entry
        for entry in AuditEntry.objects.filter(
            action=Action.USER_CHANGE, target_id=str(user.pk)
        ).order_by("id")
        if "two_factor" in entry.changes
    ]


def verified_client(user: User, device: TOTPDevice) -> Client:
    client = sign_in(user.username)
    client.post(VERIFY, {"token": code(device)})
    return client


# The reproduction: a password alone, then the setup page.


@override_settings(DOZOR_TWO_FACTOR_ROLES=frozenset({"documenter"}))
def test_the_setup_page_shows_no_key_after_a_password_alone_when_a_device_is_confirmed(
    cast: Cast,
) -> None:
    confirmed_device(cast.owner)
    response = sign_in("owner").get(SETUP)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert not TOTPDevice.objects.filter(user=cast.owner, confirmed=False).exists()


@override_settings(DOZOR_TWO_FACTOR_ROLES=frozenset({"documenter"}))
def test_a_code_posted_to_the_setup_page_after_a_password_alone_replaces_nothing(
    cast: Cast,
) -> None:
    device = confirmed_device(cast.owner)
    client = sign_in("owner")
    # The attacker's own key, as the old setup page would have handed it out.
    pending = TOTPDevice.objects.create(user=cast.owner, name="authenticator app", confirmed=False)
    response = client.post(SETUP, {"token": code(pending), "next": "/incidents/"})
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert list(TOTPDevice.objects.filter(user=cast.owner, confirmed=True)) == [device]
    assert client.get("/incidents/")["Location"].startswith(VERIFY)
    assert two_factor_entries(cast.owner) == []


def test_a_reader_with_a_device_cannot_reach_the_setup_page_with_a_password_alone(
    cast: Cast,
) -> None:
    confirmed_device(cast.reader)
    response = sign_in("reader").get(SETUP)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_a_verified_user_is_not_offered_a_new_key_for_their_device(cast: Cast) -> None:
    device = confirmed_device(cast.reader)
    client = verified_client(cast.reader, device)
    response = client.get(SETUP)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<svg" not in page and 'name="token"' not in page
    assert str(MSG_TWO_FACTOR_ALREADY_SET_UP) in page
    assert not TOTPDevice.objects.filter(user=cast.reader, confirmed=False).exists()


def test_a_verified_user_cannot_replace_their_device_by_posting_a_code(cast: Cast) -> None:
    device = confirmed_device(cast.reader)
    client = verified_client(cast.reader, device)
    pending = TOTPDevice.objects.create(user=cast.reader, name="authenticator app", confirmed=False)
    response = client.post(SETUP, {"token": code(pending)})
    assert response.status_code == 409
    assert list(TOTPDevice.objects.filter(user=cast.reader, confirmed=True)) == [device]
    assert two_factor_entries(cast.reader) == []


def test_a_first_enrolment_is_audited_as_an_enrolment_only(cast: Cast) -> None:
    client = sign_in("reader")
    client.get(SETUP)
    pending = TOTPDevice.objects.get(user=cast.reader, confirmed=False)
    client.post(SETUP, {"token": code(pending)})
    entries = two_factor_entries(cast.reader)
    assert [(entry.actor, entry.changes) for entry in entries] == [
        ("reader", {"two_factor": "enrolled"})
    ]


# Replacing a lost phone: the command.


def test_the_command_removes_the_device_and_records_the_removal(cast: Cast) -> None:
    confirmed_device(cast.reader)
    out = StringIO()
    call_command("user", "reader", "--remove-two-factor", stdout=out)
    assert not TOTPDevice.objects.filter(user=cast.reader).exists()
    [entry] = two_factor_entries(cast.reader)
    assert entry.changes == {"two_factor": "removed", "devices": 1}
    assert entry.origin == "command:user" and entry.target_label == str(cast.reader.pk)
    assert "authenticator removed" in out.getvalue()


def test_after_the_command_the_user_sets_up_a_new_device_as_a_separate_entry(
    cast: Cast,
) -> None:
    confirmed_device(cast.reader)
    call_command("user", "reader", "--remove-two-factor", stdout=StringIO())
    client = sign_in("reader")
    assert client.get(SETUP).status_code == 200
    pending = TOTPDevice.objects.get(user=cast.reader, confirmed=False)
    client.post(SETUP, {"token": code(pending)})
    assert TOTPDevice.objects.get(user=cast.reader, confirmed=True).pk == pending.pk
    assert [entry.changes["two_factor"] for entry in two_factor_entries(cast.reader)] == [
        "removed",
        "enrolled",
    ]


# Replacing a lost phone: the administrator's page.


def test_an_administrator_removes_a_users_device_after_confirming(cast: Cast, admin: User) -> None:
    confirmed_device(cast.reader)
    client = Client()
    client.force_login(admin)
    assert client.get(remove_page("reader")).status_code == 200
    response = client.post(remove_page("reader"), {"confirm": "on"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.reader).exists()
    [entry] = two_factor_entries(cast.reader)
    assert (entry.actor, entry.actor_id, entry.origin) == ("admin", admin.pk, "web")
    assert entry.changes == {"two_factor": "removed", "devices": 1}


def test_the_removal_page_removes_nothing_without_the_confirmation(cast: Cast, admin: User) -> None:
    device = confirmed_device(cast.reader)
    client = Client()
    client.force_login(admin)
    assert client.post(remove_page("reader"), {}).status_code == 400
    assert list(TOTPDevice.objects.filter(user=cast.reader)) == [device]
    assert two_factor_entries(cast.reader) == []


def test_a_get_of_the_removal_page_removes_nothing(cast: Cast, admin: User) -> None:
    device = confirmed_device(cast.reader)
    client = Client()
    client.force_login(admin)
    client.get(remove_page("reader"), {"confirm": "on"})
    assert list(TOTPDevice.objects.filter(user=cast.reader)) == [device]


def test_an_administrator_cannot_remove_the_device_of_another_organisations_user(
    cast: Cast, admin: User
) -> None:
    device = confirmed_device(cast.outsider)
    client = Client()
    client.force_login(admin)
    assert client.post(remove_page("outsider"), {"confirm": "on"}).status_code == 404
    assert list(TOTPDevice.objects.filter(user=cast.outsider)) == [device]


@pytest.mark.parametrize("who", ["owner", "colleague", "reader", "outsider"])
def test_only_an_administrator_removes_a_device(cast: Cast, who: str) -> None:
    device = confirmed_device(cast.colleague if who != "colleague" else cast.reader)
    target = device.user.username
    response = cast.client(who).post(remove_page(target), {"confirm": "on"})
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_an_administrator_of_another_organisation_cannot_remove_a_device(cast: Cast) -> None:
    other_admin = UserFactory(organisation=cast.other_organisation, role=Role.ADMINISTRATOR)
    device = confirmed_device(cast.reader)
    client = Client()
    client.force_login(other_admin)
    assert client.post(remove_page("reader"), {"confirm": "on"}).status_code == 404
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_anonymous_is_sent_to_sign_in_from_the_removal_page(cast: Cast) -> None:
    device = confirmed_device(cast.reader)
    response = Client().post(remove_page("reader"), {"confirm": "on"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_a_removed_device_no_longer_verifies_the_users_open_session(
    cast: Cast, admin: User
) -> None:
    device = confirmed_device(cast.reader)
    victim_session = verified_client(cast.reader, device)
    assert victim_session.get("/incidents/").status_code == 200
    client = Client()
    client.force_login(admin)
    client.post(remove_page("reader"), {"confirm": "on"})
    with override_settings(DOZOR_TWO_FACTOR_ROLES=frozenset({"reader"})):
        assert victim_session.get("/incidents/")["Location"] == SETUP
