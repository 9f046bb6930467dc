"""Encrypted, integrity-checked backups of the database and the file store, and their restore.

An archive is safe to keep anywhere: without the key it is noise. Layout::

    DOZOR-BACKUP-1\\n
    {"kek_id": ..., "salt": ..., "chunk": 1048576}\\n          (the header, authenticated)
    [4-byte length | AES-256-GCM chunk] ...                    (a gzipped tar, in chunks)

The chunk key is derived from the KEK and the archive's random salt (HKDF); each chunk's
associated data is the header, its number and whether it is the last, so chunks cannot be
reordered, dropped or cut off unnoticed. Inside the tar: ``manifest.json`` with the SHA-256 and
size of every other member, the database snapshot and the (already encrypted) stored files.

Snapshots are consistent while the app runs: SQLite's online backup API copies one
transaction-consistent state; PostgreSQL's ``pg_dump`` reads everything in one repeatable-read
snapshot. ``pg_dump`` keeps the sealed columns sealed and restores types, sequences and indexes
exactly, which a serializer dump would not (it would write plaintext, and re-seal on load).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from dozor.security.crypto import KeyRing, KeyringLocked
from dozor.security.filemodes import sqlite_make_private, tree_make_private

MAGIC = b"DOZOR-BACKUP-1\n"
CHUNK = 1024 * 1024
SALT_BYTES = 16
FORMAT = "dozor-backup-1"
SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"
MANIFEST = "manifest.json"

MSG_NOT_AN_ARCHIVE = "{path}: not a Dozor backup archive (the first line is not DOZOR-BACKUP-1)."
MSG_OTHER_KEY = (
    "{path}: the archive was made with key id {found}; this key is {current}. Restore needs the "
    "key the archive was made with."
)
MSG_DAMAGED = "{path}: chunk {number} does not decrypt: the archive is damaged or was changed."
MSG_TRUNCATED = "{path}: the archive ends early (after chunk {number}); it is incomplete."
MSG_MEMBER_DIGEST = "{path}: member {member} does not match its SHA-256 in the manifest."
MSG_MEMBER_MISSING = "{path}: member {member} is listed in the manifest but missing."
MSG_VENDOR = (
    "{path}: the archive holds a {found} database; this Dozor uses {current}. Restore into a "
    "Dozor configured with the same kind of database."
)
MSG_NOT_EMPTY = (
    "the database is not empty ({rows} rows); restoring would replace it. Restore into a fresh "
    "database, or give --force to replace this one."
)
MSG_EXISTS = "{path} exists already; choose another file name (a backup never overwrites)."


class BackupError(ValueError):
    """An archive that cannot be written, read or restored; the message says why."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    created: str
    vendor: str
    kek_id: str
    members: dict[str, dict[str, Any]]

    @property
    def files(self) -> int:
        return sum(name.startswith("files/") for name in self.members)


def _vendor() -> str:
    return str(connection.vendor)


def _snapshot_database(folder: Path) -> Path:
    database = settings.DATABASES["default"]
    if _vendor() == "sqlite":
        target = folder / SQLITE_MEMBER
        source = sqlite3.connect(str(database["NAME"]), timeout=30)
        try:
            copy = sqlite3.connect(str(target))
            with copy:
                source.backup(copy)
            copy.close()
        finally:
            source.close()
        return target
    if _vendor() == "postgresql":
        target = folder / POSTGRES_MEMBER
        subprocess.run(  # noqa: S603 (fixed arguments, no shell)
            [  # noqa: S607 (Debian's pg_dump from PATH)
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(target),
                "--dbname",
                _postgres_url(database),
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "PGPASSWORD": str(database.get("PASSWORD") or "")},
        )
        return target
    raise BackupError(f"backups of {_vendor()} databases are not supported")


def _postgres_url(database: Any) -> str:
    host = database.get("HOST") or "localhost"
    port = database.get("PORT") or 5432
    return f"postgresql://{database['USER']}@{host}:{port}/{database['NAME']}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def backup_write(*, to: Path, ring: KeyRing) -> BackupSummary:
    """Write an encrypted archive of the database and the file store to ``to``."""
    if ring.locked:
        raise KeyringLocked(ring.reason)
    if to.exists():
        raise BackupError(MSG_EXISTS.format(path=to))
    files_root = Path(settings.DOZOR_FILES)
    with tempfile.TemporaryDirectory(prefix="dozor-backup-") as temporary:
        folder = Path(temporary)
        database = _snapshot_database(folder)
        members: dict[str, dict[str, Any]] = {
            database.name: {"sha256": _sha256(database), "size": database.stat().st_size}
        }
        stored = sorted(files_root.glob("??/*.enc")) if files_root.is_dir() else []
        for path in stored:
            name = f"files/{path.parent.name}/{path.name}"
            members[name] = {"sha256": _sha256(path), "size": path.stat().st_size}
        manifest = {
            "format": FORMAT,
            "created": timezone.now().isoformat(timespec="seconds"),
            "vendor": _vendor(),
            "kek_id": ring.kek_id,
            "members": members,
        }
        tar_path = folder / "archive.tar.gz"
        with tarfile.open(tar_path, "w:gz") as tar:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(database, arcname=database.name)
            for path in stored:
                tar.add(path, arcname=f"files/{path.parent.name}/{path.name}")
        partial = to.with_name(to.name + ".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as out, tar_path.open("rb") as source:
            _encrypt(source, out, ring)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, to)
    return BackupSummary(to, str(manifest["created"]), _vendor(), ring.kek_id, members)


def _encrypt(source: BinaryIO, out: BinaryIO, ring: KeyRing) -> None:
    salt = os.urandom(SALT_BYTES)
    header = (
        MAGIC
        + json.dumps(
            {"kek_id": ring.kek_id, "salt": salt.hex(), "chunk": CHUNK}, sort_keys=True
        ).encode()
        + b"\n"
    )
    cipher = AESGCM(ring.derived_key("dozor backup", salt))
    out.write(header)
    block = source.read(CHUNK)
    number = 0
    while True:
        following = source.read(CHUNK)
        final = not following
        nonce = os.urandom(12)
        sealed = cipher.encrypt(nonce, block, _chunk_aad(header, number, final))
        out.write(struct.pack(">I", len(sealed) + 12) + nonce + sealed)
        if final:
            return
        block, number = following, number + 1


def _chunk_aad(header: bytes, number: int, final: bool) -> bytes:
    return header + struct.pack(">QB", number, final)


def _decrypt(path: Path, out: BinaryIO, ring: KeyRing) -> None:
    with path.open("rb") as source:
        if source.readline() != MAGIC:
            raise BackupError(MSG_NOT_AN_ARCHIVE.format(path=path))
        header_line = source.readline()
        try:
            header = json.loads(header_line)
            salt = bytes.fromhex(header["salt"])
        except (ValueError, KeyError, TypeError):
            raise BackupError(MSG_NOT_AN_ARCHIVE.format(path=path)) from None
        if header.get("kek_id") != ring.kek_id:
            raise BackupError(
                MSG_OTHER_KEY.format(path=path, found=header.get("kek_id"), current=ring.kek_id)
            )
        full_header = MAGIC + header_line
        cipher = AESGCM(ring.derived_key("dozor backup", salt))
        number = 0
        while True:
            length_bytes = source.read(4)
            if len(length_bytes) < 4:
                raise BackupError(MSG_TRUNCATED.format(path=path, number=number))
            (length,) = struct.unpack(">I", length_bytes)
            record = source.read(length)
            if len(record) < length:
                raise BackupError(MSG_TRUNCATED.format(path=path, number=number))
            final = source.peek(1)[:1] == b"" if hasattr(source, "peek") else False
            try:
                block = cipher.decrypt(
                    record[:12], record[12:], _chunk_aad(full_header, number, final)
                )
            except InvalidTag:
                raise BackupError(MSG_DAMAGED.format(path=path, number=number)) from None
            out.write(block)
            if final:
                return
            number += 1


@dataclass
class OpenedArchive:
    folder: Path
    manifest: dict[str, Any]

    def member(self, name: str) -> Path:
        return self.folder / name


def _open(path: Path, ring: KeyRing, folder: Path) -> OpenedArchive:
    if ring.locked:
        raise KeyringLocked(ring.reason)
    tar_path = folder / "archive.tar.gz"
    with tar_path.open("wb") as out:
        _decrypt(path, out, ring)
    extracted = folder / "members"
    with tarfile.open(tar_path, "r:gz") as tar:
        tar.extractall(extracted, filter="data")
    manifest = json.loads((extracted / MANIFEST).read_text())
    for name, expected in manifest["members"].items():
        member = extracted / name
        if not member.is_file():
            raise BackupError(MSG_MEMBER_MISSING.format(path=path, member=name))
        if _sha256(member) != expected["sha256"]:
            raise BackupError(MSG_MEMBER_DIGEST.format(path=path, member=name))
    return OpenedArchive(extracted, manifest)


def backup_verify(*, path: Path, ring: KeyRing) -> BackupSummary:
    """Decrypt and check every member against the manifest, without restoring anything."""
    with tempfile.TemporaryDirectory(prefix="dozor-verify-") as temporary:
        opened = _open(path, ring, Path(temporary))
        if opened.manifest["vendor"] == "sqlite":
            database = sqlite3.connect(str(opened.member(SQLITE_MEMBER)))
            try:
                (result,) = database.execute("PRAGMA integrity_check").fetchone()
            finally:
                database.close()
            if result != "ok":
                raise BackupError(f"{path}: the database snapshot fails SQLite's check: {result}")
        manifest = opened.manifest
    return BackupSummary(
        path, manifest["created"], manifest["vendor"], manifest["kek_id"], manifest["members"]
    )


def database_rows() -> int:
    """How many rows the database holds, migrations and Django's own catalogues aside."""
    existing = set(connection.introspection.table_names())
    total = 0
    for model in apps.get_models():
        if model._meta.app_label in ("contenttypes",) or model._meta.model_name == "permission":
            continue
        if model._meta.db_table in existing:
            total += model._default_manager.count()
    return total


def backup_restore(*, path: Path, ring: KeyRing, force: bool = False) -> BackupSummary:
    """Replace the (empty) database and file store with the archive's."""
    rows = database_rows()
    if rows and not force:
        raise BackupError(MSG_NOT_EMPTY.format(rows=rows))
    with tempfile.TemporaryDirectory(prefix="dozor-restore-") as temporary:
        opened = _open(path, ring, Path(temporary))
        vendor = opened.manifest["vendor"]
        if vendor != _vendor():
            raise BackupError(MSG_VENDOR.format(path=path, found=vendor, current=_vendor()))
        if vendor == "sqlite":
            _restore_sqlite(opened.member(SQLITE_MEMBER))
        else:
            _restore_postgres(opened.member(POSTGRES_MEMBER))
        _restore_files(opened)
        manifest = opened.manifest
    return BackupSummary(path, manifest["created"], vendor, manifest["kek_id"], manifest["members"])


def _restore_sqlite(snapshot: Path) -> None:
    target = Path(settings.DATABASES["default"]["NAME"])
    connections.close_all()
    source = sqlite3.connect(str(snapshot))
    try:
        destination = sqlite3.connect(str(target), timeout=30)
        try:
            # The backup API replaces the whole destination in one step, WAL included.
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
    sqlite_make_private(target)


def _restore_postgres(dump: Path) -> None:
    database = settings.DATABASES["default"]
    connections.close_all()
    subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [  # noqa: S607 (Debian's pg_restore from PATH)
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--dbname",
            _postgres_url(database),
            str(dump),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "PGPASSWORD": str(database.get("PASSWORD") or "")},
    )


def _restore_files(opened: OpenedArchive) -> None:
    root = Path(settings.DOZOR_FILES)
    if root.exists():
        shutil.rmtree(root)
    source = opened.member("files")
    if source.is_dir():
        shutil.copytree(source, root)
    root.mkdir(parents=True, exist_ok=True)
    tree_make_private(root)


def archive_members(summary: BackupSummary) -> Iterator[str]:
    for name, member in sorted(summary.members.items()):
        yield f"{name}  {member['size']:,} bytes  sha256 {member['sha256']}"
