"""The Tella protocol over a real socket (Django's live server), the way a phone's HTTP client
sends it: a piece whose connection drops half-way through its body leaves nothing of itself, the
next request learns from HEAD where to resume, and the file arrives whole."""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
from typing import Any
from urllib.parse import urlsplit

import pytest

from dozor.security.files import file_store
from dozor.submissions.models import SubmissionFile
from tests.evidence.conftest import jpeg_bytes
from tests.factories import TEST_PASSWORD, OrganisationFactory, UserFactory

NAME = "0f4c7a2e-5b1d-4e3a-8f9c-2d7b6a5e4c31.jpg"


class Phone:
    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "localhost", parts.port or 80
        self.key = ""

    def call(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        sent = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        sent.update(headers or {})
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        content = response.read()
        connection.close()
        found = {name.lower(): value for name, value in response.getheaders()}
        is_json = "json" in found.get("content-type", "")
        return response.status, found, json.loads(content) if content and is_json else None

    def drop_half_way(self, path: str, piece: bytes, content_range: str) -> None:
        """Send the headers of a whole piece, half of its body, and hang up."""
        raw = socket.create_connection((self.host, self.port), timeout=30)
        head = (
            f"PUT {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {self.key}\r\n"
            f"Content-Range: {content_range}\r\nContent-Length: {len(piece)}\r\n"
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        raw.sendall(head.encode() + piece[: len(piece) // 2])
        raw.shutdown(socket.SHUT_RDWR)
        raw.close()


@pytest.mark.django_db(transaction=True)
def test_a_piece_dropped_half_way_over_a_real_connection_is_resumed_and_the_file_is_whole(
    live_server: Any,
) -> None:
    organisation = OrganisationFactory(name="Полевая группа")
    UserFactory(username="monitor", organisation=organisation, role="documenter")
    phone = Phone(live_server.url)
    status, _headers, body = phone.call(
        "POST",
        "/tella/login/",
        json.dumps({"username": "monitor", "password": TEST_PASSWORD}).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 200
    phone.key = body["access_token"]
    status, _headers, project = phone.call("GET", "/tella/p/dozor")
    status, _headers, report = phone.call(
        "POST",
        f"/tella/project/{project['id']}",
        json.dumps({"title": "Обыск", "description": "Изъяли диски"}).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 201
    file_path = f"/tella/file/v2/{report['id']}/{NAME}"
    data = jpeg_bytes(b"live", size=(300, 300)) + b"\x00" * 300_000
    half = len(data) // 2

    status, headers, _body = phone.call(
        "PUT", file_path, data[:half], {"Content-Range": f"bytes 0-{half - 1}/{len(data)}"}
    )
    assert status == 206 and headers["size"] == str(half)
    phone.drop_half_way(file_path, data[half:], f"bytes {half}-{len(data) - 1}/{len(data)}")
    status, headers, _body = phone.call("HEAD", f"/tella/file/{report['id']}/{NAME}")
    assert status == 200 and headers["size"] == str(half)
    status, _headers, closed = phone.call(
        "PUT",
        file_path,
        data[half:],
        {"Content-Range": f"bytes {half}-{len(data) - 1}/{len(data)}"},
    )

    assert status == 200 and closed["sha256"] == hashlib.sha256(data).hexdigest()
    stored = SubmissionFile.objects.get()
    assert file_store().read(stored.file_id) == data
    assert list(file_store().ids()) == [stored.file_id]
