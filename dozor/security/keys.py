"""Keys: the writes that set the database's key up, rotate it and check every sealed value.

The top of encryption at rest: it walks the encrypted fields (dozor.security.fields) and the file
store (dozor.security.files); where the process's key comes from is dozor.security.keyring.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from dozor.security.crypto import (
    SCRYPT_N,
    SCRYPT_P,
    SCRYPT_R,
    TOKEN_PREFIX,
    DecryptionFailed,
    KeyRing,
    KeyringLocked,
    passphrase_stretch,
)
from dozor.security.fields import EncryptedTextField, encrypted_fields
from dozor.security.files import file_store
from dozor.security.models import KeyringState

SALT_BYTES = 16
ROTATE_BATCH = 1000

MSG_ALREADY_INITIALISED = (
    "this database already has an encryption key (key id {kek_id}); to change it use "
    "`dozor keys rotate`."
)
MSG_NOT_INITIALISED = "this database has no encryption key yet: run `dozor keys init` first."
MSG_SAME_KEY = "the new key is the key in use; give a different one."


# Setting up a key ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NewKey:
    ring: KeyRing
    kdf: str = ""
    salt: str = ""


def new_key_from_passphrase(passphrase: str) -> NewKey:
    salt = os.urandom(SALT_BYTES)
    return NewKey(ring=KeyRing(passphrase_stretch(passphrase, salt)), kdf="scrypt", salt=salt.hex())


def _state_values(new: NewKey) -> dict[str, object]:
    scrypt = new.kdf == "scrypt"
    return {
        "kek_id": new.ring.kek_id,
        "kdf": new.kdf,
        "salt": new.salt,
        "scrypt_n": SCRYPT_N if scrypt else 0,
        "scrypt_r": SCRYPT_R if scrypt else 0,
        "scrypt_p": SCRYPT_P if scrypt else 0,
    }


@transaction.atomic
def keyring_init(*, new: NewKey) -> KeyringState:
    """Record the database's key (its id, and a passphrase's salt); refuse if it has one.

    Values stored before encryption at rest existed are sealed under the new key on the way.
    """
    state = KeyringState.objects.select_for_update().order_by("id").first()
    if state is not None:
        raise ValueError(MSG_ALREADY_INITIALISED.format(kek_id=state.kek_id))
    for field in encrypted_fields():
        _rotate_field(field, old=new.ring, new=new.ring)
    return KeyringState.objects.create(**_state_values(new))


# Walking through every sealed value ---------------------------------------------------------


@dataclass(frozen=True)
class StoredValue:
    table: str
    column: str
    pk: object
    raw: str
    field: EncryptedTextField


def stored_values(field: EncryptedTextField) -> Iterator[StoredValue]:
    """The raw column values (tokens, not plaintext), read without the field's converters."""
    model = field.model
    table = model._meta.db_table
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(pk.column)}, {quote(field.column)} FROM {quote(table)} "  # noqa: S608 - quoted names from the model's _meta
            f"WHERE {quote(field.column)} IS NOT NULL AND {quote(field.column)} <> '' "
            f"ORDER BY {quote(pk.column)}"
        )
        for row_pk, raw in cursor.fetchall():
            yield StoredValue(table, field.column, row_pk, raw, field)


@dataclass(frozen=True)
class Problem:
    table: str
    pk: object
    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.table} row {self.pk} field {self.field}: {self.problem}"


@dataclass(frozen=True)
class CheckReport:
    values: int
    files: int
    problems: list[Problem]


def keyring_check(*, ring: KeyRing) -> CheckReport:
    """Open every sealed value and stored file; report each one that does not open."""
    if ring.locked:
        raise KeyringLocked(ring.reason)
    problems: list[Problem] = []
    count = 0
    for field in encrypted_fields():
        for value in stored_values(field):
            count += 1
            try:
                ring.open(value.raw, label=field.label)
            except DecryptionFailed as error:
                problems.append(Problem(value.table, value.pk, field.name, str(error)))
    store = file_store()
    files = 0
    for file_id in store.ids():
        files += 1
        try:
            store.read(file_id, ring=ring)
        except (DecryptionFailed, ValueError) as error:
            problems.append(Problem("files", file_id, "content", str(error)))
    return CheckReport(values=count, files=files, problems=problems)


@dataclass(frozen=True)
class RotateReport:
    values: int
    sealed_plaintext: int
    files: int
    kek_id: str


def keyring_rotate(*, old: KeyRing, new: NewKey) -> RotateReport:
    """Re-wrap every data key under the new KEK and recompute every blind index, all or nothing.

    Values still stored in plaintext (from before encryption at rest) are sealed on the way.
    Stored files are re-wrapped into new files first and swapped in only after the database
    has committed.
    """
    if old.locked:
        raise KeyringLocked(old.reason)
    if new.ring.kek_id == old.kek_id:
        raise ValueError(MSG_SAME_KEY)
    store = file_store()
    with transaction.atomic():
        state = KeyringState.objects.select_for_update().order_by("id").first()
        values = plaintext = 0
        for field in encrypted_fields():
            v, p = _rotate_field(field, old=old, new=new.ring)
            values += v
            plaintext += p
        staged = store.stage_rewrap(old=old, new=new.ring)
        values_now = _state_values(new)
        if state is None:
            KeyringState.objects.create(**values_now)
        else:
            for name, value in values_now.items():
                setattr(state, name, value)
            state.rotated_at = timezone.now()
            state.save()
        transaction.on_commit(staged.commit)
    staged.discard_if_uncommitted()
    return RotateReport(
        values=values, sealed_plaintext=plaintext, files=len(staged), kek_id=new.ring.kek_id
    )


def _rotate_field(field: EncryptedTextField, *, old: KeyRing, new: KeyRing) -> tuple[int, int]:
    model = field.model
    quote = connection.ops.quote_name
    index_fields = [model._meta.get_field(name) for name in field.indexes]
    columns = [field.column, *(str(getattr(f, "column", "")) for f in index_fields)]
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    pk = model._meta.pk
    assert pk is not None
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {assignments} "  # noqa: S608 - quoted names from the model's _meta
        f"WHERE {quote(pk.column)} = %s"
    )
    rows = []
    plaintext = 0
    for value in stored_values(field):
        if value.raw.startswith(TOKEN_PREFIX):
            token = old.rewrap(value.raw, label=field.label, new=new)
            content = old.open(value.raw, label=field.label).decode() if field.indexes else ""
        else:
            plaintext += 1
            content = value.raw
            token = new.seal(content.encode(), label=field.label)
        decoded = field.decode(content) if field.indexes else None
        indexes = [compute(new, decoded) for compute in field.indexes.values()]
        rows.append([token, *indexes, value.pk])
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROTATE_BATCH):
            cursor.executemany(sql, rows[start : start + ROTATE_BATCH])
    return len(rows), plaintext
