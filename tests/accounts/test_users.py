from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from dozor.accounts.models import Role, User
from dozor.accounts.services import MSG_LAST_ADMINISTRATOR, user_update
from dozor.audit.models import Action, AuditEntry
from tests.conftest import Cast
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_command_grants_names(cast: Cast) -> None:
    call_command("user", "reader", "--grant-names", stdout=StringIO())
    cast.reader.refresh_from_db()
    assert cast.reader.can_see_names


def test_the_command_deactivates_and_changes_role(cast: Cast) -> None:
    call_command("user", "colleague", "--role", "analyst", "--deactivate", stdout=StringIO())
    colleague = User.objects.get(username="colleague")
    assert (colleague.role, colleague.is_active) == (Role.ANALYST, False)


def test_a_role_change_is_audited(cast: Cast) -> None:
    user_update(user=cast.reader, by=cast.owner, role=Role.ANALYST)
    entry = AuditEntry.objects.get(action=Action.USER_CHANGE, target_id=str(cast.reader.pk))
    assert entry.changes == {"role": {"before": "reader", "after": "analyst"}}


def test_the_last_administrator_cannot_be_demoted(cast: Cast) -> None:
    admin = UserFactory(organisation=cast.organisation, role=Role.ADMINISTRATOR)
    with pytest.raises(ValidationError) as error:
        user_update(user=admin, by=admin, role=Role.READER)
    assert error.value.messages == [MSG_LAST_ADMINISTRATOR % {"username": admin.username}]


def test_an_administrator_changes_a_role_on_the_page(cast: Cast) -> None:
    admin = UserFactory(organisation=cast.organisation, role=Role.ADMINISTRATOR)
    client = Client()
    client.force_login(admin)
    response = client.post("/accounts/users/reader/", {"role": "analyst", "is_active": "on"})
    assert response.status_code == 302
    assert User.objects.get(username="reader").role == Role.ANALYST


def test_an_administrator_cannot_open_another_organisations_user(cast: Cast) -> None:
    admin = UserFactory(organisation=cast.organisation, role=Role.ADMINISTRATOR)
    client = Client()
    client.force_login(admin)
    assert client.get("/accounts/users/outsider/").status_code == 404
