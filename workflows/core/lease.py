"""Named leases in the database: one holder at a time, taken over when it expires (on
PostgreSQL the scheduler uses storage.locks.SessionLock instead: no expiry to wait)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from storage.models import Lease
from storage.upsert import insert_ignore


def acquire(session: Session, *, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease; True when `holder` has it until now + ttl."""
    values = {"name": name, "holder": holder, "expires_at": now + ttl}
    if insert_ignore(session, Lease, values, keys=("name",)):
        return True
    taken = session.execute(
        update(Lease)
        .where(
            col(Lease.name) == name, (col(Lease.holder) == holder) | (col(Lease.expires_at) < now)
        )
        .values(holder=holder, expires_at=now + ttl)
        .returning(col(Lease.name))
    )
    return taken.first() is not None


def release(session: Session, *, name: str, holder: str, now: datetime) -> None:
    """Give the lease up early (a clean shutdown), so another process takes over at once."""
    statement = update(Lease).where(col(Lease.name) == name, col(Lease.holder) == holder)
    session.execute(statement.values(expires_at=now - timedelta(seconds=1)))
