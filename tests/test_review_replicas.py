"""Several bot processes on one database: one cycle, each owner prompted exactly once,
one scheduler at a time; and the real APScheduler driving the review job."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.config import Settings
from bot.offline.emulator.server import SlackEmulator
from bot.runtime import Runtime, web_client
from bot.schedule import cycles
from bot.schedule.scheduler import start_scheduler
from storage.db import Database
from storage.models import JobRun, ReviewCycle, ReviewRequest
from workflows.core.periods import FiscalCalendar
from workflows.inventory import inventory

OWNERS = [f"U0OWNER{i:02d}" for i in range(12)]
NOW = datetime(2026, 10, 5, 15, 0, tzinfo=UTC)  # Monday, in working hours in New York


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator(bot_token="xoxb-replicas").start() as emu:
        for user in [*OWNERS, "U0LEAD"]:
            emu.add_user(user, name=user.lower(), tz="America/New_York")
        yield emu


def _replica(database_url: str, emu: SlackEmulator) -> Runtime:
    settings = Settings(
        SLACK_BOT_TOKEN="xoxb-replicas",
        SLACK_SIGNING_SECRET="s",
        SLACK_API_URL=emu.api_url,
        AIGOV_DATABASE_URL=database_url,
        AIGOV_LEADERS="U0LEAD",
        _env_file=None,
    )
    rt = Runtime(
        settings=settings, db=Database(database_url), client=web_client(settings), now=lambda: NOW
    )
    rt.start_outbox(interval=0.05)
    return rt


def _seed(database_url: str) -> None:
    db = Database(database_url)
    with db.write() as s:
        for i, owner in enumerate(OWNERS):
            for j in range(2):
                raw = {
                    "name": f"Pilot {i}-{j}",
                    "department": f"Dept {i % 3}",
                    "owner": owner,
                    "stage": "pilot",
                }
                inventory.register(s, raw=raw, actor="seed", resolve_user=lambda u: u)
    db.dispose()


def test_three_replicas_open_one_cycle_and_prompt_each_owner_once(
    database_url: str, emulator: SlackEmulator
) -> None:
    _seed(database_url)
    replicas = [_replica(database_url, emulator) for _ in range(3)]
    quarter = FiscalCalendar(1).quarter(2026, 3)
    barrier = threading.Barrier(len(replicas))
    results: list[object] = []

    def open_it(rt: Runtime) -> None:
        barrier.wait()
        try:
            results.append(cycles.open_now(rt, quarter=quarter, actor="admin", deliver_now=True))
        except Exception as exc:  # surfaced by the assertion below
            results.append(exc)

    threads = [threading.Thread(target=open_it, args=(rt,)) for rt in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    emulator.wait_for(
        lambda calls: (
            len([c for c in calls if c.method == "chat.postMessage" and c.ok]) >= len(OWNERS)
        )
    )
    time.sleep(0.5)  # room for a duplicate to show up, if there were one
    prompts = Counter(
        c.args["metadata"]["event_payload"]["key"]
        for c in emulator.calls_of("chat.postMessage")
        if c.ok
    )
    assert set(prompts.values()) == {1} and len(prompts) == len(OWNERS)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.requests for r in results) == [0, 0, 24]  # type: ignore[union-attr]
    db = Database(database_url)
    with db.read() as s:
        assert len(s.exec(select(ReviewCycle)).all()) == 1
        assert len(s.exec(select(ReviewRequest)).all()) == 24
    db.dispose()
    for rt in replicas:
        rt.drain()
        rt.db.dispose()


def test_one_scheduler_at_a_time(database_url: str, emulator: SlackEmulator) -> None:
    replicas = [_replica(database_url, emulator) for _ in range(3)]
    barrier = threading.Barrier(len(replicas))
    outcomes: list[object] = []

    def tick(rt: Runtime) -> None:
        barrier.wait()
        try:
            outcomes.append(cycles.tick(rt))
        except Exception as exc:  # surfaced by the assertion below
            outcomes.append(exc)

    threads = [threading.Thread(target=tick, args=(rt,)) for rt in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(o is not None for o in outcomes) == 1, (
        "exactly one replica holds the scheduler lease"
    )
    for rt in replicas:
        rt.drain()
        rt.db.dispose()


def test_the_real_scheduler_runs_the_review_job(database_url: str, emulator: SlackEmulator) -> None:
    rt = _replica(database_url, emulator)
    scheduler = start_scheduler(rt, speed=600)  # every 0.1 s instead of every minute
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with rt.db.read() as s:
                if s.get(JobRun, "review_schedule") is not None:
                    break
            time.sleep(0.05)
        with rt.db.read() as s:
            assert s.get(JobRun, "review_schedule") is not None
        job = scheduler.get_job("review_tick")
        assert job is not None and job.func_ref == "bot.schedule.jobs:review_tick"
    finally:
        scheduler.shutdown(wait=True)
        rt.drain()
        rt.db.dispose()
