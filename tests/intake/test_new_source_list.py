"""`dozor import --new-source-list --kind KIND`: a first file needs no list made before."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management.base import CommandError

from dozor.audit.models import AuditEntry
from dozor.records.models import Report, SourceList
from tests.conftest import Cast
from tests.factories import SourceListFactory
from tests.intake.conftest import import_by_command, write_csv

pytestmark = pytest.mark.django_db

ROWS = "id,Дата,Мотив,Убито\n1,05.03.2018,расизм,0\n2,2018-04-01,гомофобия,1\n"


def _new(name: str) -> SourceList:
    """An unsaved list of that name: import_by_command needs only its name."""
    return SourceList(name=name)


def test_import_with_new_source_list_creates_the_list_and_imports_into_it(
    cast: Cast, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "ngo.csv", ROWS)
    out = import_by_command(
        path, _new("NGO"), cast.owner, "--new-source-list", "--kind", "partner_list"
    )
    source = SourceList.objects.get(name="NGO")
    assert source.organisation_id == cast.owner.organisation_id
    assert source.kind == "partner_list"
    assert Report.objects.filter(source_list=source).count() == 2
    assert "Source list 'NGO' (partner_list) created" in out
    assert AuditEntry.objects.filter(target_type__endswith="sourcelist").exists()


def test_import_without_new_source_list_names_both_ways_to_make_one(
    cast: Cast, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "ngo.csv", ROWS)
    with pytest.raises(CommandError, match="--new-source-list --kind KIND") as caught:
        import_by_command(path, _new("NGO"), cast.owner)
    assert "dozor sources add 'NGO'" in str(caught.value)
    assert not SourceList.objects.filter(name="NGO").exists()


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (("--new-source-list",), "--new-source-list needs --kind: one of"),
        (("--new-source-list", "--kind", "rumour"), "--kind rumour: not a kind"),
        (("--kind", "partner_list"), "--kind: only with --new-source-list"),
    ],
)
def test_import_new_source_list_refuses_a_missing_or_unknown_kind(
    cast: Cast, tmp_path: Path, options: tuple[str, ...], fragment: str
) -> None:
    path = write_csv(tmp_path / "ngo.csv", ROWS)
    with pytest.raises(CommandError, match=fragment):
        import_by_command(path, _new("NGO"), cast.owner, *options)
    assert not SourceList.objects.filter(name="NGO").exists()


def test_import_new_source_list_dry_run_or_failed_import_leaves_no_empty_list(
    cast: Cast, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "ngo.csv", ROWS)
    new = ("--new-source-list", "--kind", "partner_list")
    import_by_command(path, _new("NGO"), cast.owner, *new, "--dry-run")
    assert not SourceList.objects.filter(name="NGO").exists()
    broken = write_csv(tmp_path / "broken.csv", "id,Date\n1,2018-01-01\n")
    with pytest.raises(CommandError, match="Дата"):
        import_by_command(broken, _new("NGO"), cast.owner, *new)
    assert not SourceList.objects.filter(name="NGO").exists()


def test_import_new_source_list_is_refused_to_a_reader(cast: Cast, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ngo.csv", ROWS)
    with pytest.raises(CommandError, match="is not a documenter"):
        import_by_command(
            path, _new("NGO"), cast.reader, "--new-source-list", "--kind", "partner_list"
        )
    assert not SourceList.objects.filter(name="NGO").exists()


def test_import_new_source_list_into_an_existing_list_imports_without_creating(
    cast: Cast, tmp_path: Path
) -> None:
    existing = SourceListFactory(name="NGO", organisation=cast.organisation)
    path = write_csv(tmp_path / "ngo.csv", ROWS)
    out = import_by_command(path, existing, cast.owner, "--new-source-list", "--kind", "press_scan")
    assert SourceList.objects.filter(name="NGO").count() == 1
    assert Report.objects.filter(source_list=existing).count() == 2
    assert "created" not in out
