"""The words of a data file's mistakes, translated: what dozor.lib.schemas says, in the language of
the person who reads it.

dozor.lib.schemas knows no Django; the apps whose files people write (mappings, the commitments
catalogue) pass it this wording, made when the message is made, so that it is in the language
active then.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from dozor.lib.schemas import Wording

MSG_SCHEMA_MISMATCH = _("%(file)s: %(key)s: expected %(expected)s; found %(found)s.")
MSG_SCHEMA_UNKNOWN_KEY = _("%(file)s: %(key)s: unknown key; the keys allowed here are %(allowed)s.")
MSG_SCHEMA_NOTHING = _("nothing")
MSG_SCHEMA_TOP_LEVEL = _("(top level)")

# What a key takes, by pydantic's kind of error (dozor.lib.schemas.EXPECTED, translated).
SCHEMA_EXPECTED = {
    "bool_type": _("true or false"),
    "int_type": _("a whole number"),
    "int_from_float": _("a whole number"),
    "float_type": _("a number"),
    "string_type": _("a text"),
    "string_too_short": _("a non-empty text"),
    "string_too_long": _("a text of at most {max_length} characters"),
    "dict_type": _("a mapping of keys to values"),
    "model_type": _("a mapping of keys to values"),
    "model_attributes_type": _("a mapping of keys to values"),
    "list_type": _("a list"),
    "tuple_type": _("a list"),
    "too_short": _("at least {min_length} item(s)"),
    "literal_error": _("one of {expected}"),
    "union_tag_invalid": _("one of {expected_tags}"),
    "union_tag_not_found": _("a value"),
    "greater_than_equal": _("a number of at least {ge}"),
    "greater_than": _("a number greater than {gt}"),
    "less_than_equal": _("a number of at most {le}"),
    "extra_forbidden": _("no such key"),
    "missing": _("a value"),
}


def schema_wording(
    *, missing: Mapping[str, Any] | None = None, own: Mapping[str, Any] | None = None
) -> Wording:
    """The wording in the active language; ``missing`` and ``own`` as in Wording, lazy texts
    welcome."""
    return Wording(
        mismatch=str(MSG_SCHEMA_MISMATCH),
        unknown_key=str(MSG_SCHEMA_UNKNOWN_KEY),
        nothing=str(MSG_SCHEMA_NOTHING),
        top_level=str(MSG_SCHEMA_TOP_LEVEL),
        expected={kind: str(text) for kind, text in SCHEMA_EXPECTED.items()},
        missing={key: str(text) for key, text in (missing or {}).items()},
        own={kind: str(text) for kind, text in (own or {}).items()},
    )
