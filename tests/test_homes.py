"""The suite's own PostgreSQL databases are dropped whatever is still connected to them."""

from __future__ import annotations

import os

import psycopg
import pytest

from tests.homes import Server


@pytest.mark.postgres
def test_a_test_database_drops_while_a_session_still_holds_it() -> None:
    """A process a test killed may keep its connection for a moment: the drop ends it."""
    server = Server.of_the_suite()
    name = f"dozor_homes_held_{os.getpid()}"
    server.drop(name)
    server.create(name)
    held = psycopg.connect(
        dbname=name, host=server.host, port=server.port, user=server.user, password=server.password
    )
    try:
        server.drop(name)
        with pytest.raises(psycopg.OperationalError):
            held.execute("SELECT 1")
    finally:
        held.close()
    with (
        psycopg.connect(
            dbname="postgres",
            host=server.host,
            port=server.port,
            user=server.user,
            password=server.password,
        ) as maintenance,
    ):
        found = maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        assert found.fetchone() is None
