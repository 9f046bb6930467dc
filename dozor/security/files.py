"""The encrypted file store: attachments and other documents, sealed like database values.

Each file is sealed with its own data key wrapped by the KEK (dozor.security.crypto); what is
sealed is the SHA-256 of the content followed by the content, so reading checks both the
authentication tag (nobody changed it) and the digest (it is the document that was stored). The
store never holds a plaintext byte on disk, and file names are random: they say nothing.

    store = file_store()
    stored = store.store(data)          # StoredFile(file_id, sha256, size)
    data = store.read(stored.file_id)   # the bytes, or DecryptionFailed / FileIntegrityError

Keep ``file_id`` (and, if useful, ``sha256``) in an encrypted field of the row the file belongs
to; the digest of a plaintext lets anyone holding the document confirm it is stored.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dozor.security.crypto import KeyRing
from dozor.security.keyring import keyring

MAGIC = b"DZF1"
DIGEST_BYTES = 32
SUFFIX = ".enc"
STAGED_SUFFIX = ".rewrap"
_ID = re.compile(r"^[0-9a-f]{32}$")

MSG_BAD_ID = "{file_id!r} is not a file id of the store (expected 32 hexadecimal digits)."
MSG_NO_FILE = "there is no stored file {file_id}."
MSG_NOT_A_STORED_FILE = "file {file_id} is not a Dozor encrypted file (wrong header)."
MSG_DIGEST_MISMATCH = "file {file_id}: the content does not match its SHA-256; it is damaged."


class FileIntegrityError(ValueError):
    """A stored file opened but is not what was stored."""


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

    def store(self, data: bytes, *, ring: KeyRing | None = None) -> StoredFile:
        ring = ring or keyring()
        digest = hashlib.sha256(data).digest()
        file_id = secrets.token_hex(16)
        sealed = MAGIC + ring.seal_bytes(digest + data, label=self._label(file_id))
        path = self._path(file_id)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = path.with_suffix(".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(sealed)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
        return StoredFile(file_id=file_id, sha256=digest.hex(), size=len(data))

    def _sealed(self, file_id: str) -> bytes:
        path = self._path(file_id)
        if not path.is_file():
            raise FileNotFoundError(MSG_NO_FILE.format(file_id=file_id))
        raw = path.read_bytes()
        if not raw.startswith(MAGIC):
            raise FileIntegrityError(MSG_NOT_A_STORED_FILE.format(file_id=file_id))
        return raw[len(MAGIC) :]

    def read(self, file_id: str, *, ring: KeyRing | None = None) -> bytes:
        ring = ring or keyring()
        opened = ring.open_bytes(self._sealed(file_id), label=self._label(file_id))
        digest, data = opened[:DIGEST_BYTES], opened[DIGEST_BYTES:]
        if hashlib.sha256(data).digest() != digest:
            raise FileIntegrityError(MSG_DIGEST_MISMATCH.format(file_id=file_id))
        return data

    def delete(self, file_id: str) -> None:
        self._path(file_id).unlink(missing_ok=True)

    def ids(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob(f"??/*{SUFFIX}")):
            yield path.name[: -len(SUFFIX)]

    def stage_rewrap(self, *, old: KeyRing, new: KeyRing) -> StagedRewrap:
        """Write every file re-wrapped under ``new`` beside the original; swap on commit()."""
        staged = StagedRewrap()
        try:
            for file_id in self.ids():
                path = self._path(file_id)
                raw = self._sealed(file_id)
                rewrapped = old.rewrap_bytes(raw, label=self._label(file_id), new=new)
                target = path.with_name(path.name + STAGED_SUFFIX)
                target.write_bytes(MAGIC + rewrapped)
                target.chmod(0o600)
                staged.paths.append(target)
        except BaseException:
            staged.discard_if_uncommitted()
            raise
        return staged


def file_store() -> FileStore:
    from django.conf import settings

    return FileStore(Path(settings.DOZOR_FILES))
