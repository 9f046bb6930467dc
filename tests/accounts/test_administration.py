"""The administrators' pages of accounts: the administration index and organisations — who may
open them, what the forms refuse and name, what the trail keeps, and the wall between
organisations."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from dozor.accounts.models import Organisation, Role, User
from dozor.accounts.services import (
    MSG_ORGANISATION_NAME_TAKEN,
    organisation_create,
    organisation_rename,
)
from dozor.audit.models import Action, AuditEntry
from dozor.validators import MSG_UNKNOWN_COUNTRY
from tests.conftest import Cast
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_account_menu_leads_an_administrator_to_the_administration_index(admin: User) -> None:
    page = signed_in(admin).get("/incidents/").content.decode()
    assert 'href="/accounts/administration/"' in page


def test_the_administration_index_links_every_administration_page(admin: User) -> None:
    page = signed_in(admin).get("/accounts/administration/").content.decode()
    for address in (
        "/accounts/users/",
        "/accounts/organisations/",
        "/sources/",
        "/responses/bodies/",
        "/imports/mappings/",
        "/audit/refusals/",
    ):
        assert f'href="{address}"' in page, address


@pytest.mark.parametrize("who", ["owner", "colleague", "reader"])
def test_no_one_but_an_administrator_opens_the_administration_pages(cast: Cast, who: str) -> None:
    client = cast.client(who)
    for address in (
        "/accounts/administration/",
        "/accounts/organisations/",
        "/accounts/organisations/new/",
        f"/accounts/organisations/{cast.organisation.pk}/",
    ):
        assert client.get(address).status_code == 403, address


def test_an_administrator_adds_an_organisation_on_the_page(admin: User) -> None:
    response = signed_in(admin).post(
        "/accounts/organisations/new/",
        {"name": "Радужный мост", "name_en": "Rainbow Bridge", "kind": "ngo", "country": "ru"},
    )
    assert response.status_code == 302
    added = Organisation.objects.get(name="Радужный мост")
    assert (added.country, added.created_by) == ("RU", admin)


def test_adding_an_organisation_is_audited_with_its_administrator(admin: User) -> None:
    added = organisation_create(name="Радужный мост", user=admin)
    entry = AuditEntry.objects.get(action=Action.CREATE, target_id=str(added.pk))
    assert (entry.actor_id, entry.changes["name"]["after"]) == (admin.pk, "Радужный мост")


def test_a_taken_organisation_name_is_refused_under_the_name_field(cast: Cast, admin: User) -> None:
    response = signed_in(admin).post(
        "/accounts/organisations/new/",
        {"name": cast.other_organisation.name, "kind": "ngo", "country": "RU"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [
        MSG_ORGANISATION_NAME_TAKEN % {"name": cast.other_organisation.name}
    ]


def test_an_unknown_country_is_refused_under_the_country_field(admin: User) -> None:
    response = signed_in(admin).post(
        "/accounts/organisations/new/", {"name": "Новая", "kind": "ngo", "country": "XX"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["country"] == [MSG_UNKNOWN_COUNTRY % {"value": "XX"}]


def test_the_command_and_the_page_refuse_the_same_name(cast: Cast, admin: User) -> None:
    with pytest.raises(ValidationError) as error:
        organisation_create(name=f"  {cast.other_organisation.name} ", user=None)
    assert error.value.message_dict["name"] == [
        MSG_ORGANISATION_NAME_TAKEN % {"name": cast.other_organisation.name}
    ]


def test_an_administrator_renames_their_organisation_and_the_trail_keeps_both_names(
    cast: Cast, admin: User
) -> None:
    response = signed_in(admin).post(
        f"/accounts/organisations/{cast.organisation.pk}/",
        {"name": "Северный маяк — Петербург", "name_en": "Northern Lighthouse"},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=Action.UPDATE, target_id=str(cast.organisation.pk))
    assert entry.actor_id == admin.pk
    assert entry.changes["name"] == {
        "before": "Северный маяк",
        "after": "Северный маяк — Петербург",
    }


def test_an_administrator_cannot_open_another_organisation(cast: Cast, admin: User) -> None:
    address = f"/accounts/organisations/{cast.other_organisation.pk}/"
    assert signed_in(admin).get(address).status_code == 404
    response = signed_in(admin).post(address, {"name": "Захвачено"})
    assert response.status_code == 404
    cast.other_organisation.refresh_from_db()
    assert cast.other_organisation.name == "Другая организация"


def test_the_service_refuses_to_rename_another_organisation(cast: Cast, admin: User) -> None:
    with pytest.raises(PermissionDenied):
        organisation_rename(organisation=cast.other_organisation, user=admin, name="Захвачено")


def test_an_organisation_one_added_is_renamed_until_it_has_members(
    admin: User, other_admin: User
) -> None:
    added = organisation_create(name="Радужный мост", user=admin)
    organisation_rename(organisation=added, user=admin, name="Радужный мост (СПб)")
    with pytest.raises(PermissionDenied):
        organisation_rename(organisation=added, user=other_admin, name="Чужое")
    UserFactory(organisation=added, role=Role.ADMINISTRATOR)
    with pytest.raises(PermissionDenied):
        organisation_rename(organisation=added, user=admin, name="Уже не наше")


def test_the_list_shows_ones_own_and_added_organisations_and_none_of_another(
    cast: Cast, admin: User, other_admin: User
) -> None:
    organisation_create(name="Радужный мост", user=admin)
    organisation_create(name="Цель другой организации", user=other_admin)
    page = signed_in(admin).get("/accounts/organisations/").content.decode()
    assert cast.organisation.name in page and "Радужный мост" in page
    assert cast.other_organisation.name not in page
    assert "Цель другой организации" not in page
