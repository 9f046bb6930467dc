from __future__ import annotations

import pytest

from dozor.audit.models import Action, AuditEntry
from dozor.audit.services import audit_write
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_a_write_with_nothing_before_is_a_creation_with_every_field(cast: Cast) -> None:
    entry = audit_write(
        user=cast.owner, target=cast.incident, after={"recorded": 40, "source": "МВД"}
    )
    assert (entry.action, entry.actor, entry.target_id) == (
        Action.CREATE,
        "owner",
        str(cast.incident.pk),
    )
    assert entry.changes == {
        "recorded": {"before": None, "after": 40},
        "source": {"before": None, "after": "МВД"},
    }


def test_a_write_over_earlier_values_records_only_what_changed_and_hides_sensitive_fields(
    cast: Cast,
) -> None:
    audit_write(
        user=cast.owner,
        target=cast.incident,
        before={"recorded": 40, "source": "МВД", "note": "old"},
        after={"recorded": 41, "source": "МВД", "note": "new"},
        sensitive={"note"},
    )
    entry = AuditEntry.objects.get()
    assert entry.action == Action.UPDATE
    assert entry.changes == {"note": "changed", "recorded": {"before": 40, "after": 41}}
