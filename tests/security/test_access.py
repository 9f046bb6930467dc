"""Who sees which record and which names, by confidentiality and role."""

from __future__ import annotations

import pytest

from dozor.accounts.models import Role
from dozor.records import selectors
from tests.conftest import Cast
from tests.factories import IncidentFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

# who -> may they see an incident of the cast's organisation at this level
VISIBILITY = {
    "public": {
        "owner": True,
        "colleague": True,
        "reader": True,
        "outsider": True,
        "anonymous": False,
    },
    "restricted": {
        "owner": True,
        "colleague": True,
        "reader": True,
        "outsider": False,
        "anonymous": False,
    },
    "confidential": {
        "owner": True,
        "colleague": True,
        "reader": False,
        "outsider": False,
        "anonymous": False,
    },
}


@pytest.mark.parametrize("level", list(VISIBILITY))
@pytest.mark.parametrize("who", ["owner", "colleague", "reader", "outsider", "anonymous"])
def test_the_incident_page_follows_the_confidentiality(cast: Cast, level: str, who: str) -> None:
    incident = IncidentFactory(organisation=cast.organisation, confidentiality=level)
    response = cast.client(who).get(f"/incidents/{incident.reference}/")
    expected = 200 if VISIBILITY[level][who] else (302 if who == "anonymous" else 404)
    assert response.status_code == expected


@pytest.mark.parametrize("level", list(VISIBILITY))
@pytest.mark.parametrize("who", ["owner", "colleague", "reader", "outsider", "anonymous"])
def test_the_list_follows_the_confidentiality(cast: Cast, level: str, who: str) -> None:
    incident = IncidentFactory(
        organisation=cast.organisation, confidentiality=level, title="Особое"
    )
    response = cast.client(who).get("/incidents/")
    if who == "anonymous":
        assert response.status_code == 302
    else:
        assert (incident.title in response.content.decode()) is VISIBILITY[level][who]


def test_an_advocate_sees_confidential_records() -> None:
    incident = IncidentFactory(confidentiality="confidential")
    advocate = UserFactory(organisation=incident.organisation, role=Role.ADVOCATE)
    assert selectors.incidents_visible(advocate).filter(pk=incident.pk).exists()


def test_an_analyst_does_not_see_confidential_records() -> None:
    incident = IncidentFactory(confidentiality="confidential")
    analyst = UserFactory(organisation=incident.organisation, role=Role.ANALYST)
    assert not selectors.incidents_visible(analyst).filter(pk=incident.pk).exists()


def test_a_deactivated_user_sees_nothing(cast: Cast) -> None:
    cast.owner.is_active = False
    cast.owner.save()
    assert not selectors.incidents_visible(cast.owner).exists()


@pytest.mark.parametrize(
    ("who", "sees_name"),
    [("owner", True), ("colleague", True), ("reader", False), ("outsider", False)],
)
def test_names_show_only_to_the_owning_organisations_trusted_roles(
    cast: Cast, who: str, sees_name: bool
) -> None:
    cast.incident.confidentiality = "public"
    cast.incident.save()
    PersonFactory(incident=cast.incident, name="Фарход Каримзода", pseudonym="Victim A")
    page = cast.client(who).get(f"/incidents/{cast.incident.reference}/").content.decode()
    assert ("Фарход Каримзода" in page) is sees_name
    assert "Victim A" in page


def test_a_reader_granted_names_sees_them(cast: Cast) -> None:
    cast.reader.can_see_names = True
    cast.reader.save()
    PersonFactory(incident=cast.incident, name="Фарход Каримзода")
    page = cast.client("reader").get(f"/incidents/{cast.incident.reference}/").content.decode()
    assert "Фарход Каримзода" in page


def test_a_name_grant_does_not_reach_other_organisations(cast: Cast) -> None:
    cast.outsider.can_see_names = True
    cast.outsider.save()
    cast.incident.confidentiality = "public"
    cast.incident.save()
    person = PersonFactory(incident=cast.incident, name="Фарход Каримзода")
    assert selectors.person_label(cast.outsider, person, cast.incident) == person.pseudonym


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 403), ("colleague", 403), ("outsider", 403), ("anonymous", 302)]
)
def test_only_administrators_open_user_administration(cast: Cast, who: str, status: int) -> None:
    assert cast.client(who).get("/accounts/users/").status_code == status


USER_ADMINISTRATION_PAGES = [
    "/accounts/users/",
    "/accounts/users/reader/",
    "/accounts/users/reader/two-factor/remove/",
]


@pytest.mark.parametrize("page", USER_ADMINISTRATION_PAGES)
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 403),
        ("colleague", 403),
        ("reader", 403),
        ("outsider", 403),
        ("other_administrator", 404),
        ("administrator", 200),
        ("anonymous", 302),
    ],
)
def test_user_administration_pages_open_only_to_the_organisations_administrators(
    cast: Cast, page: str, who: str, status: int
) -> None:
    administrators = {
        "administrator": UserFactory(organisation=cast.organisation, role=Role.ADMINISTRATOR),
        "other_administrator": UserFactory(
            organisation=cast.other_organisation, role=Role.ADMINISTRATOR
        ),
    }
    client = cast.client("anonymous" if who in administrators else who)
    if who in administrators:
        client.force_login(administrators[who])
    expected = 200 if page == "/accounts/users/" and who == "other_administrator" else status
    assert client.get(page).status_code == expected
