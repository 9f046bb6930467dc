"""Problems of a row: what was found in which cell, and what was expected, in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dozor.intake.values.places import country_short_name

# Problems in a row. The code is stored with the quarantined row; the text is shown to people.
PROBLEM_MESSAGES = {
    "required": _("a value is required here"),
    # A column mapped to one of the organisation's custom fields (custom_<key>): the field's
    # own words, naming it and what it takes.
    "custom_field": _("%(problem)s"),
    "not_integer": _("expected a whole number"),
    "not_date": _("expected a date written as %(formats)s"),
    "date_range_backwards": _("expected a range whose last day is not before its first"),
    "not_year": _("expected a year of four digits"),
    "not_month": _("expected a month: a number from 1 to 12, or its name (март, March)"),
    "not_day": _("expected a day of the month, a number from 1 to %(last)s"),
    "day_without_month": _("a day is given without a month"),
    "not_boolean": _("expected one of %(allowed)s"),
    "not_in_mapping": _("expected one of the values the mapping lists: %(allowed)s"),
    "several_codes": _(
        "the cell gives several codes (%(codes)s) where the field takes one; the mapping may "
        "choose one with `several: first` or `several: order`"
    ),
    "region_unknown_code": _(
        "“%(value)s” is not an ISO 3166-2 region code that Dozor knows; expected a code such as "
        "RU-TA or US-NY, or a region's name"
    ),
    "region_other_country": _("%(value)s is a region of %(other_name)s, not of %(country_name)s"),
    "region_not_placed": _(
        "“%(value)s” is not a region of %(country_name)s that Dozor knows; expected a region's "
        "name in Russian or English (Татарстан, Republic of Tatarstan) or its ISO 3166-2 code "
        "(such as %(example)s); other names can be added to the field's `values`"
    ),
    "region_is_a_city": _(
        "“%(value)s” is a city, the capital of %(region)s, not a region; expected a region, or "
        "`unmatched: keep` in the mapping to keep the city as the locality"
    ),
    "region_ambiguous": _(
        "“%(value)s” may name any of %(codes)s; expected the region's full name or its code"
    ),
    "country_unknown": _(
        "“%(value)s” is not a country that Dozor knows; expected an ISO 3166-1 code (RU, RUS) "
        "or a country's name in English or Russian"
    ),
    "country_ambiguous": _("“%(value)s” may name any of %(codes)s; expected the country's code"),
    "person_age": _(
        "person %(position)s: “%(age)s” is not an age; expected a whole number from 1 to 120"
    ),
    "person_sex": _(
        "person %(position)s: “%(sex)s” is not a sex; expected м, ж, male, female or a word the "
        "field's `sex` lists"
    ),
    "person_not_readable": _(
        "person %(position)s: expected a text or an object with the keys %(keys)s"
    ),
    "rejected": _("the mapping rejects this value: %(reason)s"),
    "too_long": _("expected at most %(limit)s characters, found %(length)s"),
    "missing_column": _("the file has no such column"),
    "cell_count": _("the row has %(found)s cells where the header has %(expected)s"),
    "not_an_object": _("expected a JSON object on this line"),
    "nul_character": _(
        "the cell holds a NUL character, which cannot be stored; it is shown here as \\x00"
    ),
    "not_json": _("expected a line of JSON: %(error)s"),
    "too_deep": _(
        "expected a row of values; this line nests lists and objects more than %(limit)s deep, "
        "so it is kept as text and not read"
    ),
    "id_too_long": _("the identifier is longer than %(limit)s characters"),
    "id_twice": _(
        "the identifier appears again on this row with different values (first: row %(first)s)"
    ),
    "date_order": _("expected %(later)s on or after %(earlier)s"),
    "date_gap": _("expected %(later)s at most %(days)s days after %(earlier)s"),
}

# What else a date field reads, added to "not_date" ("also" in its parameters).
DATE_ALSO_MESSAGES = {
    "names": _("or with the month by name (март 2018, 12 марта 2018 г., March 12, 2018)"),
    "ranges": _("or a range of two dates (2018-03-01/2018-03-05, 1–5 марта 2018)"),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one row: where, what was found, what was expected."""

    row: int
    column: str
    value: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self) -> str:
        params = dict(self.params)
        language = get_language() or "en"
        for code_key, name_key in (("country", "country_name"), ("other", "other_name")):
            if isinstance(params.get(code_key), str):
                params[name_key] = country_short_name(params[code_key], language)
        text = str(PROBLEM_MESSAGES[self.code]) % params
        if self.code == "not_date":
            text = "; ".join(
                [text, *(str(DATE_ALSO_MESSAGES[also]) for also in params.get("also", ()))]
            )
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "params": self.params,
            "expected": self.message(),
        }
