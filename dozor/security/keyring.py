"""The key ring of the running process: where its KEK comes from, and the ring it unlocks.

The KEK comes from ``DOZOR_KEY``, ``DOZOR_KEY_FILE`` or ``DOZOR_KEY_PASSPHRASE_FILE`` (whose salt
is in the database), else the demo's key file in DOZOR_HOME/keys; the database's KeyringState says
which key it was set up with, so a wrong key locks the ring instead of sealing under a second key.
Below the encrypted fields and the file store, above the plain cryptography of
dozor.security.crypto; setting up, checking and rotating the key are dozor.security.keys.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.utils import DatabaseError

from dozor.security.crypto import (
    MSG_NO_KEY,
    MSG_WRONG_KEY,
    KeyRing,
    kek_id,
    key_decode,
    key_file_read,
    passphrase_read,
    passphrase_stretch,
)
from dozor.security.models import KeyringState

logger = logging.getLogger(__name__)

DEFAULT_KEY_FILE = Path("keys") / "dozor.key"
MSG_PASSPHRASE_NO_SALT = (
    "DOZOR_KEY_PASSPHRASE_FILE is set but this database was not set up with a passphrase "  # noqa: S105 - a message, not a password
    "(run `dozor keys init --passphrase-file FILE` first)."
)


@dataclass(frozen=True)
class KeySource:
    """Where the KEK comes from: 'key' (DOZOR_KEY), 'key_file', 'passphrase_file' or 'none'."""

    kind: str
    path: Path | None = None
    value: str = ""

    def describe(self) -> str:
        if self.kind == "key":
            return "DOZOR_KEY"
        if self.path is not None:
            return f"{self.kind.replace('_', ' ')} {self.path}"
        return "no key"


def default_key_file() -> Path:
    return Path(settings.DOZOR_HOME) / DEFAULT_KEY_FILE


def key_source() -> KeySource:
    """The source the settings name, in order: DOZOR_KEY, DOZOR_KEY_FILE, the passphrase file,
    then the demo's key file in DOZOR_HOME/keys if there is one."""
    value = os.environ.get("DOZOR_KEY", "").strip()
    if value:
        return KeySource("key", value=value)
    if settings.DOZOR_KEY_FILE:
        return KeySource("key_file", path=Path(settings.DOZOR_KEY_FILE).expanduser())
    if settings.DOZOR_KEY_PASSPHRASE_FILE:
        return KeySource("passphrase_file", path=Path(settings.DOZOR_KEY_PASSPHRASE_FILE))
    if default_key_file().is_file():
        return KeySource("key_file", path=default_key_file())
    return KeySource("none")


def key_inside_home(source: KeySource) -> bool:
    """True when the key file lies in DOZOR_HOME, i.e. would be seized with the database."""
    if source.path is None:
        return False
    try:
        source.path.resolve().relative_to(Path(settings.DOZOR_HOME).resolve())
    except ValueError:
        return False
    return True


def keyring_state() -> KeyringState | None:
    try:
        return KeyringState.objects.order_by("id").first()
    except DatabaseError:
        # Before `dozor migrate` there is no table yet; nothing to compare a key with.
        return None


def kek_from_source(source: KeySource, state: KeyringState | None) -> bytes:
    """The KEK the source gives; ValueError says what is wrong with it."""
    if source.kind == "key":
        return key_decode(source.value, where="DOZOR_KEY")
    assert source.path is not None
    if source.kind == "key_file":
        return key_file_read(source.path, name="DOZOR_KEY_FILE")
    passphrase = passphrase_read(source.path)
    if state is None or state.kdf != "scrypt":
        raise ValueError(MSG_PASSPHRASE_NO_SALT)
    return passphrase_stretch(
        passphrase,
        bytes.fromhex(state.salt),
        n=state.scrypt_n,
        r=state.scrypt_r,
        p=state.scrypt_p,
    )


def keyring_load() -> KeyRing:
    """The process's key ring: unlocked with the configured key, or locked saying why."""
    source = key_source()
    if source.kind == "none":
        return KeyRing.locked_because(MSG_NO_KEY)
    state = keyring_state()
    try:
        kek = kek_from_source(source, state)
    except ValueError as error:
        return KeyRing.locked_because(str(error))
    if state is not None and state.kek_id != kek_id(kek):
        return KeyRing.locked_because(
            MSG_WRONG_KEY.format(given=kek_id(kek), expected=state.kek_id)
        )
    if key_inside_home(source):
        logger.warning(
            "the encryption key is in DOZOR_HOME (%s): whoever takes the database takes the key. "
            "A real deployment keeps it apart (removable media or a passphrase).",
            source.path,
        )
    return KeyRing(kek)


# The process's key ring ---------------------------------------------------------------------

_ring: KeyRing | None = None
_lock = threading.Lock()


def keyring() -> KeyRing:
    """The key ring of this process, loaded from the settings on first use."""
    global _ring
    if _ring is None:
        with _lock:
            if _ring is None:
                _ring = keyring_load()
    return _ring


def keyring_set(ring: KeyRing | None) -> None:
    """Use this ring from now on (None: load from the settings again on next use)."""
    global _ring
    with _lock:
        _ring = ring
