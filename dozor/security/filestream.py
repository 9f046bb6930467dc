"""The sealed stream of a stored file (format DZF2): sealed as it arrives, opened as it is read.

A file is never whole in memory: it is cut into chunks of ``CHUNK_BYTES`` (64 KiB) and each chunk
is sealed with AES-256-GCM on its own, following the STREAM construction of Hoang, Reyhanitabar,
Rogaway and Vizár ("Online authenticated-encryption and its nonce-reuse misuse-resistance",
CRYPTO 2015): each chunk's nonce holds its number and whether it is the final chunk. The SHA-256
of the content is computed while it is sealed and sealed inside the final chunk. Layout (integers
big-endian)::

    "DZF2"                                   magic (4 bytes)
    chunk size C                             uint32 (4): the plaintext of every chunk but the final
    nonce prefix                             7 random bytes
    kek id | wrap nonce | wrapped data key   64 bytes, exactly as the key ring keeps every data key
                                             (crypto.KeyRing.data_key_wrap), bound to "file:<id>"
    chunk 0 .. chunk n-1                     C + 16 bytes each: AES-256-GCM of C content bytes
    final chunk n                            AES-256-GCM of the last 0 to C content bytes followed
                                             by the content's SHA-256 (32): 48 to C + 48 bytes

Chunk i is sealed under the file's own random data key, with

    nonce            = nonce prefix | i (uint32) | 1 if it is the final chunk else 0 (1 byte)
    associated data  = "file:<file id>" | "DZF2" | C

so that what an attacker with the disk but not the key can do is seen by the reader:

- a changed byte, or two chunks swapped, or a chunk moved: that chunk does not authenticate (its
  number is in its nonce);
- the final chunk dropped: the chunk before it is read as final and does not authenticate as
  final (it was sealed as not final); the reader says the file was cut short after it;
- the file cut inside a chunk: the piece left at the end does not authenticate as a final chunk;
- a chunk taken from another stored file: another data key and another file id;
- the header changed: the magic and the chunk size are in every chunk's associated data, the
  prefix in every nonce, and the wrapped key does not unwrap (it is bound to the file id);
- the whole file copied under another id: its data key does not unwrap there.

The reader tells the final chunk by what is left: every other chunk is C + 16 bytes and is followed
by a final chunk of at least 48 bytes, so the chunk at hand is final when at most C + 48 bytes
remain. It yields each chunk's plaintext once the chunk authenticates, and checks the digest when
the final chunk opens. Until the iteration ends without an error, what was yielded is the stored
file's beginning, in order and unaltered, but maybe not all of it: whoever passes it on (a
download) must treat an error at the end as a failed transfer.

Rotating the KEK rewrites the 64 bytes of the wrapped data key and copies the chunks as they are:
nothing is decrypted or encrypted again.

This module is plain Python (no Django), like dozor.security.crypto; the file store
(dozor.security.files) names, writes and reads the files.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
from collections.abc import Generator, Iterable
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dozor.security.crypto import HEADER_BYTES, KEY_BYTES, DecryptionFailed, KeyRing

MAGIC = b"DZF2"
CHUNK_BYTES = 64 * 1024
# A header naming a chunk size outside these is not one the store wrote; the bounds also keep
# a forged header from making a reader hold a huge buffer.
MIN_CHUNK_BYTES = 1024
MAX_CHUNK_BYTES = 16 * 1024 * 1024
PREFIX_BYTES = 7
TAG_BYTES = 16
DIGEST_BYTES = 32
MAX_CHUNKS = 2**32
_SIZE = struct.Struct(">I")
STREAM_HEADER_BYTES = len(MAGIC) + _SIZE.size + PREFIX_BYTES + HEADER_BYTES

MSG_BAD_HEADER = "file {file_id}: bad header: {problem}."
MSG_CHUNK_FAILED = (
    "file {file_id}: chunk {index} failed authentication: it was changed, moved, or taken from "
    "another file."
)
MSG_FINAL_FAILED = (
    "file {file_id}: chunk {index}, the last one on disk, failed authentication: the file was cut "
    "short inside it, or it was changed."
)
MSG_TRUNCATED = (
    "file {file_id}: truncated: it ends after chunk {index} without its final chunk (which holds "
    "the SHA-256)."
)
MSG_TRUNCATED_SHORT = (
    "file {file_id}: truncated: its last {size} bytes are too short to be the final chunk."
)
MSG_NOTHING_AFTER = "file {file_id}: truncated: nothing follows its header."
MSG_DIGEST_MISMATCH = "file {file_id}: the content does not match its SHA-256; it is damaged."
MSG_KEY_DOES_NOT_OPEN = "file {file_id}: its data key does not open: {reason}"
MSG_TOO_MANY_CHUNKS = "a stored file has at most {count:,} chunks of {size:,} bytes."


class FileIntegrityError(ValueError):
    """A stored file opened but is not what was stored."""


def chunk_nonce(prefix: bytes, index: int, *, final: bool) -> bytes:
    """STREAM's nonce: the file's prefix, the chunk's number, whether it is the final chunk."""
    return prefix + _SIZE.pack(index) + (b"\x01" if final else b"\x00")


def chunk_associated_data(label: str, chunk_bytes: int) -> bytes:
    """What every chunk of a file is bound to besides its nonce: the file's id and the header's
    magic and chunk size (not the wrapped key, which rotation rewrites)."""
    return label.encode() + MAGIC + _SIZE.pack(chunk_bytes)


class StreamSealer:
    """Seal a file's content as it is given, a piece of any length at a time, into ``out``.

    A chunk is sealed as not final only once more content has come after it, so at most one
    chunk and the piece being added are held; ``finish`` seals what is left, with the digest,
    as the final chunk. For content that is pushed (an upload handler's pieces); stream_seal
    pulls from an iterable."""

    def __init__(
        self, out: BinaryIO, *, ring: KeyRing, label: str, chunk_bytes: int = CHUNK_BYTES
    ) -> None:
        if not MIN_CHUNK_BYTES <= chunk_bytes <= MAX_CHUNK_BYTES:
            raise ValueError(f"a chunk is {MIN_CHUNK_BYTES} to {MAX_CHUNK_BYTES} bytes")
        data_key = os.urandom(KEY_BYTES)
        self.prefix = os.urandom(PREFIX_BYTES)
        out.write(
            MAGIC
            + _SIZE.pack(chunk_bytes)
            + self.prefix
            + ring.data_key_wrap(data_key, label=label)
        )
        self.out = out
        self.chunk_bytes = chunk_bytes
        self.cipher = AESGCM(data_key)
        self.aad = chunk_associated_data(label, chunk_bytes)
        self.digest = hashlib.sha256()
        self.size = 0
        self.index = 0
        self.pending = bytearray()

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.size += len(data)
        self.pending += data
        while len(self.pending) > self.chunk_bytes:
            if self.index + 1 >= MAX_CHUNKS:
                raise ValueError(
                    MSG_TOO_MANY_CHUNKS.format(count=MAX_CHUNKS, size=self.chunk_bytes)
                )
            chunk = bytes(self.pending[: self.chunk_bytes])
            del self.pending[: self.chunk_bytes]
            nonce = chunk_nonce(self.prefix, self.index, final=False)
            self.out.write(self.cipher.encrypt(nonce, chunk, self.aad))
            self.index += 1

    def finish(self) -> tuple[str, int]:
        """Seal the final chunk; the content's SHA-256 (hex) and its size."""
        final = bytes(self.pending) + self.digest.digest()
        nonce = chunk_nonce(self.prefix, self.index, final=True)
        self.out.write(self.cipher.encrypt(nonce, final, self.aad))
        self.pending = bytearray()
        return self.digest.hexdigest(), self.size


def stream_seal(
    blocks: Iterable[bytes],
    out: BinaryIO,
    *,
    ring: KeyRing,
    label: str,
    chunk_bytes: int = CHUNK_BYTES,
) -> tuple[str, int]:
    """Seal ``blocks`` (pieces of any length) into ``out``; return the content's SHA-256 (hex)
    and its size."""
    sealer = StreamSealer(out, ring=ring, label=label, chunk_bytes=chunk_bytes)
    for block in blocks:
        sealer.write(block)
    return sealer.finish()


def _read_header(source: BinaryIO, *, file_id: str) -> tuple[int, bytes, bytes]:
    """The chunk size, the nonce prefix and the wrapped data key of a stream's header."""
    header = source.read(STREAM_HEADER_BYTES)
    if len(header) < STREAM_HEADER_BYTES:
        raise FileIntegrityError(
            MSG_BAD_HEADER.format(
                file_id=file_id, problem=f"the file ends after {len(header)} bytes, inside it"
            )
        )
    if header[: len(MAGIC)] != MAGIC:
        raise FileIntegrityError(
            MSG_BAD_HEADER.format(file_id=file_id, problem=f"it does not start with {MAGIC!r}")
        )
    (chunk_bytes,) = _SIZE.unpack_from(header, len(MAGIC))
    if not MIN_CHUNK_BYTES <= chunk_bytes <= MAX_CHUNK_BYTES:
        raise FileIntegrityError(
            MSG_BAD_HEADER.format(
                file_id=file_id,
                problem=f"a chunk size of {chunk_bytes:,} bytes, which the store never writes",
            )
        )
    start = len(MAGIC) + _SIZE.size
    prefix = header[start : start + PREFIX_BYTES]
    return chunk_bytes, prefix, header[start + PREFIX_BYTES :]


def stream_open(
    source: BinaryIO, *, ring: KeyRing, label: str, file_id: str
) -> Generator[bytes, None, str]:
    """Yield the plaintext of each chunk of the stream in ``source`` once it authenticates;
    return the content's SHA-256 (hex) once the final chunk opened and the digest matched.

    Raises FileIntegrityError naming ``file_id`` and what is wrong, or DecryptionFailed when the
    data key does not open with ``ring`` (another key, or a file moved to another id).
    """
    chunk_bytes, prefix, wrapped = _read_header(source, file_id=file_id)
    try:
        data_key = ring.data_key_unwrap(wrapped, label=label)
    except DecryptionFailed as error:
        raise DecryptionFailed(
            MSG_KEY_DOES_NOT_OPEN.format(file_id=file_id, reason=error)
        ) from None
    cipher = AESGCM(data_key)
    aad = chunk_associated_data(label, chunk_bytes)
    sealed_chunk = chunk_bytes + TAG_BYTES
    final_at_most = chunk_bytes + DIGEST_BYTES + TAG_BYTES
    digest = hashlib.sha256()
    buffer = bytearray()
    index = 0
    while True:
        while len(buffer) <= final_at_most:
            block = source.read(sealed_chunk)
            if not block:
                break
            buffer += block
        if len(buffer) > final_at_most:
            try:
                plain = cipher.decrypt(
                    chunk_nonce(prefix, index, final=False), bytes(buffer[:sealed_chunk]), aad
                )
            except InvalidTag:
                raise FileIntegrityError(
                    MSG_CHUNK_FAILED.format(file_id=file_id, index=index)
                ) from None
            del buffer[:sealed_chunk]
            digest.update(plain)
            yield plain
            index += 1
            continue
        final = _open_final(cipher, bytes(buffer), prefix, index, aad, file_id=file_id)
        content, sealed_digest = final[:-DIGEST_BYTES], final[-DIGEST_BYTES:]
        digest.update(content)
        if digest.digest() != sealed_digest:
            raise FileIntegrityError(MSG_DIGEST_MISMATCH.format(file_id=file_id))
        if content:
            yield content
        return digest.hexdigest()


def _open_final(
    cipher: AESGCM, sealed: bytes, prefix: bytes, index: int, aad: bytes, *, file_id: str
) -> bytes:
    if len(sealed) < DIGEST_BYTES + TAG_BYTES:
        if not sealed:
            raise FileIntegrityError(MSG_NOTHING_AFTER.format(file_id=file_id))
        raise FileIntegrityError(MSG_TRUNCATED_SHORT.format(file_id=file_id, size=len(sealed)))
    try:
        return cipher.decrypt(chunk_nonce(prefix, index, final=True), sealed, aad)
    except InvalidTag:
        pass
    try:
        cipher.decrypt(chunk_nonce(prefix, index, final=False), sealed, aad)
    except InvalidTag:
        raise FileIntegrityError(MSG_FINAL_FAILED.format(file_id=file_id, index=index)) from None
    raise FileIntegrityError(MSG_TRUNCATED.format(file_id=file_id, index=index))


def stream_rewrap(
    source: BinaryIO, out: BinaryIO, *, old: KeyRing, new: KeyRing, label: str, file_id: str
) -> None:
    """Copy the stream in ``source`` to ``out`` with its data key wrapped by ``new``'s KEK.

    Only the header changes; the chunks are copied as they are, never decrypted.
    """
    chunk_bytes, prefix, wrapped = _read_header(source, file_id=file_id)
    try:
        rewrapped = old.data_key_rewrap(wrapped, label=label, new=new)
    except DecryptionFailed as error:
        raise DecryptionFailed(
            MSG_KEY_DOES_NOT_OPEN.format(file_id=file_id, reason=error)
        ) from None
    out.write(MAGIC + _SIZE.pack(chunk_bytes) + prefix + rewrapped)
    shutil.copyfileobj(source, out, CHUNK_BYTES * 16)
