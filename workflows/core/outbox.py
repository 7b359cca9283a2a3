"""The outbox: durable intent to send, claimed with leases, sent at most once per key.

Writers call `enqueue` inside the transaction that changes state, so a crash can never
lose the message or keep a message for a change that did not happen. The sender
(bot.outbox.sender) calls `claim`, sends outside any transaction, then `mark_sent`,
`retry_later` or `mark_dead`. A lease outlives the slowest send including Retry-After
waits, so a second sender never takes over a row still being sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from storage.models import OutboxMessage, OutboxStatus
from storage.upsert import insert_ignore

MAX_ATTEMPTS = 6
UNKNOWN_OUTCOME = "unknown outcome: the previous sender stopped mid-send"
LEASE = timedelta(seconds=120)


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    target: str,
    params: dict[str, Any] | None = None,
    thread_key: str | None = None,
    update_key: str | None = None,
    now: datetime,
    available_at: datetime | None = None,
) -> bool:
    """Record the intent to send (due at `available_at`, default now); False when a
    message with this key already exists."""
    values: dict[str, Any] = {
        "dedupe_key": key,
        "kind": kind,
        "target": target,
        "params": params or {},
        "thread_key": thread_key,
        "update_key": update_key,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "available_at": available_at or now,
        "created_at": now,
    }
    return insert_ignore(session, OutboxMessage, values, keys=("dedupe_key",))


def claim(session: Session, *, owner: str, now: datetime, limit: int = 20) -> list[OutboxMessage]:
    """Lease up to `limit` due rows to `owner`: pending ones, and sending ones whose
    lease ran out (their sender died; the outcome of that attempt is unknown)."""
    due = (
        select(OutboxMessage.id)
        .where(
            or_(
                (col(OutboxMessage.status) == OutboxStatus.PENDING)
                & (col(OutboxMessage.available_at) <= now),
                (col(OutboxMessage.status) == OutboxStatus.SENDING)
                & (col(OutboxMessage.lease_until) < now),
            )
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(session.exec(due))
    if ids:
        # A row still "sending" after its lease ran out was taken mid-send by a crash:
        # the sender must check whether Slack got it before sending again.
        session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id).in_(ids), col(OutboxMessage.status) == OutboxStatus.SENDING
            )
            .values(last_error=UNKNOWN_OUTCOME)
        )
    if not ids:
        return []
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids))
        .values(
            status=OutboxStatus.SENDING,
            lease_owner=owner,
            lease_until=now + LEASE,
            attempts=OutboxMessage.attempts + 1,
        )
    )
    rows = list(
        session.exec(
            select(OutboxMessage).where(col(OutboxMessage.id).in_(ids)).order_by(OutboxMessage.id)
        )
    )
    return [r for r in rows if r.lease_owner == owner]


def _mine(session: Session, row_id: int, owner: str) -> OutboxMessage | None:
    row = session.get(OutboxMessage, row_id)
    # A row whose lease was taken over must be left to its new owner.
    return (
        row
        if row is not None and row.lease_owner == owner and row.status == OutboxStatus.SENDING
        else None
    )


def mark_sent(
    session: Session, *, row_id: int, owner: str, channel: str | None, ts: str | None, now: datetime
) -> None:
    row = _mine(session, row_id, owner)
    if row is not None:
        row.status, row.channel, row.ts, row.sent_at = OutboxStatus.SENT, channel, ts, now
        row.lease_owner = row.lease_until = None
        row.last_error = None


def retry_later(
    session: Session,
    *,
    row_id: int,
    owner: str,
    at: datetime,
    error: str,
    count_attempt: bool = True,
) -> None:
    """Back to pending until `at`; after MAX_ATTEMPTS failed attempts the row is dead."""
    row = _mine(session, row_id, owner)
    if row is None:
        return
    if not count_attempt:
        row.attempts -= 1
    if row.attempts >= MAX_ATTEMPTS:
        mark_dead(session, row_id=row_id, owner=owner, error=error)
        return
    row.status, row.available_at, row.last_error = OutboxStatus.PENDING, at, error[:500]
    row.lease_owner = row.lease_until = None


def mark_dead(session: Session, *, row_id: int, owner: str, error: str) -> None:
    row = _mine(session, row_id, owner)
    if row is not None:
        row.status, row.last_error = OutboxStatus.DEAD, error[:500]
        row.lease_owner = row.lease_until = None


def by_key(session: Session, key: str) -> OutboxMessage | None:
    """The message with this key, whatever its status."""
    return session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).first()


def sent_message(session: Session, key: str) -> OutboxMessage | None:
    """The sent message with this key (to reply in its thread or edit it), if sent."""
    row = by_key(session, key)
    return row if row is not None and row.status == OutboxStatus.SENT else None


def status_counts(session: Session) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in session.exec(select(OutboxMessage.status)):
        counts[status] = counts.get(status, 0) + 1
    return counts
