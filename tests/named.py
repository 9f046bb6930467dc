"""An incident whose free text names its victim in every form a monitor writes, and the forms to
look for in what Dozor shows: used by the tests that names never reach people without the grant."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path
from typing import Any

from dozor.accounts.models import Organisation, User
from dozor.evidence.services import Received, attachment_receive
from dozor.records import services
from dozor.records.custom_fields import (
    CustomField,
    CustomValue,
    FieldTarget,
    FieldType,
    value_rows,
)
from dozor.records.models import Incident
from dozor.security.files import file_store
from dozor.submissions import services as submissions
from tests.evidence.conftest import jpeg_bytes

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
    "Каримзоду",
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


# Sensitive custom fields of the organisation (dozor.records.custom_fields): a statement that
# names the witness, and a choice among options that name her; on the victim, who found him
# (one word, so that the sweep's filter on it is an exact value in a plain address).
CUSTOM_STATEMENT = "Со слов Анны Беловой: участковый приехал через час"
CUSTOM_PERSON_VALUE = "Белова"
CUSTOM_OPTIONS = [
    {"code": "belova", "en": "Belova's account", "ru": "со слов Беловой"},
    {"code": "police", "en": "Police", "ru": "полиция"},
]


def named_custom_values(incident: Incident) -> None:
    """Sensitive custom fields of the incident's organisation whose values name the witness,
    on the incident and on its victim, defined through the services as an administrator would
    and filled as a documenter's form does."""
    admin = User.objects.create_user(
        username="custom-fields-admin", organisation=incident.organisation, role="administrator"
    )
    for key, field_type, options, applies_to in (
        ("witness_statement", FieldType.TEXT, [], FieldTarget.INCIDENT),
        ("told_by", FieldType.CHOICE, CUSTOM_OPTIONS, FieldTarget.INCIDENT),
        ("found_by", FieldType.TEXT, [], FieldTarget.PERSON),
    ):
        services.custom_field_create(
            organisation=incident.organisation,
            user=admin,
            data=services.CustomFieldInput(
                key=key,
                field_type=field_type,
                label_en=key.replace("_", " "),
                label_ru=key,
                sensitive=True,
                options=options,
                applies_to=applies_to,
            ),
        )
    given = {"witness_statement": CUSTOM_STATEMENT, "told_by": "belova"}
    victim = incident.people.get(pseudonym=VICTIM_PSEUDONYM)
    rows = []
    for field in CustomField.objects.filter(organisation=incident.organisation):
        if field.applies_to == FieldTarget.PERSON:
            for row in value_rows(field, field.canonical(CUSTOM_PERSON_VALUE)):
                row.person = victim
                rows.append(row)
            continue
        for row in value_rows(field, field.canonical(given[field.key])):
            row.incident = incident
            rows.append(row)
    CustomValue.objects.bulk_create(rows)


def json_readable(content: bytes, content_type: str) -> str | None:
    """A JSON body as a person reads it: ``\\u0424`` escapes turned back into letters, so that
    a name escaped in a JSON answer is found as surely as one written plainly (None: not JSON)."""
    if "json" not in content_type:
        return None
    try:
        return json.dumps(json.loads(content), ensure_ascii=False)
    except ValueError:
        return None


def names_in(text: str) -> list[str]:
    """The victim's and the witness's name forms found in a text (case-insensitively)."""
    folded = text.casefold()
    return [form for form in NAME_FORMS if form.casefold() in folded]


EVENT_NOTE = "Заявление Каримзоды приняли только с третьего раза."
RAISE_REASON = "Дело Фархода Каримзоды стоит год."
RAISING_REQUEST = "Просим возбудить дело о нападении на Ф. Каримзоду."
RAISING_REPLY = "Farkhod Karimzoda's case is under review."


def named_responses(incident: Incident, user: User) -> None:
    """A response event, a raise-list entry and a raising of the incident, each naming its
    victim, recorded through the services as the owning documenter would."""
    from dozor.responses import services as responses
    from dozor.responses.models import Body

    responses.event_add(
        incident=incident,
        user=user,
        data=responses.EventInput(
            kind="reported_to_police", date=datetime.date(2008, 12, 5), note=EVENT_NOTE
        ),
    )
    responses.raise_list_add(incident=incident, user=user, priority="high", reason=RAISE_REASON)
    responses.raising_log(
        incident=incident,
        user=user,
        data=responses.RaisingInput(
            raised_on=datetime.date(2009, 3, 1),
            raised_by="Advocate",
            body=Body.objects.create(name="Prosecutor's office", kind="prosecutor"),
            channel="letter",
            request=RAISING_REQUEST,
            reply=RAISING_REPLY,
            reply_on=datetime.date(2009, 4, 1),
        ),
    )


EVIDENCE_DESCRIPTION = "Снимок травм Фархода Каримзоды, сделан в травмпункте."


def named_evidence(incident: Incident, user: User) -> Any:
    """A photo kept as evidence of the incident whose file name and description name its
    victim, and whose own bytes carry the name (in the JPEG's comment), received through the
    service as the owning documenter would."""
    return attachment_receive(
        user=user,
        target=incident,
        received=Received(
            f"{VICTIM_NAME}.jpg", io.BytesIO(jpeg_bytes(VICTIM_NAME.encode("utf-8")))
        ),
        kind="photo",
        description=EVIDENCE_DESCRIPTION,
    )


# A partner's row that cannot be read (its date is not a date): it waits in the quarantine with
# the victim's name in a name column and in the description beside it.
QUARANTINE_CSV = (
    "id,Дата,Мотив,Убито,ФИО потерпевшего,Описание\n"
    "7,4 декабря,ксенофобия,0,Фарход Каримзода,Каримзоду избили у гаражей\n"
)
# The same row with a column that a mapping reads into the organisation's sensitive custom field
# (named_custom_values), whose statement names the witness.
QUARANTINE_WITNESS_COLUMN = "Показания свидетеля"
QUARANTINE_CUSTOM_CSV = (
    f"id,Дата,Мотив,Убито,ФИО потерпевшего,Описание,{QUARANTINE_WITNESS_COLUMN}\n"
    f'7,4 декабря,ксенофобия,0,Фарход Каримзода,Каримзоду избили у гаражей,"{CUSTOM_STATEMENT}"\n'
)


def named_quarantine(
    user: User, source_list: Any, directory: Path, *, custom: bool = False
) -> None:
    """Import QUARANTINE_CSV into the source list as the documenter would from the CLI; with
    ``custom``, QUARANTINE_CUSTOM_CSV, its witness column read into the sensitive custom field
    ``witness_statement`` (which named_custom_values makes)."""
    from dozor.intake.mapping import mapping_parse
    from dozor.intake.services import import_run
    from tests.intake.conftest import SMALL_MAPPING

    mapping = SMALL_MAPPING
    if custom:
        mapping += (
            f"  custom_witness_statement: {{column: {QUARANTINE_WITNESS_COLUMN}, type: text}}\n"
        )
    path = directory / "partner-names.csv"
    path.write_bytes((QUARANTINE_CUSTOM_CSV if custom else QUARANTINE_CSV).encode("utf-8"))
    import_run(
        user=user,
        source_list=source_list,
        path=path,
        file_name=path.name,
        mapping=mapping_parse(mapping, "partner.yaml"),
    )


# A mapping that reads the partner's row as it is, and a "corrected" one that expects numbers
# where the row holds the victim's name and the description: the re-read lists both cells.
AS_TEXT_MAPPING = """
version: 1
name: partner, as text
id_column: id
fields:
  date_written: {column: Дата, type: text}
  victim: {column: ФИО потерпевшего, type: text}
  description: {column: Описание, type: text}
"""
NUMBERS_MAPPING = """
version: 1
name: partner, numbers
id_column: id
fields:
  date_written: {column: Дата, type: text}
  victims_count: {column: ФИО потерпевшего, type: integer}
  injured: {column: Описание, type: integer}
"""


def named_remap(user: User, source_list: Any, directory: Path) -> Any:
    """Import QUARANTINE_CSV's row as text, then re-read it with a mapping that cannot read its
    name and description, as the documenter would from the CLI; the re-read's ImportBatch, whose
    problems quote the victim's name."""
    from io import StringIO

    from django.core.management import call_command

    from dozor.intake.models import ImportBatch, ImportKind

    path = directory / "partner-text.csv"
    path.write_bytes(QUARANTINE_CSV.encode("utf-8"))
    as_text, numbers = directory / "as-text.yaml", directory / "numbers.yaml"
    as_text.write_text(AS_TEXT_MAPPING, encoding="utf-8")
    numbers.write_text(NUMBERS_MAPPING, encoding="utf-8")
    common = ["--source-list", source_list.name, "--user", user.username]
    quiet = {"stdout": StringIO(), "stderr": StringIO()}
    call_command("import", str(path), "--mapping", str(as_text), *common, **quiet)
    call_command("import", "--remap", "--mapping", str(numbers), *common, **quiet)
    return ImportBatch.objects.get(source_list=source_list, kind=ImportKind.REMAP)


SUBMISSION_ACCOUNT = (
    "Меня, Фархода Каримзоду, избили у гаражей. Свидетель — Анна Белова, она вызвала скорую."
)
SUBMISSION_CONTACT = "Анна Белова, Signal +7 900 000-11-22"
REFERRED_TO = "Адвокат для Фархода Каримзоды"


def named_submission(organisation: Organisation, user: User) -> Any:
    """A submission of the public form to the organisation naming its sender in its title, its
    account and its contact, with a photo whose file name and bytes carry the name, and a
    referral of its sender made by the organisation's documenter; received and referred through
    the services as the form and the triage page do."""
    submission = submissions.submission_receive(
        organisation=organisation,
        channel="form",
        text=submissions.SubmissionText(
            title=f"Избиение {VICTIM_NAME}",
            what_happened=SUBMISSION_ACCOUNT,
            where_text="Санкт-Петербург",
            contact=SUBMISSION_CONTACT,
            wants_legal_help=True,
        ),
    )
    photo = jpeg_bytes(VICTIM_NAME.encode("utf-8"))
    submissions.submission_file_add(
        submission=submission,
        name=f"{VICTIM_NAME}.jpg",
        media_type="image/jpeg",
        stored=file_store().store_stream(io.BytesIO(photo)),
    )
    submissions.referral_create(
        user=user, submission=submission, kind="legal", referred_to=REFERRED_TO
    )
    return submission
