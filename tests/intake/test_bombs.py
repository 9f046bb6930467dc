"""Files made to exhaust the server: refused or quarantined within seconds, in bounded memory.

The workbooks are written in the test (tests/intake/workbooks.py), never committed: the bomb
weighs about a megabyte and its shared strings unpack to 510 MB, like the one that held the
preview for 420 seconds and took the server to 3.2 GB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError
from django.urls import reverse

from dozor.intake import readers, xlsx
from dozor.intake.mapping import PROBLEM_MESSAGES
from dozor.intake.models import QuarantinedRow
from dozor.records.models import Report
from tests.intake.conftest import ROOT, SMALL_MAPPING, import_by_command
from tests.intake.workbooks import workbook_write

pytestmark = pytest.mark.django_db

HEADER = ["id", "Дата", "Мотив", "Убито"]
ROW = ["1", "04.12.2008", "ксенофобия", "0"]
FILLER = (b"<si><t>" + b"x" * 1000 + b"</t></si>") * 1024
BOMB_UNPACKED = 510 * 1024 * 1024
# What reading may add to the memory the child held before it read (Django and Dozor loaded,
# about 150 MB, more or less with the machine's libraries): a bomb read unbounded took 600 MB.
READ_MEMORY_LIMIT_KB = 150 * 1024
SECONDS = 10

CHILD = r"""
import json, os, resource, sys, time
# A reader that does not bound the bomb fails here rather than taking the machine's memory.
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
import django
django.setup()
from pathlib import Path
from dozor.intake.readers import ImportFileError, table_open
def high_water_kb():
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith("VmHWM:")).split()[1])
before = high_water_kb()
path = Path(sys.argv[1])
started = time.monotonic()
try:
    source = path.read_bytes() if sys.argv[2] == "bytes" else path
    table = table_open(source, file=path.name)
    outcome = f"read {sum(1 for _ in table.rows)} rows"
except ImportFileError as error:
    outcome = f"refused: {error}"
except MemoryError:
    outcome = "out of memory"
seconds = time.monotonic() - started
# Peak memory while reading, beyond what the child held before it read.
read_kb = high_water_kb() - before
print(json.dumps({"outcome": outcome, "seconds": seconds, "read_kb": read_kb}))
"""


def read_in_child(path: Path, tmp_path: Path, *, source: str = "path") -> dict:
    """Read a file with Dozor's reader in a fresh Python; its outcome, time and peak memory."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": str(ROOT),
        "DOZOR_HOME": str(tmp_path / "child-home"),
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), source],
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bomb")
    return workbook_write(
        folder / "partner.xlsx",
        [HEADER, ROW],
        strings_filler=(FILLER, BOMB_UNPACKED // len(FILLER)),
    )


def preview(cast, source_list, name: str, data: bytes):
    client = cast.client("owner")
    response = client.post(
        reverse("intake:import_new"),
        {
            "file": SimpleUploadedFile(name, data),
            "source_list": source_list.pk,
            "mapping_text": SMALL_MAPPING,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    started = time.monotonic()
    page = client.get(response["Location"])
    return page, time.monotonic() - started


def import_command(path: Path, source_list, user) -> str:
    return import_by_command(path, source_list, user)


@pytest.mark.parametrize("source", ["path", "bytes"])
def test_reading_the_shared_strings_bomb_is_refused_in_seconds_and_bounded_memory(
    bomb, tmp_path, source
) -> None:
    assert bomb.stat().st_size < 2 * 1024 * 1024
    result = read_in_child(bomb, tmp_path, source=source)
    assert result["outcome"].startswith("refused: partner.xlsx:"), result
    assert result["seconds"] < SECONDS, result
    assert result["read_kb"] < READ_MEMORY_LIMIT_KB, result


def test_the_preview_of_the_shared_strings_bomb_names_the_file_and_the_limit(
    cast, source_list, bomb
) -> None:
    page, seconds = preview(cast, source_list, "partner.xlsx", bomb.read_bytes())
    assert page.status_code == 400 and seconds < SECONDS
    limit = xlsx.XLSX_MAX_SHARED_STRINGS_BYTES >> 20
    expected = str(xlsx.MSG_XLSX_SHARED_STRINGS_BYTES) % {"file": "partner.xlsx", "limit": limit}
    assert expected in page.content.decode().replace("&#x27;", "'")


def test_the_import_command_refuses_the_shared_strings_bomb(cast, source_list, bomb) -> None:
    started = time.monotonic()
    with pytest.raises(CommandError, match=r"partner\.xlsx: the workbook's shared strings"):
        import_command(bomb, source_list, cast.owner)
    assert time.monotonic() - started < SECONDS
    assert not Report.objects.exists()


def test_a_workbook_whose_parts_unpack_to_more_than_they_declare_is_refused(
    tmp_path,
) -> None:
    liar = workbook_write(
        tmp_path / "liar.xlsx",
        [HEADER, ROW],
        strings_filler=(FILLER, BOMB_UNPACKED // len(FILLER)),
        strings_declared_size=4096,
    )
    result = read_in_child(liar, tmp_path)
    assert result["outcome"].startswith("refused: liar.xlsx:"), result
    assert result["seconds"] < SECONDS and result["read_kb"] < READ_MEMORY_LIMIT_KB, result


def test_a_sheet_that_unpacks_a_hundred_times_its_size_is_refused_as_a_bomb(tmp_path) -> None:
    blank_rows = b"<row><c/></row>" * 65536
    bomb = workbook_write(tmp_path / "rows.xlsx", [HEADER], sheet_pieces=[(blank_rows, 512)])
    result = read_in_child(bomb, tmp_path)
    assert result["outcome"].startswith("refused: rows.xlsx:"), result
    assert "xl/worksheets/sheet1.xml" in result["outcome"], result
    assert result["seconds"] < SECONDS and result["read_kb"] < READ_MEMORY_LIMIT_KB, result


def test_a_row_larger_than_the_limit_is_refused_before_it_is_read(tmp_path) -> None:
    # Distinct numbers: this row packs like real data, so only the row limit can stop it.
    cells = "".join(f"<c><v>{number}</v></c>" for number in range(400_000)).encode()
    assert len(cells) > xlsx.XLSX_MAX_ROW_BYTES
    wide = workbook_write(
        tmp_path / "wide.xlsx", [HEADER], sheet_pieces=[(b"<row>" + cells + b"</row>", 1)]
    )
    result = read_in_child(wide, tmp_path)
    limit = xlsx.XLSX_MAX_ROW_BYTES >> 20
    assert result["outcome"] == "refused: " + str(xlsx.MSG_XLSX_ROW_BYTES) % {
        "file": "wide.xlsx",
        "limit": limit,
    }, result
    assert result["read_kb"] < READ_MEMORY_LIMIT_KB, result


def test_a_row_with_more_cells_than_a_spreadsheet_has_columns_is_refused(
    cast, source_list, tmp_path
) -> None:
    cells = b"<c><v>1</v></c>" * (xlsx.XLSX_MAX_ROW_CELLS + 1)
    wide = workbook_write(
        tmp_path / "wide.xlsx", [HEADER, ROW], sheet_pieces=[(b"<row>" + cells + b"</row>", 1)]
    )
    message = str(xlsx.MSG_XLSX_ROW_CELLS) % {
        "file": "wide.xlsx",
        "row": 3,
        "limit": xlsx.XLSX_MAX_ROW_CELLS,
    }
    with pytest.raises(CommandError) as refused:
        import_command(wide, source_list, cast.owner)
    assert str(refused.value) == message
    assert not Report.objects.exists()


def test_a_sheet_with_more_cells_than_the_limit_is_refused_naming_the_limit(
    cast, source_list, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(xlsx, "XLSX_MAX_CELLS", 40)
    rows = [HEADER] + [[str(number), "04.12.2008", "ксенофобия", "0"] for number in range(1, 20)]
    many = workbook_write(tmp_path / "many.xlsx", rows)
    with pytest.raises(CommandError) as refused:
        import_command(many, source_list, cast.owner)
    assert str(refused.value) == str(xlsx.MSG_XLSX_CELLS) % {"file": "many.xlsx", "limit": 40}
    assert not Report.objects.exists()


def test_a_workbook_that_unpacks_to_more_than_the_limit_is_refused(
    cast, source_list, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(xlsx, "XLSX_MAX_UNPACKED_BYTES", 2 * 1024 * 1024)
    big = workbook_write(tmp_path / "big.xlsx", [HEADER, ROW], strings_filler=(FILLER, 3))
    with pytest.raises(CommandError) as refused:
        import_command(big, source_list, cast.owner)
    assert str(refused.value) == str(xlsx.MSG_XLSX_UNPACKED) % {"file": "big.xlsx", "limit": 2}


def test_a_workbook_within_the_limits_still_imports(cast, source_list, tmp_path) -> None:
    rows = [HEADER] + [[str(number), "04.12.2008", "ксенофобия", "0"] for number in range(1, 50)]
    output = import_command(workbook_write(tmp_path / "fine.xlsx", rows), source_list, cast.owner)
    assert Report.objects.count() == 49, output


def _nested(depth: int) -> str:
    return '{"id": "2", "Дата": "04.12.2008", "Мотив": ' + "[" * depth + "]" * depth + "}"


JSONL = "\n".join(
    [
        '{"id": "1", "Дата": "04.12.2008", "Мотив": "ксенофобия", "Убито": "0"}',
        _nested(5000),
        _nested(readers.JSON_MAX_DEPTH + 1),
        '{"id": "4", "Дата": "05.12.2008", "Мотив": "расизм", "Убито": "0"}',
    ]
)


def test_a_json_lines_row_nested_thousands_deep_is_quarantined_on_the_preview(
    cast, source_list
) -> None:
    page, seconds = preview(cast, source_list, "partner.jsonl", JSONL.encode())
    assert page.status_code == 200 and seconds < SECONDS
    body = page.content.decode()
    message = str(PROBLEM_MESSAGES["too_deep"]) % {"limit": readers.JSON_MAX_DEPTH}
    assert body.count(message) == 2
    assert body.count("quarantined") >= 2 and "расизм" in body


def test_the_import_command_quarantines_rows_nested_too_deep(cast, source_list, tmp_path) -> None:
    path = tmp_path / "partner.jsonl"
    path.write_text(JSONL, encoding="utf-8")
    import_command(path, source_list, cast.owner)
    assert Report.objects.count() == 2
    quarantined = QuarantinedRow.objects.order_by("row_number")
    assert [row.row_number for row in quarantined] == [2, 3]
    assert {row.problems[0]["code"] for row in quarantined} == {"too_deep"}
    assert quarantined[0].raw["line"] == _nested(5000)
