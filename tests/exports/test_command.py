import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from dozor.audit.models import AuditEntry
from tests.conftest import Cast
from tests.exports.helpers import NAMES, marked_incident, xlsx_texts
from tests.factories import IncidentFactory, PersonFactory

pytestmark = pytest.mark.django_db


def odihr_args(out: Path, who: str, file_format: str = "csv") -> list[str]:
    return ["odihr", "--country=RU", "--year=2024", f"--format={file_format}", f"--out={out}",
            f"--user={who}"]  # fmt: skip


def csv_lines(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


@pytest.mark.parametrize(
    ("who", "rows"), [("owner", 1), ("colleague", 1), ("reader", 1), ("outsider", 0)]
)
def test_export_odihr_writes_the_users_submission(
    cast: Cast, tmp_path: Path, who: str, rows: int
) -> None:
    marked_incident(cast.owner)
    out = tmp_path / "odihr.csv"
    call_command("export", *odihr_args(out, who))
    assert len(csv_lines(out)) == 1 + rows


def test_export_odihr_xlsx_holds_no_name(cast: Cast, tmp_path: Path) -> None:
    incident = marked_incident(cast.owner, names=True)
    out = tmp_path / "odihr.xlsx"
    call_command("export", *odihr_args(out, "owner", "xlsx"))
    text = xlsx_texts(out.read_bytes())
    assert incident.reference in text
    assert not any(name in text for name in NAMES)


def test_export_odihr_is_audited(cast: Cast, tmp_path: Path) -> None:
    marked_incident(cast.owner)
    call_command("export", *odihr_args(tmp_path / "o.csv", "owner"))
    entry = AuditEntry.objects.filter(action="export").get()
    assert entry.origin == "command:export" and entry.changes["rows"] == 1


def test_export_odihr_names_a_bad_year(cast: Cast, tmp_path: Path) -> None:
    args = odihr_args(tmp_path / "o.csv", "owner")
    args[2] = "--year=last"
    with pytest.raises(CommandError, match="--year: Enter a whole number"):
        call_command("export", *args)
    assert not (tmp_path / "o.csv").exists()


def test_export_odihr_refuses_json(cast: Cast, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="xlsx or csv"):
        call_command("export", *odihr_args(tmp_path / "o.json", "owner", "json"))


def test_an_unknown_user_is_named(cast: Cast, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--user nobody: there is no active user"):
        call_command("export", *odihr_args(tmp_path / "o.csv", "nobody"))


@pytest.mark.parametrize(("who", "rows"), [("owner", 2), ("reader", 1), ("outsider", 0)])
def test_export_incidents_within_the_users_rights(
    cast: Cast, tmp_path: Path, who: str, rows: int
) -> None:
    IncidentFactory(organisation=cast.organisation, confidentiality="confidential")
    out = tmp_path / "list.json"
    call_command("export", "incidents", "--format=json", f"--out={out}", f"--user={who}")
    assert len(json.loads(out.read_text(encoding="utf-8"))) == rows


def test_export_incidents_applies_the_filters(cast: Cast, tmp_path: Path) -> None:
    IncidentFactory(organisation=cast.organisation, region="RU-MOW")
    out = tmp_path / "list.csv"
    call_command(
        "export", "incidents", "--format=csv", f"--out={out}", "--user=owner", "--region=RU-MOW"
    )
    lines = csv_lines(out)
    assert len(lines) == 2 and lines[1][lines[0].index("region")] == "RU-MOW"


def test_export_incidents_gives_pseudonyms_to_a_reader(cast: Cast, tmp_path: Path) -> None:
    PersonFactory(incident=cast.incident)
    out = tmp_path / "list.csv"
    call_command("export", "incidents", "--format=csv", f"--out={out}", "--user=reader")
    content = out.read_text(encoding="utf-8-sig")
    assert "Victim A" in content and "Каримзода" not in content


def test_export_incidents_names_a_bad_filter_by_its_option(cast: Cast, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--date-from: Enter a valid date"):
        call_command(
            "export", "incidents", "--format=csv", f"--out={tmp_path / 'x.csv'}",
            "--user=owner", "--date-from=soon",
        )  # fmt: skip


def test_export_incidents_refuses_xlsx(cast: Cast, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="csv or json"):
        call_command(
            "export", "incidents", "--format=xlsx", f"--out={tmp_path / 'x'}", "--user=owner"
        )
