# Russian text is the point of these fixtures, so Cyrillic letters that look Latin are intended.
"""`dozor link` on imported lists that lack what linkage compares: it links with what the reports
give and says what it left out, or stops naming what to map — never a traceback.

The lists are small CSV files imported with `dozor import` and a mapping, as a new user brings a
partner's file. A mapping cannot yet write a list of victims (`people` is not a mapping type
yet), so the cases that need victims' names store those reports through
`dozor.records.services.report_create`, with `fields` shaped as the report schema says.
"""

from __future__ import annotations

import csv
import datetime
import html
import json
import random
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from dozor.analysis.linkage.model import MSG_TOO_LITTLE_TO_TRAIN
from dozor.linkage.models import CandidatePair, LinkageRun
from dozor.linkage.templatetags.linkage_coverage import (
    ADVICE,
    LABELS,
    MSG_FIELD_LEFT_OUT,
    MSG_LEFT_OUT_ADVICE,
    REASONS,
)
from dozor.records.models import Report, SourceList
from dozor.records.services import report_create
from tests.conftest import Cast
from tests.factories import SourceListFactory

pytestmark = pytest.mark.django_db

TYPES = ["physical_assault", "arson", "threat", "property_damage", "desecration"]
REGIONS = ["RU-MOW", "RU-SPE", "RU-KDA", "RU-SVE", "RU-NIZ", "RU-TA"]
TOWNS = {
    "RU-MOW": "Москва",
    "RU-SPE": "Санкт-Петербург",
    "RU-KDA": "Краснодар",
    "RU-SVE": "Екатеринбург",
    "RU-NIZ": "Нижний Новгород",
    "RU-TA": "Казань",
}
WORDS = [
    *("нападение", "поджог", "угрозы", "избиение", "граффити", "кладбище", "мечеть"),
    *("синагога", "рынок", "вокзал", "общежитие", "студентов", "дворник", "строитель"),
    *("торговец", "активист", "журналист", "подросток"),
]
FIRST = ["Бахтиёр", "Икром", "Фаррух", "Улугбек", "Шерзод", "Рустам", "Азамат", "Тимур"]
LAST = ["Нурматов", "Саидов", "Каримов", "Юсупов", "Рахимов", "Алиев", "Исмаилов", "Ахмедов"]

COLUMNS = ["id", "Дата", "Регион", "Город", "Тип", "Ранено", "Убито", "Описание"]
MAPPING = """
version: 1
name: {name}
id_column: id
fields:
  {date_field}:
    column: Дата
    type: {date_type}
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
    type: {count_type}
  killed:
    column: Убито
    type: integer
  summary:
    column: Описание
"""


def incidents(count: int, seed: int) -> list[dict[str, Any]]:
    """`count` invented attacks of 2021: a day, a region and its capital, a type, the injured."""
    rnd = random.Random(seed)
    rows = []
    for number in range(count):
        region = rnd.choice(REGIONS)
        rows.append(
            {
                "Дата": f"2021-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
                "Регион": region,
                "Город": TOWNS[region],
                "Тип": rnd.choice(TYPES),
                "Ранено": str(rnd.randint(0, 3)),
                "Убито": "0",
                "Описание": " ".join(rnd.sample(WORDS, 6)),
                "victim": f"{FIRST[number % 8]} {LAST[(number // 8) % 8]}",
                "in_both": rnd.random() < 0.7,
            }
        )
    return rows


def import_list(
    tmp_path: Path,
    cast: Cast,
    name: str,
    rows: list[dict[str, Any]],
    *,
    date_field: str = "date",
    date_type: str = "date",
    count_type: str = "integer",
) -> SourceList:
    """`dozor import` of `rows` as a CSV file into a new source list `name`.

    With a text type for the date or the injured, the reports are stored as a mapping of before
    the report schema stored them (such a mapping is now refused when it is read, but its reports
    are in databases): through the report service, the cells as they came.
    """
    source_list = SourceListFactory(organisation=cast.organisation, name=name)
    if "text" in (date_type, count_type):
        for number, row in enumerate(rows):
            fields = {
                date_field: row["Дата"],
                "region": row["Регион"],
                "locality": row["Город"],
                "incident_type": row["Тип"],
                "injured": row["Ранено"] if count_type == "text" else int(row["Ранено"]),
                "killed": int(row["Убито"]),
                "summary": row["Описание"],
            }
            report_create(
                source_list=source_list,
                external_id=f"{name}-{number}",
                payload={column: row[column] for column in COLUMNS if column in row},
                fields=fields,
                received_on=datetime.date(2022, 1, 1),
            )
        return source_list
    path = tmp_path / f"{name}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for number, row in enumerate(rows):
            writer.writerow({**row, "id": f"{name}-{number}"})
    mapping = tmp_path / f"{name}.yaml"
    mapping.write_text(
        MAPPING.format(
            name=name, date_field=date_field, date_type=date_type, count_type=count_type
        ),
        encoding="utf-8",
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


def two_lists(tmp_path: Path, cast: Cast, count: int = 40, seed: int = 1, **options: Any) -> None:
    """An NGO's list of `count` attacks and a partner's list of about 70% of them."""
    rows = incidents(count, seed)
    import_list(tmp_path, cast, "НКО", rows)
    import_list(tmp_path, cast, "Партнёр", [r for r in rows if r["in_both"]], **options)


def link(*args: str) -> str:
    out = StringIO()
    call_command("link", "--user", "owner", *args, stdout=out)
    return out.getvalue()


def link_json() -> dict[str, Any]:
    figures: dict[str, Any] = json.loads(link("--json"))
    return figures


def test_without_victims_names_it_links_and_says_names_were_left_out(
    cast: Cast, tmp_path: Path
) -> None:
    two_lists(tmp_path, cast)
    output = link()
    assert CandidatePair.objects.exists()
    assert (
        "Left out: victims' names: no report of these lists has any; map a people field named "
        "`victims`." in output
    )
    assert "math domain" not in output


def test_the_json_and_the_stored_run_name_what_was_compared_and_left_out(
    cast: Cast, tmp_path: Path
) -> None:
    two_lists(tmp_path, cast)
    figures = link_json()
    assert {"date", "place", "incident_type", "victim_counts", "source"} <= set(figures["compared"])
    assert {"comparison": "victims", "reason": "no_report"} in figures["left_out"]
    run = LinkageRun.objects.get()
    assert run.coverage["left_out"] == figures["left_out"]
    assert run.coverage["fields_left_out"] == []


def test_without_any_date_or_name_it_stops_and_says_to_map_the_date(
    cast: Cast, tmp_path: Path
) -> None:
    # The police files: their dates came under another field's name, so no report has a date.
    rows = incidents(30, 2)
    import_list(tmp_path, cast, "Полиция 1", rows, date_field="occurred")
    import_list(tmp_path, cast, "Полиция 2", rows[:20], date_field="occurred")
    with pytest.raises(CommandError) as error:
        link()
    message = str(error.value)
    assert "none of them gives a date or a victim's name" in message
    assert "map the date column to a field named `date`" in message
    assert "Training rule" not in message
    assert not LinkageRun.objects.exists()


def test_dates_that_cannot_be_read_are_left_out_of_their_reports_only(
    cast: Cast, tmp_path: Path
) -> None:
    rows = incidents(40, 3)
    import_list(tmp_path, cast, "НКО", rows)
    garbled = [
        {**row, "Дата": "nan" if number % 2 else "вчера", "Ранено": "two"}
        for number, row in enumerate(r for r in rows if r["in_both"])
    ]
    partner = import_list(tmp_path, cast, "Партнёр", garbled, date_type="text", count_type="text")
    output = link()
    first = Report.objects.filter(source_list=partner).order_by("id").first()
    assert first is not None
    assert (
        f"date left out of {len(garbled)} report(s), not a date written YYYY-MM-DD: e.g. report "
        f"{first.id} of Партнёр: 'вчера'." in output
    )
    assert f"injured left out of {len(garbled)} report(s)" in output
    # The NGO's own dates still link its reports: the partner's garbage blocks nothing.
    assert LinkageRun.objects.get().pairs > 0
    assert "Not in every list: dates are not given by Партнёр" in output


def test_a_name_left_out_is_reported_without_its_value(cast: Cast, tmp_path: Path) -> None:
    """Victims that are not a list of people cannot be mapped from a file yet; the reports are
    stored through the report service with such a value, as an older mapping could have."""
    two_lists(tmp_path, cast, count=30)
    press = SourceListFactory(organisation=cast.organisation, name="Пресса")
    for number in range(2):
        report_create(
            source_list=press,
            external_id=f"P{number}",
            payload={"id": number},
            fields={"date": "2021-05-05", "region": "RU-MOW", "victims": "Бахтиёр Нурматов"},
            received_on=datetime.date(2022, 1, 1),
        )
    figures = link_json()
    (item,) = figures["fields_left_out"]
    assert item["field"] == "victims" and item["reports"] == 2
    assert item["example"]["source_list"] == "Пресса"
    assert item["example"]["value"] is None
    assert "Нурматов" not in json.dumps(figures, ensure_ascii=False)


def _store(cast: Cast, list_name: str, rows: list[dict[str, Any]], fields: Any) -> None:
    source_list = SourceListFactory(organisation=cast.organisation, name=list_name)
    for number, row in enumerate(rows):
        report_create(
            source_list=source_list,
            external_id=f"{list_name}-{number}",
            payload={"id": number},
            fields=fields(row),
            received_on=datetime.date(2022, 1, 1),
        )


def test_a_list_without_dates_and_one_without_names_are_linked_with_what_each_has(
    cast: Cast,
) -> None:
    """Victims' names cannot be mapped from a file yet: both lists are stored through the report
    service, each report's fields as the report schema says (one list gives names and no dates,
    the other dates and no names)."""
    rows = incidents(40, 4)

    def place(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "region": row["Регион"],
            "locality": row["Город"],
            "incident_type": row["Тип"],
            "injured": int(row["Ранено"]),
            "killed": 0,
        }

    _store(
        cast,
        "Имена",
        rows,
        lambda row: {**place(row), "victims": [{"name": row["victim"], "sex": "male"}]},
    )
    _store(
        cast, "Даты", [r for r in rows if r["in_both"]], lambda r: {**place(r), "date": r["Дата"]}
    )
    output = link()
    assert "Not in every list: dates are not given by Имена" in output
    assert "Not in every list: victims' names are not given by Даты" in output
    named = dict(Report.objects.filter(source_list__name="Имена").values_list("external_id", "id"))
    dated = dict(Report.objects.filter(source_list__name="Даты").values_list("external_id", "id"))
    pairs = set(CandidatePair.objects.values_list("report_a_id", "report_b_id"))
    shared = [
        tuple(sorted((named[f"Имена-{n}"], dated[f"Даты-{d}"])))
        for d, n in enumerate(n for n, row in enumerate(rows) if row["in_both"])
    ]
    found = sum(pair in pairs for pair in shared)
    assert found >= len(shared) // 2


def test_three_reports_that_share_nothing_stop_with_what_was_tried_and_lacks(
    cast: Cast, tmp_path: Path
) -> None:
    rows = incidents(3, 5)
    import_list(tmp_path, cast, "НКО", rows)
    with pytest.raises(CommandError) as error:
        link()
    message = str(error.value)
    assert MSG_TOO_LITTLE_TO_TRAIN.format(count=3) in message
    assert "no two reports have the same day and region in common" in message
    assert "No report gives victims' names" in message
    assert not LinkageRun.objects.exists()


def test_only_counts_and_types_stop_naming_what_to_map(cast: Cast, tmp_path: Path) -> None:
    rows = [{**row, "Дата": "", "Регион": "", "Город": ""} for row in incidents(30, 6)]
    import_list(tmp_path, cast, "НКО", rows)
    import_list(tmp_path, cast, "Партнёр", rows[:20])
    with pytest.raises(CommandError) as error:
        link()
    message = str(error.value)
    assert "they give incident types, numbers killed and injured" in message
    assert "map the date column to a field named `date` (type date)" in message
    assert "map a people field named `victims`" in message


def test_a_training_pass_that_drives_a_probability_to_zero_is_dropped_and_said(
    cast: Cast, tmp_path: Path
) -> None:
    # Every report of one attack agrees with the other on everything: on this data (60 attacks,
    # seed 3) expectation maximisation on the pairs of one region and type drives a probability
    # to exactly zero, which Splink refuses.
    two_lists(tmp_path, cast, count=60, seed=3)
    output = link()
    assert (
        "Training on the same region and incident type: dropped, it drove a probability to zero"
        in output
    )
    assert LinkageRun.objects.get().pairs > 0


def test_the_linkage_page_shows_what_the_last_run_left_out(cast: Cast, tmp_path: Path) -> None:
    rows = incidents(30, 7)
    import_list(tmp_path, cast, "НКО", rows)
    garbled = [{**row, "Дата": "nan"} for row in rows[:20]]
    import_list(tmp_path, cast, "Партнёр", garbled, date_type="text")
    link()
    page = cast.client("owner").get(reverse("linkage:queue"))
    content = html.unescape(page.content.decode())
    with translation.override(page.headers["Content-Language"]):
        victims = MSG_LEFT_OUT_ADVICE % {
            "label": LABELS["victims"],
            "reason": REASONS["no_report"],
            "advice": ADVICE["victims"],
        }
        field = str(MSG_FIELD_LEFT_OUT).split("%")[0]
    assert victims in content
    assert field in content and "Партнёр: 'nan'" in content
