from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from dozor.audit.models import Action, AuditChainHead, AuditEntry
from dozor.audit.selectors import audit_verify
from dozor.audit.services import audit_record, changes_between
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def three_entries() -> list[AuditEntry]:
    user = UserFactory()
    return [audit_record(action=Action.CREATE, user=user, changes={"n": n}) for n in range(3)]


def raw(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_untouched_trail_verifies() -> None:
    three_entries()
    assert list(audit_verify()) == []


def test_each_entry_links_to_the_hash_of_the_one_before() -> None:
    first, second, third = three_entries()
    assert second.previous_hash == first.entry_hash and third.previous_hash == second.entry_hash


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the trigger refuses the edit")
def test_an_edited_entry_is_named() -> None:
    _first, second, _third = three_entries()
    raw("UPDATE audit_auditentry SET actor = %s WHERE id = %s", ["mallory", second.pk])
    problems = list(audit_verify())
    assert [p.entry_id for p in problems] == [second.pk]
    assert "edited" in problems[0].what


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the trigger refuses the delete")
def test_a_deleted_entry_is_named_by_the_entry_after_it() -> None:
    _first, second, third = three_entries()
    raw("DELETE FROM audit_auditentry WHERE id = %s", [second.pk])
    problems = list(audit_verify())
    assert {p.entry_id for p in problems} == {third.pk}
    assert any("missing" in p.what for p in problems)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the trigger refuses the edit")
def test_swapped_entries_are_found() -> None:
    first, second, _third = three_entries()
    raw("UPDATE audit_auditentry SET changes = %s WHERE id = %s", ['{"n": 1}', first.pk])
    raw("UPDATE audit_auditentry SET changes = %s WHERE id = %s", ['{"n": 0}', second.pk])
    assert {p.entry_id for p in audit_verify()} >= {first.pk, second.pk}


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the trigger refuses the delete")
def test_entries_removed_from_the_end_are_found_through_the_head() -> None:
    _first, _second, third = three_entries()
    raw("DELETE FROM audit_auditentry WHERE id = %s", [third.pk])
    problems = list(audit_verify())
    assert [p.entry_id for p in problems] == [None]
    assert "removed from the end" in problems[0].what


def test_the_application_refuses_to_change_an_entry() -> None:
    entry = three_entries()[0]
    entry.actor = "mallory"
    with pytest.raises(TypeError):
        entry.save()


def test_the_application_refuses_to_delete_entries() -> None:
    three_entries()
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=1).update(actor="mallory")


@pytest.mark.postgres  # the trigger exists on PostgreSQL
@pytest.mark.parametrize(
    "sql", ["UPDATE audit_auditentry SET actor = 'x'", "DELETE FROM audit_auditentry"]
)
def test_postgresql_refuses_update_and_delete_in_the_database(sql: str) -> None:
    three_entries()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(sql, [])


def test_the_head_counts_the_entries() -> None:
    three_entries()
    head = AuditChainHead.objects.get(pk=1)
    assert head.entries == 3 and head.last_entry_id == AuditEntry.objects.last().pk  # type: ignore[union-attr]


def test_sensitive_fields_are_recorded_only_as_changed() -> None:
    changes = changes_between(
        {"title": "a", "summary": "Иван Петров"},
        {"title": "b", "summary": "Пётр"},
        sensitive={"summary"},
    )
    assert changes == {"title": {"before": "a", "after": "b"}, "summary": "changed"}


def test_the_command_reports_an_intact_trail() -> None:
    three_entries()
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "intact: 3 entries" in out.getvalue()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the trigger refuses the edit")
def test_the_command_fails_and_names_the_edited_entry() -> None:
    _first, second, _third = three_entries()
    raw("UPDATE audit_auditentry SET action = %s WHERE id = %s", ["delete", second.pk])
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("audit", "verify", stderr=err)
    assert f"entry {second.pk}:" in err.getvalue()
