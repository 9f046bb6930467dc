"""Hand-built incidents for the export tests."""

from __future__ import annotations

import datetime
import io
import zipfile

from dozor.accounts.models import User
from dozor.exports.models import OdihrSubmission
from dozor.records.models import Incident
from dozor.responses.services import EventInput, event_add
from tests.factories import IncidentBiasFactory, IncidentFactory, PersonFactory

# A victim's name in the forms it takes in texts: Cyrillic, declined, Latin, initials.
NAMES = (
    "Фарход Каримзода",
    "Фарходу Каримзоде",
    "Каримзодой",
    "Farkhod Karimzoda",
    "Karimzoda",
    "Ф. Каримзода",
)


def marked_incident(
    owner: User, *, year: int = 2024, names: bool = False, **fields: object
) -> Incident:
    """An assault in St Petersburg with a racist motive, two victims and a perpetrator, marked
    for the ODIHR submission of `year`. With names=True every field that can hold a name holds
    one."""
    assert owner.organisation is not None
    values: dict[str, object] = {
        "organisation": owner.organisation,
        "date_start": datetime.date(year, 3, 14),
        "region": "RU-SPE",
        "locality": "Санкт-Петербург",
        "injured": 2,
        "created_by": owner,
    }
    if names:
        values["title"] = "Нападение на " + NAMES[1]
        values["summary"] = " ".join(NAMES) + " избит у метро."
        values["locality"] = "ул. Каримзоды, 5, " + NAMES[0]
    values.update(fields)
    incident = IncidentFactory(**values)
    IncidentBiasFactory(
        incident=incident,
        motivation="racist_xenophobic",
        indicators=["perpetrator_statements", "symbols"],
        note=("Со слов " + NAMES[2]) if names else "",
    )
    PersonFactory(
        incident=incident,
        name=NAMES[0],
        pseudonym=NAMES[3] if names else "Victim A",
        group_affiliation=NAMES[4] if names else "",
        perceived_group="central_asian",
    )
    PersonFactory(
        incident=incident,
        name=NAMES[5],
        pseudonym="Victim B",
        perceived_group="dark_skinned",
    )
    PersonFactory(incident=incident, role="perpetrator", name="", pseudonym="", count=3)
    OdihrSubmission.objects.create(incident=incident, year=year, marked_by=owner)
    return incident


def police_report(incident: Incident, owner: User, day: datetime.date) -> None:
    event_add(
        incident=incident,
        user=owner,
        data=EventInput(kind="reported_to_police", date=day, note="Заявление подал Каримзода"),
    )


def xlsx_texts(content: bytes) -> str:
    """Every XML part of a workbook, decompressed: where its strings are."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
