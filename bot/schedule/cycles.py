"""Opening and moving review cycles along, with what only the Slack side knows: who
has left the workspace, people's time zones, and who the leaders are."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.runtime import Runtime
from workflows.core import lease
from workflows.core import settings as ws
from workflows.core.periods import Quarter, last_completed_quarter
from workflows.reviews import chasing, review

log = logging.getLogger("aigov.cycles")
SCHEDULER_LEASE = "scheduler"
# SQLite's lease row: renewed every LEASE_RENEW by the scheduler_lease job, so a process
# that dies frees the scheduler within LEASE_TTL. PostgreSQL needs no expiry: its
# advisory lock goes with the holder's connection (storage.locks.SessionLock).
LEASE_TTL = timedelta(seconds=30)
LEASE_RENEW = timedelta(seconds=10)


def holds_scheduler(rt: Runtime) -> bool:
    """Whether this process is the one that runs the scheduled work (taking it if free)."""
    if rt.scheduler_lock is not None:
        return rt.scheduler_lock.held()
    with rt.db.write() as session:
        return lease.acquire(
            session, name=SCHEDULER_LEASE, holder=rt.instance_id, now=rt.now(), ttl=LEASE_TTL
        )


def _refresh_owners(rt: Runtime) -> None:
    with rt.db.read() as session:
        owners = chasing.owners_to_check(session)
    rt.directory.refresh(owners)


def default_quarter(rt: Runtime) -> Quarter:
    """The quarter a cycle opened now would review: the last completed fiscal quarter."""
    with rt.db.read() as session:
        calendar, tz = (
            ws.calendar(session),
            ws.get(session, "review_timezone") or rt.settings.timezone,
        )
    return last_completed_quarter(calendar, tz, rt.now())


def open_now(
    rt: Runtime, *, quarter: Quarter, actor: str, deliver_now: bool = False
) -> review.Opened:
    """Open a cycle (admins, the CLI): owners looked up first, so leavers are caught."""
    _refresh_owners(rt)
    leaders = rt.leaders()
    with rt.db.write() as session:
        opened = review.open_cycle(
            session,
            quarter=quarter,
            now=rt.now(),
            actor=actor,
            leaders=leaders,
            deliver_now=deliver_now,
        )
    rt.wake_outbox()
    return opened


def tick(rt: Runtime) -> chasing.TickResult | None:
    """The scheduled job: in one process at a time (holds_scheduler), open a due cycle,
    remind, escalate. Returns None when another process runs the scheduler."""
    if not holds_scheduler(rt):
        return None
    now = rt.now()
    with rt.db.read() as session:
        due = chasing.due_quarter(session, now=now, record=False) is not None
    if due:
        _refresh_owners(rt)
    leaders = rt.leaders()
    with rt.db.write() as session:
        result = chasing.tick(session, now=now, leaders=leaders)
    if result.opened or result.reminders or result.escalated:
        log.info(
            "review tick: opened %s, %d reminders, escalated %s",
            result.opened,
            result.reminders,
            result.escalated,
        )
    rt.wake_outbox()
    return result
