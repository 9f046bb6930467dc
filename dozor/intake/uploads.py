"""Uploaded files are read into memory, never spooled to a temporary file in clear.

Django's default upload handlers write every file larger than 2.5 MB to a temporary file while
the request is read. An import file holds the names of victims, and Dozor promises that it only
ever reaches the disk sealed in the encrypted file store, so the only upload handler is
:class:`MemoryOnlyUploadHandler`: it keeps the file in memory up to DOZOR_IMPORT_UPLOAD_MAX_MB and
skips a larger one (the form then says why), so memory stays bounded too.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest

REFUSED_ATTRIBUTE = "_dozor_uploads_refused"


def upload_max_bytes() -> int:
    return int(settings.DOZOR_IMPORT_UPLOAD_MAX_MB) * 1024 * 1024


def uploads_refused(request: HttpRequest) -> set[str]:
    """The form fields whose file was larger than the limit and was left out of request.FILES."""
    refused: set[str] = getattr(request, REFUSED_ATTRIBUTE, set())
    return refused


class MemoryOnlyUploadHandler(FileUploadHandler):
    """Keep each uploaded file in memory; skip (and remember) one larger than the limit."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = upload_max_bytes()
        self.file = io.BytesIO()

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.file = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.limit:
            self.file = io.BytesIO()  # drops what was read; the parser closes it
            if self.request is not None:
                refused = uploads_refused(self.request) | {str(self.field_name)}
                setattr(self.request, REFUSED_ATTRIBUTE, refused)
            # The parser reads the rest of this file and drops it; the other fields still come.
            raise SkipFile()
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.file.seek(0)
        return InMemoryUploadedFile(
            file=self.file,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
