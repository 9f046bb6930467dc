"""Free text as each user may read it: whole for those who may see names, redacted for others.

Summaries, coders' notes, response notes, replies of officials, press articles and quarantined
rows name people. The victims table hides names behind pseudonyms (selectors.names_visible), so
the text around it must too, or the table's care is undone by the paragraph below it. Every
output that shows such text (pages, dossiers, exports, press, quarantine, history) passes it
through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import pgettext_lazy

from dozor.accounts.models import Organisation, User
from dozor.analysis.text import redact_names
from dozor.records.custom_fields import MAPPING_PREFIX, CustomField
from dozor.records.models import Incident, Report
from dozor.records.selectors import names_searchable, names_visible
from dozor.records.services import _pseudonym
from dozor.security.fields import is_locked

# What stands where a person's name was, when the record gives them no pseudonym.
__all__ = [
    "NAME_PLACEHOLDER",
    "free_text_for",
    "free_text_of_organisation",
    "incident_text_redacted",
    "is_name_column",
    "names_of_incident",
    "names_searchable",
    "payload_redacted",
    "report_known_names",
    "report_names_visible",
    "report_people_names",
    "report_sensitive_keys",
    "report_victim_names",
    "text_redacted",
    "value_redacted",
]

NAME_PLACEHOLDER = pgettext_lazy("placeholder for a name taken out of a text", "[name]")
# What stands where the value of a sensitive custom field was.
SENSITIVE_PLACEHOLDER = pgettext_lazy(
    "placeholder for a sensitive field's value taken out of a text", "[withheld]"
)


def names_of_incident(incident: Incident) -> list[tuple[str, str]]:
    """Every name the incident knows, with what replaces it: its people's names beside their
    pseudonyms, and the victims' names its source reports give (as they wrote them)."""
    known: list[tuple[str, str]] = []
    for person in incident.people.all():
        name = person.name
        if name and not is_locked(name):
            known.append((str(name), person.pseudonym))
    for link in incident.report_links.all():
        known.extend((name, "") for name in report_victim_names(link.report.fields))
    return known


def report_victim_names(fields: Any) -> list[str]:
    """The victims' names in a report's parsed fields."""
    if not isinstance(fields, dict):
        return []
    victims = fields.get("victims")
    if not isinstance(victims, list):
        return []
    return [
        str(victim["name"])
        for victim in victims
        if isinstance(victim, dict) and victim.get("name") and not is_locked(victim["name"])
    ]


def text_redacted(text: Any, names: Iterable[tuple[str, str]]) -> Any:
    """The text with every given name (name, pseudonym) and every person NER finds taken out.

    A locked value (Dozor without its key) is returned as it is: it shows only "locked".
    """
    if not text or is_locked(text) or not isinstance(text, str):
        return text
    pairs = list(names)
    return redact_names(
        text,
        [name for name, _ in pairs],
        [pseudonym for _, pseudonym in pairs],
        placeholder=str(NAME_PLACEHOLDER),
    )


def incident_text_redacted(incident: Incident, text: Any) -> Any:
    """A text about the incident with its people's names and any other person taken out."""
    return text_redacted(text, names_of_incident(incident))


def free_text_for(user: User | AnonymousUser, incident: Incident, text: Any) -> Any:
    """A free text of the incident as this user may read it."""
    if names_visible(user, incident):
        return text
    return incident_text_redacted(incident, text)


def free_text_of_organisation(
    user: User | AnonymousUser,
    organisation: Organisation | int | None,
    text: Any,
    names: Sequence[str] = (),
) -> Any:
    """A free text owned by an organisation but not (yet) by an incident: a quarantined row, a
    press article. Whole for those who see that organisation's names; otherwise the given names
    and every person NER finds are taken out."""
    organisation_id = organisation.pk if isinstance(organisation, Organisation) else organisation
    if (
        organisation_id is not None
        and isinstance(user, User)
        and user.sees_names_of(organisation_id)
    ):
        return text
    return text_redacted(text, [(name, "") for name in names])


# The people of a report's parsed fields, by the role their pseudonyms give them.
REPORT_PEOPLE = (("victims", "victim"), ("perpetrators", "perpetrator"))


def report_names_visible(user: User | AnonymousUser, report: Report) -> bool:
    """Whether the user sees the names in this report: the owning organisation's trusted roles,
    and its analysts and readers with the name grant (as names_visible for incidents)."""
    return isinstance(user, User) and user.sees_names_of(report.source_list.organisation_id)


def report_people_names(fields: Any) -> list[tuple[str, str]]:
    """Every name a report's parsed fields give, its victims' and perpetrators', each with the
    pseudonym its place in its list gives it ("Victim A", "Perpetrator B"): what replaces the
    name wherever the report's text writes it."""
    if not isinstance(fields, dict):
        return []
    known: list[tuple[str, str]] = []
    for key, role in REPORT_PEOPLE:
        people = fields.get(key)
        if not isinstance(people, list):
            continue
        for position, person in enumerate(p for p in people if isinstance(p, dict)):
            name = person.get("name")
            if isinstance(name, str) and name.strip() and not is_locked(name):
                known.append((name.strip(), _pseudonym(role, position)))
    return known


# Columns whose header says they hold a person's name: a quarantined row's cells, or a report's
# payload columns its mapping did not read into its victims.
NAME_COLUMN_WORDS = (
    "name",
    "victim",
    "person",
    "имя",
    "фио",
    "ф.и.о",
    "фамилия",
    "потерпевш",
    "пострадавш",
    "жертв",
)


def is_name_column(column: Any) -> bool:
    folded = str(column).casefold()
    return any(word in folded for word in NAME_COLUMN_WORDS)


def report_known_names(
    report: Report, sensitive_keys: frozenset[str] | None = None
) -> list[tuple[str, str]]:
    """The names a report knows, with what replaces each: its people's (report_people_names),
    then the cells of its row's name columns, which no pseudonym stands for; then the values
    its mapping gave the organisation's sensitive custom fields, which are withheld where names
    are (``sensitive_keys``: report_sensitive_keys, read here when not given)."""
    known = report_people_names(report.fields)
    payload = report.payload if isinstance(report.payload, dict) else {}
    for column, value in payload.items():
        if is_name_column(column) and isinstance(value, str) and value.strip():
            known.append((value.strip(), ""))
    if sensitive_keys is None:
        sensitive_keys = report_sensitive_keys(report.source_list.organisation_id)
    withheld = str(SENSITIVE_PLACEHOLDER)
    known.extend((value, withheld) for value in _sensitive_values(report.fields, sensitive_keys))
    return known


def report_sensitive_keys(organisation_id: int) -> frozenset[str]:
    """The keys a mapping gives the organisation's sensitive custom fields (``custom_<key>``),
    on incidents and on people, removed ones too: their values stay in the reports."""
    keys = CustomField.objects.filter(organisation_id=organisation_id, sensitive=True)
    return frozenset(MAPPING_PREFIX + key for key in keys.values_list("key", flat=True))


def _sensitive_values(fields: Any, keys: frozenset[str]) -> list[str]:
    """The texts of the sensitive keys' values in a report's fields and in its people's."""
    if not keys or not isinstance(fields, dict):
        return []
    holders = [fields] + [
        person
        for list_key, _role in REPORT_PEOPLE
        if isinstance(fields.get(list_key), list)
        for person in fields[list_key]
        if isinstance(person, dict)
    ]
    texts: list[str] = []
    for holder in holders:
        for key in keys & holder.keys():
            value = holder[key]
            for item in value if isinstance(value, list) else [value]:
                text = str(item).strip() if item is not None else ""
                if text and not is_locked(text):
                    texts.append(text)
    return texts


def payload_redacted(payload: Any, names: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """A report's row as received with the names taken out: every cell through value_redacted;
    a cell of a name column in which no known name was found is taken out whole, since NER
    cannot be trusted with a bare name or initials."""
    if not isinstance(payload, dict):
        return {}
    shown: dict[str, Any] = {}
    for column, value in payload.items():
        redacted = value_redacted(value, names)
        name_cell = is_name_column(column) and isinstance(value, str) and value.strip()
        if name_cell and redacted == value:
            redacted = str(NAME_PLACEHOLDER)
        shown[str(column)] = redacted
    return shown


def value_redacted(value: Any, names: Sequence[tuple[str, str]]) -> Any:
    """A value of a report (a cell, an extra field) with every name taken out: each text in it,
    inside lists and mappings too, through text_redacted(); numbers and booleans as they are."""
    if isinstance(value, str):
        return text_redacted(value, names)
    if isinstance(value, list):
        return [value_redacted(item, names) for item in value]
    if isinstance(value, dict):
        return {key: value_redacted(item, names) for key, item in value.items()}
    return value
