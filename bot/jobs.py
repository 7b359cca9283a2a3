"""Scheduled jobs, referenced by import path from bot.scheduler."""

from __future__ import annotations

from bot.cycles import tick
from bot.runtime import Runtime


def review_tick(rt: Runtime) -> None:
    """Open due cycles, send reminders, escalate at deadlines."""
    tick(rt)
