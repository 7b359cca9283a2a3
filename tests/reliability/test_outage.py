"""A Slack outage on a fast clock: every review prompt of a cycle waits, none is lost or
sent twice, the operator reads one warning when it starts and one when it ends, and
/healthz turns 503 once a prompt has waited 10 minutes, then 200 again.

Slack's side is the emulator behind a faulty front that answers chat.postMessage with a
real HTTP 500 while the outage lasts. The test drives the sender itself with the bot's
clock (no background worker), 5 fake seconds a step. The default outage is 12 minutes;
AIGOV_SOAK=1 makes it 23 h 50 min, just inside the 24 hours a message waits."""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.offline.local import DEFAULT_MEMBERS, LocalWorkspace, Member
from bot.runtime import web_client
from bot.schedule import cycles
from storage.models import OutboxMessage, OutboxStatus
from tests.reliability.faulty import FaultyFront
from workflows.core.periods import FiscalCalendar
from workflows.inventory import inventory

START = datetime(2026, 10, 5, 15, 0, tzinfo=UTC)  # Monday, working hours in New York
OWNERS = [Member(f"U0OUT{i:02d}", f"owner{i}", f"owner{i}@example.com") for i in range(27)]
SOAK = os.environ.get("AIGOV_SOAK") == "1"
OUTAGE = timedelta(hours=23, minutes=50) if SOAK else timedelta(minutes=12)
STEP = timedelta(seconds=30 if SOAK else 5)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ws(database_url: str, clock: Clock) -> Iterator[LocalWorkspace]:
    members = (*DEFAULT_MEMBERS, *OWNERS)
    with LocalWorkspace(
        database_url=database_url, migrate=False, members=members, now=clock
    ) as workspace:
        # This test sends, step by step on its clock: no background sender.
        assert workspace.rt.worker is not None
        workspace.rt.worker.stop()
        workspace.rt.worker = None
        yield workspace


def _health(ws: LocalWorkspace) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(ws.base_url + "/healthz", timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _metrics(ws: LocalWorkspace) -> dict[str, float]:
    with urllib.request.urlopen(ws.base_url + "/metrics", timeout=5) as r:
        lines = r.read().decode().splitlines()
    return {
        name: float(value)
        for name, value in (line.rsplit(" ", 1) for line in lines if line.startswith("aigov_"))
    }


def _open_cycle(ws: LocalWorkspace) -> None:
    with ws.db.write() as s:
        for i, owner in enumerate(OWNERS):
            raw = {"name": f"Assistant {i}", "department": "Ops", "owner": owner.user_id}
            inventory.register(s, raw={**raw, "stage": "pilot"}, actor="seed", resolve_user=str)
    quarter = FiscalCalendar(1).quarter(2026, 3)
    cycles.open_now(ws.rt, quarter=quarter, actor="U0ADMIN", deliver_now=True)


def _run(ws: LocalWorkspace, clock: Clock, span: timedelta) -> None:
    """Let `span` of fake time pass, sending whatever is due at every step."""
    end = clock.now + span
    while clock.now < end:
        clock.now += STEP
        while ws.rt.sender.run_once():
            pass


def test_a_slack_outage_loses_nothing_and_is_reported_once(
    ws: LocalWorkspace, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aigov")
    with FaultyFront(ws.emulator.api_url).running() as front:
        # The bot's own client (its log filter too), pointed at the faulty front.
        settings = ws.settings.model_copy(update={"slack_api_url": front.api_url})
        ws.rt.sender.client = web_client(settings)
        front.down = True
        _open_cycle(ws)
        with ws.db.read() as s:
            prompts = [r.dedupe_key for r in s.exec(select(OutboxMessage)).all()]
        assert len(prompts) == len(OWNERS)

        _run(ws, clock, timedelta(minutes=9))
        assert _health(ws) == (200, {"ok": True}), "9 minutes of backlog is not yet trouble"
        _run(ws, clock, timedelta(minutes=2))
        status, body = _health(ws)
        assert status == 503 and body["reason"] == "outbox_stalled", body
        assert body["backlog"] == len(OWNERS) and body["oldest_unsent_seconds"] >= 600
        during = _metrics(ws)
        assert during["aigov_outbox_backlog"] == len(OWNERS)
        assert during["aigov_outbox_oldest_age_seconds"] >= 600
        assert during['aigov_outbox_sends_total{result="retried"}'] >= len(OWNERS) * 5
        _run(ws, clock, OUTAGE - timedelta(minutes=11))
        assert front.refused > 0

        front.down = False
        _run(ws, clock, timedelta(minutes=6))  # the longest back-off is 5 minutes
    assert _health(ws) == (200, {"ok": True})
    sent = Counter(
        c.args["metadata"]["event_payload"]["key"]
        for c in ws.emulator.calls_of("chat.postMessage")
        if c.ok
    )
    assert set(sent) == set(prompts), "0 lost"
    assert set(sent.values()) == {1}, "0 duplicates"
    with ws.db.read() as s:
        assert {r.status for r in s.exec(select(OutboxMessage)).all()} == {OutboxStatus.SENT}
    after = _metrics(ws)
    assert after["aigov_outbox_backlog"] == 0 and after["aigov_outbox_dead_letters"] == 0
    assert after['aigov_outbox_sends_total{result="sent"}'] == len(OWNERS)
    assert after['aigov_outbox_sends_total{result="dead"}'] == 0
    # Everything at WARNING or above, from any logger: the two lines and nothing else.
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 2, lines
    assert lines[0].startswith("Slack is not taking messages: HTTP 500 internal_error;")
    assert lines[1].startswith("Slack takes messages again after ")
    print(f"\noutage survived: {OUTAGE}; {front.refused} posts answered 5xx; {lines}")
