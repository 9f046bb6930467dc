"""The page where a signed-in user reads what to type into Tella and signs every phone out."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from dozor.audit.models import Action, AuditEntry
from dozor.tella.models import TellaToken
from tests.conftest import Cast
from tests.factories import TEST_PASSWORD
from tests.tella.client import TellaPhone

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_project_url_and_the_user_name_to_type(cast: Cast) -> None:
    page = cast.client("owner").get("/tella/").content.decode()
    assert "http://testserver/tella/p/dozor" in page and cast.owner.username in page
    assert "six-digit code" not in page


def test_a_user_with_an_authenticator_is_told_to_type_the_code_after_the_password(
    cast: Cast,
) -> None:
    TOTPDevice.objects.create(user=cast.owner, name="app", confirmed=True)
    client = cast.client("owner")
    session = client.session
    # The page is reached after the code, as every page is.
    session["otp_device_id"] = TOTPDevice.objects.get().persistent_id
    session.save()
    assert "six-digit code" in client.get("/tella/").content.decode()


def test_a_reader_is_told_their_role_cannot_send_reports(cast: Cast) -> None:
    page = cast.client("reader").get("/tella/").content.decode()
    assert "does not record incidents" in page and "/tella/p/dozor" not in page


def test_signing_every_phone_out_cuts_off_each_phones_key(cast: Cast) -> None:
    phone = TellaPhone()
    assert phone.sign_in(cast.owner.username, TEST_PASSWORD).status == 200
    client = cast.client("owner")
    assert TellaToken.objects.get().prefix in client.get("/tella/").content.decode()

    response = client.post("/tella/phones/sign-out/", follow=True)

    assert "1 phone was signed out." in response.content.decode()
    assert phone.report("После выхода").status == 401
    entry = AuditEntry.objects.filter(action=Action.USER_CHANGE).last()
    assert entry is not None and entry.changes == {"tella_sign_ins_ended": 1}


def test_signing_phones_out_leaves_a_colleagues_phones_signed_in(cast: Cast) -> None:
    cast.colleague.role = "documenter"
    cast.colleague.save()
    colleague_phone = TellaPhone()
    assert colleague_phone.sign_in(cast.colleague.username, TEST_PASSWORD).status == 200
    cast.client("owner").post("/tella/phones/sign-out/")
    assert colleague_phone.report("Коллега").status == 201
