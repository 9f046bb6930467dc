"""Keys: the writes that set the database's key up, rotate it and check every sealed value, and
those that rebuild and check the search tokens of the sealed fields (dozor.security.search).

The top of encryption at rest: it walks the encrypted fields (dozor.security.fields) and the file
store (dozor.security.files); where the process's key comes from is dozor.security.keyring.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
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
from dozor.security.search import tokens_insert, value_tokens

SALT_BYTES = 16
ROTATE_BATCH = 1000

MSG_ALREADY_INITIALISED = (
    "this database already has an encryption key (key id {kek_id}); to change it use "
    "`dozor keys rotate`."
)
MSG_NOT_INITIALISED = "this database has no encryption key yet: run `dozor keys init` first."
MSG_SAME_KEY = "the new key is the key in use; give a different one."
MSG_TOKENS_MISSING = "search tokens missing: `dozor keys reindex` writes them"
MSG_TOKENS_STALE = (
    "search tokens stale (they do not match the value): `dozor keys reindex` rewrites them"
)
MSG_TOKENS_UNREADABLE = "the value does not open, so its search tokens cannot be checked"
MSG_INDEX_NEEDS_KEY = (
    "{count} sealed values have no search tokens yet, and making them needs the encryption "
    "key. Nothing was changed. Run the command again with the key (DOZOR_KEY_FILE or "
    "DOZOR_KEY_PASSPHRASE_FILE)."
)


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
    search_tokens_rebuild(ring=new.ring)
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
            store.verify(file_id, ring=ring)
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
        # The tokens are keyed by the KEK: under the new key every one of them changes.
        search_tokens_rebuild(ring=new.ring)
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


# Search tokens --------------------------------------------------------------------------------


def searched_encrypted_fields() -> list[EncryptedTextField]:
    return [field for field in encrypted_fields() if field.search is not None]


def _opened(field: EncryptedTextField, value: StoredValue, ring: KeyRing) -> object:
    """A stored value's plaintext, decoded as the field reads it (raises DecryptionFailed)."""
    if value.raw.startswith(TOKEN_PREFIX):
        return field.decode(ring.open(value.raw, label=field.label).decode())
    return field.decode(value.raw)


def _empty(field: EncryptedTextField, *, prefix: str = "") -> Q:
    """The rows (or, with ``prefix="record__"``, the tokens of the rows) whose value is empty."""
    return Q(**{f"{prefix}{field.name}": ""}) | Q(**{f"{prefix}{field.name}__isnull": True})


def _batches(field: EncryptedTextField) -> Iterator[list[StoredValue]]:
    batch: list[StoredValue] = []
    for value in stored_values(field):
        batch.append(value)
        if len(batch) == ROTATE_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True)
class ReindexReport:
    records: int
    tokens: int


def _searched_in(app_label: str | None) -> list[EncryptedTextField]:
    """The searched sealed fields, of one app's models when ``app_label`` is given."""
    return [
        field
        for field in searched_encrypted_fields()
        if app_label is None or field.model._meta.app_label == app_label
    ]


def search_tokens_rebuild(*, ring: KeyRing, app_label: str | None = None) -> ReindexReport:
    """Rewrite the search tokens of every sealed, searched field from its values (of one app's
    models when ``app_label`` is given), all or nothing.

    Values that do not open keep no tokens (``dozor keys check`` lists them). Used by key
    rotation, by ``dozor keys reindex`` and by the migration that made the token tables.
    """
    if ring.locked:
        raise KeyringLocked(ring.reason)
    records = written = 0
    with transaction.atomic():
        for field in _searched_in(app_label):
            assert field.search is not None
            table = field.search.token_model()
            table._default_manager.filter(field=field.name).delete()
            for batch in _batches(field):
                rows: list[tuple[object, str]] = []
                for value in batch:
                    try:
                        plaintext = _opened(field, value, ring)
                    except DecryptionFailed:
                        continue
                    rows.extend((value.pk, token) for token in value_tokens(ring, field, plaintext))
                tokens_insert(table, field.name, rows)
                records += len(batch)
                written += len(rows)
    return ReindexReport(records=records, tokens=written)


def search_tokens_fill(*, ring: KeyRing, app_label: str) -> ReindexReport:
    """Write the tokens of one app's models in a database that has sealed values but no tokens
    yet (the migration that made the app's token tables; other apps' tables may not exist yet
    at that point of the migrations). Refuses without the key if there is anything to index."""
    fields = _searched_in(app_label)
    pending = sum(field.model._default_manager.exclude(_empty(field)).count() for field in fields)
    if not pending:
        return ReindexReport(records=0, tokens=0)
    if ring.locked:
        raise KeyringLocked(MSG_INDEX_NEEDS_KEY.format(count=pending))
    return search_tokens_rebuild(ring=ring, app_label=app_label)


def search_tokens_check(*, ring: KeyRing) -> CheckReport:
    """Compare every searched value's stored tokens with those its plaintext gives; name each
    record whose tokens are missing or stale (table, row, field: never the value)."""
    if ring.locked:
        raise KeyringLocked(ring.reason)
    problems: list[Problem] = []
    count = 0
    for field in searched_encrypted_fields():
        assert field.search is not None
        table = field.search.token_model()
        tokens = table._default_manager.filter(field=field.name)
        for batch in _batches(field):
            pks = [value.pk for value in batch]
            stored: dict[object, set[str]] = {}
            for record, token in tokens.filter(record_id__in=pks).values_list("record_id", "token"):
                stored.setdefault(record, set()).add(token)
            for value in batch:
                count += 1
                try:
                    expected = value_tokens(ring, field, _opened(field, value, ring))
                except DecryptionFailed:
                    problems.append(
                        Problem(value.table, value.pk, field.name, MSG_TOKENS_UNREADABLE)
                    )
                    continue
                found = stored.get(value.pk, set())
                if found == expected:
                    continue
                problem = MSG_TOKENS_MISSING if expected and not found else MSG_TOKENS_STALE
                problems.append(Problem(value.table, value.pk, field.name, problem))
        # Tokens of a record whose value is empty now.
        orphans = tokens.filter(_empty(field, prefix="record__"))
        table_name = field.model._meta.db_table
        for record in sorted(set(orphans.values_list("record_id", flat=True))):
            problems.append(Problem(table_name, record, field.name, MSG_TOKENS_STALE))
    return CheckReport(values=count, files=0, problems=problems)
