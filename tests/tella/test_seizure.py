"""What a seized disk holds of the reports phones sent from Tella: a report whose title,
description, file name and file bytes name someone, one file closed and one still arriving,
leaves the name nowhere in the SQLite file (with its WAL) or the file store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.homes import sqlite_database_place
from tests.security.test_seizure import files_bytes, leaked, sqlite_bytes
from tests.test_config import ROOT

pytestmark = [pytest.mark.database_free]

NAME = "Евлампия Краснопевцева"
TELLA_WITH_NAMES = """
import io, sys, django
django.setup()
from django.core.management import call_command
# The placed database is migrated when the suite's own was made; when no test of the run needed
# one (this test alone), it is empty: migrate, which on a migrated database checks and returns.
call_command("migrate", verbosity=0)
from PIL import Image
from dozor.accounts.models import Organisation, User
from dozor.tella.ranges import ByteRange
from dozor.tella.services import tella_piece_receive, tella_report_create, tella_upload_close
name = sys.argv[1]
organisation = Organisation.objects.create(name="Полевая группа")
user = User.objects.create_user(username="monitor", organisation=organisation, role="documenter")
report = tella_report_create(user=user, title=f"Задержана {name}", description=f"{name} в ОВД")
photo = io.BytesIO()
Image.new("RGB", (64, 64)).save(photo, format="JPEG", comment=name.encode())
data = photo.getvalue()
whole = ByteRange(start=0, end=len(data) - 1, total=len(data))
tella_piece_receive(report=report, name=f"{name}.jpg", body=io.BytesIO(data), byte_range=whole,
                    body_length=len(data))
tella_upload_close(report=report, name=f"{name}.jpg")
half = ByteRange(start=0, end=len(data) // 2 - 1, total=len(data))
tella_piece_receive(report=report, name=f"{name} 2.jpg", body=io.BytesIO(data[: len(data) // 2]),
                    byte_range=half, body_length=len(data) // 2)
"""


def test_a_tella_report_naming_someone_leaves_the_name_nowhere_on_disk(
    migrated_sqlite: Path, tmp_path: Path
) -> None:
    home = tmp_path / "seized-tella"
    home.mkdir()
    sqlite_database_place(migrated_sqlite, home)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOZOR_", "DJANGO_"))}
    env.update(DOZOR_HOME=str(home), DJANGO_SETTINGS_MODULE="tests.settings")
    result = subprocess.run(
        [sys.executable, "-c", TELLA_WITH_NAMES, NAME],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    assert len(list((home / "files").rglob("*.enc"))) == 2, "a closed file and a piece"
    # The scan finds what is kept in clear (an organisation's name), so its silence means something.
    assert leaked({"Полевая группа"}, sqlite_bytes(home)) == ["Полевая группа"]
    assert leaked({NAME}, sqlite_bytes(home)) == []
    assert leaked({NAME}, files_bytes(home)) == []
    assert b"JFIF" not in files_bytes(home / "files")
