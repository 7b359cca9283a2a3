"""Fixtures: a migrated database on SQLite and on PostgreSQL, and a running workspace
(the Slack emulator, the real app served over HTTP, and Slack's side of the wire)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import inspect, text

from bot.offline.emulator import server as emulator_server
from bot.offline.emulator.escaping import raw_controls
from bot.offline.emulator.recording import Call
from bot.offline.local import LocalWorkspace
from storage.db import Database
from storage.migrate import upgrade
from tests import pg_server

BACKENDS = ("sqlite", pytest.param("postgres", marks=pytest.mark.postgres))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (migrating takes a while)."""
    path = tmp_path_factory.mktemp("template") / "aigov.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()  # the last connection to close folds the WAL back into the file
    return path


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """The admin URL (libpq) of the PostgreSQL server for this run: AIGOV_TEST_PG, the
    machine's on 127.0.0.1:5432, or a throwaway one all xdist workers share (pg_server.py).
    No server fails the tests that need one; it never skips them."""
    # xdist gives every worker of one run the same id; a run without xdist makes its own.
    workerinput = getattr(request.config, "workerinput", {})
    run_id = workerinput.get("testrunuid") or uuid.uuid4().hex
    with ExitStack() as stack:
        try:
            admin = stack.enter_context(pg_server.admin_url(run_id))
        except pg_server.NoPostgres as exc:
            pytest.fail(str(exc), pytrace=False)
        yield admin


@pytest.fixture(scope="session")
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (per xdist worker), migrated."""
    name = f"aigov_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = pg_server.database_url(postgres_server, name)
    db = Database(url)
    upgrade(db)
    db.dispose()
    yield url
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate(url: str) -> None:
    db = Database(url)
    # The tables the migrations made (not the models': one may be ahead of a migration).
    names = [n for n in inspect(db.engine).get_table_names() if n != "alembic_version"]
    tables = ", ".join(f'"{n}"' for n in names)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty database: SQLite and PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "aigov.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    _truncate(url)
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def ws(database_url: str) -> Iterator[LocalWorkspace]:
    """The running workspace: `ws.slack` acts as Slack, `ws.emulator` records the bot's calls."""
    with LocalWorkspace(database_url=database_url, migrate=False) as workspace:
        yield workspace


@pytest.fixture(autouse=True)
def no_raw_mentions() -> Iterator[None]:
    """Every call any emulator records in this test: no user text that would ping or
    link (`<!channel>`, `<@U0X|fake>`, `<http://evil>`) outside the bot's own mentions
    of known ids (the workspace's, or ones the bot sent to). Checked as each call is
    recorded (before a test can clear the log); reported at teardown."""
    found: list[str] = []
    addressed: set[str] = set()  # ids the bot sent to (say, a channel that is gone)

    def check(emulator: emulator_server.SlackEmulator, call: Call) -> None:
        for key in ("channel", "user", "users"):
            if isinstance(call.args.get(key), str):
                addressed.update(call.args[key].split(","))
        known = {*emulator.ws.users, *emulator.ws.channels, *addressed}
        raw = raw_controls(call.args, users=known, channels=known)
        found.extend(f"{call.method}: {token}" for token in raw)

    emulator_server.OBSERVERS.append(check)
    yield
    emulator_server.OBSERVERS.remove(check)
    if found:
        pytest.fail("unescaped user text sent to Slack:\n" + "\n".join(found[:20]))
