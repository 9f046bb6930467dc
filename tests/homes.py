"""Homes for the tests that run the real `dozor` command in a process of its own.

Such a test needs a database on disk that the process can open, with every table in it. Running
`dozor migrate` for each of them took most of the suite's time, so a migrated home is made once per
test session (per xdist worker) and copied for each test: on SQLite the home folder with its
database file (itself a copy of the suite's test database saved as soon as it was migrated), on
PostgreSQL a database created with ``CREATE DATABASE … TEMPLATE …``. A copy is what `migrate` would
have left: migrating writes nothing that depends on the home, the settings file or the key.

A test whose setup is longer than `migrate` (several commands every test of a module repeats) can
make a template of its own from a copy (`HomeTemplate.from_home`) and copy that in turn.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import uuid
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db.models import Model

from tests.test_config import run_dozor

POSTGRESQL = "django.db.backends.postgresql"


def suite_on_postgresql() -> bool:
    """Whether the suite runs on PostgreSQL (DOZOR_DATABASE_URL names a PostgreSQL database)."""
    return bool(settings.DATABASES["default"]["ENGINE"] == POSTGRESQL)


@dataclass
class DozorHome:
    """A DOZOR_HOME and the environment a `dozor` process needs to use its database."""

    path: Path
    env: dict[str, str] = field(default_factory=dict)

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return run_dozor(self.path, *args, **{**self.env, **env})

    def counts(self, *models: type[Model]) -> tuple[int, ...]:
        """How many rows each model's table holds, read from the home's database directly: a
        `dozor manage shell` process to count them cost a second of CPU each time."""
        tables = [f'(SELECT count(*) FROM "{model._meta.db_table}")' for model in models]  # noqa: S608 - the models' own table names
        sql = "SELECT " + ", ".join(tables)
        url = self.env.get("DOZOR_DATABASE_URL")
        if url:
            import psycopg

            with psycopg.connect(url) as connection:
                row = connection.execute(sql).fetchone()
        else:
            with closing(sqlite3.connect(self.path / "dozor.sqlite3")) as connection:
                row = connection.execute(sql).fetchone()
        assert row is not None
        return tuple(int(value) for value in row)


@dataclass
class Server:
    """The PostgreSQL server the suite runs on, reached as the suite's role."""

    host: str
    port: str
    user: str
    password: str

    @classmethod
    def of_the_suite(cls) -> Server:
        config: dict[str, Any] = settings.DATABASES["default"]
        return cls(
            host=str(config["HOST"]),
            port=str(config["PORT"] or 5432),
            user=str(config["USER"]),
            password=str(config["PASSWORD"]),
        )

    def url(self, database: str) -> str:
        user, password = quote(self.user, safe=""), quote(self.password, safe="")
        return f"postgres://{user}:{password}@{self.host}:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            dbname="postgres",
            autocommit=True,
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
        ) as connection:
            connection.execute(sql)

    def create(self, name: str, *, template: str | None = None) -> None:
        self.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))

    def drop(self, name: str) -> None:
        """Drop the database, even while something is still connected to it.

        FORCE ends a session still connected (a process the test killed may hold its connection
        for a moment), but refuses to end an autovacuum worker busy in the database ("must be a
        member of the role whose process is being terminated": the worker belongs to no role the
        test's role may signal), which a test's many writes make likely. A plain DROP then stops
        the worker itself and waits for it."""
        import psycopg

        try:
            self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except psycopg.errors.InsufficientPrivilege:
            self.execute(f'DROP DATABASE IF EXISTS "{name}"')


def sqlite_database_place(migrated: Path, home: Path) -> Path:
    """Put a copy of a migrated SQLite database in ``home``, readable by its owner only, as
    `dozor migrate` leaves it in a new home."""
    database = home / "dozor.sqlite3"
    shutil.copyfile(migrated, database)
    database.chmod(0o600)
    return database


def database_name(home: DozorHome) -> str:
    return home.env["DOZOR_DATABASE_URL"].rsplit("/", 1)[1]


@dataclass
class HomeTemplate:
    """A prepared home, and on PostgreSQL its database, to copy for each test that needs one."""

    path: Path
    env: dict[str, str]
    database: str | None = None  # the PostgreSQL database, None on SQLite
    server: Server | None = None
    copies: list[str] = field(default_factory=list)

    @classmethod
    def migrated(cls, path: Path, *, name: str) -> HomeTemplate:
        """Run `dozor migrate` once in ``path``, on the backend the suite runs on."""
        env = {"DOZOR_KEY": os.environ["DOZOR_KEY"]}  # the suite's key (tests/settings.py)
        template = cls(path=path, env=env)
        if suite_on_postgresql():
            template.server = Server.of_the_suite()
            template.database = name
            template.server.drop(name)
            template.server.create(name)
            template.env = {**env, "DOZOR_DATABASE_URL": template.server.url(name)}
        result = run_dozor(path, "migrate", **template.env)
        assert result.returncode == 0, result.stderr[-2000:]
        return template

    @classmethod
    def from_snapshot(cls, path: Path, snapshot: Path) -> HomeTemplate:
        """A SQLite home holding ``snapshot``, the suite's own database saved the moment its
        migrations had run (tests/conftest.py, django_db_setup): what `dozor migrate` leaves in
        a new home, the same migrations run by the same code, without a process to run them."""
        sqlite_database_place(snapshot, path)
        return cls(path=path, env={"DOZOR_KEY": os.environ["DOZOR_KEY"]})

    @classmethod
    def from_home(cls, home: DozorHome, template: HomeTemplate) -> HomeTemplate:
        """Make a template of a home copied from ``template`` and prepared further (no process may
        still use its database); its database is this template's to drop from now on."""
        made = cls(path=home.path, env=dict(home.env), server=template.server)
        if template.server is not None:
            made.database = database_name(home)
            template.copies.remove(made.database)
        return made

    def copy(self, home: Path) -> DozorHome:
        """A home of its own in ``home`` (an existing folder is filled), as the template left it."""
        shutil.copytree(self.path, home, dirs_exist_ok=True)
        if self.server is None or self.database is None:
            return DozorHome(home, dict(self.env))
        name = f"{self.database[:40]}_{uuid.uuid4().hex[:10]}"
        self.server.create(name, template=self.database)
        self.copies.append(name)
        return DozorHome(home, {**self.env, "DOZOR_DATABASE_URL": self.server.url(name)})

    def drop_copy(self, home: DozorHome) -> None:
        if self.server is None:
            return
        name = database_name(home)
        if name in self.copies:
            self.copies.remove(name)
            self.server.drop(name)

    def drop(self) -> None:
        if self.server is None:
            return
        for name in [*self.copies, *([self.database] if self.database else [])]:
            self.server.drop(name)
        self.copies.clear()
