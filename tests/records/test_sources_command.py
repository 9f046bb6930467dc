"""`dozor sources`: source lists added, listed, renamed and described from the command line,
by a user with their rights or by the server's operator for an organisation."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from dozor.audit.models import Action, AuditEntry
from dozor.records.management.commands import sourcelist
from dozor.records.models import Report, SourceList
from tests.conftest import Cast
from tests.records.imported import NEXT_CSV, import_file

pytestmark = pytest.mark.django_db


def sources(*args: str) -> str:
    out = StringIO()
    call_command("sources", *args, stdout=out)
    return out.getvalue()


def test_the_operator_adds_a_list_for_a_new_organisation(cast: Cast) -> None:
    output = sources(
        "add", "Мемориал", "--kind", "partner_list", "--organisation", "Другая организация"
    )
    assert "Source list 'Мемориал' (partner_list) added for Другая организация" in output
    source_list = SourceList.objects.get(name="Мемориал")
    assert source_list.organisation == cast.other_organisation and source_list.created_by is None


def test_the_operators_list_is_in_the_audit_trail_without_a_user(cast: Cast) -> None:
    sources("add", "Мемориал", "--kind", "partner_list", "--organisation", "Северный маяк")
    entry = AuditEntry.objects.get(action=Action.CREATE, target_type="records.sourcelist")
    assert (entry.actor, entry.origin) == ("", "command:sources")


def test_an_unknown_organisation_is_named_with_the_known_ones(cast: Cast) -> None:
    with pytest.raises(CommandError, match=r"no organisation named .Нет такой.*Северный маяк"):
        sources("add", "X", "--kind", "partner_list", "--organisation", "Нет такой")


def test_a_user_and_an_organisation_together_are_refused(cast: Cast) -> None:
    with pytest.raises(CommandError, match="not allowed with argument"):
        sources(
            "add",
            "X",
            "--kind",
            "partner_list",
            "--user",
            "owner",
            "--organisation",
            "Северный маяк",
        )


def test_one_of_user_and_organisation_is_required(cast: Cast) -> None:
    with pytest.raises(CommandError, match="one of the arguments --user --organisation"):
        sources("list")


@pytest.mark.parametrize(
    ("option", "value", "known"),
    [("--reliability", "high", "usually_reliable"), ("--language", "de", "en, ru")],
)
def test_an_unknown_reliability_or_language_is_refused_naming_the_known_ones(
    cast: Cast, option: str, value: str, known: str
) -> None:
    with pytest.raises(CommandError, match=f"{option} {value}: .*{known}"):
        sources("add", "X", "--kind", "partner_list", "--user", "owner", option, value)
    assert not SourceList.objects.filter(name="X").exists()


def test_the_list_gives_each_list_with_its_description_reports_and_last_import(
    cast: Cast, tmp_path: Path
) -> None:
    sources("add", "НКО", "--kind", "ngo_database", "--user", "owner", "--description", "Своя база")
    batch = import_file(tmp_path, SourceList.objects.get(name="НКО"), cast.owner, NEXT_CSV)
    [row] = json.loads(sources("list", "--organisation", "Северный маяк", "--json"))
    assert {
        "name": "НКО",
        "kind": "ngo_database",
        "description": "Своя база",
        "reports": 2,
        "last_import": batch.created_at.isoformat(),
    }.items() <= row.items()


def test_a_documenter_renames_a_list_and_imports_into_it_by_its_new_name(
    cast: Cast, tmp_path: Path
) -> None:
    sources("add", "НКО", "--kind", "ngo_database", "--user", "owner")
    output = sources("rename", "НКО", "НКО 2024", "--user", "colleague")
    assert output.strip() == "Source list 'НКО' is now 'НКО 2024'."
    renamed = SourceList.objects.get(name="НКО 2024")
    import_file(tmp_path, renamed, cast.owner, NEXT_CSV)
    assert Report.objects.filter(source_list=renamed).count() == 2


def test_renaming_to_a_name_taken_is_refused_and_nothing_changes(cast: Cast) -> None:
    sources("add", "НКО", "--kind", "ngo_database", "--user", "owner")
    sources("add", "Чужой", "--kind", "partner_list", "--user", "outsider")
    with pytest.raises(CommandError, match="--name: There is already a source list named"):
        sources("rename", "НКО", "Чужой", "--user", "owner")
    assert SourceList.objects.filter(name="НКО").exists()


def test_a_reader_cannot_rename_a_list(cast: Cast) -> None:
    sources("add", "НКО", "--kind", "ngo_database", "--user", "owner")
    with pytest.raises(CommandError, match="'reader' may not change the source lists"):
        sources("rename", "НКО", "Другое", "--user", "reader")


def test_another_organisations_list_is_not_found_by_name(cast: Cast) -> None:
    sources("add", "Чужой", "--kind", "partner_list", "--user", "outsider")
    with pytest.raises(CommandError, match="There is no source list 'Чужой' in Северный маяк"):
        sources("rename", "Чужой", "Мой", "--user", "owner")
    assert SourceList.objects.filter(name="Чужой").exists()


def test_describe_changes_only_what_is_given_and_audits_it(cast: Cast) -> None:
    sources("add", "НКО", "--kind", "ngo_database", "--user", "owner", "--language", "en")
    output = sources(
        "describe",
        "НКО",
        "--reliability",
        "reliable",
        "--description",
        "Своя база",
        "--user",
        "owner",
    )
    assert output.strip() == "Source list 'НКО': description, reliability saved."
    source_list = SourceList.objects.get(name="НКО")
    assert (source_list.reliability, source_list.language) == ("reliable", "en")
    entry = AuditEntry.objects.get(action=Action.UPDATE, target_type="records.sourcelist")
    assert entry.changes == {
        "description": "changed",
        "reliability": {"before": "unknown", "after": "reliable"},
    }


def test_describe_with_nothing_to_change_says_what_to_give(cast: Cast) -> None:
    sources("add", "НКО", "--kind", "ngo_database", "--user", "owner")
    with pytest.raises(CommandError, match="at least one of --description, --reliability"):
        sources("describe", "НКО", "--user", "owner")


def test_the_operator_describes_an_organisations_list(cast: Cast) -> None:
    sources("add", "НКО", "--kind", "ngo_database", "--user", "owner")
    row = json.loads(
        sources("describe", "НКО", "--language", "en", "--organisation", "Северный маяк", "--json")
    )
    assert row["language"] == "en" and row["organisation"] == "Северный маяк"


def test_a_description_naming_someone_is_redacted_for_a_reader(cast: Cast) -> None:
    sources(
        "add",
        "НКО",
        "--kind",
        "ngo_database",
        "--user",
        "owner",
        "--description",
        "Список прислала Анна Белова.",
    )
    [row] = json.loads(sources("list", "--user", "reader", "--json"))
    assert "Белова" not in row["description"]
    [row] = json.loads(sources("list", "--user", "owner", "--json"))
    assert "Белова" in row["description"]


def test_sourcelist_is_the_old_name_of_sources_and_does_what_it_does(cast: Cast) -> None:
    assert sourcelist.Command.help.startswith("The old name of `dozor sources`")
    out = StringIO()
    call_command(
        "sourcelist", "add", "НКО", "--kind", "ngo_database", "--user", "owner", stdout=out
    )
    call_command(
        "sourcelist", "describe", "НКО", "--reliability", "reliable", "--user", "owner", stdout=out
    )
    assert SourceList.objects.get(name="НКО").reliability == "reliable"
    entry = AuditEntry.objects.filter(target_type="records.sourcelist").latest("id")
    assert entry.origin == "command:sourcelist"
