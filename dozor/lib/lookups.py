"""``field__among=[...]``: a field's value is one of many, sent to PostgreSQL as one array.

``field__in=ids`` writes one parameter per value: a search that reads a thousand incidents by
id spent more time writing, sending and parsing the thousand parameters of its list than
PostgreSQL spent finding them (12 ms of a 50 ms search at 100,000 incidents). ``among`` sends
``field = ANY(%s)`` with the values as one array there, and an ``IN`` list elsewhere (SQLite).
Like any lookup, it names the field by its table's alias in the query, wherever the query ends
up (a subquery included). Give it a set: Django resolves each item of a list or a tuple as a
possible expression when the filter is made (a millisecond or two for a thousand ids); the
lookup sorts the values itself, so that the same ids make the same query.
"""

from __future__ import annotations

from typing import Any

from django.db.models import BigAutoField, Lookup


@BigAutoField.register_lookup
class Among(Lookup):  # type: ignore[type-arg]
    lookup_name = "among"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[Any]:
        return sorted(self.rhs)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            return "1 = 0", []
        marks = ", ".join(["%s"] * len(values))
        return f"{lhs} IN ({marks})", [*lhs_params, *values]

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]
