"""Correcting a body or official: administrators of the organisation that added it, checked as
body_create checks a new one, audited, and never across the wall between organisations."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from dozor.accounts.models import User
from dozor.audit.models import Action, AuditEntry
from dozor.responses.models import Body
from dozor.responses.services import MSG_BODY_NAME_TAKEN, body_create, body_update
from dozor.validators import MSG_UNKNOWN_COUNTRY
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def body(admin: User) -> Body:
    return body_create(name="Прокуратура Санкт-Петербурга", kind="prosecutor", user=admin)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_body_remembers_the_organisation_that_added_it(cast: Cast, body: Body) -> None:
    assert body.organisation_id == cast.organisation.pk


def test_an_administrator_corrects_a_body_their_organisation_added(admin: User, body: Body) -> None:
    response = signed_in(admin).post(
        f"/responses/bodies/{body.pk}/edit/",
        {"name": "Прокуратура города Санкт-Петербурга", "kind": "prosecutor", "country": "ru"},
    )
    assert response.status_code == 302
    body.refresh_from_db()
    assert (body.name, body.country) == ("Прокуратура города Санкт-Петербурга", "RU")


def test_a_correction_is_audited_with_the_name_before_and_after(admin: User, body: Body) -> None:
    body_update(body=body, user=admin, name="Прокуратура СПб", kind="prosecutor")
    entry = AuditEntry.objects.get(action=Action.UPDATE, target_id=str(body.pk))
    assert entry.actor_id == admin.pk
    assert entry.changes["name"] == {
        "before": "Прокуратура Санкт-Петербурга",
        "after": "Прокуратура СПб",
    }


def test_a_taken_name_is_refused_under_the_name_field(admin: User, body: Body) -> None:
    body_create(name="Следственный комитет", kind="investigative_committee", user=admin)
    response = signed_in(admin).post(
        f"/responses/bodies/{body.pk}/edit/", {"name": "Следственный комитет", "kind": "prosecutor"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [
        MSG_BODY_NAME_TAKEN % {"name": "Следственный комитет"}
    ]


def test_an_unknown_country_is_refused_when_a_body_is_added(admin: User) -> None:
    response = signed_in(admin).post(
        "/responses/bodies/", {"name": "Посольство", "kind": "embassy", "country": "ZZ"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["country"] == [MSG_UNKNOWN_COUNTRY % {"value": "ZZ"}]


def test_another_organisations_administrator_cannot_correct_the_body(
    other_admin: User, body: Body
) -> None:
    address = f"/responses/bodies/{body.pk}/edit/"
    assert signed_in(other_admin).get(address).status_code == 404
    assert (
        signed_in(other_admin).post(address, {"name": "Чужое", "kind": "court"}).status_code == 404
    )
    with pytest.raises(PermissionDenied):
        body_update(body=body, user=other_admin, name="Чужое", kind="court")
    body.refresh_from_db()
    assert body.name == "Прокуратура Санкт-Петербурга"


def test_a_documenter_of_the_organisation_cannot_correct_the_body(cast: Cast, body: Body) -> None:
    assert cast.client("owner").get(f"/responses/bodies/{body.pk}/edit/").status_code == 403


def test_the_bodies_page_offers_a_correction_only_of_ones_own_bodies(
    cast: Cast, admin: User, other_admin: User, body: Body
) -> None:
    theirs = body_create(name="Омбудсмен", kind="ombudsman", user=other_admin)
    page = signed_in(admin).get("/responses/bodies/").content.decode()
    assert f'href="/responses/bodies/{body.pk}/edit/"' in page
    assert f'href="/responses/bodies/{theirs.pk}/edit/"' not in page
