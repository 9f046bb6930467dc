from __future__ import annotations

import pytest

from dozor.audit.models import Action, AuditEntry
from dozor.audit.selectors import audit_verify
from dozor.records import services
from dozor.records.services import IncidentInput, PersonInput
from tests.conftest import Cast
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def data(**changes: object) -> IncidentInput:
    values: dict[str, object] = {
        "title": "Нападение",
        "incident_type": "physical_assault",
        "date_start": __import__("datetime").date(2020, 5, 1),
        "summary": "Иван Петров избит",
        "people": (PersonInput(name="Иван Петров"),),
    }
    values.update(changes)
    return IncidentInput(**values)  # type: ignore[arg-type]


def test_creating_an_incident_is_audited_without_the_name(cast: Cast) -> None:
    incident = services.incident_create(
        organisation=cast.organisation, user=cast.owner, data=data()
    )
    entry = AuditEntry.objects.get(action=Action.CREATE, target_id=str(incident.pk))
    assert entry.actor == "owner" and entry.changes["title"]["after"] == "Нападение"
    assert "Иван" not in str(entry.changes)


def test_changing_an_incident_records_before_and_after(cast: Cast) -> None:
    incident = services.incident_create(
        organisation=cast.organisation, user=cast.owner, data=data()
    )
    services.incident_update(incident=incident, user=cast.owner, data=data(killed=2))
    entry = AuditEntry.objects.get(action=Action.UPDATE)
    assert entry.changes == {"killed": {"before": 0, "after": 2}}
    assert list(audit_verify()) == []


def test_viewing_names_is_audited(cast: Cast) -> None:
    PersonFactory(incident=cast.incident, name="Иван Петров")
    cast.client("owner").get(f"/incidents/{cast.incident.reference}/")
    assert AuditEntry.objects.filter(action=Action.VIEW_NAMES, actor="owner").count() == 1


def test_viewing_pseudonyms_is_not_a_view_of_names(cast: Cast) -> None:
    PersonFactory(incident=cast.incident, name="Иван Петров")
    cast.client("reader").get(f"/incidents/{cast.incident.reference}/")
    assert not AuditEntry.objects.filter(action=Action.VIEW_NAMES).exists()


def test_a_web_write_records_the_address_and_browser(cast: Cast) -> None:
    PersonFactory(incident=cast.incident, name="Иван Петров")
    cast.client("owner").get(
        f"/incidents/{cast.incident.reference}/", HTTP_USER_AGENT="TestBrowser/1.0"
    )
    entry = AuditEntry.objects.get(action=Action.VIEW_NAMES)
    assert (entry.ip_address, entry.user_agent, entry.origin) == (
        "127.0.0.1",
        "TestBrowser/1.0",
        "web",
    )


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 200), ("colleague", 200), ("outsider", 404), ("anonymous", 302)]
)
def test_the_history_page_is_as_private_as_the_incident(cast: Cast, who: str, status: int) -> None:
    response = cast.client(who).get(f"/incidents/{cast.incident.reference}/history/")
    assert response.status_code == status


def test_the_history_page_lists_each_version_with_its_changes(cast: Cast) -> None:
    incident = services.incident_create(
        organisation=cast.organisation, user=cast.owner, data=data()
    )
    services.incident_update(incident=incident, user=cast.owner, data=data(killed=3))
    response = cast.client("colleague").get(f"/incidents/{incident.reference}/history/")
    versions = response.context["versions"]
    assert [v.number for v in versions] == [1, 2]
    assert [(c.field, c.before, c.after) for c in versions[1].changes] == [("killed", 0, 3)]
    assert "Иван" not in response.content.decode()
