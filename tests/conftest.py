"""The named users every access test uses: an owner, a colleague, an outsider and anonymous; the
migrated home the tests of the `dozor` process copy; the `postgres` and `database_free` markers."""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test import Client
from django.test.testcases import LiveServerThread
from django.utils import translation

from dozor.accounts.models import Organisation, Role, User
from dozor.records.models import Incident
from dozor.records.paging import long_lists_forget
from tests.factories import IncidentFactory, OrganisationFactory, UserFactory
from tests.homes import DozorHome, HomeTemplate, suite_on_postgresql
from tests.test_config import run_dozor

NO_POSTGRESQL = (
    "needs PostgreSQL: the suite runs on SQLite "
    "(set DOZOR_DATABASE_URL=postgres://... to run it, as `make test` does)"
)


TESTS = Path(__file__).resolve().parent
# Tests that never touch the suite's database: plain Python (the analysis, lib and vocab
# packages, the layers, the docs' layout, the catalogues), or a `dozor` process on a SQLite home
# of their own (marked `database_free`). `make test` runs them in its SQLite pass only: the
# PostgreSQL pass would run the very same thing again.
DATABASE_FREE = {
    "analysis",
    "lib",
    "vocab",
    "test_layers.py",
    "test_docs_layout.py",
    "test_i18n.py",
}


def _database_free(item: pytest.Item) -> bool:
    if item.get_closest_marker("postgres") is not None:  # in a module marked database_free
        return False
    if item.get_closest_marker("database_free") is not None:
        return True
    path = Path(item.path).resolve()
    return TESTS in path.parents and path.relative_to(TESTS).parts[0] in DATABASE_FREE


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked `postgres` runs only when the suite does, and says why it was skipped; on
    PostgreSQL the tests that do not use the suite's database are left to the SQLite pass, unless
    DOZOR_TEST_EVERY_PASS=1 asks for them too."""
    if suite_on_postgresql():
        if os.environ.get("DOZOR_TEST_EVERY_PASS"):
            return
        free = [item for item in items if _database_free(item)]
        if free:
            config.hook.pytest_deselected(items=free)
            items[:] = [item for item in items if not _database_free(item)]
        return
    for item in items:
        if item.get_closest_marker("postgres") is not None:
            item.add_marker(pytest.mark.skip(reason=NO_POSTGRESQL))


_FILE_STORES = itertools.count(1)


@pytest.fixture(autouse=True)
def own_file_store(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test gets an empty encrypted file store: files another test sealed (perhaps under
    another key) would otherwise show up in key checks and rotations. The store makes its folder
    when it first keeps a file; most tests keep none, and a pytest tmp_path for each of them
    cost a listing of every earlier one."""
    settings.DOZOR_FILES = str(tmp_path_factory.getbasetemp() / "files" / str(next(_FILE_STORES)))


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Each test starts with an empty cache: what an earlier test counted there (an API token's
    calls in this minute, under an id the database gives out again after its rollback) would
    otherwise refuse this test's calls for their rate; nor a long list, remembered as long
    (records.paging), under the same query an earlier test's ids make again."""
    cache.clear()
    long_lists_forget()


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are checked in English, whatever language an earlier test left active: a test
    client request in Russian leaves Russian active in its thread after it returns."""
    with translation.override("en"):
        yield


class OneRequestAtATimeOnASharedConnection(ThreadedWSGIServer):
    """pytest-django's live server, answering one request at a time where its threads share the
    test's database connection (SQLite in memory; on PostgreSQL each thread has its own). Two
    requests at once on that one connection, each in a transaction (a page's two evidence
    previews, each audited), failed with "cannot start a transaction within a transaction". A
    response is read whole inside the turn, so a streamed one reads the database in it too."""

    turn = threading.Lock()

    def set_app(self, application: Any) -> None:
        if not self.connections_override:
            super().set_app(application)
            return

        def one_at_a_time(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            with self.turn:
                response = application(environ, start_response)
                try:
                    return [b"".join(response)]
                finally:
                    if hasattr(response, "close"):
                        response.close()

        super().set_app(one_at_a_time)


LiveServerThread.server_class = OneRequestAtATimeOnASharedConnection


MIGRATED_SNAPSHOT = pytest.StashKey[Path]()


@pytest.fixture(scope="session")
def django_db_setup(
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> None:
    """pytest-django's test database; on SQLite also saved to a file the moment it is migrated,
    before any test writes to it, for migrated_template (a `dozor migrate` process cost seconds of
    CPU on every worker). pytest-django migrates no database for a run whose tests use none
    (tests/test_serving.py alone): nothing is saved then, and the homes are migrated instead."""
    if suite_on_postgresql():
        return
    snapshot = tmp_path_factory.mktemp("migrated-snapshot") / "dozor.sqlite3"
    with django_db_blocker.unblock():
        connection.ensure_connection()
        with closing(sqlite3.connect(snapshot)) as target:
            connection.connection.backup(target)
            migrated = target.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'django_migrations'"
            ).fetchone()[0]
    if migrated:
        request.config.stash[MIGRATED_SNAPSHOT] = snapshot


def migrated_snapshot(request: pytest.FixtureRequest) -> Path | None:
    """The suite's SQLite database as its migrations left it (django_db_setup); None where the
    suite runs on PostgreSQL or pytest-django migrated no database."""
    if suite_on_postgresql():
        return None
    request.getfixturevalue("django_db_setup")
    return request.config.stash.get(MIGRATED_SNAPSHOT, None)


@pytest.fixture(scope="session")
def migrated_sqlite(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Path:
    """A SQLite database as `dozor migrate` leaves it in a new home, for tests whose homes are
    on SQLite whatever the suite runs on (the seizure tests): on SQLite the suite's snapshot, on
    PostgreSQL one `dozor migrate` in a home of its own. Copy it with sqlite_database_place."""
    snapshot = migrated_snapshot(request)
    if snapshot is not None:
        return snapshot
    home = tmp_path_factory.mktemp("migrated-sqlite")
    result = run_dozor(home, "migrate")
    assert result.returncode == 0, result.stderr[-2000:]
    return home / "dozor.sqlite3"


@pytest.fixture(scope="session")
def migrated_template(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str, request: pytest.FixtureRequest
) -> Iterator[HomeTemplate]:
    """A home migrated once per session (and xdist worker), on the backend the suite runs on: on
    SQLite a copy of the suite's database as migrations left it (`dozor migrate` where none was
    migrated), on PostgreSQL `dozor migrate`."""
    path = tmp_path_factory.mktemp("migrated")
    snapshot = migrated_snapshot(request)
    if snapshot is not None:
        template = HomeTemplate.from_snapshot(path, snapshot)
    else:
        name = f"{settings.DATABASES['default']['NAME']}"
        name = f"{Path(name).name[:30]}_template_{worker_id}".replace("-", "_").replace(".", "_")
        template = HomeTemplate.migrated(path, name=name)
    try:
        yield template
    finally:
        template.drop()


@pytest.fixture
def migrated_home(migrated_template: HomeTemplate, tmp_path: Path) -> Iterator[DozorHome]:
    """A migrated home of the test's own in ``tmp_path`` for `dozor` processes (`home.run(...)`),
    copied from the session's template instead of migrated again: on SQLite its database file, on
    PostgreSQL a database of its own made from the template database."""
    home = migrated_template.copy(tmp_path)
    try:
        yield home
    finally:
        migrated_template.drop_copy(home)


@dataclass
class Cast:
    organisation: Organisation
    other_organisation: Organisation
    owner: User
    colleague: User
    reader: User
    outsider: User
    incident: Incident

    def client(self, who: str) -> Client:
        client = Client()
        if who != "anonymous":
            client.force_login(getattr(self, who))
        return client


@pytest.fixture
def cast(db: None) -> Cast:
    organisation = OrganisationFactory(name="Северный маяк")
    other = OrganisationFactory(name="Другая организация")
    owner = UserFactory(username="owner", organisation=organisation, role=Role.DOCUMENTER)
    return Cast(
        organisation=organisation,
        other_organisation=other,
        owner=owner,
        colleague=UserFactory(username="colleague", organisation=organisation),
        reader=UserFactory(username="reader", organisation=organisation, role=Role.READER),
        outsider=UserFactory(username="outsider", organisation=other),
        incident=IncidentFactory(organisation=organisation, created_by=owner, updated_by=owner),
    )


@pytest.fixture
def admin(cast: Cast) -> User:
    """An administrator of the cast's organisation."""
    return UserFactory(username="admin", organisation=cast.organisation, role=Role.ADMINISTRATOR)


@pytest.fixture
def other_admin(cast: Cast) -> User:
    """An administrator of the cast's other organisation, for the wall between the two."""
    return UserFactory(
        username="other_admin", organisation=cast.other_organisation, role=Role.ADMINISTRATOR
    )
