"""A Tella-like client, written from the protocol as docs/intake.md ("Tella") describes it and as
the Tella app calls it (Horizontal-org/Tella-Android, ReportsRepositoryImp.kt), not from Dozor's
code: the tests drive Dozor through it the way a phone would.

The project address the user types is split as Tella splits it: everything before ``p/<slug>``
is the server, to which Tella appends ``login/``, ``project/<id>`` and ``file/<report>/<name>``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.test import Client
from django.test.client import MULTIPART_CONTENT

PROJECT_ADDRESS = "http://testserver/tella/p/dozor"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def size(self) -> int:
        """The bytes the server holds of a file (its ``size`` header), as Tella reads it."""
        return int(self.headers.get("size") or 0)


def _answer(response: Any) -> Answer:
    headers = {name.lower(): value for name, value in response.headers.items()}
    body: Any = None
    if response.content and "json" in headers.get("content-type", ""):
        body = json.loads(response.content)
    return Answer(response.status_code, headers, body)


class _CutStream:
    """A request body that breaks off: its bytes, then the connection reset."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int = -1) -> bytes:
        if not self.data:
            raise ConnectionResetError("the phone lost its connection")
        size = len(self.data) if size < 0 else size
        given, self.data = self.data[:size], self.data[size:]
        return given

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


class TellaPhone:
    """One phone: its server, its key once signed in, its project id."""

    def __init__(self, project_address: str = PROJECT_ADDRESS) -> None:
        cut = project_address.rindex("/") - 1  # Tella's own split: "…/" + "p/slug"
        self.server = project_address[:cut].removeprefix("http://testserver")
        self.slug_path = project_address[cut:]
        self.http = Client()
        self.key = ""
        self.project_id = ""

    def _auth(self, bearer: bool = False) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": ("Bearer " if bearer else "") + self.key}

    def sign_in(self, username: str, password: str) -> Answer:
        """POST login/ then GET p/<slug> with the key, as Tella's login() does."""
        answer = _answer(
            self.http.post(
                self.server + "login/",
                data=json.dumps({"username": username, "password": password}),
                content_type="application/json",
            )
        )
        if answer.status != 200:
            return answer
        self.key = answer.body["access_token"]
        project = _answer(self.http.get(self.server + self.slug_path, **self._auth(bearer=True)))
        if project.status == 200:
            self.project_id = project.body["id"]
        return project

    def report(self, title: str, description: str = "", project_id: str | None = None) -> Answer:
        body = {"title": title, "description": description, "deviceInfo": '{"model":"Pixel"}'}
        return _answer(
            self.http.post(
                self.server + f"project/{project_id or self.project_id}",
                data=json.dumps(body),
                content_type="application/json",
                **self._auth(),
            )
        )

    def _file(self, report_id: str, name: str, *, v2: bool = False) -> str:
        return self.server + ("file/v2/" if v2 else "file/") + f"{report_id}/{name}"

    def head(self, report_id: str, name: str) -> Answer:
        return _answer(self.http.head(self._file(report_id, name), **self._auth()))

    def put_piece(
        self, report_id: str, name: str, data: bytes, *, start: int, total: int
    ) -> Answer:
        """Tella's chunked upload: PUT file/v2/… with Content-Range bytes START-END/TOTAL."""
        return self.put_raw(
            report_id,
            name,
            data,
            content_range=f"bytes {start}-{start + len(data) - 1}/{total}",
            v2=True,
        )

    def put_raw(
        self,
        report_id: str,
        name: str,
        data: bytes,
        *,
        content_range: str | None = None,
        content_length: int | None = None,
        v2: bool = False,
    ) -> Answer:
        extra = self._auth()
        if content_range is not None:
            extra["HTTP_CONTENT_RANGE"] = content_range
        response = self.http.generic(
            "PUT",
            self._file(report_id, name, v2=v2),
            data,
            content_type="application/octet-stream",
            **extra,
            **({"CONTENT_LENGTH": str(content_length)} if content_length is not None else {}),
        )
        return _answer(response)

    def put_cut(
        self, report_id: str, name: str, sent: bytes, *, announced: bytes, start: int, total: int
    ) -> Answer:
        """A piece whose connection breaks after ``sent``, the first bytes of ``announced``:
        the phone lost its signal half-way."""
        return _answer(
            self.http.generic(
                "PUT",
                self._file(report_id, name, v2=True),
                b"",
                content_type="application/octet-stream",
                HTTP_CONTENT_RANGE=f"bytes {start}-{start + len(announced) - 1}/{total}",
                CONTENT_LENGTH=str(len(announced)),
                **{"wsgi.input": _CutStream(sent)},
                **self._auth(),
            )
        )

    def put_rest_cut(self, report_id: str, name: str, sent: bytes, *, announced: int) -> Answer:
        """Tella's first protocol, the connection breaking after ``sent``."""
        return _answer(
            self.http.generic(
                "PUT",
                self._file(report_id, name),
                b"",
                content_type="application/octet-stream",
                CONTENT_LENGTH=str(announced),
                **{"wsgi.input": _CutStream(sent)},
                **self._auth(),
            )
        )

    def put_rest(self, report_id: str, name: str, data: bytes) -> Answer:
        """Tella's first protocol: PUT file/… with the bytes after those HEAD reported."""
        return self.put_raw(report_id, name, data)

    def close(self, report_id: str, name: str) -> Answer:
        return _answer(
            self.http.post(
                self._file(report_id, name), content_type=MULTIPART_CONTENT, **self._auth()
            )
        )
