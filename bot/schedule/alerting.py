"""Running the budget checks from the Slack side (after data arrives, and daily)."""

from __future__ import annotations

from bot.runtime import Runtime
from workflows.budgets import alerts


def check_now(rt: Runtime) -> alerts.CheckResult:
    """Check every budget now; new alerts go out through the outbox."""
    with rt.db.write() as session:
        result = alerts.check(session, today=rt.today(), now=rt.now())
    rt.wake_outbox()
    return result
