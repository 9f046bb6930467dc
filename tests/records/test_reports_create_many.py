"""reports_create_many: the one bulk write path for reports, validated and audited per batch."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from dozor.audit.models import AuditEntry
from dozor.records.models import Report
from dozor.records.services import ReportInput, reports_create_many
from tests.factories import SourceListFactory
from tests.intake.conftest import import_by_command, write_csv

pytestmark = pytest.mark.django_db

NAME = "Аграфена Кузьминична"
CSV = "id,Дата,Мотив,Убито\n1,04.12.2008,ксенофобия,0\n2,2009-01-19,гомофобия,\n"


@pytest.fixture
def source_list(cast):
    return SourceListFactory(name="Партнёр", organisation=cast.organisation)


def _item(external_id: str, revision: int = 1) -> ReportInput:
    return ReportInput(
        external_id=external_id,
        payload={"id": external_id, "Кто": NAME},
        fields={"date": "2020-01-02", "victims": [{"name": NAME}]},
        received_on=datetime.date(2020, 1, 3),
        revision=revision,
    )


def _batch_entries(source_list) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            action="create", target_type="records.sourcelist", target_id=str(source_list.pk)
        ).order_by("id")
    )


def test_an_import_stores_its_reports_with_one_audit_entry_for_the_batch(
    cast, source_list, tmp_path
) -> None:
    import_by_command(write_csv(tmp_path / "a.csv", CSV), source_list, cast.owner)
    [entry] = _batch_entries(source_list)
    ids = sorted(Report.objects.filter(source_list=source_list).values_list("pk", flat=True))
    assert entry.changes["reports"] == 2 and entry.changes["revisions"] == 0
    assert entry.changes["report_ids"] == ids and isinstance(entry.changes["import"], int)
    assert entry.actor_id == cast.owner.pk


def test_the_batch_audit_entry_holds_no_payload_or_name(cast, source_list, tmp_path) -> None:
    import_by_command(write_csv(tmp_path / "a.csv", CSV), source_list, cast.owner)
    [entry] = _batch_entries(source_list)
    assert "ксенофобия" not in str(entry.changes) and "04.12.2008" not in str(entry.changes)


def test_every_bad_report_is_named_and_nothing_is_stored(cast, source_list) -> None:
    items = [_item("ok"), _item(""), _item("x" * 201)]
    with pytest.raises(ValidationError) as raised:
        reports_create_many(source_list=source_list, user=cast.owner, items=items)
    messages = raised.value.messages
    assert len(messages) == 2
    assert messages[0].startswith("Report 2 of 3 ()")
    assert messages[1].startswith("Report 3 of 3 (" + "x" * 80 + ")")
    assert not Report.objects.exists() and not _batch_entries(source_list)


def test_reports_come_back_in_order_with_their_ids_and_revisions(cast, source_list) -> None:
    first = reports_create_many(source_list=source_list, user=cast.owner, items=[_item("A")])
    later = reports_create_many(
        source_list=source_list,
        user=cast.owner,
        items=[_item("B"), _item("A", revision=2)],
        context={"import": 7},
    )
    assert [(r.external_id, r.revision) for r in later] == [("B", 1), ("A", 2)]
    assert all(report.pk for report in first + later)
    entry = _batch_entries(source_list)[-1]
    assert (entry.changes["reports"], entry.changes["revisions"], entry.changes["import"]) == (
        2,
        1,
        7,
    )


def test_an_empty_batch_stores_and_audits_nothing(cast, source_list) -> None:
    assert reports_create_many(source_list=source_list, user=cast.owner, items=[]) == []
    assert not _batch_entries(source_list)
