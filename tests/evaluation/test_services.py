"""Assessments, thresholds and official figures: validated, owned by an organisation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from dozor.accounts.models import Role, User
from dozor.evaluation import selectors, services
from dozor.evaluation.indicators import thresholds_of
from dozor.evaluation.management.commands.officialstats import SEED_FILE
from dozor.evaluation.models import Assessment, OfficialStatistic
from tests.conftest import Cast
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def administrator(cast: Cast) -> User:
    """Official figures are shared by every organisation: only administrators load them."""
    return UserFactory(organisation=cast.organisation, role=Role.ADMINISTRATOR)


def save(cast: Cast, user: str = "owner", **changes: object) -> Assessment:
    values: dict = {
        "country": "RU",
        "year": 2008,
        "indicator": "C3.law",
        "score": 2,
        "justification": "Article 63(1)(e) of the Criminal Code.",
        "links": "https://example.org/uk-rf",
        "incident_references": [cast.incident.reference],
    }
    values.update(changes)
    return services.assessment_save(user=getattr(cast, user), **values)


def test_an_assessment_keeps_its_evidence(cast: Cast) -> None:
    assessment = save(cast)
    assert assessment.score == 2
    assert list(assessment.incidents.all()) == [cast.incident]
    assert assessment.link_list == ["https://example.org/uk-rf"]


def test_saving_again_replaces_the_assessment(cast: Cast) -> None:
    save(cast)
    save(cast, user="colleague", score=None, justification="Not applicable this year.")
    assert Assessment.objects.get().score is None


def test_a_computed_indicator_cannot_be_scored_by_hand(cast: Cast) -> None:
    with pytest.raises(ValidationError) as error:
        save(cast, indicator="C4.reported_share")
    assert "indicator" in error.value.message_dict


def test_every_problem_is_reported_at_once_and_nothing_is_written(cast: Cast) -> None:
    with pytest.raises(ValidationError) as error:
        save(cast, score=3, justification=" ", links="not a link", incident_references=["RU-X"])
    assert set(error.value.message_dict) == {"score", "justification", "links", "incidents"}
    assert not Assessment.objects.exists()


def test_an_incident_the_user_may_not_see_is_no_evidence(cast: Cast) -> None:
    with pytest.raises(ValidationError, match="may see"):
        save(cast, user="outsider")


def test_a_reader_may_not_assess(cast: Cast) -> None:
    with pytest.raises(ValidationError):
        save(cast, user="reader")


def test_an_outsider_does_not_see_another_organisations_assessments(cast: Cast) -> None:
    save(cast)
    assert selectors.assessments_of(cast.colleague, country="RU", year=2008)
    assert not selectors.assessments_of(cast.outsider, country="RU", year=2008)


def test_thresholds_apply_to_the_organisation_only(cast: Cast) -> None:
    services.threshold_set(user=cast.owner, indicator="C4.reported_share", partial=0.2, met=0.5)
    assert thresholds_of(cast.colleague)["C4.reported_share"].met == 0.5
    assert thresholds_of(cast.outsider)["C4.reported_share"].met == 0.7


def test_thresholds_in_the_wrong_order_are_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError):
        services.threshold_set(user=cast.owner, indicator="C7.days_to_opening", partial=5, met=30)


def test_the_seed_file_holds_russias_published_figures(cast: Cast) -> None:
    services.official_statistics_load(
        text=SEED_FILE.read_text(encoding="utf-8"), file=SEED_FILE.name, user=administrator(cast)
    )
    figures = {
        row.year: (row.recorded, row.prosecuted, row.sentenced)
        for row in OfficialStatistic.objects.filter(country="RU")
    }
    assert figures == {
        2016: (1450, 993, 676),
        2017: (52, 755, 692),
        2018: (576, 958, 852),
        2019: (585, 368, 320),
        2020: (833, 590, 379),
    }
    assert all(row.source for row in OfficialStatistic.objects.all())


def test_a_bad_csv_row_names_file_row_and_column_and_loads_nothing(cast: Cast) -> None:
    text = (
        "country,year,recorded,prosecuted,sentenced,source\n"
        "RU,2016,10,5,2,MVD\n"
        "RU,2017,ten,5,2,MVD\n"
        "XX,2018,1,1,1,\n"
    )
    with pytest.raises(ValidationError) as error:
        services.official_statistics_load(text=text, file="f.csv", user=administrator(cast))
    messages = error.value.messages
    assert any(m.startswith("f.csv, row 3, column “recorded”") for m in messages)
    assert any(m.startswith("f.csv, row 4, column “country”") for m in messages)
    assert any(m.startswith("f.csv, row 4, column “source”") for m in messages)
    assert not OfficialStatistic.objects.exists()


def test_a_csv_without_the_columns_says_which_are_missing(cast: Cast) -> None:
    with pytest.raises(ValidationError, match="missing: sentenced, source"):
        services.official_statistics_load(
            text="country,year,recorded,prosecuted\n", file="f.csv", user=administrator(cast)
        )
