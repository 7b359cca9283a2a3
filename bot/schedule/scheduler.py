"""The one list of scheduled jobs.

APScheduler 3.x runs in UTC with an in-memory job store: jobs are rebuilt at every start
from this list (fixed ids, `replace_existing`), and every job is safe to run in several
replicas at once: the review job runs only in the process that holds the scheduler
(a PostgreSQL advisory lock, or on SQLite a lease row the scheduler_lease job renews),
and its effects are keyed
(one cycle per quarter, outbox dedupe keys). When the review schedule is changed the
next tick reads it; no restart is needed. A run missed while the bot was down happens
once when it is back (workflows.reviews.chasing.due_quarter).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import ref_to_obj

from bot.runtime import Runtime

log = logging.getLogger("aigov.scheduler")
# (job id, function by import path, seconds between runs)
JOBS = (
    ("review_tick", "bot.schedule.jobs:review_tick", 60),
    ("scheduler_lease", "bot.schedule.jobs:scheduler_lease", 10),  # cycles.LEASE_RENEW
    ("alerts_check", "bot.schedule.jobs:alerts_check", 24 * 3600),  # also after every data arrival
)


def start_scheduler(rt: Runtime, *, speed: float = 1.0) -> BackgroundScheduler:
    """Start the jobs; `speed` shortens the intervals (tests)."""
    for _, ref, _ in JOBS:
        ref_to_obj(ref)  # fail loudly at start, not with a silently dropped job later
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={"misfire_grace_time": 300, "coalesce": True, "max_instances": 1},
    )
    for job_id, ref, seconds in JOBS:
        scheduler.add_job(
            ref,
            trigger=IntervalTrigger(seconds=max(seconds / speed, 0.05), timezone=UTC),
            id=job_id,
            replace_existing=True,
            args=[rt],
            next_run_time=datetime.now(UTC),  # the real clock: APScheduler judges misfires by it
        )
    scheduler.start()
    log.info("scheduler started with %d jobs", len(JOBS))
    return scheduler
