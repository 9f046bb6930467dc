"""The extraction's notes, worded for the reviewer in the interface language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from dozor.analysis.text import model

NOTE_TEXTS = {
    model.NOTE_NO_DATE: _("No date found in the text; it was published on %(published)s."),
    model.NOTE_NIGHT_BEFORE: _(
        "“%(phrase)s”: dated %(date)s, the day the night leads into; the attack may have begun "
        "on the evening of %(evening)s."
    ),
    model.NOTE_DATE_FROM_WEEKDAY: _(
        "“%(weekday)s” read as %(date)s, the latest such day on or before publication."
    ),
    model.NOTE_YEAR_ASSUMED: _("The text gives no year; %(year)s assumed."),
    model.NOTE_SEVERAL_DATES: _("The text names other dates too: %(dates)s."),
    model.NOTE_NO_PLACE: _("No known place found in the text."),
    model.NOTE_NEAR_PLACE: _("The text says “near %(place)s”: only the region is given."),
    model.NOTE_REGION_ONLY: _("Only the region is named, not a locality."),
    model.NOTE_SEVERAL_PLACES: _("The text names places in other regions too: %(regions)s."),
    model.NOTE_NO_VICTIM_NAMES: _("No victim is named."),
    model.NOTE_PEOPLE_SKIPPED: _("Named but not taken as victims: %(people)s."),
    model.NOTE_COUNT_FROM_VICTIMS: _(
        "The text gives no number for %(field)s; %(count)s taken from the named victims."
    ),
    model.NOTE_NO_TYPE: _("No cue for the incident type."),
    model.NOTE_NO_BIAS: _("No cue for a bias motivation."),
    model.NOTE_LANGUAGE_GUESSED: _("Language detected: %(language)s."),
    model.NOTE_ORIGIN: _(
        "Where a person comes from, not where it happened: %(origins)s. It may say how the "
        "attackers saw the victim."
    ),
    model.NOTE_ATTEMPTED: _(
        "“%(phrase)s”: an attempt that nobody died of, drafted as an assault marked attempted."
    ),
}


def note_text(note: dict[str, Any]) -> str:
    template = NOTE_TEXTS.get(note.get("code", ""))
    if template is None:
        return str(note.get("code", ""))
    try:
        return str(str(template) % note.get("params", {}))
    except (KeyError, TypeError, ValueError):
        return str(template)
