from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from dozor.estimation import selectors
from dozor.estimation.selectors import COUNT_COLUMN, STRATUM_COLUMN, CaptureTable
from tests.estimation.conftest import World

pytestmark = pytest.mark.django_db


def rows(table: CaptureTable) -> list[tuple[object, ...]]:
    frame = table.frame
    return sorted(
        (r[STRATUM_COLUMN], *(int(r[n]) for n in table.list_names), int(r[COUNT_COLUMN]))
        for _, r in frame.iterrows()
    )


def table(world: World, who: str = "owner", by: str = "none") -> CaptureTable:
    user = getattr(world.cast, who)
    return selectors.capture_table(user=user, stratify_by=by, lists=[world.a, world.b, world.c])


def test_unstratified_table_matches_the_hand_count(world: World) -> None:
    assert rows(table(world)) == [
        ("all", 0, 0, 1, 1),  # i4
        ("all", 0, 1, 1, 1),  # i3: two reports of C count once
        ("all", 1, 0, 0, 1),  # i2
        ("all", 1, 1, 0, 1),  # i1
        ("all", 1, 1, 1, 1),  # i6, public
    ]


def test_lists_are_columns_in_name_order(world: World) -> None:
    assert table(world).list_names == ["A list", "B list", "C list"]


def test_by_year(world: World) -> None:
    assert rows(table(world, by="year")) == [
        ("2008", 1, 0, 0, 1),
        ("2008", 1, 1, 0, 1),
        ("2009", 0, 0, 1, 1),
        ("2009", 0, 1, 1, 1),
        ("2009", 1, 1, 1, 1),
    ]


def test_by_region_groups_regions_into_federal_districts(world: World) -> None:
    assert rows(table(world, by="region")) == [
        ("central", 0, 1, 1, 1),  # i3 Moscow
        ("central", 1, 0, 0, 1),  # i2 Moscow
        ("northwest", 0, 0, 1, 1),  # i4 St Petersburg
        ("northwest", 1, 1, 0, 1),  # i1 St Petersburg
        ("volga", 1, 1, 1, 1),  # i6 Tatarstan
    ]


def test_by_bias_counts_an_incident_in_each_of_its_motivations(world: World) -> None:
    assert rows(table(world, by="bias")) == [
        ("antisemitic", 1, 0, 0, 1),
        ("none", 0, 0, 1, 1),
        ("none", 0, 1, 1, 1),
        ("none", 1, 1, 1, 1),
        ("racist_xenophobic", 1, 0, 0, 1),
        ("racist_xenophobic", 1, 1, 0, 1),
    ]


def test_an_outsider_counts_only_their_own_and_public_incidents(world: World) -> None:
    assert rows(table(world, who="outsider")) == [("all", 1, 0, 0, 1), ("all", 1, 1, 1, 1)]


def test_a_colleague_counts_what_the_owner_counts(world: World) -> None:
    assert rows(table(world, who="colleague")) == rows(table(world))


def test_anonymous_gets_nothing_to_estimate(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        selectors.capture_table(
            user=AnonymousUser(), stratify_by="none", lists=[world.a, world.b, world.c]
        )
    assert caught.value.messages == [str(selectors.MSG_NO_INCIDENTS)]


def test_strata_become_capture_histories(world: World) -> None:
    strata = table(world, by="year").strata()
    assert list(strata) == ["2008", "2009"]
    assert strata["2008"].observed == 2 and strata["2009"].observed == 3
    assert strata["2009"].list_totals() == {"A list": 1, "B list": 2, "C list": 3}


def test_the_hash_changes_when_a_link_changes(world: World) -> None:
    before = table(world).sha256()
    assert table(world).sha256() == before
    world.incidents["i4"].report_links.all().delete()
    assert table(world).sha256() != before


def test_default_lists_are_those_with_visible_records(world: World) -> None:
    chosen = selectors.source_lists_resolve(user=world.cast.owner, choices=None)
    assert [s.name for s in chosen] == ["A list", "B list", "C list"]


def test_lists_can_be_named_by_id_or_name(world: World) -> None:
    chosen = selectors.source_lists_resolve(
        user=world.cast.owner, choices=[str(world.c.pk), "A list", "B list"]
    )
    assert [s.name for s in chosen] == ["A list", "B list", "C list"]


def test_an_unknown_list_is_named(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        selectors.source_lists_resolve(user=world.cast.owner, choices=["A list", "Z list", "B"])
    assert caught.value.code == "unknown_list"
    assert "“Z list”" in caught.value.messages[0]


def test_fewer_than_three_lists_are_refused(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        selectors.source_lists_resolve(user=world.cast.owner, choices=["A list", "B list"])
    assert caught.value.code == "too_few_lists"
    assert "2 chosen (A list, B list)" in caught.value.messages[0]


def test_an_unknown_stratification_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        table(world, by="month")
    assert caught.value.code == "unknown_stratum"
    assert "“month”" in caught.value.messages[0]
