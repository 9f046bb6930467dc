"""Encryption at rest: the key ring, sealed values and keyed blind indexes.

The key-encryption key (KEK) is 32 random bytes that never enter the database. It comes from
``DOZOR_KEY``, a key file (``DOZOR_KEY_FILE``) or a passphrase (``DOZOR_KEY_PASSPHRASE_FILE``,
stretched with scrypt and a salt kept in the database). Each value is sealed with its own random
data key (AES-256-GCM); the data key is stored beside the ciphertext, wrapped by the KEK
(AES-256-GCM again). Rotating the KEK re-wraps data keys without touching the sealed text.

A sealed value is one ASCII token, so it fits a text column, a JSON document and ``pg_dump``::

    dz1.<base64url( kek id (4) | wrap nonce (12) | wrapped data key (48) | nonce (12) | text )>

The associated data of both layers is the value's *label* (``app.Model.field``): a token copied
into another column does not open there.

Blind indexes are HMAC-SHA256 of normalised text under a key derived from the KEK (HKDF), cut to
16 hex digits: equal names give equal indexes, so search and linkage work without the plaintext,
and nobody without the KEK can compute the index of a guessed name.

Search tokens (:meth:`KeyRing.search_tokens`) are the same HMAC under a key derived once more for
each field (``records.Incident.summary``, ``records.PersonInvolvement.name``, ...), so the same word
gives unrelated tokens in two fields. They are the indexes of each word of at least
MIN_WORD_LENGTH letters and, where a field asks for them, of each word's beginnings of
MIN_PREFIX to MAX_PREFIX letters. docs/security.md says what the token table tells someone who
has the database but not the key.

This module is plain Python: no Django, no database. The ring is a plain object, so commands and
tests can build one from any key; the ring of the running process, unlocked with the key the
settings name, is dozor.security.keyring. The modules of encryption at rest import one way:
crypto <- filestream (the stored files' sealed format), keyring <- fields, files <- keys (set up,
check, rotate).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

KEY_BYTES = 32
NONCE_BYTES = 12
KEK_ID_BYTES = 4
WRAPPED_KEY_BYTES = KEY_BYTES + 16
TOKEN_PREFIX = "dz1."  # noqa: S105 (a format marker, not a secret)
HEADER_BYTES = KEK_ID_BYTES + NONCE_BYTES + WRAPPED_KEY_BYTES
INDEX_HEX_DIGITS = 16
# Search tokens: no token for words shorter than MIN_WORD_LENGTH (one letter says nothing and is
# everywhere, which only helps counting); a word's beginnings get tokens from MIN_PREFIX letters
# up to MAX_PREFIX letters, so that a stem ("Султон") finds every form of the word ("Султонова")
# while a long word does not spell itself out letter by letter in the token table.
MIN_WORD_LENGTH = 2
MIN_PREFIX = 3
MAX_PREFIX = 12
# scrypt's cost: about 0.1 s and 32 MB per derivation, done once per start.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
MIN_PASSPHRASE_LENGTH = 12

MSG_NO_KEY = (
    "no encryption key was given: set DOZOR_KEY_FILE (a key file, best on removable media), "
    "DOZOR_KEY_PASSPHRASE_FILE (a file holding the passphrase) or DOZOR_KEY, then restart. "
    "See docs/security.md."
)
MSG_WRONG_KEY = (
    "the encryption key given (key id {given}) is not the key of this database (key id "
    "{expected}): give the key that `dozor keys init` or `dozor keys rotate` made for it."
)
MSG_KEY_FILE_MISSING = "{name}={path}: there is no such file."
MSG_KEY_MALFORMED = (
    "{where}: expected 32 bytes written in base64 (as `dozor keys init` writes them), "
    "got something else."
)
MSG_PASSPHRASE_SHORT = (
    f"the passphrase is shorter than {MIN_PASSPHRASE_LENGTH} characters; choose a longer one."
)
MSG_NOT_A_TOKEN = "the stored value is not encrypted (no dz1. token)"  # noqa: S105 - a message, not a password
MSG_OTHER_KEY = "the value was sealed under another key (key id {found}; this key is {current})"
MSG_DOES_NOT_OPEN = "the value does not decrypt: it was changed, or belongs to another field"


class KeyringLocked(Exception):
    """Identifying data was asked for, or written, while no usable key was given."""


class DecryptionFailed(Exception):
    """A stored value that does not open with the key ring (wrong key, damaged, moved)."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_generate() -> bytes:
    return os.urandom(KEY_BYTES)


def key_encode(key: bytes) -> str:
    return _b64encode(key)


def key_decode(text: str, *, where: str) -> bytes:
    try:
        key = _b64decode(text.strip())
    except (binascii.Error, ValueError):
        raise ValueError(MSG_KEY_MALFORMED.format(where=where)) from None
    if len(key) != KEY_BYTES:
        raise ValueError(MSG_KEY_MALFORMED.format(where=where))
    return key


def key_file_write(path: Path, key: bytes) -> None:
    """Write a new key file readable by its owner only; never overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key_encode(key) + "\n")


def key_file_read(path: Path, *, name: str = "key file") -> bytes:
    if not path.is_file():
        raise ValueError(MSG_KEY_FILE_MISSING.format(name=name, path=path))
    return key_decode(path.read_text(), where=f"{name} {path}")


def passphrase_read(path: Path, *, name: str = "DOZOR_KEY_PASSPHRASE_FILE") -> str:
    if not path.is_file():
        raise ValueError(MSG_KEY_FILE_MISSING.format(name=name, path=path))
    passphrase = path.read_text().rstrip("\r\n")
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise ValueError(MSG_PASSPHRASE_SHORT)
    return passphrase


def passphrase_stretch(
    passphrase: str, salt: bytes, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P
) -> bytes:
    """The KEK from a passphrase: scrypt with the database's salt."""
    return Scrypt(salt=salt, length=KEY_BYTES, n=n, r=r, p=p).derive(passphrase.encode())


def _derive(key: bytes, purpose: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=purpose).derive(key)


def kek_id(kek: bytes) -> str:
    """A short public name of a KEK, stored with every value it wraps (not a secret)."""
    return _derive(kek, b"dozor key id")[:KEK_ID_BYTES].hex()


_PUNCTUATION = re.compile(r"[^\w\s]|_", re.UNICODE)


def normalise(text: str) -> str:
    """Names as search compares them: case-folded, ё read as е, punctuation dropped."""
    folded = unicodedata.normalize("NFC", text).casefold().replace("ё", "е")
    return " ".join(_PUNCTUATION.sub(" ", folded).split())


def tokens(text: str) -> list[str]:
    return normalise(text).split()


def search_words(text: str, *, prefixes: bool) -> set[str]:
    """The normalised words of a text that search tokens are made of, with their beginnings.

    Words shorter than MIN_WORD_LENGTH give nothing. With ``prefixes`` each word also gives its
    beginnings of MIN_PREFIX to MAX_PREFIX letters (shorter than the word itself).
    """
    words: set[str] = set()
    for word in tokens(text):
        if len(word) < MIN_WORD_LENGTH:
            continue
        words.add(word)
        if prefixes:
            words.update(word[:end] for end in range(MIN_PREFIX, min(len(word), MAX_PREFIX + 1)))
    return words


def word_searchable(word: str) -> bool:
    """Whether a normalised query word can match a search token at all."""
    return len(word) >= MIN_WORD_LENGTH


def word_matches(query: str, word: str, *, prefixes: bool) -> bool:
    """Whether a normalised query word finds a normalised word of the text, as the tokens do:
    the same word, or (in a field with prefixes) a beginning of MIN_PREFIX to MAX_PREFIX letters.
    """
    if not word_searchable(query) or not word_searchable(word):
        return False
    if query == word:
        return True
    return prefixes and MIN_PREFIX <= len(query) <= MAX_PREFIX and word.startswith(query)


@dataclass(frozen=True)
class Sealed:
    """What :meth:`KeyRing.inspect` reads from a token's header without opening it."""

    kek_id: str
    size: int


class KeyRing:
    """Seals and opens values with one KEK; a ring without a KEK is locked and says why."""

    def __init__(self, kek: bytes | None, *, reason: str = "") -> None:
        if kek is not None and len(kek) != KEY_BYTES:
            raise ValueError("a KEK is 32 bytes")
        self._kek = kek
        self.reason = reason if kek is None else ""
        self._wrapper = AESGCM(kek) if kek is not None else None
        self.kek_id = kek_id(kek) if kek is not None else ""
        self._index_key = _derive(kek, b"dozor blind index") if kek is not None else b""
        self._search_keys: dict[str, bytes] = {}

    @classmethod
    def locked_because(cls, reason: str) -> KeyRing:
        return cls(None, reason=reason)

    @property
    def locked(self) -> bool:
        return self._kek is None

    def _require(self) -> AESGCM:
        if self._wrapper is None:
            raise KeyringLocked(self.reason or MSG_NO_KEY)
        return self._wrapper

    def derived_key(self, purpose: str, salt: bytes) -> bytes:
        """A key for another purpose (backups), bound to this KEK and a salt."""
        self._require()
        assert self._kek is not None
        return _derive(self._kek, purpose.encode(), salt)

    # Sealing values -------------------------------------------------------------------------

    def seal(self, plaintext: bytes, *, label: str) -> str:
        return TOKEN_PREFIX + _b64encode(self.seal_bytes(plaintext, label=label))

    def open(self, token: str, *, label: str) -> bytes:
        if not token.startswith(TOKEN_PREFIX):
            raise DecryptionFailed(MSG_NOT_A_TOKEN)
        try:
            raw = _b64decode(token[len(TOKEN_PREFIX) :])
        except (binascii.Error, ValueError):
            raise DecryptionFailed(MSG_DOES_NOT_OPEN) from None
        return self.open_bytes(raw, label=label)

    def seal_bytes(self, plaintext: bytes, *, label: str) -> bytes:
        data_key = os.urandom(KEY_BYTES)
        header = self.data_key_wrap(data_key, label=label)
        nonce = os.urandom(NONCE_BYTES)
        return header + nonce + AESGCM(data_key).encrypt(nonce, plaintext, label.encode())

    def open_bytes(self, raw: bytes, *, label: str) -> bytes:
        if len(raw) < HEADER_BYTES + NONCE_BYTES + 16:
            raise DecryptionFailed(MSG_DOES_NOT_OPEN)
        data_key = self.data_key_unwrap(raw[:HEADER_BYTES], label=label)
        start = HEADER_BYTES
        try:
            return AESGCM(data_key).decrypt(
                raw[start : start + NONCE_BYTES], raw[start + NONCE_BYTES :], label.encode()
            )
        except InvalidTag:
            raise DecryptionFailed(MSG_DOES_NOT_OPEN) from None

    def data_key_wrap(self, data_key: bytes, *, label: str) -> bytes:
        """The HEADER_BYTES that keep a data key: kek id | wrap nonce | the key wrapped by the
        KEK, bound to ``label``. The file store's streams keep their data key the same way."""
        wrap_nonce = os.urandom(NONCE_BYTES)
        wrapped = self._require().encrypt(wrap_nonce, data_key, label.encode())
        return bytes.fromhex(self.kek_id) + wrap_nonce + wrapped

    def data_key_unwrap(self, header: bytes, *, label: str) -> bytes:
        """The data key that :meth:`data_key_wrap` kept in ``header`` under this KEK and label."""
        wrapper = self._require()
        if len(header) != HEADER_BYTES:
            raise DecryptionFailed(MSG_DOES_NOT_OPEN)
        found = header[:KEK_ID_BYTES].hex()
        if found != self.kek_id:
            raise DecryptionFailed(MSG_OTHER_KEY.format(found=found, current=self.kek_id))
        wrap_nonce = header[KEK_ID_BYTES : KEK_ID_BYTES + NONCE_BYTES]
        try:
            return wrapper.decrypt(wrap_nonce, header[KEK_ID_BYTES + NONCE_BYTES :], label.encode())
        except InvalidTag:
            raise DecryptionFailed(MSG_DOES_NOT_OPEN) from None

    def data_key_rewrap(self, header: bytes, *, label: str, new: KeyRing) -> bytes:
        """The same data key, wrapped by ``new``'s KEK instead of ours."""
        return new.data_key_wrap(self.data_key_unwrap(header, label=label), label=label)

    def rewrap_bytes(self, raw: bytes, *, label: str, new: KeyRing) -> bytes:
        """The same sealed text with its data key wrapped by ``new``'s KEK instead of ours."""
        if len(raw) < HEADER_BYTES + NONCE_BYTES + 16:
            raise DecryptionFailed(MSG_DOES_NOT_OPEN)
        header = self.data_key_rewrap(raw[:HEADER_BYTES], label=label, new=new)
        return header + raw[HEADER_BYTES:]

    def rewrap(self, token: str, *, label: str, new: KeyRing) -> str:
        if not token.startswith(TOKEN_PREFIX):
            raise DecryptionFailed(MSG_NOT_A_TOKEN)
        raw = _b64decode(token[len(TOKEN_PREFIX) :])
        return TOKEN_PREFIX + _b64encode(self.rewrap_bytes(raw, label=label, new=new))

    # Blind indexes --------------------------------------------------------------------------

    def blind(self, text: str) -> str:
        """The keyed index of one normalised string ("" for empty text)."""
        self._require()
        text = normalise(text)
        if not text:
            return ""
        digest = hmac.new(self._index_key, text.encode(), hashlib.sha256).hexdigest()
        return digest[:INDEX_HEX_DIGITS]

    def search_key(self, field: str) -> bytes:
        """The key of one field's search tokens, derived from the index key and the field's
        label, so that a word's token in one field says nothing about the word in another."""
        self._require()
        key = self._search_keys.get(field)
        if key is None:
            key = _derive(self._index_key, b"dozor search token " + field.encode())
            self._search_keys[field] = key
        return key

    def search_token(self, field: str, word: str) -> str:
        """The token of one normalised word (or beginning of a word) in one field."""
        digest = hmac.new(self.search_key(field), word.encode(), hashlib.sha256).hexdigest()
        return digest[:INDEX_HEX_DIGITS]

    def search_tokens(self, field: str, text: str, *, prefixes: bool) -> set[str]:
        """The tokens of a text's words (and, with ``prefixes``, their beginnings) in a field."""
        return {self.search_token(field, word) for word in search_words(text, prefixes=prefixes)}
