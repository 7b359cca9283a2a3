"""A PostgreSQL session-level advisory lock on a dedicated connection: one process in
the whole deployment holds it, and the server releases it the moment that process dies
(its connection closes), so a replica that is killed frees it at once."""

from __future__ import annotations

import contextlib
import hashlib
import threading

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool


class SessionLock:
    """`pg_try_advisory_lock` on a connection of its own (never from a pool, never in a
    transaction): held for the life of the process once taken."""

    def __init__(self, url: str, *, name: str) -> None:
        self.url = url
        # A stable 63-bit key per name (Python's hash() differs per process).
        digest = hashlib.sha256(f"aigov:{name}".encode()).digest()
        self.key = int.from_bytes(digest[:8], "big") >> 1
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._conn: Connection | None = None

    def held(self) -> bool:
        """True while this process holds the lock; takes it when it is free."""
        with self._lock:
            if self._conn is not None and self._alive(self._conn):
                return True
            self._close()
            return self._take()

    def _take(self) -> bool:
        self._engine = self._engine or create_engine(self.url, poolclass=NullPool)
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
        except Exception:
            conn.close()
            raise
        if got:
            self._conn = conn
        else:
            conn.close()
        return bool(got)

    @staticmethod
    def _alive(conn: Connection) -> bool:
        try:
            conn.execute(text("SELECT 1"))
        except Exception:  # the server restarted or the network dropped: lock lost
            return False
        return True

    def _close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def close(self) -> None:
        """Release the lock (a clean shutdown), so another process takes over at once."""
        with self._lock:
            self._close()
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
