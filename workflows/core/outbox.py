"""The outbox: durable intent to send, claimed with leases, sent at most once per key.

Writers call `enqueue` inside the transaction that changes state, so a crash can never
lose the message or keep a message for a change that did not happen. The sender
(bot.outbox.sender) calls `claim`, sends outside any transaction, then `mark_sent`,
`retry_later` or `mark_dead`. A lease is short (LEASE) and the sender renews it with
heartbeats while it holds the row, so a live sender keeps its rows however slow a send
is, and a dead one's rows are taken over within LEASE. A message Slack cannot take for
now is retried until MAX_AGE after it was first due, never given up by attempt count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from storage.models import OutboxMessage, OutboxStatus
from storage.upsert import insert_ignore

# A message that keeps failing for a reason that is not Slack being away (a renderer
# bug, an error Slack does not document as transient) is given up after this many tries.
MAX_ATTEMPTS = 6
# A message Slack cannot take for now (429, 5xx, network) is retried this long.
MAX_AGE = timedelta(hours=24)
UNKNOWN_OUTCOME = "unknown outcome: the previous sender stopped mid-send"
LEASE = timedelta(seconds=20)
UNSENT = (OutboxStatus.PENDING, OutboxStatus.SENDING)


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
        "due_at": available_at or now,
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


def renew(session: Session, *, ids: list[int], owner: str, now: datetime) -> int:
    """The heartbeat: extend `owner`'s lease on the rows it still holds; how many."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(ids),
            col(OutboxMessage.lease_owner) == owner,
            col(OutboxMessage.status) == OutboxStatus.SENDING,
        )
        .values(lease_until=now + LEASE)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def deadline(row: OutboxMessage) -> datetime:
    """When a message Slack keeps refusing for now is given up."""
    return (row.due_at or row.created_at) + MAX_AGE


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
    now: datetime,
    count_attempt: bool = True,
    max_attempts: int | None = None,
) -> OutboxStatus | None:
    """Back to pending until `at` (never past its deadline: the last try is at the
    deadline); dead once a try at or past the deadline fails, or after `max_attempts`
    tries when given. The status it got; None when the row is no longer ours."""
    row = _mine(session, row_id, owner)
    if row is None:
        return None
    if not count_attempt:
        row.attempts -= 1
    give_up = deadline(row)
    if now >= give_up or (max_attempts is not None and row.attempts >= max_attempts):
        mark_dead(session, row_id=row_id, owner=owner, error=error)
        return OutboxStatus.DEAD
    row.status, row.available_at = OutboxStatus.PENDING, min(at, give_up)
    row.last_error = error[:500]
    row.lease_owner = row.lease_until = None
    return OutboxStatus.PENDING


def mark_dead(session: Session, *, row_id: int, owner: str, error: str) -> bool:
    """Give the row up; False when it is no longer ours (its new owner decides)."""
    row = _mine(session, row_id, owner)
    if row is None:
        return False
    row.status, row.last_error = OutboxStatus.DEAD, error[:500]
    row.lease_owner = row.lease_until = None
    return True


def by_key(session: Session, key: str) -> OutboxMessage | None:
    """The message with this key, whatever its status."""
    return session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).first()


def sent_message(session: Session, key: str) -> OutboxMessage | None:
    """The sent message with this key (to reply in its thread or edit it), if sent."""
    row = by_key(session, key)
    return row if row is not None and row.status == OutboxStatus.SENT else None


@dataclass(frozen=True)
class Backlog:
    unsent: int  # pending or being sent, due or not
    oldest_due: datetime | None  # when the oldest unsent message that is due was first due
    dead: int


def backlog(session: Session, *, now: datetime) -> Backlog:
    """What /healthz and /metrics read: two aggregate queries on the status index."""
    counts = dict(
        session.exec(
            select(OutboxMessage.status, func.count())
            .where(col(OutboxMessage.status).in_([*UNSENT, OutboxStatus.DEAD]))
            .group_by(OutboxMessage.status)
        ).all()
    )
    due = func.coalesce(OutboxMessage.due_at, OutboxMessage.available_at)
    oldest = session.exec(
        select(func.min(due)).where(col(OutboxMessage.status).in_(UNSENT), due <= now)
    ).one()
    unsent = sum(int(counts.get(s, 0)) for s in UNSENT)
    return Backlog(unsent=unsent, oldest_due=oldest, dead=int(counts.get(OutboxStatus.DEAD, 0)))


def status_counts(session: Session) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in session.exec(select(OutboxMessage.status)):
        counts[status] = counts.get(status, 0) + 1
    return counts
