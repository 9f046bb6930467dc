"""The encrypted file store."""

from __future__ import annotations

from pathlib import Path

import pytest

from dozor.security.crypto import DecryptionFailed, KeyRing, key_generate
from dozor.security.files import FileIntegrityError, FileStore

DOCUMENT = "Заявление потерпевшего Ахмеда Алиева о нападении 4 декабря".encode()


@pytest.fixture
def ring() -> KeyRing:
    return KeyRing(key_generate())


def test_a_stored_file_reads_back_with_its_digest(tmp_path: Path, ring: KeyRing) -> None:
    store = FileStore(tmp_path)
    stored = store.store(DOCUMENT, ring=ring)
    assert store.read(stored.file_id, ring=ring) == DOCUMENT
    assert stored.size == len(DOCUMENT)
    assert len(stored.sha256) == 64


def test_nothing_readable_is_written_to_disk(tmp_path: Path, ring: KeyRing) -> None:
    FileStore(tmp_path).store(DOCUMENT, ring=ring)
    (path,) = tmp_path.glob("*/*.enc")
    raw = path.read_bytes()
    assert "Алиева".encode() not in raw
    assert path.stat().st_mode & 0o077 == 0


def test_a_stored_file_does_not_open_without_its_key(tmp_path: Path, ring: KeyRing) -> None:
    store = FileStore(tmp_path)
    stored = store.store(DOCUMENT, ring=ring)
    with pytest.raises(DecryptionFailed):
        store.read(stored.file_id, ring=KeyRing(key_generate()))


def test_a_changed_file_is_detected(tmp_path: Path, ring: KeyRing) -> None:
    store = FileStore(tmp_path)
    stored = store.store(DOCUMENT, ring=ring)
    (path,) = tmp_path.glob("*/*.enc")
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(FileIntegrityError, match=f"file {stored.file_id}: chunk 0, the last"):
        store.read(stored.file_id, ring=ring)


def test_a_file_moved_to_another_id_does_not_open(tmp_path: Path, ring: KeyRing) -> None:
    store = FileStore(tmp_path)
    first, second = store.store(b"one", ring=ring), store.store(b"two", ring=ring)
    first_path = next(tmp_path.glob(f"*/{first.file_id}.enc"))
    second_path = next(tmp_path.glob(f"*/{second.file_id}.enc"))
    second_path.write_bytes(first_path.read_bytes())
    with pytest.raises(DecryptionFailed):
        store.read(second.file_id, ring=ring)


def test_a_file_that_is_not_from_the_store_is_named(tmp_path: Path, ring: KeyRing) -> None:
    store = FileStore(tmp_path)
    stored = store.store(b"one", ring=ring)
    next(tmp_path.glob("*/*.enc")).write_bytes(b"plain text")
    with pytest.raises(FileIntegrityError, match="not a Dozor encrypted file"):
        store.read(stored.file_id, ring=ring)


def test_a_malformed_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a file id"):
        FileStore(tmp_path).read("../../etc/passwd", ring=KeyRing(key_generate()))


def test_rewrapped_files_open_with_the_new_key_after_commit(tmp_path: Path, ring: KeyRing) -> None:
    store = FileStore(tmp_path)
    stored = store.store(DOCUMENT, ring=ring)
    new = KeyRing(key_generate())
    staged = store.stage_rewrap(old=ring, new=new)
    assert store.read(stored.file_id, ring=ring) == DOCUMENT
    staged.commit()
    assert store.read(stored.file_id, ring=new) == DOCUMENT
