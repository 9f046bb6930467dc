"""The production server: sized for the machine, static files cached, connections reused.

The servers here are real: `dozor serve` started in a process of its own on a migrated home, with
the settings read from the environment at start-up, and reached over HTTP.
"""

from __future__ import annotations

import gc
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from gunicorn.config import Config as GunicornConfig

from dozor import config, gunicorn_conf
from dozor.management.commands.serve import (
    MSG_THREADS,
    MSG_WORKERS,
    MSG_WORKERS_WAITRESS,
)
from tests.homes import DozorHome, Server, database_name
from tests.test_config import ROOT, run_dozor

GIB = 1024**3
STYLESHEET = re.compile(r'href="(/static/dozor/dozor\.[0-9a-f]{12}\.css)"')
ONE_YEAR = 365 * 24 * 3600


# ---------------------------------------------------------------------------------------------
# Workers and threads
# ---------------------------------------------------------------------------------------------


def test_auto_workers_are_the_cores_and_one() -> None:
    assert config.workers_for(cores=2, memory_bytes=24 * GIB) == 3


def test_auto_workers_are_bounded_by_the_machines_memory() -> None:
    assert config.workers_for(cores=8, memory_bytes=2 * GIB) == 4


def test_auto_workers_are_bounded_for_the_databases_connections() -> None:
    assert config.workers_for(cores=64, memory_bytes=512 * GIB) == config.MAX_AUTO_WORKERS


def test_auto_workers_are_at_least_one_on_a_small_machine() -> None:
    assert config.workers_for(cores=1, memory_bytes=256 * 1024 * 1024) == 1


def test_a_containers_memory_limit_is_read_from_its_cgroup(tmp_path: Path) -> None:
    limit = tmp_path / "memory.max"
    limit.write_text("2147483648\n")
    assert config.cgroup_memory_limit(limit) == 2 * GIB


def test_a_container_without_a_memory_limit_has_none(tmp_path: Path) -> None:
    limit = tmp_path / "memory.max"
    limit.write_text("max\n")
    assert config.cgroup_memory_limit(limit) is None


def gunicorn_settings(**env: str) -> subprocess.CompletedProcess[str]:
    """What gunicorn itself reads from dozor/gunicorn_conf.py in this environment."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("DOZOR_", "DJANGO_"))
    }
    environment.update(PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "python:dozor.gunicorn_conf", "--print-config"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=60,
    )


def printed(output: str, name: str) -> str:
    found = re.search(rf"^{name}\s+= (.*)$", output, flags=re.M)
    assert found, f"gunicorn printed no {name}"
    return found.group(1)


@pytest.mark.database_free
def test_a_gunicorn_worker_freezes_what_it_loaded_out_of_the_garbage_collectors_way() -> None:
    gc.unfreeze()
    try:
        gunicorn_conf.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


@pytest.mark.database_free
def test_gunicorns_workers_and_threads_come_from_the_environment() -> None:
    result = gunicorn_settings(DOZOR_WORKERS="3", DOZOR_THREADS="6")
    assert result.returncode == 0, result.stderr
    assert (printed(result.stdout, "workers"), printed(result.stdout, "threads")) == ("3", "6")


@pytest.mark.database_free
def test_gunicorns_workers_follow_the_machine_by_default() -> None:
    result = gunicorn_settings()
    expected = config.workers_for(
        cores=config.machine_cores(), memory_bytes=config.machine_memory_bytes()
    )
    assert printed(result.stdout, "workers") == str(expected)


@pytest.mark.database_free
def test_gunicorn_answers_one_request_per_process_by_default_and_uses_threads_when_asked() -> None:
    """By default a process takes a connection only when it is free (gunicorn's sync worker), so
    a long request holds no other client's; with more threads, gunicorn's threaded worker."""
    result = gunicorn_settings()
    assert (printed(result.stdout, "threads"), printed(result.stdout, "worker_class")) == (
        "1",
        "sync",
    )

    def worker(threads: int) -> str:
        cfg = GunicornConfig()
        cfg.set("worker_class", gunicorn_conf.options()["worker_class"])
        cfg.set("threads", threads)
        return str(cfg.worker_class_str)

    assert (worker(1), worker(4)) == ("sync", "gthread")


@pytest.mark.database_free
def test_gunicorn_lets_a_download_of_a_million_incidents_finish() -> None:
    """A sync worker is replaced when one request outlasts gunicorn's timeout: the list's
    download streams about 1,300 incidents a second, so a million take a quarter of an hour."""
    result = gunicorn_settings()
    assert int(printed(result.stdout, "timeout")) >= 1_000_000 // 1_300


@pytest.mark.database_free
def test_gunicorn_keeps_no_access_log_where_queries_would_carry_names() -> None:
    result = gunicorn_settings()
    assert printed(result.stdout, "accesslog") == "None"


@pytest.mark.database_free
@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DOZOR_WORKERS": "abc"}, "DOZOR_WORKERS='abc': expected auto or a number from 1 to 64."),
        ({"DOZOR_WORKERS": "0"}, "DOZOR_WORKERS='0': expected auto or a number from 1 to 64."),
        ({"DOZOR_THREADS": "abc"}, "DOZOR_THREADS='abc': expected a whole number."),
        ({"DOZOR_THREADS": "0"}, "DOZOR_THREADS='0': expected a number of at least 1"),
    ],
)
def test_gunicorn_refuses_a_malformed_size_and_names_the_variable(
    env: dict[str, str], message: str
) -> None:
    result = gunicorn_settings(**env)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.database_free
@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DOZOR_WORKERS": "many"}, "DOZOR_WORKERS='many': expected auto or a number"),
        ({"DOZOR_THREADS": "0"}, "DOZOR_THREADS='0': expected a number of at least 1"),
        ({"DOZOR_DATABASE_CONN_MAX_AGE": "a minute"}, "DOZOR_DATABASE_CONN_MAX_AGE='a minute'"),
        ({"DOZOR_SLOW_REQUEST_MS": "0"}, "DOZOR_SLOW_REQUEST_MS='0': expected a number"),
    ],
)
def test_serve_refuses_a_malformed_setting_and_names_it(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    result = run_dozor(tmp_path, "serve", "--production", **env)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--workers", "2"], MSG_WORKERS_WAITRESS),
        (["--production", "--workers", "0"], MSG_WORKERS.format(value=0, maximum=64)),
        (["--production", "--threads", "65"], MSG_THREADS.format(value=65, maximum=64)),
    ],
)
def test_serve_refuses_a_server_size_it_cannot_run(options: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("serve", *options)


# ---------------------------------------------------------------------------------------------
# A real server on a migrated home
# ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(port: int, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def get_text(port: int, path: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    text = connection.getresponse().read().decode()
    connection.close()
    return text


@contextmanager
def serving(home: DozorHome, *options: str, **env: str) -> Iterator[int]:
    """`dozor serve OPTIONS` on the home, until it answers; stopped with SIGTERM afterwards."""
    port = free_port()
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("DOZOR_", "DJANGO_"))
    }
    environment.update({"DOZOR_HOME": str(home.path), **home.env, **env})
    log = home.path / "serve.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "dozor.cli", "serve", "--port", str(port), *options],
            cwd=ROOT,
            env=environment,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"dozor serve stopped: {log.read_text()}"
            try:
                if get(port, "/accounts/login/").status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"dozor serve did not answer: {log.read_text()}"
            time.sleep(0.2)
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.mark.parametrize(
    "options",
    [["--production", "--workers", "1", "--threads", "2"], []],
    ids=["gunicorn", "waitress"],
)
def test_a_fresh_home_serves_hashed_static_files_cached_as_immutable(
    migrated_home: DozorHome, options: list[str]
) -> None:
    with serving(migrated_home, *options) as port:
        stylesheet = STYLESHEET.search(get_text(port, "/accounts/login/"))
        assert stylesheet, "the sign-in page links no hashed stylesheet"
        response = get(port, stylesheet.group(1), {"Accept-Encoding": "gzip"})
    assert response.status == 200
    cache = response.getheader("Cache-Control", "")
    age = re.search(r"max-age=(\d+)", cache)
    assert "immutable" in cache and age and int(age.group(1)) >= ONE_YEAR, cache


def database_backends(home: DozorHome) -> list[int]:
    """The process ids of the PostgreSQL connections to the home's database."""
    import psycopg

    server = Server.of_the_suite()
    with psycopg.connect(
        dbname="postgres",
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        autocommit=True,
    ) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (database_name(home),)
        ).fetchall()
    return sorted(row[0] for row in rows)


def requests_backends(home: DozorHome, port: int) -> list[list[int]]:
    """The database's connections after each of three requests that read it."""
    seen = []
    for _ in range(3):
        assert get(port, "/accounts/login/").status == 200
        seen.append(database_backends(home))
    return seen


@pytest.mark.postgres
def test_postgresql_connections_are_reused_by_later_requests(migrated_home: DozorHome) -> None:
    with serving(migrated_home, "--production", "--workers", "1", "--threads", "1") as port:
        seen = requests_backends(migrated_home, port)
    assert len(seen[0]) == 1
    assert seen == [seen[0]] * 3


@pytest.mark.postgres
def test_postgresql_connections_are_closed_after_each_request_at_max_age_0(
    migrated_home: DozorHome,
) -> None:
    with serving(
        migrated_home,
        "--production",
        "--workers",
        "1",
        "--threads",
        "1",
        DOZOR_DATABASE_CONN_MAX_AGE="0",
    ) as port:
        seen = requests_backends(migrated_home, port)
    assert seen == [[], [], []]


def shell_prints(home: DozorHome, code: str, **env: str) -> str:
    """What ``code`` prints, run by `dozor manage shell` in the home."""
    result = home.run("manage", "shell", "--no-imports", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def database_settings(home: DozorHome, **env: str) -> str:
    code = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    return shell_prints(home, code, **env)


@pytest.mark.postgres
def test_postgresql_connections_live_as_long_as_the_setting_says(
    migrated_home: DozorHome,
) -> None:
    assert database_settings(migrated_home, DOZOR_DATABASE_CONN_MAX_AGE="300") == "300 True"


def planner_settings(home: DozorHome, **env: str) -> str:
    """What PostgreSQL says of the planner's settings in a session Dozor opened."""
    code = (
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    for name in ('jit', 'random_page_cost', 'max_parallel_workers_per_gather'):\n"
        "        cursor.execute(f'SHOW {name}')\n"
        "        print(cursor.fetchone()[0], end=' ')"
    )
    return shell_prints(home, code, **env)


@pytest.mark.postgres
def test_postgresql_sessions_plan_without_jit_or_parallel_workers(
    migrated_home: DozorHome,
) -> None:
    assert planner_settings(migrated_home) == "off 1.1 0"


@pytest.mark.postgres
def test_postgresql_planner_options_in_the_url_win_over_dozors(migrated_home: DozorHome) -> None:
    url = migrated_home.env["DOZOR_DATABASE_URL"]
    options = "?options=-c%20max_parallel_workers_per_gather%3D2%20-c%20random_page_cost%3D4"
    assert planner_settings(migrated_home, DOZOR_DATABASE_URL=url + options) == "off 4 2"


@pytest.mark.database_free
def test_sqlite_opens_a_connection_for_every_request_whatever_the_setting(tmp_path: Path) -> None:
    result = run_dozor(
        tmp_path,
        "manage",
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['ENGINE'], d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])",
        DOZOR_DATABASE_CONN_MAX_AGE="300",
    )
    assert result.stdout.strip() == "django.db.backends.sqlite3 0 False", result.stderr


def test_the_server_loads_the_lazy_modules_before_its_threads_answer(
    migrated_home: DozorHome,
) -> None:
    """A process of its own: what the WSGI module loads is the point. The apps hold pandas and
    NumPy as lazy proxies; on Python 3.11 two threads that first touch one at once can see it
    half-loaded, so the server loads them as it starts (dozor/wsgi.py)."""
    probe = (
        "import json, sys, dozor.wsgi; "
        "print(json.dumps(sorted(n for n, m in sys.modules.items() "
        "if type(m).__name__ == '_LazyModule')), 'pandas.core.frame' in sys.modules)"
    )
    result = migrated_home.run("manage", "shell", "-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[] True"


def test_the_server_gives_numpys_maths_library_one_thread(migrated_home: DozorHome) -> None:
    """A process of its own: what the WSGI module sets before NumPy loads is the point. Each of
    the server's processes and threads answers a request; a pool of maths threads beside them
    only spins (the name recogniser took three times the CPU with two)."""
    probe = (
        "import dozor.wsgi, numpy; from threadpoolctl import threadpool_info; "
        "print(sorted({pool['num_threads'] for pool in threadpool_info()}))"
    )
    result = migrated_home.run("manage", "shell", "-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[1]"
