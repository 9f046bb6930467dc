"""A partner's file that names its victim, imported with `dozor import` as a documenter does:
what the Reports and Sources tests look at."""

from __future__ import annotations

from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from dozor.accounts.models import User
from dozor.intake.models import ImportBatch
from dozor.records.models import Report, SourceList

# Row 1 names its victim in the name column, in the summary (declined) and a witness beside it;
# row 2 names no one.
NAMED_CSV = (
    "id,Дата,Регион,Тип,Убито,Ранено,Заголовок,Описание,ФИО потерпевшего,Свидетель\n"
    "1,04.12.2008,RU-SPE,нападение,0,1,Нападение на Фархода Каримзоду у гаражей,"
    '"Фарходу Каримзоде нанесли ножевые ранения у гаражей. Свидетель Анна Белова вызвала '
    'скорую.",Фарход Каримзода,Анна Белова\n'
    "2,05.12.2009,RU-MOW,угроза,0,0,Угрозы общине,Неизвестные угрожали по телефону.,,\n"
)
# The partner's next file: row 1 again with one more injured (its second revision), and a new
# row 3 with an unknown date.
NEXT_CSV = (
    "id,Дата,Регион,Тип,Убито,Ранено,Заголовок,Описание,ФИО потерпевшего,Свидетель\n"
    "1,04.12.2008,RU-SPE,нападение,0,2,Нападение на Фархода Каримзоду у гаражей,"
    '"Фарходу Каримзоде нанесли ножевые ранения у гаражей. Свидетель Анна Белова вызвала '
    'скорую.",Фарход Каримзода,Анна Белова\n'
    "3,2010,RU-MOW,угроза,1,0,Поджог двери,Дверь квартиры подожгли ночью.,,\n"
)
NAMED_MAPPING = """
version: 1
name: partner list with names
id_column: id
fields:
  date:
    column: Дата
    type: date
    formats: ["%d.%m.%Y", "%Y"]
    required: true
  region:
    column: Регион
    type: region
  incident_type:
    column: Тип
    type: code
    vocabulary: incident_type
    values:
      physical_assault: [нападение]
      threat: [угроза]
  killed:
    column: Убито
    type: integer
    default: 0
  injured:
    column: Ранено
    type: integer
    default: 0
  title:
    column: Заголовок
  summary:
    column: Описание
  witness:
    column: Свидетель
"""


@dataclass
class Imported:
    source_list: SourceList
    batch: ImportBatch
    named: Report  # row 1: names its victim
    plain: Report  # row 2: names no one


def import_file(
    directory: Path, source_list: SourceList, user: User, text: str, name: str = "partner.csv"
) -> ImportBatch:
    """`dozor import FILE --source-list ... --mapping ... --user ...`; the import it made."""
    path = directory / name
    path.write_text(text, encoding="utf-8")
    mapping = directory / "partner-names.yaml"
    mapping.write_text(NAMED_MAPPING, encoding="utf-8")
    call_command(
        "import",
        str(path),
        "--source-list",
        source_list.name,
        "--mapping",
        str(mapping),
        "--user",
        user.username,
        stdout=StringIO(),
    )
    return ImportBatch.objects.filter(source_list=source_list).order_by("-id").first()  # type: ignore[return-value]


def import_named(directory: Path, user: User, list_name: str = "Партнёр") -> Imported:
    """A source list made by `dozor sources add` and NAMED_CSV imported into it."""
    call_command(
        "sources",
        "add",
        list_name,
        "--kind",
        "partner_list",
        "--user",
        user.username,
        stdout=StringIO(),
    )
    source_list = SourceList.objects.get(name=list_name)
    batch = import_file(directory, source_list, user, NAMED_CSV)
    return Imported(
        source_list=source_list,
        batch=batch,
        named=Report.objects.get(source_list=source_list, external_id="1"),
        plain=Report.objects.get(source_list=source_list, external_id="2"),
    )
