"""Model fields whose values are sealed in the database (see dozor.security.crypto).

In Python an encrypted field holds plaintext: a ``str`` for :class:`EncryptedTextField`, any JSON
value for :class:`EncryptedJSONField`. Saving (``save()``, ``bulk_create()``, ``update()``) seals
it; loading opens it. Without a key, loading gives :class:`LockedText` / :class:`LockedJSON`
(rendered as "locked") and saving raises :class:`~dozor.security.crypto.KeyringLocked`.

``indexes`` names sibling fields computed from the plaintext each time the row is saved through
``save()`` or ``bulk_create()``: ``{"name_index": exact_index}``. ``search`` names the table of
the field's search tokens (dozor.security.search), written by the model's ``save()`` and
``bulk_create()`` in the same transaction. Filtering on an encrypted column itself never matches
(each sealing is random): filter on its indexes, or search its tokens.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext, gettext_lazy

from dozor.security.crypto import TOKEN_PREFIX, DecryptionFailed, KeyRing, KeyringLocked
from dozor.security.keyring import keyring
from dozor.security.search import SearchIndex

logger = logging.getLogger(__name__)

IndexFunction = Callable[[KeyRing, Any], Any]

MSG_LOCKED_WRITE = gettext_lazy(
    "Dozor is locked: without the encryption key it cannot store names, summaries or other "
    "identifying data. Nothing was saved. An administrator restarts Dozor with the key "
    "(DOZOR_KEY_FILE or DOZOR_KEY_PASSPHRASE_FILE)."
)
MSG_SEAL_NEEDS_KEY = (
    "{count} {label} values were stored before this column was encrypted and must be sealed now, "
    "which needs the encryption key. Nothing was changed. Run the command again with the key "
    "(DOZOR_KEY_FILE or DOZOR_KEY_PASSPHRASE_FILE; `dozor keys init` sets one up)."
)
MSG_UNREADABLE_WRITE = gettext_lazy(
    "This value could not be decrypted, so it cannot be saved back; nothing was saved. "
    "`dozor keys check` lists such values."
)


class LockedText(str):
    """What an encrypted text reads as while Dozor has no key (or the value does not open)."""

    locked = True

    def __new__(cls) -> LockedText:
        return super().__new__(cls, "locked")

    def __str__(self) -> str:
        return gettext("locked")

    def __html__(self) -> str:
        return '<span class="locked">' + gettext("locked") + "</span>"


class LockedJSON(dict[str, Any]):
    """What an encrypted JSON value reads as while Dozor has no key: empty, marked locked."""

    locked = True

    def __str__(self) -> str:
        return gettext("locked")


def is_locked(value: object) -> bool:
    return bool(getattr(value, "locked", False))


def exact_index(ring: KeyRing, value: str) -> str:
    """The blind index of the whole normalised value."""
    return ring.blind(value or "")


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text sealed with its own data key; ``max_length`` is checked on the plaintext."""

    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def __init__(
        self,
        *args: Any,
        indexes: dict[str, IndexFunction] | None = None,
        search: SearchIndex | None = None,
        **kwargs: Any,
    ) -> None:
        self.indexes = dict(indexes or {})
        self.search = search
        super().__init__(*args, **kwargs)

    def run_validators(self, value: Any) -> None:
        super().run_validators(value)
        if self.max_length is not None and isinstance(value, str) and not is_locked(value):
            MaxLengthValidator(self.max_length)(value)

    @property
    def label(self) -> str:
        """What both layers of encryption are bound to: a token opens in this column only."""
        return f"{self.model._meta.label}.{self.name}"

    # Loading --------------------------------------------------------------------------------

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return self.empty_plaintext(value)
        if not value.startswith(TOKEN_PREFIX):
            # Written before encryption at rest existed; `dozor keys rotate` seals it.
            return self.decode(value)
        ring = keyring()
        if ring.locked:
            return self.locked_value()
        try:
            return self.decode(ring.open(value, label=self.label).decode())
        except DecryptionFailed as error:
            logger.warning("%s: a value does not open: %s", self.label, error)
            return self.locked_value()

    def empty_plaintext(self, value: Any) -> Any:
        return value

    def decode(self, text: str) -> Any:
        return text

    def encode(self, value: Any) -> str:
        return str(value)

    def locked_value(self) -> Any:
        return LockedText()

    # Saving ---------------------------------------------------------------------------------

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        if self.indexes and not is_locked(value):
            ring = keyring()
            if ring.locked and not self.is_empty(value):
                raise KeyringLocked(str(MSG_LOCKED_WRITE))
            for attname, compute in self.indexes.items():
                computed = compute(ring, value) if not self.is_empty(value) else ""
                setattr(model_instance, attname, computed)
        return value

    def is_empty(self, value: Any) -> bool:
        return value is None or value == ""

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        if value is None:
            return None
        if is_locked(value):
            ring = keyring()
            raise KeyringLocked(str(MSG_LOCKED_WRITE if ring.locked else MSG_UNREADABLE_WRITE))
        text = self.encode(value)
        if text == "":
            return ""
        ring = keyring()
        if ring.locked:
            raise KeyringLocked(str(MSG_LOCKED_WRITE))
        return ring.seal(text.encode(), label=self.label)

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("max_length", self.max_length)
        return super().formfield(**kwargs)


class EncryptedJSONField(EncryptedTextField):
    """A JSON document (dicts, lists, strings, numbers) sealed as one value."""

    def empty_plaintext(self, value: Any) -> Any:
        return value if value is None else self.get_default()

    def decode(self, text: str) -> Any:
        return json.loads(text)

    def encode(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def locked_value(self) -> Any:
        return LockedJSON()

    def is_empty(self, value: Any) -> bool:
        return value is None

    def to_python(self, value: Any) -> Any:
        return value

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        super().validate(value, model_instance)
        try:
            self.encode(value)
        except (TypeError, ValueError) as error:
            raise forms.ValidationError(
                gettext_lazy("Not storable as JSON: %(error)s"), params={"error": error}
            ) from None

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        return forms.JSONField(**{"required": not self.blank, **kwargs})


def encrypted_fields() -> list[EncryptedTextField]:
    """Every encrypted field of every installed model (what rotation and checks walk through)."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                found.append(field)
    return found


def plaintext_seal(model: type[models.Model], names: list[str]) -> int:
    """Seal the values of these columns that were stored in clear, before they were encrypted.

    For the data migration that follows turning a column into an encrypted field; works on
    historical models too. Returns how many rows were sealed; with rows to seal and no key it
    raises :class:`KeyringLocked` rather than leave names readable in the database.
    """
    unsealed = models.Q()
    for name in names:
        unsealed |= (
            models.Q(**{f"{name}__isnull": False})
            & ~models.Q(**{name: ""})
            & ~models.Q(**{f"{name}__startswith": TOKEN_PREFIX})
        )
    rows = model._default_manager.filter(unsealed).order_by("pk")
    count = rows.count()
    if not count:
        return 0
    ring = keyring()
    if ring.locked:
        label = model._meta.label
        raise KeyringLocked(MSG_SEAL_NEEDS_KEY.format(count=count, label=label))
    for row in rows.only("pk", *names).iterator():
        # update() seals through get_db_prep_save; values already sealed are sealed afresh.
        model._default_manager.filter(pk=row.pk).update(
            **{name: getattr(row, name) for name in names}
        )
    return count
