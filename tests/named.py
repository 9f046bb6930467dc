"""An incident whose free text names its victim in every form a monitor writes, and the forms to
look for in what Dozor shows: used by the tests that names never reach people without the grant."""

from __future__ import annotations

import datetime

from dozor.records import services
from dozor.records.models import Incident, Organisation
from dozor.security.models import User

VICTIM_NAME = "Фарход Каримзода"
VICTIM_PSEUDONYM = "Victim A"
WITNESS_NAME = "Анна Белова"
# The victim's names as the texts below write them: nominative, declined and in Latin letters,
# and a witness the record does not list (natasha's NER finds her).
NAME_FORMS = (
    "Каримзода",
    "Каримзоде",
    "Каримзоды",
    "Фарходу",
    "Фарход",
    "Karimzoda",
    "Farkhod",
    "Белова",
    "Беловой",
)
SUMMARY = (
    "Фарходу Каримзоде нанесли ножевые ранения у гаражей. Каримзоды не было дома до утра. "
    "Свидетель Анна Белова вызвала скорую. Partners write him as Farkhod Karimzoda."
)
BIAS_NOTE = "Нападавшие кричали Фарходу оскорбления; Каримзода — выходец из Таджикистана."


def named_incident(
    organisation: Organisation, *, user: User | None = None, confidentiality: str = "restricted"
) -> Incident:
    """An incident of the organisation, recorded through the service as a documenter would,
    whose summary and bias note name its victim."""
    return services.incident_create(
        organisation=organisation,
        user=user,
        data=services.IncidentInput(
            title="Нападение у гаражей на Выборгской стороне",
            incident_type="physical_assault",
            date_start=datetime.date(2008, 12, 4),
            summary=SUMMARY,
            region="RU-SPE",
            locality="Санкт-Петербург",
            injured=1,
            confidentiality=confidentiality,
            biases=[
                services.BiasInput(
                    motivation="racist_xenophobic",
                    indicators=["perpetrator_statements"],
                    note=BIAS_NOTE,
                )
            ],
            people=[
                services.PersonInput(
                    name=VICTIM_NAME, pseudonym=VICTIM_PSEUDONYM, sex="male", harm="injured"
                )
            ],
        ),
    )


def names_in(text: str) -> list[str]:
    """The victim's and the witness's name forms found in a text (case-insensitively)."""
    folded = text.casefold()
    return [form for form in NAME_FORMS if form.casefold() in folded]
