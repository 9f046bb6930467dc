"""`dozor sourcelist`: a new user's partner file gets a source list to be imported into."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from dozor.accounts.models import Role
from dozor.audit.models import Action, AuditEntry
from dozor.records.models import Report, SourceList
from tests.conftest import Cast
from tests.factories import OrganisationFactory, UserFactory
from tests.intake.conftest import import_by_command

pytestmark = pytest.mark.django_db

PARTNER_CSV = "id,Дата,Мотив,Убито\n1,04.12.2008,ксенофобия,0\n2,2008-12-05,расизм,1\n"


def sourcelist(*args: str) -> str:
    out = StringIO()
    call_command("sourcelist", *args, stdout=out)
    return out.getvalue()


def test_the_import_of_a_list_nobody_created_says_how_to_create_it(
    cast: Cast, tmp_path: Path
) -> None:
    path = tmp_path / "ngo.csv"
    path.write_text(PARTNER_CSV, encoding="utf-8")
    fake = SourceList(name="NGO")
    with pytest.raises(CommandError, match="dozor sources add 'NGO' --kind partner_list"):
        import_by_command(path, fake, cast.owner)


def test_a_documenter_adds_a_source_list_and_imports_a_partner_file_into_it(
    cast: Cast, tmp_path: Path
) -> None:
    output = sourcelist("add", "NGO", "--kind", "partner_list", "--user", "owner")
    assert "Source list 'NGO' (partner_list) added" in output
    source_list = SourceList.objects.get(name="NGO")
    assert source_list.organisation == cast.organisation
    path = tmp_path / "ngo.csv"
    path.write_text(PARTNER_CSV, encoding="utf-8")
    import_by_command(path, source_list, cast.owner)
    assert Report.objects.filter(source_list=source_list).count() == 2
    rows = json.loads(sourcelist("list", "--user", "owner", "--json"))
    assert {"name": "NGO", "kind": "partner_list", "reports": 2}.items() <= rows[0].items()


def test_a_new_source_list_is_in_the_audit_trail(cast: Cast) -> None:
    sourcelist("add", "Пресса", "--kind", "press_scan", "--user", "owner")
    entry = AuditEntry.objects.get(action=Action.CREATE, target_type="records.sourcelist")
    assert entry.actor == "owner" and entry.changes["name"] == "Пресса"


@pytest.mark.parametrize("role", [Role.READER, Role.ANALYST, Role.ADVOCATE])
def test_only_documenters_and_administrators_add_a_source_list(role: str) -> None:
    UserFactory(username="someone", organisation=OrganisationFactory(), role=role)
    with pytest.raises(CommandError, match="not a documenter or administrator"):
        sourcelist("add", "NGO", "--kind", "partner_list", "--user", "someone")
    assert not SourceList.objects.filter(name="NGO").exists()


def test_an_unknown_kind_is_refused_naming_the_known_kinds(cast: Cast) -> None:
    with pytest.raises(CommandError, match=r"--kind ngo: .*partner_list"):
        sourcelist("add", "NGO", "--kind", "ngo", "--user", "owner")
    assert not SourceList.objects.filter(name="NGO").exists()


def test_a_name_already_taken_is_refused_and_the_first_list_is_kept(cast: Cast) -> None:
    sourcelist("add", "NGO", "--kind", "partner_list", "--user", "owner")
    with pytest.raises(CommandError, match="--name: "):
        sourcelist("add", "NGO", "--kind", "press_scan", "--user", "owner")
    assert SourceList.objects.get(name="NGO").kind == "partner_list"


def test_the_list_shows_only_the_users_organisations_lists(cast: Cast) -> None:
    sourcelist("add", "Ours", "--kind", "partner_list", "--user", "owner")
    sourcelist("add", "Theirs", "--kind", "partner_list", "--user", "outsider")
    assert [row["name"] for row in json.loads(sourcelist("list", "--user", "owner", "--json"))] == [
        "Ours"
    ]
