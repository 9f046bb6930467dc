"""Evidence uploads go straight into the sealed store as they arrive: never in memory whole,
never in a temporary file in clear.

The project's default upload handler keeps a file in memory (dozor.intake.uploads), which bounds
an import; evidence files can be hundreds of megabytes, so the evidence upload view puts
:class:`EvidenceUploadHandler` in its place. Each file's first chunk tells its type (from the
content, not the name), and a refused type is skipped before a byte of it is stored; the bytes
go into a store writer that refuses more than DOZOR_EVIDENCE_FILE_MAX_MB, and the whole request
may carry at most DOZOR_EVIDENCE_UPLOAD_MAX_MB. What the handler stored and the view did not keep
is deleted when the request ends (``discard_unclaimed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.http import HttpRequest

from dozor.security.files import FileTooLarge, StoredFile, StoreWriter, file_store

ALLOWED_MEDIA_TYPES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "image/heic": "HEIC",
    "image/tiff": "TIFF",
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.oasis.opendocument.text": "ODT",
    "application/msword": "DOC",
    "application/rtf": "RTF",
    "audio/mpeg": "MP3",
    "audio/mp4": "M4A",
    "audio/ogg": "OGG",
    "audio/amr": "AMR",
    "audio/x-wav": "WAV",
    "video/mp4": "MP4",
    "video/quicktime": "MOV",
    "video/webm": "WebM",
    "video/3gpp": "3GP",
}
# filetype needs the first 262 bytes; a multipart chunk is 64 KiB.
SNIFF_BYTES = 8192
MB = 2**20
UPLOAD_STATE = "_dozor_evidence_upload"


def media_type_of(head: bytes) -> str | None:
    """The type the content's first bytes show, or None when filetype knows none."""
    kind = filetype.guess(head)
    return None if kind is None else str(kind.mime)


@dataclass(frozen=True)
class Refusal:
    name: str
    code: str  # "type", "size", "upload", "empty"
    found: str = ""


@dataclass
class UploadState:
    """What one request's upload stored and refused."""

    stored: list[StoredFile] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    claimed: set[str] = field(default_factory=set)


def upload_state(request: HttpRequest) -> UploadState:
    state = getattr(request, UPLOAD_STATE, None)
    if state is None:
        state = UploadState()
        setattr(request, UPLOAD_STATE, state)
    return state


def discard_unclaimed(request: HttpRequest) -> None:
    """Delete every file this request stored that no attachment claimed."""
    state = upload_state(request)
    store = file_store()
    for stored in state.stored:
        if stored.file_id not in state.claimed:
            store.delete(stored.file_id)


class SealedUpload(UploadedFile):
    """An uploaded file that is already in the sealed store: its name, type and StoredFile."""

    def __init__(self, *, name: str, field_name: str, media_type: str, stored: StoredFile):
        super().__init__(file=None, name=name, content_type=media_type, size=stored.size)
        self.field_name = field_name
        self.media_type = media_type
        self.stored = stored

    def close(self) -> None:
        """Nothing is open: the request's end closes its files, and this one is in the store."""


class EvidenceUploadHandler(FileUploadHandler):
    """Seal each uploaded file into the store while the request is read."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.file_limit = int(settings.DOZOR_EVIDENCE_FILE_MAX_MB) * MB
        self.upload_limit = int(settings.DOZOR_EVIDENCE_UPLOAD_MAX_MB) * MB
        self.received = 0
        self.writer: StoreWriter | None = None
        self.media_type = ""

    def _state(self) -> UploadState:
        assert self.request is not None
        return upload_state(self.request)

    def _refuse(self, code: str, found: str = "") -> None:
        self._state().refused.append(Refusal(str(self.file_name), code, found))
        if self.writer is not None:
            self.writer.abort()
            self.writer = None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.writer = None
        self.media_type = ""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start == 0:
            found = media_type_of(raw_data[:SNIFF_BYTES])
            if found not in ALLOWED_MEDIA_TYPES:
                self._refuse("type", found or "")
                raise SkipFile()
            self.media_type = found
            self.writer = file_store().writer(max_bytes=self.file_limit)
        if self.writer is None:  # the file was refused: its remaining chunks are dropped
            raise SkipFile()
        self.received += len(raw_data)
        if self.received > self.upload_limit:
            self._refuse("upload")
            # The rest of the body is read and dropped, so the browser gets the page that
            # says why.
            raise StopUpload(connection_reset=False)
        try:
            self.writer.write(raw_data)
        except FileTooLarge:
            self._refuse("size")
            raise SkipFile() from None
        return None

    def file_complete(self, file_size: int) -> SealedUpload | None:
        if self.writer is None:
            if file_size == 0:
                self._state().refused.append(Refusal(str(self.file_name), "empty"))
            return None
        stored = self.writer.finish()
        self.writer = None
        self._state().stored.append(stored)
        return SealedUpload(
            name=str(self.file_name),
            field_name=str(self.field_name),
            media_type=self.media_type,
            stored=stored,
        )

    def upload_interrupted(self) -> None:
        if self.writer is not None:
            self.writer.abort()
            self.writer = None
