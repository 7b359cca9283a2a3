"""How fast the running app acknowledges Slack requests.

Floor: `GET /healthz` on the same server (HTTP round trip plus one database query),
measured in the same run. Each Slack request kind is timed from the signed request
leaving the client to the response arriving (Slack's 3-second clock), and reported as
p50/p95/max in milliseconds and as a ratio to the floor's p50.

    python -m bench.ack [--initiatives 2000] [--requests 200] [--database URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from bot.offline.local import LocalWorkspace
from workflows.inventory import inventory

DEPARTMENTS = ("Marketing", "Support", "Finance", "Sales", "Legal", "HR", "IT", "Ops")


def seed(ws: LocalWorkspace, count: int) -> None:
    with ws.db.write() as session:
        for i in range(count):
            raw = {
                "name": f"Initiative {i:05d}",
                "department": DEPARTMENTS[i % len(DEPARTMENTS)],
                "owner": "U0MARKET",
                "stage": ("pilot", "production")[i % 2],
                "use_case": f"use case {i % 37}",
                "provider": ("OpenAI", "Anthropic", "Azure")[i % 3],
                "budget_amount": str(1000 + i),
                "budget_period": "quarter",
            }
            inventory.register(
                session, raw=raw, actor="bench", resolve_user=lambda u: u, source="bench"
            )


def timed(action: Callable[[], object], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(name: str, samples: list[float], floor: float) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"{name:<28} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  max {ordered[-1]:7.1f} ms  x{p50 / floor:5.1f} floor"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--initiatives", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        with LocalWorkspace(database_url=url) as ws:
            seed(ws, args.initiatives)
            n = args.requests

            def health() -> None:
                with urllib.request.urlopen(ws.base_url + "/healthz", timeout=5) as r:
                    r.read()

            floor = statistics.median(timed(health, n))
            print(
                f"{args.initiatives} initiatives, {n} requests each, database {url.split(':')[0]}"
            )
            print(summary("floor: GET /healthz", timed(health, n), floor))
            rows = [
                ("/aigov help", lambda: ws.slack.command("U0MEMBER", "help")),
                ("/aigov list (all)", lambda: ws.slack.command("U0LEAD", "list")),
                ("/aigov show <name>", lambda: ws.slack.command("U0LEAD", "show Initiative 00042")),
                ("/aigov register", lambda: ws.slack.command("U0MEMBER", "register")),
                ("event app_home_opened", lambda: ws.slack.open_home("U0MARKET")),
            ]
            for name, action in rows:
                print(summary(name, timed(action, n), floor))
            ws.emulator.wait_for(lambda calls: len(calls) > 0, timeout=30)


if __name__ == "__main__":
    main()
