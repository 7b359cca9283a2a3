"""Replicas that die: bot processes on one PostgreSQL database, SIGKILLed while they
send a review cycle's prompts, with 10% of posts answered 429. Nothing is missing,
nothing is sent twice more often than a kill hit a send, and the rows a killed replica
held are sent by another within the 30 seconds the SPEC allows (measured on the bots'
clock, which runs AIGOV_TEST_SPEED times faster than real time so ten kills fit the CI
budget; leases and heartbeats scale with it). The scheduler's advisory lock is free the
moment its holder dies.

AIGOV_SOAK=1: thirty kills and larger cycles."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from bot.config import Settings
from bot.offline.emulator.server import SlackEmulator
from bot.runtime import Runtime, web_client
from bot.schedule import cycles
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus
from tests.reliability.replica import FastClock
from workflows.core import outbox
from workflows.core.periods import FiscalCalendar
from workflows.inventory import inventory
from workflows.reviews import review

# Replicas share a database over the network: PostgreSQL only.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "xoxb-replicas"
SOAK = os.environ.get("AIGOV_SOAK") == "1"
KILLS = 30 if SOAK else 10
OWNERS = [f"U0KILL{i:03d}" for i in range(80 if SOAK else 40)]
SPEED = 2.0 if SOAK else 5.0  # the soak has time: less of a magnifier on hiccups
TAKEOVER_LIMIT = timedelta(seconds=30)
QUARTERS = [FiscalCalendar(1).quarter(y, q) for y in range(2012, 2027) for q in (1, 2, 3, 4)]


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator(bot_token=TOKEN).start() as emu:
        for user in OWNERS:
            emu.add_user(user, name=user.lower(), tz="America/New_York")
        yield emu


class Replicas:
    """Bot processes, started and killed by the test."""

    def __init__(self, database_url: str, emu: SlackEmulator, clock: FastClock) -> None:
        self.env = {
            **os.environ,
            "AIGOV_DATABASE_URL": database_url,
            "SLACK_API_URL": emu.api_url,
            "SLACK_BOT_TOKEN": TOKEN,
            "AIGOV_TEST_T0": repr(clock.t0),
            "AIGOV_TEST_SPEED": repr(clock.speed),
        }
        self.live: dict[str, subprocess.Popen[str]] = {}  # outbox owner -> process
        self.starting: list[subprocess.Popen[str]] = []

    def start(self, **env: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.replica"],
            cwd=ROOT,
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            text=True,
        )
        self.starting.append(proc)
        return proc

    def ready(self, proc: subprocess.Popen[str]) -> str:
        """Wait for a replica to say its outbox owner (it is sending from then on)."""
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("owner "):
                owner = line.split()[1]
                self.live[owner] = proc
                self.starting.remove(proc)
                return owner
        raise AssertionError(f"replica exited with {proc.wait()} before it was ready")

    def kill(self, owner: str) -> None:
        proc = self.live.pop(owner)
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def stop_all(self) -> None:
        for proc in [*self.live.values(), *self.starting]:
            proc.kill()
            proc.wait()


def _seed(db: Database) -> None:
    with db.write() as s:
        for i, owner in enumerate(OWNERS):
            raw = {"name": f"Pilot {i}", "department": f"Dept {i % 4}", "owner": owner}
            inventory.register(s, raw={**raw, "stage": "pilot"}, actor="seed", resolve_user=str)


def _sending(db: Database, owners: set[str]) -> str | None:
    """A live replica that holds rows right now (claimed, not finished), if any."""
    with db.read() as s:
        rows = s.exec(
            select(OutboxMessage.lease_owner).where(
                OutboxMessage.status == OutboxStatus.SENDING,
                col(OutboxMessage.lease_owner).in_(owners),
            )
        ).all()
    return rows[0] if rows else None


def _wait_for_a_sender(db: Database, owners: set[str]) -> str:
    deadline = time.monotonic() + 20
    while (owner := _sending(db, owners)) is None:
        assert time.monotonic() < deadline, "no replica claimed the prompts"
        time.sleep(0.002)
    return owner


def _held_by(db: Database, owner: str) -> list[int]:
    with db.read() as s:
        query = select(OutboxMessage.id).where(
            OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_owner == owner
        )
        return list(s.exec(query).all())


def _released(db: Database, orphans: list[int], owner: str, clock: FastClock) -> datetime:
    """When no row is held by the dead replica any more (claimed by another, or sent),
    on the bots' clock."""
    deadline = time.monotonic() + 60
    while True:
        now = clock()
        with db.read() as s:
            query = select(func.count()).where(
                col(OutboxMessage.id).in_(orphans), OutboxMessage.lease_owner == owner
            )
            if not s.exec(query).one():
                return now
        assert time.monotonic() < deadline, "the dead replica's rows were never taken over"
        time.sleep(0.01)


def _all_sent(db: Database, what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        with db.read() as s:
            query = select(func.count()).where(OutboxMessage.status != OutboxStatus.SENT)
            unsent = s.exec(query).one()
        if not unsent:
            return
        assert time.monotonic() < deadline, f"{what}: {unsent} prompts still unsent"
        time.sleep(0.01)


def test_replicas_killed_mid_fan_out_lose_nothing_and_hand_over_within_30_s(
    database_url: str, emulator: SlackEmulator
) -> None:
    db = Database(database_url)
    _seed(db)
    clock = FastClock(time.time(), SPEED)
    replicas = Replicas(database_url, emulator, clock)
    takeovers: list[float] = []
    kills = 0
    try:
        for proc in [replicas.start(), replicas.start()]:
            replicas.ready(proc)
        for quarter in QUARTERS:
            if len(takeovers) >= KILLS:
                break
            emulator.rate_limit("chat.postMessage", times=len(OWNERS) // 10, retry_after=2)
            with db.write() as s:
                review.open_cycle(
                    s, quarter=quarter, now=clock(), actor="admin", leaders=[], deliver_now=True
                )
            owner = _wait_for_a_sender(db, set(replicas.live))
            replicas.kill(owner)
            killed_at, kills = clock(), kills + 1
            orphans = _held_by(db, owner)
            # Its start-up (a second of CPU) is over well before the lease runs out.
            replacement = replicas.start()
            if orphans:  # the kill caught it mid-send (it may have finished just before)
                released = _released(db, orphans, owner, clock)
                takeovers.append((released - killed_at).total_seconds())
            _all_sent(db, quarter.code)
            replicas.ready(replacement)
    finally:
        replicas.stop_all()
    posts = Counter(
        c.args["metadata"]["event_payload"]["key"]
        for c in emulator.calls_of("chat.postMessage")
        if c.ok
    )
    with db.read() as s:
        keys = set(s.exec(select(OutboxMessage.dedupe_key)).all())
    db.dispose()
    limited = sum(1 for c in emulator.calls_of("chat.postMessage") if c.status == 429)
    duplicates = sum(n - 1 for n in posts.values())
    print(
        f"\n{kills} SIGKILLs, {len(takeovers)} mid-send; {len(keys)} prompts, {limited} "
        f"answered 429; missing {len(keys - set(posts))}, duplicates {duplicates}; "
        f"takeover (bot clock) max {max(takeovers):.1f} s, "
        f"mean {sum(takeovers) / len(takeovers):.1f} s: {[round(t, 1) for t in takeovers]}"
    )
    assert len(takeovers) >= KILLS, f"only {len(takeovers)} of {kills} kills caught a send"
    assert keys == set(posts), "0 missing"
    assert duplicates <= len(takeovers)
    assert limited >= len(keys) // 10
    # What bounds a takeover is the claim's lease: a dead sender's rows are free once it
    # runs out. The measured time is reported above; asserted only in the soak, since a
    # stalled CI machine stretches the sped-up clock (no timed assertion by default).
    assert outbox.LEASE < TAKEOVER_LIMIT
    if SOAK:
        assert max(takeovers) <= TAKEOVER_LIMIT.total_seconds(), takeovers


def _wait(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.002)


def test_the_scheduler_is_free_the_moment_its_holder_dies(
    database_url: str, emulator: SlackEmulator
) -> None:
    clock = FastClock(time.time(), 1.0)
    replicas = Replicas(database_url, emulator, clock)
    settings = Settings(
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_API_URL=emulator.api_url,
        AIGOV_DATABASE_URL=database_url,
        _env_file=None,
    )
    rt = Runtime(
        settings=settings, db=Database(database_url), client=web_client(settings), now=clock
    )
    try:
        holder = replicas.start(AIGOV_TEST_SCHEDULER="1")
        assert holder.stdout is not None and holder.stdout.readline().strip() == "scheduler True"
        owner = replicas.ready(holder)
        assert not cycles.holds_scheduler(rt), "one scheduler at a time"
        replicas.kill(owner)
        killed = time.monotonic()
        _wait(lambda: cycles.holds_scheduler(rt), timeout=30, what="the scheduler taken over")
        print(f"\nscheduler taken over {time.monotonic() - killed:.3f} s after the SIGKILL")
        assert cycles.holds_scheduler(rt), "and kept"
    finally:
        replicas.stop_all()
        rt.drain()
        rt.db.dispose()
