"""Signing a phone in from Tella goes through the same protections as the sign-in page: the
lockout counts failures, an account with an authenticator needs its code (typed after the
password), a role that must have one cannot skip it, and only roles that record incidents may
send reports."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dozor.accounts.models import Role
from dozor.audit.models import Action, AuditEntry
from dozor.tella.models import TellaToken
from tests.conftest import Cast
from tests.factories import TEST_PASSWORD
from tests.tella.client import TellaPhone

pytestmark = pytest.mark.django_db

FAILURE_LIMIT = 5


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_a_phone_signs_in_and_gets_a_key_kept_only_as_its_digest(cast: Cast) -> None:
    phone = TellaPhone()
    answer = phone.sign_in(cast.owner.username, TEST_PASSWORD)

    assert answer.status == 200 and answer.body["name"] == cast.organisation.name
    assert phone.project_id == str(cast.organisation.pk)
    assert phone.key.startswith("dozor_tella_")
    token = TellaToken.objects.get()
    assert token.user == cast.owner and phone.key not in repr(token.__dict__)


def test_a_sign_in_is_audited_without_the_key(cast: Cast) -> None:
    phone = TellaPhone()
    phone.sign_in(cast.owner.username, TEST_PASSWORD)
    entry = AuditEntry.objects.filter(action=Action.USER_CHANGE, target_id=str(cast.owner.pk)).get()
    assert "tella_sign_in" in entry.changes and phone.key not in str(entry.changes)
    assert entry.origin == "tella"


def test_a_wrong_password_is_answered_401(cast: Cast) -> None:
    answer = TellaPhone().sign_in(cast.owner.username, "wrong")
    assert answer.status == 401 and "wrong" in answer.body["message"]
    assert not TellaToken.objects.exists()


def test_repeated_wrong_passwords_lock_the_user_name_out_as_on_the_sign_in_page(
    cast: Cast,
) -> None:
    for _ in range(FAILURE_LIMIT - 1):
        assert TellaPhone().sign_in(cast.owner.username, "wrong").status == 401
    # The failure that reaches the limit is answered as locked already.
    assert TellaPhone().sign_in(cast.owner.username, "wrong").status == 429
    answer = TellaPhone().sign_in(cast.owner.username, TEST_PASSWORD)
    assert answer.status == 429 and "minutes" in answer.body["message"]
    assert not TellaToken.objects.exists()


def test_a_user_with_an_authenticator_types_the_code_after_the_password(cast: Cast) -> None:
    device = TOTPDevice.objects.create(user=cast.owner, name="app", confirmed=True)
    assert TellaPhone().sign_in(cast.owner.username, TEST_PASSWORD).status == 401

    answer = TellaPhone().sign_in(cast.owner.username, TEST_PASSWORD + code(device))
    assert answer.status == 200


def test_a_wrong_code_counts_towards_the_lockout(cast: Cast) -> None:
    device = TOTPDevice.objects.create(user=cast.owner, name="app", confirmed=True)
    wrong = f"{(int(code(device)) + 1) % 10**6:06d}"
    for _ in range(FAILURE_LIMIT - 1):
        assert TellaPhone().sign_in(cast.owner.username, TEST_PASSWORD + wrong).status == 401
    assert TellaPhone().sign_in(cast.owner.username, TEST_PASSWORD + wrong).status == 429
    assert TellaPhone().sign_in(cast.owner.username, TEST_PASSWORD + code(device)).status == 429


@override_settings(DOZOR_TWO_FACTOR_ROLES=frozenset({Role.DOCUMENTER}))
def test_a_role_that_needs_an_authenticator_must_set_one_up_before_using_tella(
    cast: Cast,
) -> None:
    answer = TellaPhone().sign_in(cast.owner.username, TEST_PASSWORD)
    assert answer.status == 403 and "authenticator" in answer.body["message"]


def test_a_reader_cannot_send_reports_from_tella(cast: Cast) -> None:
    answer = TellaPhone().sign_in(cast.reader.username, TEST_PASSWORD)
    assert answer.status == 403 and "does not record incidents" in answer.body["message"]


def test_a_sign_in_body_that_is_not_a_json_object_is_refused_400(cast: Cast) -> None:
    phone = TellaPhone()
    for body in (b"[]", b"not json", b'{"username": 5, "password": "x"}'):
        response = phone.http.post("/tella/login/", data=body, content_type="application/json")
        assert response.status_code == 400, body
    assert not TellaToken.objects.exists()


@override_settings(DOZOR_TELLA_TOKEN_DAYS=1)
def test_an_expired_key_is_answered_401(cast: Cast) -> None:
    phone = TellaPhone()
    phone.sign_in(cast.owner.username, TEST_PASSWORD)
    TellaToken.objects.update(expires_at="2000-01-01T00:00:00Z")
    assert phone.report("Поздно").status == 401


def test_a_phone_asking_in_russian_gets_the_refusal_in_russian(cast: Cast) -> None:
    phone = TellaPhone()
    response = phone.http.post(
        "/tella/login/",
        data='{"username": "owner", "password": "wrong"}',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 401 and "Неверное имя пользователя" in response.json()["message"]


def test_signing_in_again_removes_the_users_expired_sign_ins(cast: Cast) -> None:
    TellaPhone().sign_in(cast.owner.username, TEST_PASSWORD)
    TellaToken.objects.update(expires_at="2000-01-01T00:00:00Z")
    TellaPhone().sign_in(cast.owner.username, TEST_PASSWORD)
    assert TellaToken.objects.count() == 1
