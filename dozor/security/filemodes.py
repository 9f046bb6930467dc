"""File modes: what Dozor writes to disk is readable by the account that runs it, and no other.

The database, its write-ahead log, the secret and encryption keys, the encrypted file store,
backups, exports and dossiers can all hold or unlock victims' names. On a shared machine a file
readable by "others" (0644, the usual default) hands them to every local account, so:

- the entry points (``dozor`` and the WSGI application) set the umask to 077 before anything is
  created, so every file is 0600 and every folder 0700 from birth, SQLite's WAL and SHM included
  (SQLite gives those the database file's mode);
- DOZOR_HOME is created 0700, and an existing one, with the files Dozor keeps in it, is tightened
  at start (a home made by an older version, or copied with a loose umask);
- files written outside DOZOR_HOME on a user's request (``--out``) are opened 0600 here, whatever
  the umask of the process that calls (a test, a shell with ``umask 022``), and an existing file
  that is overwritten is tightened too, since ``open``'s mode applies only when it creates.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PRIVATE_UMASK = 0o077
PRIVATE_FILE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700

# What Dozor keeps directly in DOZOR_HOME. Only these are tightened: DOZOR_HOME may be set to a
# folder that holds other things, and those are not Dozor's to change.
HOME_FILES = ("dozor.sqlite3", "secret_key")
HOME_TREES = ("keys", "files")
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")

MSG_HOME_NOT_PRIVATE = (
    "DOZOR_HOME={home}: cannot make it readable by this account only ({reason}). Run Dozor as "
    "the account that owns the folder, or choose another DOZOR_HOME."
)
MSG_DATABASE_NOT_PRIVATE = (
    "{path}: cannot make the database readable by this account only ({reason}). Run Dozor as "
    "the account that owns the file."
)


def private_umask() -> None:
    """Make every file and folder the process creates from now on private to its account."""
    os.umask(PRIVATE_UMASK)


def _tighten(path: Path, mode: int) -> None:
    if path.is_symlink() or not path.exists():
        return
    if path.stat().st_mode & 0o777 != mode:
        path.chmod(mode)


def tree_make_private(root: Path) -> None:
    """Folders 0700 and files 0600 under ``root`` (a folder Dozor owns whole)."""
    if not root.is_dir() or root.is_symlink():
        _tighten(root, PRIVATE_FILE_MODE)
        return
    _tighten(root, PRIVATE_FOLDER_MODE)
    for folder, folders, files in os.walk(root):
        for name in folders:
            _tighten(Path(folder) / name, PRIVATE_FOLDER_MODE)
        for name in files:
            _tighten(Path(folder) / name, PRIVATE_FILE_MODE)


def sqlite_make_private(database: Path) -> None:
    """The SQLite file and the journal, WAL and shared-memory files beside it, 0600."""
    try:
        for suffix in ("", *SQLITE_COMPANIONS):
            _tighten(database.with_name(database.name + suffix), PRIVATE_FILE_MODE)
    except OSError as error:
        raise ImproperlyConfigured(
            MSG_DATABASE_NOT_PRIVATE.format(path=database, reason=error.strerror or error)
        ) from None


def home_make_private(home: Path) -> None:
    """Create DOZOR_HOME 0700, or tighten it and the files Dozor keeps there."""
    try:
        home.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER_MODE)
        _tighten(home, PRIVATE_FOLDER_MODE)
        for name in HOME_FILES:
            _tighten(home / name, PRIVATE_FILE_MODE)
        for name in HOME_TREES:
            if (home / name).exists():
                tree_make_private(home / name)
    except OSError as error:
        raise ImproperlyConfigured(
            MSG_HOME_NOT_PRIVATE.format(home=home, reason=error.strerror or error)
        ) from None
    sqlite_make_private(home / "dozor.sqlite3")


def private_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as a file only its owner may read (0600), replacing it."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        # Only a regular file: --out /dev/null must not change the device's mode.
        if stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            os.fchmod(handle.fileno(), PRIVATE_FILE_MODE)
        handle.write(data)


def private_write_text(path: Path, text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` as a file only its owner may read (0600), replacing it."""
    private_write_bytes(path, text.encode(encoding))
