"""The byte range a Tella upload request says its body holds (``Content-Range``).

Tella sends each piece of a file as ``Content-Range: bytes START-END/TOTAL`` (END inclusive, as
in HTTP; Horizontal-org/TellaWeb-backend, src/modules/file/controllers/upload.file.controller.ts).
Parsing is strict: whatever is not exactly that shape, in plain decimal digits, is refused with a
message that names the header and what was expected, so that a phone's bug or a forged request is
answered 400 before a byte of the body is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# At most 19 digits: every such number fits a signed 64-bit column; a longer one is no file size.
_RANGE = re.compile(r"bytes (\d{1,19})-(\d{1,19})/(\d{1,19})", re.ASCII)

MSG_RANGE_SHAPE = (
    "Content-Range: expected “bytes START-END/TOTAL” in decimal digits (for example "
    "“bytes 0-1048575/5242880”), got {value!r}."
)
MSG_RANGE_ORDER = "Content-Range: the range ends (byte {end}) before it starts (byte {start})."
MSG_RANGE_BEYOND = (
    "Content-Range: the range ends at byte {end}, beyond the declared total of {total} bytes "
    "(the last byte of the file is {total} - 1)."
)


class RangeError(ValueError):
    """A Content-Range that is not a byte range Dozor can take."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # the last byte, inclusive
    total: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    @property
    def completes(self) -> bool:
        """Whether this piece is the file's last."""
        return self.end + 1 == self.total


def parse_content_range(value: str) -> ByteRange:
    """The range in a ``Content-Range`` header; RangeError with the reason when it is not one."""
    shown = value[:80]
    found = _RANGE.fullmatch(value.strip())
    if found is None:
        raise RangeError(MSG_RANGE_SHAPE.format(value=shown))
    start, end, total = (int(group) for group in found.groups())
    if end < start:
        raise RangeError(MSG_RANGE_ORDER.format(start=start, end=end))
    if end >= total:
        raise RangeError(MSG_RANGE_BEYOND.format(end=end, total=total))
    return ByteRange(start=start, end=end, total=total)
