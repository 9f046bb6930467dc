"""A UTF-8 file with a bad byte is not read as cp1251 without a word.

cp1251 decodes any bytes at all, so one bad byte in a UTF-8 file turned every name into mojibake
("Р•РІР»Р°РјРїРёСЏ") and the import could be confirmed. The importer is told where the bad bytes
are and chooses how to read the file; the preview shows the encoding and texts as decoded.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from dozor.intake import views
from dozor.intake.models import PendingUpload
from dozor.records.models import Report
from tests.intake.conftest import SMALL_MAPPING, import_by_command

pytestmark = pytest.mark.django_db

NAME = "Евлампия Збруева"
MOJIBAKE = NAME.encode("utf-8").decode("cp1251")
HEAD = f"id,Дата,Мотив,Убито,Кто\n1,04.12.2008,ксенофобия,0,{NAME}\n2,05.12.2008,расизм,0,"
BAD = HEAD.encode("utf-8") + b"\xff" + f"Пётр Иванов\n3,06.12.2008,расизм,0,{NAME}\n".encode()
BAD_OFFSET = len(HEAD.encode("utf-8"))


@pytest.fixture(autouse=True)
def imports_run_inline(monkeypatch) -> None:
    monkeypatch.setattr(views, "RUN_IN_THREAD", False)


def upload(client, source_list, data: bytes, encoding: str = ""):
    response = client.post(
        reverse("intake:import_new"),
        {
            "file": SimpleUploadedFile("partner.csv", data),
            "source_list": source_list.pk,
            "mapping_text": SMALL_MAPPING,
            "encoding": encoding,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def test_a_utf8_file_with_one_bad_byte_is_refused_on_the_preview_saying_where(
    cast, source_list
) -> None:
    client = cast.client("owner")
    page = client.get(upload(client, source_list, BAD))
    body = page.content.decode()
    assert page.status_code == 400
    assert f"line 3 (byte {BAD_OFFSET} of the file)" in body
    assert "utf-8-replace" in body and MOJIBAKE not in body
    assert 'name="encoding"' in body  # the choice of how to read it
    assert "Import the whole file" not in body


def test_choosing_utf8_with_replacement_on_the_preview_reads_the_names(cast, source_list) -> None:
    client = cast.client("owner")
    location = upload(client, source_list, BAD)
    chosen = client.post(location, {"encoding": "utf-8-replace"})
    assert chosen.status_code == 302 and chosen["Location"] == location
    assert PendingUpload.objects.get().encoding == "utf-8-replace"
    page = client.get(location)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Encoding: utf-8-replace, as you chose." in body
    assert f"<q>{NAME}</q>" in body and "<q>\ufffdПётр Иванов</q>" in body
    token = location.rstrip("/").split("/")[-1]
    client.post(reverse("intake:import_confirm", args=[token]))
    names = {report.payload["Кто"] for report in Report.objects.all()}
    assert names == {NAME, "\ufffdПётр Иванов"}


def test_an_encoding_chosen_at_upload_is_shown_as_chosen_with_the_names_it_gives(
    cast, source_list
) -> None:
    text = f"id,Дата,Мотив,Убито,Кто\n1,04.12.2008,ксенофобия,0,{NAME}\n"
    client = cast.client("owner")
    page = client.get(upload(client, source_list, text.encode("cp1251"), encoding="cp1251"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Encoding: cp1251, as you chose." in body and f"<q>{NAME}</q>" in body


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
def test_the_preview_shows_the_detected_encoding_and_names_as_decoded(
    cast, source_list, encoding
) -> None:
    text = f"id,Дата,Мотив,Убито,Кто\n1,04.12.2008,ксенофобия,0,{NAME}\n"
    client = cast.client("owner")
    body = client.get(upload(client, source_list, text.encode(encoding))).content.decode()
    assert f"Encoding: {encoding}, detected." in body and f"<q>{NAME}</q>" in body


def import_command(tmp_path: Path, source_list, user, *options: str) -> str:
    path = tmp_path / "partner.csv"
    path.write_bytes(BAD)
    return import_by_command(path, source_list, user, *options)


def test_the_import_command_refuses_a_utf8_file_with_a_bad_byte_saying_where(
    cast, source_list, tmp_path
) -> None:
    with pytest.raises(CommandError) as refused:
        import_command(tmp_path, source_list, cast.owner)
    message = str(refused.value)
    assert message.startswith(
        f"partner.csv: the file is UTF-8 except for bytes that are not, at line 3 (byte "
        f"{BAD_OFFSET} of the file) (1 in all)."
    )
    assert "--encoding" in message
    assert not Report.objects.exists()


def test_the_import_command_reads_the_file_with_the_encoding_chosen(
    cast, source_list, tmp_path
) -> None:
    output = import_command(tmp_path, source_list, cast.owner, "--encoding", "utf-8-replace")
    assert "utf-8-replace" in output
    names = {report.payload["Кто"] for report in Report.objects.all()}
    assert names == {NAME, "\ufffdПётр Иванов"}


def test_a_file_written_in_cp1251_is_still_read_as_cp1251(cast, source_list, tmp_path) -> None:
    path = tmp_path / "partner.csv"
    path.write_bytes(f"id,Дата,Мотив,Убито,Кто\n1,04.12.2008,расизм,0,{NAME}\n".encode("cp1251"))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(SMALL_MAPPING, encoding="utf-8")
    call_command(
        "import",
        str(path),
        "--source-list",
        source_list.name,
        "--mapping",
        str(mapping),
        "--user",
        cast.owner.username,
        stdout=StringIO(),
    )
    assert Report.objects.get().payload["Кто"] == NAME
