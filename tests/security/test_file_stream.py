"""The file store's streaming format (DZF2): large files in and out a chunk at a time, sealed."""

from __future__ import annotations

import hashlib
import io
import random
import shutil
import tempfile
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from dozor.security.crypto import DecryptionFailed, KeyRing, key_decode, key_generate
from dozor.security.files import FileIntegrityError, FileStore, FileTooLarge
from dozor.security.filestream import (
    CHUNK_BYTES,
    DIGEST_BYTES,
    MAGIC,
    STREAM_HEADER_BYTES,
    TAG_BYTES,
    chunk_associated_data,
    chunk_nonce,
)

SEALED_CHUNK = CHUNK_BYTES + TAG_BYTES
DZF1 = Path(__file__).resolve().parent.parent / "data" / "security" / "dzf1"
DZF1_ID = "61687f5ac3b3b99202bd58e97aa00f19"
DZF1_TEXT = "Справка о побоях, выданная травмпунктом 5 декабря 2008 г. ".encode()
# A phrase that a seized disk must not give away, repeated through a file of several chunks.
SECRET = "Заявление Ахмеда Алиева: избит у мечети 4 декабря".encode()


@pytest.fixture
def ring() -> KeyRing:
    return KeyRing(key_generate())


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "files")


def content(size: int, *, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


def on_disk(store: FileStore, file_id: str) -> Path:
    return store.root / file_id[:2] / f"{file_id}.enc"


def every_file(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


class Generated:
    """A readable of ``size`` bytes made as they are asked for (never whole in memory): a random
    pattern of PERIOD bytes, repeated. Counts what was read, and gives at most ``most`` bytes a
    call, as a socket may."""

    PERIOD = 65521  # prime: no two chunks of a file are alike

    def __init__(self, size: int, *, most: int | None = None) -> None:
        self.left = size
        self.read_bytes = 0
        self.most = most
        self._doubled = content(self.PERIOD) * 2

    def read(self, size: int = -1, /) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        if self.most is not None:
            size = min(size, self.most)
        out = bytearray()
        while len(out) < size:
            start = (self.read_bytes + len(out)) % self.PERIOD
            out += self._doubled[start : start + min(size - len(out), self.PERIOD)]
        self.left -= size
        self.read_bytes += size
        return bytes(out)


# Round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size",
    [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * 1024 * 1024 + 17],
    ids=["empty", "one-byte", "chunk-1", "one-chunk", "chunk+1", "multi-MB"],
)
def test_a_streamed_file_reads_back_whole_with_its_digest_and_size(
    store: FileStore, ring: KeyRing, size: int
) -> None:
    data = content(size)
    stored = store.store_stream(io.BytesIO(data), ring=ring)
    assert stored.size == size
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert b"".join(store.iter_chunks(stored.file_id, ring=ring)) == data
    assert store.read(stored.file_id, ring=ring) == data
    with store.open(stored.file_id, ring=ring) as handle:
        assert handle.read() == data
    assert store.verify(stored.file_id, ring=ring) == stored


def test_chunks_come_back_at_most_one_chunk_long(store: FileStore, ring: KeyRing) -> None:
    stored = store.store_stream(io.BytesIO(content(3 * CHUNK_BYTES + 5)), ring=ring)
    sizes = [len(chunk) for chunk in store.iter_chunks(stored.file_id, ring=ring)]
    assert sizes == [CHUNK_BYTES, CHUNK_BYTES, CHUNK_BYTES, 5]


def test_store_of_bytes_writes_the_streaming_format(store: FileStore, ring: KeyRing) -> None:
    stored = store.store(b"one", ring=ring)
    assert on_disk(store, stored.file_id).read_bytes().startswith(MAGIC)


def test_a_reader_giving_a_few_bytes_at_a_time_stores_the_same_content(
    store: FileStore, ring: KeyRing
) -> None:
    source = Generated(2 * CHUNK_BYTES + 100, most=1000)
    stored = store.store_stream(source, ring=ring)
    whole = Generated(2 * CHUNK_BYTES + 100).read(-1)
    assert stored.sha256 == hashlib.sha256(whole).hexdigest()
    assert store.read(stored.file_id, ring=ring) == whole


def test_the_store_holds_no_plaintext_of_a_streamed_file(store: FileStore, ring: KeyRing) -> None:
    data = SECRET * (3 * CHUNK_BYTES // len(SECRET))
    stored = store.store_stream(io.BytesIO(data), ring=ring)
    raw = b"".join(path.read_bytes() for path in every_file(store.root))
    assert SECRET not in raw
    assert "Алиева".encode() not in raw
    assert on_disk(store, stored.file_id).stat().st_mode & 0o077 == 0


# Tampering ------------------------------------------------------------------------------------


@pytest.fixture
def three_and_a_half(store: FileStore, ring: KeyRing) -> tuple[str, Path]:
    """A file of three whole chunks and a final one, and where it is on disk."""
    stored = store.store_stream(io.BytesIO(content(3 * CHUNK_BYTES + CHUNK_BYTES // 2)), ring=ring)
    return stored.file_id, on_disk(store, stored.file_id)


def chunk_at(index: int) -> int:
    return STREAM_HEADER_BYTES + index * SEALED_CHUNK


def change(path: Path, edit: Callable[[bytearray], bytes | bytearray]) -> None:
    path.write_bytes(bytes(edit(bytearray(path.read_bytes()))))


def read_all(store: FileStore, file_id: str, ring: KeyRing) -> bytes:
    return b"".join(store.iter_chunks(file_id, ring=ring))


def test_a_flipped_byte_in_a_chunk_names_that_chunk(
    store: FileStore, ring: KeyRing, three_and_a_half: tuple[str, Path]
) -> None:
    file_id, path = three_and_a_half

    def flip(raw: bytearray) -> bytearray:
        raw[chunk_at(1) + 100] ^= 0x20
        return raw

    change(path, flip)
    with pytest.raises(FileIntegrityError, match=f"file {file_id}: chunk 1 failed auth"):
        read_all(store, file_id, ring)


def test_two_swapped_chunks_are_detected(
    store: FileStore, ring: KeyRing, three_and_a_half: tuple[str, Path]
) -> None:
    file_id, path = three_and_a_half
    change(
        path,
        lambda raw: (
            raw[: chunk_at(0)]
            + raw[chunk_at(1) : chunk_at(2)]
            + raw[chunk_at(0) : chunk_at(1)]
            + raw[chunk_at(2) :]
        ),
    )
    with pytest.raises(FileIntegrityError, match="chunk 0 failed authentication"):
        read_all(store, file_id, ring)


def test_a_dropped_final_chunk_is_reported_as_truncated(
    store: FileStore, ring: KeyRing, three_and_a_half: tuple[str, Path]
) -> None:
    file_id, path = three_and_a_half
    change(path, lambda raw: raw[: chunk_at(3)])
    with pytest.raises(FileIntegrityError, match="truncated: it ends after chunk 2"):
        read_all(store, file_id, ring)


def test_a_dropped_chunk_in_the_middle_is_detected(
    store: FileStore, ring: KeyRing, three_and_a_half: tuple[str, Path]
) -> None:
    file_id, path = three_and_a_half
    change(path, lambda raw: raw[: chunk_at(1)] + raw[chunk_at(2) :])
    with pytest.raises(FileIntegrityError, match="chunk 1 failed authentication"):
        read_all(store, file_id, ring)


@pytest.mark.parametrize(
    ("cut", "index"),
    [(chunk_at(1) + 1000, 1), (chunk_at(3) + 100, 3), (chunk_at(1) - 1, 0)],
    ids=["inside-a-chunk", "inside-the-final-chunk", "one-byte-short-of-a-chunk"],
)
def test_a_file_cut_inside_a_chunk_is_detected(
    store: FileStore, ring: KeyRing, three_and_a_half: tuple[str, Path], cut: int, index: int
) -> None:
    file_id, path = three_and_a_half
    change(path, lambda raw: raw[:cut])
    with pytest.raises(FileIntegrityError, match=f"chunk {index}, the last one on disk"):
        read_all(store, file_id, ring)


def test_a_file_cut_after_its_header_is_reported_as_truncated(
    store: FileStore, ring: KeyRing, three_and_a_half: tuple[str, Path]
) -> None:
    file_id, path = three_and_a_half
    change(path, lambda raw: raw[:STREAM_HEADER_BYTES])
    with pytest.raises(FileIntegrityError, match="truncated: nothing follows its header"):
        read_all(store, file_id, ring)


def test_a_file_cut_inside_its_header_is_reported(
    store: FileStore, ring: KeyRing, three_and_a_half: tuple[str, Path]
) -> None:
    file_id, path = three_and_a_half
    change(path, lambda raw: raw[:20])
    with pytest.raises(FileIntegrityError, match=f"file {file_id}: bad header: the file ends"):
        read_all(store, file_id, ring)


def test_a_chunk_spliced_from_another_file_under_the_same_key_is_detected(
    store: FileStore, ring: KeyRing, three_and_a_half: tuple[str, Path]
) -> None:
    file_id, path = three_and_a_half
    other = store.store_stream(io.BytesIO(content(3 * CHUNK_BYTES + CHUNK_BYTES // 2)), ring=ring)
    donor = on_disk(store, other.file_id).read_bytes()
    change(
        path, lambda raw: raw[: chunk_at(2)] + donor[chunk_at(2) : chunk_at(3)] + raw[chunk_at(3) :]
    )
    with pytest.raises(FileIntegrityError, match="chunk 2 failed authentication"):
        read_all(store, file_id, ring)


@pytest.mark.parametrize(
    ("offset", "error", "message"),
    [
        (0, FileIntegrityError, "not a Dozor encrypted file"),
        (5, FileIntegrityError, "bad header: a chunk size of"),
        (7, FileIntegrityError, "chunk 0, the last one on disk|chunk 0 failed"),
        (9, FileIntegrityError, "chunk 0 failed authentication"),
        (15, DecryptionFailed, "data key does not open: .*another key"),
        (40, DecryptionFailed, "data key does not open: the value does not decrypt"),
    ],
    ids=["magic", "chunk-size", "chunk-size-low-byte", "nonce-prefix", "kek-id", "wrapped-key"],
)
def test_a_changed_header_is_detected(
    store: FileStore,
    ring: KeyRing,
    three_and_a_half: tuple[str, Path],
    offset: int,
    error: type[Exception],
    message: str,
) -> None:
    file_id, path = three_and_a_half

    def flip(raw: bytearray) -> bytearray:
        raw[offset] ^= 0x01
        return raw

    change(path, flip)
    with pytest.raises(error, match=message):
        read_all(store, file_id, ring)


def test_a_sealed_digest_that_does_not_match_the_content_is_reported(
    store: FileStore, ring: KeyRing
) -> None:
    """Only a writer holding the key could seal a wrong digest; the reader still checks it."""
    stored = store.store_stream(io.BytesIO(content(CHUNK_BYTES + 10)), ring=ring)
    path = on_disk(store, stored.file_id)
    raw = path.read_bytes()
    label = f"file:{stored.file_id}"
    data_key = ring.data_key_unwrap(
        raw[STREAM_HEADER_BYTES - 64 : STREAM_HEADER_BYTES], label=label
    )
    prefix = raw[8:15]
    forged = AESGCM(data_key).encrypt(
        chunk_nonce(prefix, 1, final=True),
        content(CHUNK_BYTES + 10)[CHUNK_BYTES:] + bytes(DIGEST_BYTES),
        chunk_associated_data(label, CHUNK_BYTES),
    )
    path.write_bytes(raw[: chunk_at(1)] + forged)
    with pytest.raises(FileIntegrityError, match="does not match its SHA-256"):
        store.verify(stored.file_id, ring=ring)


def test_a_file_copied_under_another_id_does_not_open(store: FileStore, ring: KeyRing) -> None:
    first, second = store.store(b"one", ring=ring), store.store(b"two", ring=ring)
    on_disk(store, second.file_id).write_bytes(on_disk(store, first.file_id).read_bytes())
    with pytest.raises(DecryptionFailed, match=f"file {second.file_id}"):
        store.read(second.file_id, ring=ring)


# Limits ---------------------------------------------------------------------------------------


def test_an_oversize_file_is_refused_having_read_little_more_than_the_limit(
    store: FileStore, ring: KeyRing
) -> None:
    limit = 5 * CHUNK_BYTES + 123
    source = Generated(50 * CHUNK_BYTES)
    with pytest.raises(
        FileTooLarge, match=f"limit of {limit:,} bytes; nothing was stored"
    ) as error:
        store.store_stream(source, max_bytes=limit, ring=ring)
    assert error.value.limit == limit
    assert source.read_bytes <= limit + CHUNK_BYTES
    assert every_file(store.root) == []
    assert list(store.ids()) == []


def test_a_file_of_exactly_the_limit_is_stored(store: FileStore, ring: KeyRing) -> None:
    data = content(2 * CHUNK_BYTES)
    stored = store.store_stream(io.BytesIO(data), max_bytes=len(data), ring=ring)
    assert store.read(stored.file_id, ring=ring) == data


def test_a_limit_of_zero_refuses_any_content(store: FileStore, ring: KeyRing) -> None:
    with pytest.raises(FileTooLarge):
        store.store_stream(io.BytesIO(b"x"), max_bytes=0, ring=ring)
    assert store.store_stream(io.BytesIO(b""), max_bytes=0, ring=ring).size == 0


def test_a_negative_limit_is_refused_before_anything_is_read(
    store: FileStore, ring: KeyRing
) -> None:
    source = Generated(10)
    with pytest.raises(ValueError, match="max_bytes must be 0 or more"):
        store.store_stream(source, max_bytes=-1, ring=ring)
    assert source.read_bytes == 0


def test_a_reader_failing_midway_leaves_nothing_in_the_store(
    store: FileStore, ring: KeyRing
) -> None:
    class Broken(Generated):
        def read(self, size: int = -1, /) -> bytes:
            if self.read_bytes > 3 * CHUNK_BYTES:
                raise ConnectionResetError("the client went away")
            return super().read(size)

    with pytest.raises(ConnectionResetError):
        store.store_stream(Broken(10 * CHUNK_BYTES), ring=ring)
    assert every_file(store.root) == []


def test_a_text_reader_is_refused_with_a_clear_message(store: FileStore, ring: KeyRing) -> None:
    with pytest.raises(TypeError, match="gave str where bytes were expected"):
        store.store_stream(io.StringIO("text"), ring=ring)  # type: ignore[arg-type]
    assert every_file(store.root) == []


# Memory ---------------------------------------------------------------------------------------


def test_storing_and_reading_64_mb_keeps_memory_flat(store: FileStore, ring: KeyRing) -> None:
    size = 64 * 1024 * 1024
    tracemalloc.start()
    try:
        stored = store.store_stream(Generated(size), ring=ring)
        _, stored_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        digest = hashlib.sha256()
        for chunk in store.iter_chunks(stored.file_id, ring=ring):
            digest.update(chunk)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stored.size == size
    assert digest.hexdigest() == stored.sha256
    assert stored_peak < 2 * 1024 * 1024, stored_peak
    assert read_peak < 2 * 1024 * 1024, read_peak


# Files already on disks, and key rotation -----------------------------------------------------


@pytest.fixture
def dzf1_store(tmp_path: Path) -> FileStore:
    """A copy of a file the store wrote in its first format (tests/data/security/dzf1)."""
    root = tmp_path / "old"
    shutil.copytree(DZF1 / DZF1_ID[:2], root / DZF1_ID[:2])
    return FileStore(root)


@pytest.fixture
def dzf1_ring() -> KeyRing:
    return KeyRing(key_decode((DZF1 / "dozor.key").read_text(), where="dzf1 test key"))


def test_a_file_written_in_the_first_format_still_reads(
    dzf1_store: FileStore, dzf1_ring: KeyRing
) -> None:
    expected = DZF1_TEXT * 40
    assert on_disk(dzf1_store, DZF1_ID).read_bytes().startswith(b"DZF1")
    assert dzf1_store.read(DZF1_ID, ring=dzf1_ring) == expected
    assert b"".join(dzf1_store.iter_chunks(DZF1_ID, ring=dzf1_ring)) == expected
    assert dzf1_store.verify(DZF1_ID, ring=dzf1_ring).sha256 == (
        "ce10b738281fffd1399fce3a078af40d37bcbf9823c9eb06bf58b87e494dc6c6"
    )


def test_a_first_format_file_opens_with_the_new_key_after_rotation(
    dzf1_store: FileStore, dzf1_ring: KeyRing
) -> None:
    new = KeyRing(key_generate())
    dzf1_store.stage_rewrap(old=dzf1_ring, new=new).commit()
    assert dzf1_store.read(DZF1_ID, ring=new) == DZF1_TEXT * 40


def test_rotation_rewraps_only_the_header_of_a_streamed_file(
    store: FileStore, ring: KeyRing
) -> None:
    data = content(2 * CHUNK_BYTES + 3)
    stored = store.store_stream(io.BytesIO(data), ring=ring)
    before = on_disk(store, stored.file_id).read_bytes()
    new = KeyRing(key_generate())
    staged = store.stage_rewrap(old=ring, new=new)
    assert store.read(stored.file_id, ring=ring) == data
    staged.commit()
    after = on_disk(store, stored.file_id).read_bytes()
    assert after[STREAM_HEADER_BYTES:] == before[STREAM_HEADER_BYTES:]
    assert after[:15] == before[:15]
    assert after[15:STREAM_HEADER_BYTES] != before[15:STREAM_HEADER_BYTES]
    assert on_disk(store, stored.file_id).stat().st_mode & 0o077 == 0
    assert store.verify(stored.file_id, ring=new) == stored
    with pytest.raises(DecryptionFailed, match="another key"):
        store.read(stored.file_id, ring=ring)


def test_a_rotation_that_fails_leaves_no_staged_file(store: FileStore, ring: KeyRing) -> None:
    store.store(b"one", ring=ring)
    store.store(b"two", ring=KeyRing(key_generate()))
    with pytest.raises(DecryptionFailed):
        store.stage_rewrap(old=ring, new=KeyRing(key_generate()))
    assert not [path for path in every_file(store.root) if path.suffix == ".rewrap"]


# Sizes around chunk boundaries ----------------------------------------------------------------

SMALL_CHUNK = 1024
near_boundaries = st.builds(
    lambda chunks, offset: max(0, chunks * SMALL_CHUNK + offset),
    st.integers(min_value=0, max_value=5),
    st.integers(min_value=-2, max_value=2),
)


@settings(max_examples=60, deadline=None)
@given(
    size=st.one_of(near_boundaries, st.integers(min_value=0, max_value=6 * SMALL_CHUNK)),
    most=st.one_of(st.none(), st.integers(min_value=1, max_value=3 * SMALL_CHUNK)),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_any_size_round_trips_whatever_the_reads(size: int, most: int | None, seed: int) -> None:
    data = content(size, seed=seed)

    class Pieces(io.BytesIO):
        def read(self, n: int | None = -1, /) -> bytes:
            return super().read(n if most is None or n is None or n < 0 else min(n, most))

    with tempfile.TemporaryDirectory() as folder:
        store, ring = FileStore(Path(folder)), KeyRing(key_generate())
        stored = store.store_stream(Pieces(data), ring=ring, chunk_bytes=SMALL_CHUNK)
        assert stored.size == size
        assert stored.sha256 == hashlib.sha256(data).hexdigest()
        chunks = list(store.iter_chunks(stored.file_id, ring=ring))
        assert b"".join(chunks) == data
        assert all(len(chunk) == SMALL_CHUNK for chunk in chunks[:-1])
        with store.open(stored.file_id, ring=ring) as handle:
            assert handle.read(most or 1) == data[: most or 1]
