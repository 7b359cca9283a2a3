"""Scheduled jobs, referenced by import path from bot.schedule.scheduler."""

from __future__ import annotations

from bot.runtime import Runtime
from bot.schedule.alerting import check_now
from bot.schedule.cycles import holds_scheduler, tick


def review_tick(rt: Runtime) -> None:
    """Open due cycles, send reminders, escalate at deadlines."""
    tick(rt)


def scheduler_lease(rt: Runtime) -> None:
    """Keep (or take over) the scheduler: a dead holder's is free within 30 s."""
    holds_scheduler(rt)


def alerts_check(rt: Runtime) -> None:
    """The daily budget check (it also runs whenever cost data arrives)."""
    check_now(rt)
