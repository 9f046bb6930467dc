"""The encrypted file store: attachments and other documents, sealed like database values.

Each file is sealed with its own data key wrapped by the KEK (dozor.security.crypto), as it
arrives, in chunks (the format, DZF2, is dozor.security.filestream's): a file of hundreds of
megabytes is never whole in memory, neither when it is stored nor when it is read. The SHA-256 of
the content is computed on receipt and sealed with it; reading checks every chunk's
authentication tag (nobody changed, moved or cut it) and, at the end, the digest (it is the
document that was stored). The store never holds a plaintext byte on disk, and file names are
random: they say nothing.

    store = file_store()
    stored = store.store_stream(upload, max_bytes=limit)  # StoredFile(file_id, sha256, size)
    for chunk in store.iter_chunks(stored.file_id): ...   # or store.open(file_id).read(n)
    store.verify(stored.file_id)                           # re-hashed, a chunk at a time
    stored = store.store(data)                             # small files: bytes in and out
    data = store.read(stored.file_id)

Errors: FileTooLarge (over ``max_bytes``; nothing is kept), FileIntegrityError (a file that is
not what was stored: bad header, a chunk that fails authentication, cut short, digest mismatch;
the message names the file and the chunk), DecryptionFailed (its data key does not open with this
key: another KEK, or the file copied under another id).

Files written before the streaming format (DZF1: MAGIC, then the SHA-256 and the content sealed
as one message by KeyRing.seal_bytes) still read, verify and rotate; nothing writes them any more.

Keep ``file_id`` (and, if useful, ``sha256``) in an encrypted field of the row the file belongs
to; the digest of a plaintext lets anyone holding the document confirm it is stored.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from dozor.security.crypto import KeyRing
from dozor.security.filestream import (
    CHUNK_BYTES,
    MSG_DIGEST_MISMATCH,
    FileIntegrityError,
    StreamSealer,
    stream_open,
    stream_rewrap,
)
from dozor.security.filestream import MAGIC as STREAM_MAGIC
from dozor.security.keyring import keyring

__all__ = [
    "FileIntegrityError",
    "FileStore",
    "FileTooLarge",
    "StoreWriter",
    "StoredFile",
    "file_store",
]

LEGACY_MAGIC = b"DZF1"
MAGIC_BYTES = 4
DIGEST_BYTES = 32
SUFFIX = ".enc"
PARTIAL_SUFFIX = ".partial"
STAGED_SUFFIX = ".rewrap"
_ID = re.compile(r"^[0-9a-f]{32}$")

MSG_BAD_ID = "{file_id!r} is not a file id of the store (expected 32 hexadecimal digits)."
MSG_NO_FILE = "there is no stored file {file_id}."
MSG_NOT_A_STORED_FILE = "file {file_id} is not a Dozor encrypted file (wrong header)."
MSG_TOO_LARGE = "the file is larger than the limit of {limit:,} bytes; nothing was stored."
MSG_BAD_LIMIT = "max_bytes must be 0 or more, or None for no limit (got {limit!r})."
MSG_NOT_BYTES = "the file being stored gave {kind} where bytes were expected."


class FileTooLarge(ValueError):
    """More than the limit arrived; the store kept nothing of it."""

    def __init__(self, limit: int) -> None:
        super().__init__(MSG_TOO_LARGE.format(limit=limit))
        self.limit = limit


class Readable(Protocol):
    """Anything with read(n): an open file, an upload, a socket's file."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    sha256: str
    size: int


@dataclass
class StagedRewrap:
    """Files re-wrapped under a new key, written beside the old ones until the swap."""

    paths: list[Path] = field(default_factory=list)
    committed: bool = False

    def __len__(self) -> int:
        return len(self.paths)

    def commit(self) -> None:
        for staged in self.paths:
            os.replace(staged, staged.with_suffix(""))
        self.committed = True

    def discard_if_uncommitted(self) -> None:
        if not self.committed:
            for staged in self.paths:
                staged.unlink(missing_ok=True)


def _blocks(readable: Readable, *, chunk_bytes: int, max_bytes: int | None) -> Iterator[bytes]:
    """``readable`` in blocks of exactly ``chunk_bytes`` (the last may be shorter), never empty.

    Reads at most ``max_bytes`` + 1 bytes: one more than the limit is enough to know it is over.
    """
    received = 0
    block = bytearray()
    while True:
        want = chunk_bytes - len(block)
        if max_bytes is not None:
            want = min(want, max_bytes + 1 - received)
        data = readable.read(want)
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(MSG_NOT_BYTES.format(kind=type(data).__name__))
        if not data:
            break
        received += len(data)
        if max_bytes is not None and received > max_bytes:
            raise FileTooLarge(max_bytes)
        block += data
        # A reader may give more than asked for; whatever it gives is cut to chunks.
        while len(block) >= chunk_bytes:
            yield bytes(block[:chunk_bytes])
            del block[:chunk_bytes]
    if block:
        yield bytes(block)


class _ChunkReader(io.RawIOBase):
    """A stored file's verified chunks as a readable file (see FileStore.open)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._left = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._left:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._left = memoryview(chunk)
        size = min(len(buffer), len(self._left))
        buffer[:size] = self._left[:size]
        self._left = self._left[size:]
        return size

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        super().close()


class StoreWriter:
    """A new stored file, written as its content comes: ``write`` each piece, then ``finish``
    (the file appears under its id, whole and on disk) or ``abort`` (nothing is left).

    The sealed bytes go to a ``.partial`` file readable by this account only; more than
    ``max_bytes`` of content raises FileTooLarge and leaves nothing."""

    def __init__(
        self,
        path: Path,
        *,
        file_id: str,
        label: str,
        ring: KeyRing,
        max_bytes: int | None,
        chunk_bytes: int,
    ) -> None:
        self.file_id = file_id
        self.path = path
        self.partial = path.with_suffix(PARTIAL_SUFFIX)
        self.max_bytes = max_bytes
        self.size = 0
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.handle: BinaryIO | None = os.fdopen(descriptor, "wb")
        try:
            self.sealer = StreamSealer(self.handle, ring=ring, label=label, chunk_bytes=chunk_bytes)
        except BaseException:
            self.abort()
            raise

    def write(self, data: bytes) -> None:
        if self.handle is None:
            raise ValueError(
                f"file {self.file_id} is finished or aborted; nothing more is written."
            )
        if self.max_bytes is not None and self.size + len(data) > self.max_bytes:
            self.abort()
            raise FileTooLarge(self.max_bytes)
        self.size += len(data)
        self.sealer.write(data)

    def finish(self) -> StoredFile:
        handle = self.handle
        if handle is None:
            raise ValueError(f"file {self.file_id} is finished or aborted.")
        try:
            sha256, size = self.sealer.finish()
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            self.handle = None
            os.replace(self.partial, self.path)
        except BaseException:
            self.abort()
            raise
        _fsync_directory(self.path.parent)
        return StoredFile(file_id=self.file_id, sha256=sha256, size=size)

    def abort(self) -> None:
        """Drop what was written; nothing of this file stays. Harmless once finished."""
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        self.partial.unlink(missing_ok=True)


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, file_id: str) -> Path:
        if not _ID.match(file_id):
            raise ValueError(MSG_BAD_ID.format(file_id=file_id))
        return self.root / file_id[:2] / (file_id + SUFFIX)

    @staticmethod
    def _label(file_id: str) -> str:
        return f"file:{file_id}"

    # Writing --------------------------------------------------------------------------------

    def writer(
        self,
        *,
        max_bytes: int | None = None,
        ring: KeyRing | None = None,
        chunk_bytes: int = CHUNK_BYTES,
    ) -> StoreWriter:
        """A new stored file to write a piece at a time (content that is pushed, such as an
        upload being read): see StoreWriter."""
        if max_bytes is not None and (isinstance(max_bytes, bool) or max_bytes < 0):
            raise ValueError(MSG_BAD_LIMIT.format(limit=max_bytes))
        file_id = secrets.token_hex(16)
        return StoreWriter(
            self._path(file_id),
            file_id=file_id,
            label=self._label(file_id),
            ring=ring or keyring(),
            max_bytes=max_bytes,
            chunk_bytes=chunk_bytes,
        )

    def store_stream(
        self,
        readable: Readable,
        *,
        max_bytes: int | None = None,
        ring: KeyRing | None = None,
        chunk_bytes: int = CHUNK_BYTES,
    ) -> StoredFile:
        """Seal what ``readable`` gives, a chunk at a time, as a new stored file.

        More than ``max_bytes`` raises FileTooLarge having read at most one byte over the limit;
        then, as after any error (the reader failing, a locked key ring), nothing is left in the
        store. The file appears under its id only once it is whole and on disk (fsync, rename).
        """
        writer = self.writer(max_bytes=max_bytes, ring=ring, chunk_bytes=chunk_bytes)
        try:
            for block in _blocks(readable, chunk_bytes=chunk_bytes, max_bytes=max_bytes):
                writer.write(block)
            return writer.finish()
        finally:
            writer.abort()

    def store(self, data: bytes, *, ring: KeyRing | None = None) -> StoredFile:
        return self.store_stream(io.BytesIO(data), ring=ring)

    # Reading --------------------------------------------------------------------------------

    def _handle(self, file_id: str) -> tuple[BinaryIO, bytes]:
        """The stored file, open, and its magic (read past)."""
        path = self._path(file_id)
        if not path.is_file():
            raise FileNotFoundError(MSG_NO_FILE.format(file_id=file_id))
        handle = path.open("rb")
        magic = handle.read(MAGIC_BYTES)
        if magic not in (STREAM_MAGIC, LEGACY_MAGIC):
            handle.close()
            raise FileIntegrityError(MSG_NOT_A_STORED_FILE.format(file_id=file_id))
        handle.seek(0)
        return handle, magic

    def _chunks(self, file_id: str, ring: KeyRing) -> Generator[bytes, None, str]:
        """The verified plaintext chunks; returns the content's SHA-256 (hex)."""
        handle, magic = self._handle(file_id)
        with handle:
            if magic == STREAM_MAGIC:
                return (
                    yield from stream_open(
                        handle, ring=ring, label=self._label(file_id), file_id=file_id
                    )
                )
            # A DZF1 file is one sealed message: it opens whole (such files were small).
            opened = ring.open_bytes(handle.read()[MAGIC_BYTES:], label=self._label(file_id))
        digest, data = opened[:DIGEST_BYTES], opened[DIGEST_BYTES:]
        if hashlib.sha256(data).digest() != digest:
            raise FileIntegrityError(MSG_DIGEST_MISMATCH.format(file_id=file_id))
        view = memoryview(data)
        for start in range(0, len(data), CHUNK_BYTES):
            yield bytes(view[start : start + CHUNK_BYTES])
        return digest.hex()

    def iter_chunks(self, file_id: str, *, ring: KeyRing | None = None) -> Iterator[bytes]:
        """The file's plaintext, a verified chunk at a time (FileIntegrityError at the chunk
        that is not as stored, or at the end when the digest does not match)."""
        yield from self._chunks(file_id, ring or keyring())

    def open(self, file_id: str, *, ring: KeyRing | None = None) -> io.BufferedReader:
        """The file's plaintext as a readable binary file, verified as it is read.

        Reading to the end checks the digest; an error there means what was read is not the
        whole stored file. Close it (or use ``with``) when done.
        """
        return io.BufferedReader(_ChunkReader(self._chunks(file_id, ring or keyring())))

    def read(self, file_id: str, *, ring: KeyRing | None = None) -> bytes:
        """The whole file in memory: for small files only (stream large ones with iter_chunks)."""
        return b"".join(self._chunks(file_id, ring or keyring()))

    def verify(self, file_id: str, *, ring: KeyRing | None = None) -> StoredFile:
        """Open and re-hash the whole file, a chunk at a time; its id, SHA-256 and size."""
        chunks = self._chunks(file_id, ring or keyring())
        size = 0
        while True:
            try:
                size += len(next(chunks))
            except StopIteration as end:
                return StoredFile(file_id=file_id, sha256=end.value, size=size)

    # Managing -------------------------------------------------------------------------------

    def delete(self, file_id: str) -> None:
        self._path(file_id).unlink(missing_ok=True)

    def ids(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob(f"??/*{SUFFIX}")):
            yield path.name[: -len(SUFFIX)]

    def stage_rewrap(self, *, old: KeyRing, new: KeyRing) -> StagedRewrap:
        """Write every file re-wrapped under ``new`` beside the original; swap on commit().

        A streamed file gets a new header and its chunks copied as they are; a DZF1 file is one
        message whose data key is re-wrapped the same way (nothing is encrypted again).
        """
        staged = StagedRewrap()
        try:
            for file_id in self.ids():
                path = self._path(file_id)
                target = path.with_name(path.name + STAGED_SUFFIX)
                handle, magic = self._handle(file_id)
                descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                staged.paths.append(target)
                with handle, os.fdopen(descriptor, "wb") as out:
                    label = self._label(file_id)
                    if magic == STREAM_MAGIC:
                        stream_rewrap(handle, out, old=old, new=new, label=label, file_id=file_id)
                    else:
                        raw = handle.read()[MAGIC_BYTES:]
                        out.write(LEGACY_MAGIC + old.rewrap_bytes(raw, label=label, new=new))
                    out.flush()
                    os.fsync(out.fileno())
        except BaseException:
            staged.discard_if_uncommitted()
            raise
        return staged


def _fsync_directory(folder: Path) -> None:
    """Make a rename in ``folder`` durable: without it a crash can lose a file just stored."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def file_store() -> FileStore:
    from django.conf import settings

    return FileStore(Path(settings.DOZOR_FILES))
