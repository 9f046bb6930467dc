"""The access policy: one table of actions, asked the same way everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from dozor.accounts import policy
from dozor.accounts.models import Role
from dozor.records.models import Incident
from tests.factories import IncidentFactory, OrganisationFactory, SourceListFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_every_action_is_described_and_refused_in_words() -> None:
    for name, action in policy.ACTIONS.items():
        assert action.name == name
        assert str(action.description).strip()
        assert str(action.refusal).strip()
        assert action.roles <= set(Role.values)


def test_an_unknown_action_is_a_programming_error_not_a_refusal() -> None:
    with pytest.raises(KeyError):
        policy.may(UserFactory(), "incident.delete")
    with pytest.raises(KeyError):
        policy.requires("incident.delete")


@pytest.mark.parametrize("action", sorted(policy.ACTIONS))
def test_anonymous_and_deactivated_users_may_do_nothing(action: str) -> None:
    incident = IncidentFactory(confidentiality="public")
    deactivated = UserFactory(organisation=incident.organisation, role=Role.ADMINISTRATOR)
    deactivated.is_active = False
    obj = None if action in {"users.manage"} else incident
    assert not policy.may(AnonymousUser(), action, obj)
    assert not policy.may(deactivated, action, obj)


def test_a_documenter_may_change_only_the_incidents_of_their_organisation() -> None:
    incident = IncidentFactory()
    owner = UserFactory(organisation=incident.organisation, role=Role.DOCUMENTER)
    outsider = UserFactory(role=Role.DOCUMENTER)
    assert policy.may(owner, "incident.write", incident)
    assert not policy.may(outsider, "incident.write", incident)
    # Without an object the answer is the role's: the outsider may change incidents of their own.
    assert policy.may(outsider, "incident.write")


@pytest.mark.parametrize("role", [Role.ADVOCATE, Role.ANALYST, Role.READER])
def test_roles_that_do_not_write_may_not_change_incidents(role: str) -> None:
    incident = IncidentFactory()
    user = UserFactory(organisation=incident.organisation, role=role)
    assert not policy.may(user, "incident.write", incident)
    assert not policy.may(user, "incident.create")


def test_a_source_list_is_written_only_by_its_organisations_documenters() -> None:
    source_list = SourceListFactory()
    owner = UserFactory(organisation=source_list.organisation, role=Role.DOCUMENTER)
    outsider_admin = UserFactory(role=Role.ADMINISTRATOR)
    assert policy.may(owner, "source_list.write", source_list)
    assert not policy.may(outsider_admin, "source_list.write", source_list)
    with pytest.raises(PermissionDenied, match="owns the source list"):
        policy.require(outsider_admin, "source_list.write", source_list)


@pytest.mark.parametrize(
    ("level", "role", "visible"),
    [
        ("confidential", Role.ADVOCATE, True),
        ("confidential", Role.ANALYST, False),
        ("restricted", Role.READER, True),
    ],
)
def test_incident_view_follows_the_confidentiality(level: str, role: str, visible: bool) -> None:
    incident = IncidentFactory(confidentiality=level)
    user = UserFactory(organisation=incident.organisation, role=role)
    assert policy.may(user, "incident.view", incident) is visible
    assert policy.may(UserFactory(), "incident.view", incident) is False


def test_a_public_incident_is_seen_by_every_signed_in_user_even_without_an_organisation() -> None:
    incident = IncidentFactory(confidentiality="public")
    assert policy.may(UserFactory(organisation=None, role=Role.READER), "incident.view", incident)


def test_names_are_for_the_owning_organisations_trusted_roles_and_the_name_grant() -> None:
    incident = IncidentFactory()
    organisation = incident.organisation
    assert policy.may(
        UserFactory(organisation=organisation, role=Role.ADVOCATE), "names.view", incident
    )
    assert not policy.may(
        UserFactory(organisation=organisation, role=Role.ANALYST), "names.view", incident
    )
    granted = UserFactory(organisation=organisation, role=Role.ANALYST, can_see_names=True)
    assert policy.may(granted, "names.view", incident)
    assert not policy.may(
        UserFactory(organisation=OrganisationFactory(), role=Role.ADMINISTRATOR),
        "names.view",
        incident,
    )


def test_the_dialogue_is_logged_only_about_incidents_the_user_may_see() -> None:
    confidential = IncidentFactory(confidentiality="confidential")
    public = IncidentFactory(confidentiality="public")
    advocate = UserFactory(role=Role.ADVOCATE)
    assert policy.may(advocate, "dialogue.write", public)
    assert not policy.may(advocate, "dialogue.write", confidential)
    assert not policy.may(UserFactory(role=Role.READER), "dialogue.write", public)


def test_docs_security_shows_the_roles_table_of_the_policy() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text("utf-8")
    start = page.index("<!-- roles-table:start -->\n") + len("<!-- roles-table:start -->\n")
    end = page.index("<!-- roles-table:end -->")
    assert page[start:end] == policy.roles_table(), (
        "docs/security.md disagrees with dozor/accounts/policy.py: paste policy.roles_table()"
    )


def _loaded_view(request: HttpRequest, incident: Incident, reference: str) -> HttpResponse:
    return HttpResponse(incident.reference)


def _load_incident(request: HttpRequest, reference: str) -> Incident:
    return Incident.objects.get(reference=reference)


def test_requires_sends_anonymous_visitors_to_sign_in_before_loading_anything() -> None:
    view = policy.requires("incident.write", load=_load_incident)(_loaded_view)
    request = RequestFactory().get("/x/")
    request.user = AnonymousUser()
    response = view(request, reference="no such incident")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_requires_checks_the_loaded_object_and_hands_it_to_the_view() -> None:
    incident = IncidentFactory()
    view = policy.requires("incident.write", load=_load_incident)(_loaded_view)
    request = RequestFactory().post("/x/")
    request.user = UserFactory(organisation=incident.organisation, role=Role.DOCUMENTER)
    assert view(request, reference=incident.reference).content == incident.reference.encode()
    request.user = UserFactory(role=Role.DOCUMENTER)
    with pytest.raises(PermissionDenied, match="Only your organisation's documenters"):
        view(request, reference=incident.reference)
