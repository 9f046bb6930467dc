from __future__ import annotations

import datetime

import pytest

from dozor.press.models import DraftReport
from dozor.press.services import draft_create
from dozor.records.models import SourceList
from tests.conftest import Cast
from tests.factories import SourceListFactory

TEXT = (
    "В Екатеринбурге избили женщину\n\nВ ночь на субботу в Екатеринбурге неизвестные избили "
    "Анну Щербакову. Щербакова госпитализирована."
)
MONDAY = datetime.date(2024, 3, 4)


@pytest.fixture
def press_list(cast: Cast) -> SourceList:
    return SourceListFactory(name="Пресса", kind="press_scan", organisation=cast.organisation)


@pytest.fixture
def draft(cast: Cast, press_list: SourceList) -> DraftReport:
    row, _created = draft_create(
        source_list=press_list, text=TEXT, published=MONDAY, user=cast.owner, url="https://x.org/1"
    )
    return row
