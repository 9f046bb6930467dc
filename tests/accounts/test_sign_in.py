from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.utils.module_loading import import_string
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dozor.security.middleware import CONTENT_SECURITY_POLICY
from tests.conftest import Cast
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(username: str, password: str = TEST_PASSWORD, client: Client | None = None) -> Client:
    client = client or Client()
    client.post("/accounts/login/", {"username": username, "password": password})
    return client


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_argon2_is_the_password_hasher() -> None:
    # The test settings use a fast hasher; the shipped settings are checked here.
    from dozor import settings as shipped

    hasher = import_string(shipped.PASSWORD_HASHERS[0])()
    assert hasher.algorithm == "argon2"
    assert hasher.verify("secret", hasher.encode("secret", hasher.salt()))


@override_settings(DOZOR_TWO_FACTOR_ROLES=frozenset({"documenter"}))
def test_a_documenter_without_an_authenticator_must_set_one_up(cast: Cast) -> None:
    response = sign_in("owner").get("/incidents/")
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/"


@override_settings(DOZOR_TWO_FACTOR_ROLES=frozenset({"documenter"}))
def test_the_setup_page_shows_an_svg_qr_code(cast: Cast) -> None:
    page = sign_in("owner").get("/accounts/two-factor/").content.decode()
    assert "<svg" in page and "<script" not in page


@override_settings(DOZOR_TWO_FACTOR_ROLES=frozenset({"documenter"}))
def test_confirming_the_authenticator_lets_the_user_in(cast: Cast) -> None:
    client = sign_in("owner")
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=cast.owner)
    client.post("/accounts/two-factor/", {"token": code(device), "next": "/incidents/"})
    assert client.get("/incidents/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_a_user_with_an_authenticator_must_enter_a_code(cast: Cast) -> None:
    TOTPDevice.objects.create(user=cast.reader, name="app", confirmed=True)
    response = sign_in("reader").get("/incidents/")
    assert response["Location"].startswith("/accounts/two-factor/verify/")


def test_a_wrong_code_keeps_the_user_out(cast: Cast) -> None:
    TOTPDevice.objects.create(user=cast.reader, name="app", confirmed=True)
    client = sign_in("reader")
    assert client.post("/accounts/two-factor/verify/", {"token": "000000x"}).status_code == 400
    assert client.get("/incidents/").status_code == 302


def test_the_right_code_lets_the_user_in(cast: Cast) -> None:
    device = TOTPDevice.objects.create(user=cast.reader, name="app", confirmed=True)
    client = sign_in("reader")
    client.post("/accounts/two-factor/verify/", {"token": code(device)})
    assert client.get("/incidents/").status_code == 200


def test_two_factor_is_optional_for_a_reader_without_an_authenticator(cast: Cast) -> None:
    assert sign_in("reader").get("/incidents/").status_code == 200


def test_repeated_failures_lock_the_sign_in_with_a_clear_message(cast: Cast) -> None:
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": "reader", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "reader", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "too many failed sign-in attempts" in response.content.decode()


def test_pages_carry_a_strict_content_security_policy(cast: Cast) -> None:
    response = cast.client("owner").get("/incidents/")
    policy = response["Content-Security-Policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy


@override_settings(DOZOR_SESSION_MAX_SECONDS=-1)
def test_a_session_past_its_absolute_limit_is_signed_out(cast: Cast) -> None:
    client = sign_in("reader")
    client.get("/incidents/")  # the first request after signing in notes the time
    response = client.get("/incidents/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
