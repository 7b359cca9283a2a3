"""Engines and sessions, tuned per backend.

SQLite runs as a server database: WAL, a busy timeout, foreign keys, and write
transactions opened with BEGIN IMMEDIATE (a deferred BEGIN that later writes fails at once
with "database is locked" under WAL, ignoring the busy timeout). Read-only sessions keep
a deferred BEGIN so readers never queue behind writers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool
from sqlmodel import Session

BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url` with the per-backend tuning applied."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, **kwargs)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    connect_args = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
        raise ValueError("aigov needs a SQLite file (several threads share it), not :memory:")
    engine = create_engine(url, connect_args=connect_args, poolclass=NullPool, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get("aigov_write", True)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class Database:
    """The one handle on the database: write and read sessions."""

    def __init__(
        self, url: str, *, setting_defaults: dict[str, str] | None = None, **engine_kwargs: Any
    ) -> None:
        self.url = url
        # Defaults from the process environment (AIGOV_CURRENCY, AIGOV_TIMEZONE) that a
        # stored setting overrides; sessions carry them in `info`.
        self.setting_defaults = dict(setting_defaults or {})
        self.engine = make_engine(url, **engine_kwargs)
        self._read_engine = self.engine.execution_options(aigov_write=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one write transaction, committed on success."""
        with self._session(self.engine) as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (rolled back at the end)."""
        with self._session(self._read_engine) as session:
            try:
                yield session
            finally:
                # Detach first: what was read stays readable after the transaction ends.
                session.expunge_all()
                session.rollback()

    def _session(self, engine: Engine) -> Session:
        return Session(
            engine, expire_on_commit=False, info={"setting_defaults": self.setting_defaults}
        )

    def dispose(self) -> None:
        self.engine.dispose()
