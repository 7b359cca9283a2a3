"""One bot replica for tests/reliability/test_replicas.py, run as its own process so the
test can SIGKILL it: the real Runtime and outbox worker on the shared database, on a
clock `AIGOV_TEST_SPEED` times faster than real time (its leases and heartbeats scale
with it). It prints its outbox owner, then sends until it is killed. With
AIGOV_TEST_SCHEDULER=1 it first takes the scheduler and says whether it got it."""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import templates
from bot.config import Settings
from bot.outbox.sender import HEARTBEAT_SECONDS
from bot.runtime import Runtime, web_client
from bot.schedule import cycles
from storage.db import Database

BASE = datetime(2026, 10, 5, 15, 0, tzinfo=UTC)  # Monday, working hours in New York


class FastClock:
    """BASE plus real time elapsed since `t0` (epoch seconds), `speed` times over:
    every replica and the test read the same fake time."""

    def __init__(self, t0: float, speed: float) -> None:
        self.t0, self.speed = t0, speed

    def __call__(self) -> datetime:
        return BASE + timedelta(seconds=(time.time() - self.t0) * self.speed)


def _warm_up() -> None:
    """Compile the templates now: a cold replica's first sends would otherwise take a
    second of CPU, which the fast clock makes ten seconds of the bots' time."""
    for path in Path(templates.__file__).parent.glob("*.j2"):
        templates.environment().get_template(path.name)


def main() -> None:
    url, api = os.environ["AIGOV_DATABASE_URL"], os.environ["SLACK_API_URL"]
    speed = float(os.environ["AIGOV_TEST_SPEED"])
    clock = FastClock(float(os.environ["AIGOV_TEST_T0"]), speed)
    settings = Settings(
        SLACK_BOT_TOKEN=os.environ["SLACK_BOT_TOKEN"],
        SLACK_SIGNING_SECRET="s",
        SLACK_API_URL=api,
        AIGOV_DATABASE_URL=url,
        _env_file=None,
    )
    rt = Runtime(settings=settings, db=Database(url), client=web_client(settings), now=clock)
    rt.sender.heartbeat = HEARTBEAT_SECONDS / speed
    _warm_up()
    if os.environ.get("AIGOV_TEST_SCHEDULER") == "1":
        print(f"scheduler {cycles.holds_scheduler(rt)}", flush=True)
    rt.start_outbox(interval=0.02)
    print(f"owner {rt.sender.owner}", flush=True)
    while True:  # until SIGKILL (or the test's SIGTERM at the end)
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
