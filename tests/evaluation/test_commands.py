"""dozor report card and dozor officialstats, within the user's rights."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from dozor.accounts.models import Role
from dozor.evaluation import services
from dozor.evaluation.models import OfficialStatistic
from tests.conftest import Cast
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_card_as_pdf(cast: Cast, tmp_path: Path) -> None:
    out = tmp_path / "card.pdf"
    call_command("report", "card", country="RU", year=2008, lang="ru", out=str(out), user="owner")
    assert out.read_bytes().startswith(b"%PDF")


def test_the_card_as_html_carries_the_organisations_assessment(cast: Cast, tmp_path: Path) -> None:
    services.assessment_save(
        user=cast.owner,
        country="RU",
        year=2008,
        indicator="C3.law",
        score=1,
        justification="Aggravating circumstance only.",
    )
    for who, shown in (("colleague", True), ("outsider", False)):
        out = tmp_path / f"{who}.html"
        call_command("report", "card", year=2008, out=str(out), user=who)
        assert ("Aggravating circumstance only." in out.read_text(encoding="utf-8")) is shown


def test_an_unknown_user_gets_no_report(cast: Cast, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="nobody"):
        call_command("report", "card", year=2008, out=str(tmp_path / "x.pdf"), user="nobody")
    assert not (tmp_path / "x.pdf").exists()


@pytest.fixture
def admin(cast: Cast) -> Cast:
    UserFactory(username="admin", organisation=cast.organisation, role=Role.ADMINISTRATOR)
    return cast


def test_the_seed_is_loaded_by_a_command(admin: Cast) -> None:
    call_command("officialstats", "load", seed=True, user="admin")
    assert OfficialStatistic.objects.count() == 5


def test_a_reader_may_not_load_figures(cast: Cast) -> None:
    with pytest.raises(CommandError, match="only administrators"):
        call_command("officialstats", "load", seed=True, user="reader")


def test_one_year_is_added(admin: Cast) -> None:
    call_command(
        "officialstats", "add", user="admin", country="ru", year=2021, recorded=7, source="MVD"
    )
    assert OfficialStatistic.objects.get().country == "RU"


def test_a_missing_file_is_named(admin: Cast, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        call_command("officialstats", "load", str(tmp_path / "none.csv"), user="admin")
