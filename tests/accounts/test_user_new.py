"""An administrator adds a user from the Users page: who may, what the form refuses and names,
the password shown once and never cached, the trail, and the wall between organisations."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings

from dozor.accounts.models import Role, User
from dozor.accounts.services import MSG_USERNAME_RESERVED, user_create
from dozor.audit.models import Action, AuditEntry
from tests.conftest import Cast

pytestmark = pytest.mark.django_db

NEW_USER = "/accounts/users/new/"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def shown_password(page: str) -> str:
    found = re.search(r'<code class="secret">([^<]+)</code>', page)
    assert found, "the page shows no password"
    return found.group(1)


def test_a_user_added_by_an_administrator_signs_in_with_the_password_shown(
    cast: Cast, admin: User
) -> None:
    response = signed_in(admin).post(
        NEW_USER, {"username": "newcomer", "email": "n@example.org", "role": Role.READER}
    )
    assert response.status_code == 200
    password = shown_password(response.content.decode())
    newcomer = User.objects.get(username="newcomer")
    assert (newcomer.organisation, newcomer.role, newcomer.email) == (
        cast.organisation,
        Role.READER,
        "n@example.org",
    )
    client = Client()
    client.post("/accounts/login/", {"username": "newcomer", "password": password})
    assert client.get("/incidents/").status_code == 200


def test_the_page_that_shows_the_password_is_never_cached(admin: User) -> None:
    response = signed_in(admin).post(NEW_USER, {"username": "newcomer", "role": Role.READER})
    assert "no-store" in response["Cache-Control"]


def test_the_form_page_is_never_cached(admin: User) -> None:
    assert "no-store" in signed_in(admin).get(NEW_USER)["Cache-Control"]


def test_the_password_is_in_no_url_and_no_message(admin: User) -> None:
    client = signed_in(admin)
    response = client.post(NEW_USER, {"username": "newcomer", "role": Role.READER})
    password = shown_password(response.content.decode())
    assert password not in client.get("/accounts/users/").content.decode()
    assert password not in client.get("/accounts/users/newcomer/").content.decode()


@override_settings(DOZOR_TWO_FACTOR_ROLES=frozenset({"documenter"}))
def test_the_page_says_a_documenter_sets_up_an_authenticator_at_first_sign_in(
    admin: User,
) -> None:
    response = signed_in(admin).post(NEW_USER, {"username": "newcomer", "role": Role.DOCUMENTER})
    assert "set one up before anything else opens" in response.content.decode()


def test_the_name_grant_is_given_from_the_form(admin: User) -> None:
    signed_in(admin).post(
        NEW_USER, {"username": "newcomer", "role": Role.ANALYST, "can_see_names": "on"}
    )
    assert User.objects.get(username="newcomer").can_see_names


def test_a_posted_organisation_is_ignored(cast: Cast, admin: User) -> None:
    signed_in(admin).post(
        NEW_USER,
        {
            "username": "newcomer",
            "role": Role.READER,
            "organisation": cast.other_organisation.pk,
            "organisation_id": cast.other_organisation.pk,
        },
    )
    assert User.objects.get(username="newcomer").organisation == cast.organisation


def test_an_administrator_cannot_create_a_user_of_another_organisation(
    cast: Cast, admin: User
) -> None:
    with pytest.raises(PermissionDenied):
        user_create(
            username="newcomer",
            role=Role.READER,
            organisation=cast.other_organisation,
            by=admin,
        )
    assert not User.objects.filter(username="newcomer").exists()


@pytest.mark.parametrize("who", ["owner", "colleague", "reader"])
def test_no_one_but_an_administrator_adds_a_user(cast: Cast, who: str) -> None:
    client = cast.client(who)
    assert client.get(NEW_USER).status_code == 403
    assert client.post(NEW_USER, {"username": "newcomer", "role": "reader"}).status_code == 403
    assert not User.objects.filter(username="newcomer").exists()


def test_the_trail_names_the_administrator_who_added_the_user(admin: User) -> None:
    signed_in(admin).post(NEW_USER, {"username": "newcomer", "role": Role.READER})
    newcomer = User.objects.get(username="newcomer")
    entry = AuditEntry.objects.get(action=Action.USER_CHANGE, target_id=str(newcomer.pk))
    assert (entry.actor_id, entry.actor) == (admin.pk, "admin")
    assert entry.changes["created"] is True
    assert "password" not in str(entry.changes)


def test_the_administrator_role_makes_staff_never_a_superuser(admin: User) -> None:
    signed_in(admin).post(NEW_USER, {"username": "deputy", "role": Role.ADMINISTRATOR})
    deputy = User.objects.get(username="deputy")
    assert (deputy.is_staff, deputy.is_superuser) == (True, False)


def field_errors(response: object, field: str) -> list[str]:
    form = response.context["form"]  # type: ignore[attr-defined]
    return list(form.errors.get(field, []))


def test_a_taken_user_name_is_refused_under_its_field(admin: User) -> None:
    response = signed_in(admin).post(NEW_USER, {"username": "reader", "role": Role.READER})
    assert response.status_code == 400
    assert field_errors(response, "username")


def test_a_bad_email_is_refused_under_its_field(admin: User) -> None:
    response = signed_in(admin).post(
        NEW_USER, {"username": "newcomer", "email": "not an address", "role": Role.READER}
    )
    assert response.status_code == 400
    assert field_errors(response, "email")
    assert not User.objects.filter(username="newcomer").exists()


def test_an_unknown_role_is_refused_under_its_field(admin: User) -> None:
    response = signed_in(admin).post(NEW_USER, {"username": "newcomer", "role": "superuser"})
    assert response.status_code == 400
    assert field_errors(response, "role")


def test_a_user_name_that_is_a_page_of_the_users_pages_is_refused(admin: User) -> None:
    response = signed_in(admin).post(NEW_USER, {"username": "new", "role": Role.READER})
    assert response.status_code == 400
    assert field_errors(response, "username") == [MSG_USERNAME_RESERVED % {"name": "new"}]


def test_the_user_list_and_the_administration_index_link_the_new_user_page(admin: User) -> None:
    client = signed_in(admin)
    for address in ("/accounts/users/", "/accounts/administration/"):
        assert f'href="{NEW_USER}"' in client.get(address).content.decode(), address
