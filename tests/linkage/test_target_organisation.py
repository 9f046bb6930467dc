# Russian names are the point of these files, so Cyrillic letters that look Latin are intended.
"""The targeted organisation, compared by linkage, from two partners' files through the importer.

Two partners record the same searches, raids and threats of organisations, and each attack of a
person, in a CSV file with a column naming the organisation targeted. On one day in St Petersburg
two organisations were searched, and the first list recorded one, the second the other, in
almost the same words: without the organisation compared the two reports were a sure match.
"""

from __future__ import annotations

import csv
import random
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from dozor.linkage.models import CandidatePair, LinkageRun
from dozor.linkage.services import linkage_frame
from dozor.records.models import Report, SourceList
from tests.conftest import Cast
from tests.factories import OrganisationFactory, ReportFactory, SourceListFactory

pytestmark = pytest.mark.django_db

COLUMNS = ["id", "Дата", "Регион", "Город", "Тип", "Ранено", "Организация", "Описание"]
MAPPING = """
version: 1
name: {name}
id_column: id
fields:
  date:
    column: Дата
    type: date
  region:
    column: Регион
    type: region
  locality:
    column: Город
  incident_type:
    column: Тип
    type: code
    vocabulary: incident_type
  injured:
    column: Ранено
    type: integer
  {organisation_field}:
    column: Организация
  summary:
    column: Описание
"""
REGIONS = {
    "RU-MOW": "Москва",
    "RU-SPE": "Санкт-Петербург",
    "RU-TA": "Казань",
    "RU-SVE": "Екатеринбург",
}
WORDS = [
    *("нападение", "поджог", "угрозы", "избиение", "граффити", "кладбище", "мечеть"),
    *("синагога", "рынок", "вокзал", "общежитие", "студентов", "дворник", "строитель"),
]
ORGANISATIONS = [
    ("Правозащитный центр «Северный маяк»", "Северный маяк"),
    ("ЛГБТ-инициатива «Радужный мост»", "Raduzhnyi Most"),
    ("Фонд «Открытая дверь»", "Фонда «Открытая дверь»"),
    ("Газета «Северо-Западный курьер»", "«Северо-Западный курьер»"),
    ("Правозащитная группа «Белая сова»", "Belaya Sova"),
    ("Радио «Волжская волна»", "радио «Волжская волна»"),
]
SEARCH = "Обыск в офисе организации, изъяты компьютеры и документы, сотрудников допросили."
# The day two organisations of St Petersburg were searched.
TWO_SEARCHES = "2021-11-17"


def attacks(seed: int) -> list[dict[str, Any]]:
    """Forty attacks of people and twelve searches of organisations in 2021, each row in the
    spelling of the first list, with the second list's spelling of the organisation beside it."""
    rnd = random.Random(seed)
    rows = []
    for _ in range(40):
        region = rnd.choice(list(REGIONS))
        rows.append(
            {
                "Дата": f"2021-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
                "Регион": region,
                "Город": REGIONS[region],
                "Тип": "physical_assault",
                "Ранено": str(rnd.randint(1, 3)),
                "Организация": "",
                "other_spelling": "",
                "Описание": " ".join(rnd.sample(WORDS, 6)),
            }
        )
    for number in range(12):
        first, second = ORGANISATIONS[number % len(ORGANISATIONS)]
        region = rnd.choice(list(REGIONS))
        rows.append(
            {
                "Дата": f"2021-{rnd.randint(1, 10):02d}-{rnd.randint(1, 28):02d}",
                "Регион": region,
                "Город": REGIONS[region],
                "Тип": "search_raid",
                "Ранено": "0",
                "Организация": first,
                "other_spelling": second,
                "Описание": SEARCH,
            }
        )
    return rows


def import_list(
    tmp_path: Path, cast: Cast, name: str, rows: list[dict[str, Any]], organisation_field: str
) -> SourceList:
    """`dozor import` of `rows` as a partner's CSV file into a new source list `name`."""
    source_list = SourceListFactory(organisation=cast.organisation, name=name)
    path = tmp_path / f"{name}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    mapping = tmp_path / f"{name}.yaml"
    mapping.write_text(
        MAPPING.format(name=name, organisation_field=organisation_field), encoding="utf-8"
    )
    call_command(
        "import",
        str(path),
        "--source-list",
        name,
        "--mapping",
        str(mapping),
        "--user",
        cast.owner.username,
        stdout=StringIO(),
    )
    return source_list


def two_partners(tmp_path: Path, cast: Cast, organisation_field: str) -> None:
    """Both partners' files of the same attacks; on TWO_SEARCHES the first recorded the search of
    «Радужный мост», the second that of «Северный маяк»."""
    rows = attacks(seed=7)
    first = [{**row, "id": f"A-{number}"} for number, row in enumerate(rows)]
    second = [
        {**row, "id": f"B-{number}", "Организация": row["other_spelling"]}
        for number, row in enumerate(rows)
    ]
    first.append(
        {
            "id": "A-raduga",
            "Дата": TWO_SEARCHES,
            "Регион": "RU-SPE",
            "Город": "Санкт-Петербург",
            "Тип": "search_raid",
            "Ранено": "0",
            "Организация": "ЛГБТ-инициатива «Радужный мост»",
            "Описание": SEARCH,
        }
    )
    second.append(
        {
            "id": "B-mayak",
            "Дата": TWO_SEARCHES,
            "Регион": "RU-SPE",
            "Город": "Санкт-Петербург",
            "Тип": "search_raid",
            "Ранено": "0",
            "Организация": "Правозащитный центр «Северный маяк»",
            "Описание": SEARCH,
        }
    )
    import_list(tmp_path, cast, "Партнёр А", first, organisation_field)
    import_list(tmp_path, cast, "Партнёр Б", second, organisation_field)


def link() -> None:
    call_command("link", "--user", "owner", stdout=StringIO())


def probability(first: str, second: str) -> float:
    """The stored pair's probability (0 when the run did not keep the pair)."""
    ids = sorted(Report.objects.get(external_id=e).id for e in (first, second))
    pair = CandidatePair.objects.filter(report_a_id=ids[0], report_b_id=ids[1]).first()
    return pair.match_probability if pair is not None else 0.0


def test_without_the_organisation_mapped_two_searches_of_one_day_link(
    cast: Cast, tmp_path: Path
) -> None:
    # What the queue showed before: the organisation kept as an extra field, unread.
    two_partners(tmp_path, cast, organisation_field="organisation_searched")
    link()
    assert probability("A-raduga", "B-mayak") > 0.9


def test_two_searches_of_different_organisations_are_not_a_likely_match(
    cast: Cast, tmp_path: Path
) -> None:
    two_partners(tmp_path, cast, organisation_field="target_organisation")
    link()
    assert probability("A-raduga", "B-mayak") < 0.3


def test_one_organisation_spelt_two_ways_still_links(cast: Cast, tmp_path: Path) -> None:
    two_partners(tmp_path, cast, organisation_field="target_organisation")
    link()
    rows = attacks(seed=7)
    searches = [n for n, row in enumerate(rows) if row["Тип"] == "search_raid"]
    # The organisation in Latin letters, in the genitive, without its kind: one name each time.
    for number in searches:
        assert probability(f"A-{number}", f"B-{number}") > 0.9, rows[number]["Организация"]


def test_the_organisation_is_compared_and_stays_sealed(cast: Cast, tmp_path: Path) -> None:
    two_partners(tmp_path, cast, organisation_field="target_organisation")
    link()
    assert "target_organisation" in LinkageRun.objects.get().coverage["compared"]
    report = Report.objects.get(external_id="B-mayak")
    assert report.fields["target_organisation"] == "Правозащитный центр «Северный маяк»"
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Report._meta.db_table)
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [report.id])  # noqa: S608 - the model's own table name
        stored = " ".join(str(value) for value in cursor.fetchone())
    assert "маяк" not in stored.casefold()


def test_a_known_organisations_english_name_is_read_as_its_own(cast: Cast) -> None:
    OrganisationFactory(
        name="Правозащитный центр «Северный маяк»",
        name_en="Northern Lighthouse Human Rights Centre",
    )
    partner = SourceListFactory(organisation=cast.organisation, name="Partner")
    english = ReportFactory(
        source_list=partner,
        fields={"target_organisation": "NORTHERN LIGHTHOUSE Human Rights Centre"},
    )
    unknown = ReportFactory(source_list=partner, fields={"target_organisation": "Open Door"})
    frame, _ = linkage_frame([english, unknown])
    assert frame["target_organisation"].tolist() == [
        "Правозащитный центр «Северный маяк»",
        "Open Door",
    ]
