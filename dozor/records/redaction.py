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

from dozor.analysis.text.redaction import redact_names
from dozor.records.models import Incident, Organisation
from dozor.records.selectors import names_searchable, names_visible
from dozor.security.fields import is_locked
from dozor.security.models import User

# What stands where a person's name was, when the record gives them no pseudonym.
__all__ = [
    "NAME_PLACEHOLDER",
    "free_text_for",
    "free_text_of_organisation",
    "incident_text_redacted",
    "names_of_incident",
    "names_searchable",
    "report_victim_names",
    "text_redacted",
]

NAME_PLACEHOLDER = pgettext_lazy("placeholder for a name taken out of a text", "[name]")


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
