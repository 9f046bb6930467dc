"""The list's text search finds titles by their words and stems: PostgreSQL's full-text search
with a GIN index, SQLite's FTS5 kept by triggers (dozor.records.title_search)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dozor.records.models import Incident
from dozor.records.selectors import IncidentFilters, incident_list
from dozor.records.title_search import FTS_TABLE, titles_matching
from dozor.security.crypto import KeyRing
from dozor.security.keyring import keyring_set
from tests.conftest import Cast
from tests.factories import IncidentFactory, OrganisationFactory, UserFactory
from tests.records.test_views import form_data

pytestmark = pytest.mark.django_db

TITLES = {
    "assault": "Нападение на активиста у метро",
    "arson": "Поджог двери мечети",
    "english": "Attack on defenders of the shelter",
    "yo": "Ёлку у общежития сожгли",
}
TRIGGERS = {
    "records_incident_title_fts_insert",
    "records_incident_title_fts_update",
    "records_incident_title_fts_delete",
}


def found(cast: Cast, text: str) -> set[str]:
    incidents = incident_list(user=cast.owner, filters=IncidentFilters(text=text))
    return set(incidents.values_list("reference", flat=True))


def listed(cast: Cast, text: str) -> set[str]:
    """The references the incident list page shows for a search typed into its search box."""
    response = cast.client("owner").get("/incidents/", {"q": text})
    assert response.status_code == 200
    shown = set(re.findall(r'href="/incidents/([^/"]+)/"', response.content.decode()))
    return shown & set(Incident.objects.values_list("reference", flat=True))


@pytest.fixture
def titled(cast: Cast) -> dict[str, str]:
    """An incident for each of TITLES, with no summary (so only the title can be found)."""
    cast.incident.delete()
    return {
        key: IncidentFactory(organisation=cast.organisation, title=title, summary="").reference
        for key, title in TITLES.items()
    }


@pytest.mark.parametrize("text", ["нападения", "нападении", "нападением", "НАПАДЕНИЙ"])
def test_a_declined_russian_form_finds_the_title(
    cast: Cast, titled: dict[str, str], text: str
) -> None:
    assert found(cast, text) == {titled["assault"]}


@pytest.mark.parametrize("text", ["attacks", "attacking", "defender", "defending", "shelters"])
def test_an_english_form_finds_the_title_by_its_stem(
    cast: Cast, titled: dict[str, str], text: str
) -> None:
    assert found(cast, text) == {titled["english"]}


@pytest.mark.parametrize("text", ["напад", "акти", "мечет", "def", "shel"])
def test_the_beginning_of_a_word_finds_the_title(
    cast: Cast, titled: dict[str, str], text: str
) -> None:
    assert len(found(cast, text)) == 1


def test_a_word_beginning_stemmed_otherwise_than_the_word_still_finds_it(
    cast: Cast, titled: dict[str, str]
) -> None:
    # "attac" is no English stem of "attack": the title's word as written still begins with it.
    assert found(cast, "attac") == {titled["english"]}


@pytest.mark.parametrize("text", ["елку", "ёлки", "ЕЛКА", "общежитие"])
def test_case_and_yo_do_not_count(cast: Cast, titled: dict[str, str], text: str) -> None:
    assert found(cast, text) == {titled["yo"]}


def test_every_word_of_the_query_must_find_a_word_of_the_title(
    cast: Cast, titled: dict[str, str]
) -> None:
    assert found(cast, "метро нападения") == {titled["assault"]}
    assert found(cast, "нападения мечети") == set()


def test_the_middle_of_a_word_does_not_find_the_title(cast: Cast, titled: dict[str, str]) -> None:
    # A substring search found "падение" in "нападение"; words are searched by their beginnings.
    assert found(cast, "падение") == set()


def test_one_letter_words_are_left_out(cast: Cast, titled: dict[str, str]) -> None:
    assert found(cast, "нападение у метро") == {titled["assault"]}
    assert found(cast, "у") == set()


# What a user may type that is syntax to tsquery or FTS5, and the titles it must find: the words
# in it, every one of them (so "near", "words", "or" are words a title must hold too).
HOSTILE = [
    ('"', set()),
    ("'", set()),
    ("a & b", set()),
    (":*", set()),
    ("''':*'", set()),
    ("- ^ + \\", set()),
    ("нападение:*", {"assault"}),
    ("!нападение", {"assault"}),
    ("(нападение", {"assault"}),
    ("нападение)", {"assault"}),
    ("напад*", {"assault"}),
    ("нападение <-> метро", {"assault"}),
    ('"поджог" & !мечети:*', {"arson"}),
    ("нападение | поджог", set()),
    ("нападение OR поджог", set()),
    ("NEAR(нападение метро)", set()),
    ("{words stems} : нападение", set()),
]


@pytest.mark.parametrize(("text", "keys"), HOSTILE)
def test_search_syntax_typed_by_a_user_is_read_as_words(
    cast: Cast, titled: dict[str, str], text: str, keys: set[str]
) -> None:
    assert listed(cast, text) == {titled[key] for key in keys}


def test_a_query_of_nothing_but_punctuation_finds_no_title(
    cast: Cast, titled: dict[str, str]
) -> None:
    assert found(cast, "\x00 ?! …") == set()


def test_an_edit_of_the_title_is_searched_at_once(cast: Cast) -> None:
    cast.incident.delete()
    response = cast.client("owner").post(
        "/incidents/new/", form_data(title="Нападение у метро", summary="")
    )
    assert response.status_code == 302
    reference = str(response["Location"]).rstrip("/").rsplit("/", 1)[-1]
    assert listed(cast, "нападения") == {reference}
    response = cast.client("owner").post(
        f"/incidents/{reference}/edit/", form_data(title="Поджог гаража", summary="")
    )
    assert response.status_code == 302
    assert listed(cast, "нападения") == set()
    assert listed(cast, "гаражей") == {reference}


def test_a_deleted_incident_leaves_no_title_behind(cast: Cast, titled: dict[str, str]) -> None:
    Incident.objects.filter(reference=titled["arson"]).delete()
    again = IncidentFactory(organisation=cast.organisation, title="Листовки", summary="")
    assert found(cast, "поджог") == set()
    assert found(cast, "листовки") == {again.reference}


def test_titles_written_in_bulk_are_searched(cast: Cast) -> None:
    """bulk_create and update() (the demo loader's and imports' paths) skip save()."""
    organisation = cast.organisation
    Incident.objects.bulk_create(
        [
            IncidentFactory.build(organisation=organisation, title=f"Погром рынка {n}", summary="")
            for n in range(3)
        ]
    )
    assert len(found(cast, "погрома")) == 3
    Incident.objects.filter(title__startswith="Погром").update(title="Угрозы")
    assert found(cast, "погрома") == set()
    assert len(found(cast, "угрозами")) == 3


def test_without_the_key_titles_are_still_searched(cast: Cast, titled: dict[str, str]) -> None:
    keyring_set(KeyRing.locked_because("no key"))
    try:
        assert found(cast, "нападения") == {titled["assault"]}
    finally:
        keyring_set(None)


def test_title_search_keeps_to_the_incidents_the_user_may_see(
    cast: Cast, titled: dict[str, str]
) -> None:
    IncidentFactory(organisation=cast.other_organisation, title="Нападение на рынке", summary="")
    outsider = UserFactory(organisation=OrganisationFactory())
    incidents = incident_list(user=outsider, filters=IncidentFilters(text="нападение"))
    assert not incidents.exists()
    assert found(cast, "нападение") == {titled["assault"]}


@pytest.mark.postgres
def test_postgresql_answers_title_search_from_the_title_words_index(
    cast: Cast, titled: dict[str, str]
) -> None:
    # The search reads the titles' part first (selectors._in_any): that query uses the index.
    incidents = titles_matching("нападения метро")
    assert list(incidents) and incident_list(
        user=cast.owner, filters=IncidentFilters(text="нападения метро")
    )
    with connection.cursor() as cursor:
        # On a few rows reading them all (or all of another index, in the incidents' order) is
        # cheaper: without those ways, a query the index cannot answer would still read every
        # row.
        scans = ("seqscan", "indexscan", "indexonlyscan")
        cursor.execute("; ".join(f"SET enable_{scan} = off" for scan in scans))
        try:
            plan = incidents.explain()
        finally:
            cursor.execute("; ".join(f"RESET enable_{scan}" for scan in scans))
    # Either index of lexemes serves it: the primary key, or the list's order (migration 0021).
    assert "records_incident_title_word_pkey" in plan or "incident_title_word_list_idx" in plan
    assert "Index Cond: ((lexeme >= " in plan, plan


def title_words_of(incident_id: int) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lexeme FROM records_incident_title_word WHERE incident_id = %s", [incident_id]
        )
        return {lexeme for (lexeme,) in cursor.fetchall()}


@pytest.mark.postgres
def test_postgresql_keeps_the_title_words_right_whatever_writes_the_incident(cast: Cast) -> None:
    """Triggers (migration 0014) write the word table on insert, on a change of title by save()
    or update(), and on delete and TRUNCATE, which Django's test flush uses."""
    incident = IncidentFactory(organisation=cast.organisation, title="Нападение у метро")
    assert {"нападение", "нападен", "у", "метро", "метр"} <= title_words_of(incident.pk)
    incident.title = "Поджог двери"
    incident.save()
    assert "поджог" in title_words_of(incident.pk) and "метро" not in title_words_of(incident.pk)
    Incident.objects.filter(pk=incident.pk).update(title="Угрозы в подъезде")
    assert "угроз" in title_words_of(incident.pk) and "поджог" not in title_words_of(incident.pk)
    incident.refresh_from_db()
    incident.summary = "Другое описание."
    incident.save()  # the title is unchanged: its words stay as they were
    assert "угроз" in title_words_of(incident.pk)
    Incident.objects.filter(pk=incident.pk).delete()
    assert title_words_of(incident.pk) == set()
    other = IncidentFactory(organisation=cast.organisation, title="Листовки")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # Django's deferred foreign keys
        cursor.execute("TRUNCATE records_incident CASCADE")
        cursor.execute("SELECT count(*) FROM records_incident_title_word")
        assert cursor.fetchone() == (0,)
    assert title_words_of(other.pk) == set()


def test_sqlite_keeps_the_title_index_by_triggers_on_the_incidents_table() -> None:
    """A migration that remakes records_incident on SQLite drops its triggers: it must make
    them again (migration 0011)."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL keeps the title's vector in a generated column")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
            ["records_incident"],
        )
        assert {name for (name,) in cursor.fetchall()} >= TRIGGERS


@pytest.mark.django_db(transaction=True)
def test_the_migration_indexes_the_incidents_already_there() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("records", "0010_search_tokens")])
    organisation = OrganisationFactory()
    user = UserFactory(organisation=organisation)
    incident = IncidentFactory(organisation=organisation, title="Нападение у метро", summary="")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app's, as the tests after expect
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"SELECT count(*) FROM {FTS_TABLE}")  # noqa: S608 - a constant
            assert cursor.fetchone() == (1,)
    filters = IncidentFilters(text="нападения")
    assert list(incident_list(user=user, filters=filters)) == [incident]
