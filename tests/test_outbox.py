"""The outbox against the Slack emulator: once per key, Retry-After, dead letters,
crash recovery, concurrent senders, threads and edits; and named leases."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlmodel import Session, select

from bot.config import Settings
from bot.offline.emulator.server import SlackEmulator
from bot.outbox.post import MESSAGE, render_message
from bot.outbox.sender import METADATA_EVENT, Rendered, Sender
from bot.runtime import web_client
from storage.db import Database
from storage.models import OutboxMessage
from workflows.core import lease, outbox

T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _hello(_session: Session, params: dict[str, Any]) -> Rendered:
    return Rendered(text=f"hello {params.get('n', '')}".strip())


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator(bot_token="xoxb-outbox").start() as emulator:
        emulator.add_user("U0OWNER", name="owner")
        emulator.add_user("U0GONE", name="gone", deleted=True)
        emulator.add_channel("C0GOVERN", name="governance")
        yield emulator


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _sender(
    db: Database, emu: SlackEmulator, clock: Clock, admins: list[str] | None = None
) -> Sender:
    client = WebClient(token="xoxb-outbox", base_url=emu.api_url)
    renderers = {"hello": _hello, MESSAGE: render_message}
    return Sender(db=db, client=client, renderers=renderers, now=clock, admins=lambda: admins or [])


def _posts(emu: SlackEmulator) -> list[Any]:
    return [c for c in emu.calls_of("chat.postMessage") if c.ok]


def _rows(db: Database, prefix: str) -> list[OutboxMessage]:
    with db.read() as s:
        rows = s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return [r for r in rows if r.dedupe_key.startswith(prefix)]


def _row(db: Database, key: str) -> OutboxMessage:
    with db.read() as s:
        return s.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).one()


def test_a_key_is_sent_once_with_its_key_in_the_metadata(
    db: Database, emu: SlackEmulator, clock: Clock
) -> None:
    with db.write() as s:
        assert outbox.enqueue(s, now=clock(), key="k1", kind="hello", target="U0OWNER")
        assert not outbox.enqueue(s, now=clock(), key="k1", kind="hello", target="U0OWNER")
    sender = _sender(db, emu, clock)
    assert sender.run_once() == 1
    assert sender.run_once() == 0
    [post] = _posts(emu)
    assert post.args["metadata"] == {"event_type": METADATA_EVENT, "event_payload": {"key": "k1"}}
    row = _row(db, "k1")
    assert row.status == "sent" and row.ts == post.response["ts"] and row.channel.startswith("D")


def test_ratelimited_waits_for_retry_after(db: Database, emu: SlackEmulator, clock: Clock) -> None:
    with db.write() as s:
        outbox.enqueue(s, now=clock(), key="k2", kind="hello", target="C0GOVERN")
    emu.rate_limit("chat.postMessage", times=1, retry_after=30)
    sender = _sender(db, emu, clock)
    sender.run_once()
    row = _row(db, "k2")
    assert row.status == "pending" and row.available_at == T0 + timedelta(seconds=30)
    assert row.last_error == "ratelimited" and row.attempts == 0
    clock.advance(29)
    assert sender.run_once() == 0
    clock.advance(1)
    assert sender.run_once() == 1
    assert len(_posts(emu)) == 1 and _row(db, "k2").status == "sent"


def test_permanent_errors_are_dead_letters_with_the_reason(
    db: Database, emu: SlackEmulator, clock: Clock
) -> None:
    with db.write() as s:
        outbox.enqueue(s, now=clock(), key="k3", kind="hello", target="C0NOWHERE")
    _sender(db, emu, clock).run_once()
    row = _row(db, "k3")
    assert row.status == "dead" and row.last_error == "channel_not_found"


def test_slack_away_is_retried_with_capped_backoff_for_24_hours_then_given_up(
    db: Database, emu: SlackEmulator, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    # Changed by issue 12: a transient error used to die after MAX_ATTEMPTS (about a
    # minute of 500s); now it waits out a day, and admins hear when it is given up.
    with db.write() as s:
        outbox.enqueue(s, now=clock(), key="k4", kind="hello", target="C0GOVERN")
    emu.fail_next("chat.postMessage", "internal_error", times=10_000)
    sender = _sender(db, emu, clock, admins=["U0OWNER"])
    waits = []
    while _row(db, "k4").status == "pending":
        due = _row(db, "k4").available_at
        waits.append((due - clock()).total_seconds())
        clock.now = due
        sender.run_once()
    row = _row(db, "k4")
    assert row.status == "dead" and row.last_error == "internal_error"
    assert clock() == T0 + outbox.MAX_AGE, "the last try is at the deadline, not before"
    assert waits[:4] == [0, 2, 4, 8] and max(waits) == 300, "2^n s, capped at 5 minutes"
    assert _posts(emu) == [] and sender.counts.snapshot()["dead"] == 1
    outage = [r for r in caplog.records if r.name == "aigov.outbox" and r.levelname == "WARNING"]
    assert [r.getMessage() for r in outage] == [
        "Slack is not taking messages: internal_error; 1 waiting"
    ], "one warning for the outage, not one per try"
    [given_up] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "is given up: internal_error" in given_up.getMessage()
    # The admin's notice goes through the outbox too; Slack is still away, so it dies
    # a day later as well, and that is only logged: no notice about the notice.
    [notice] = _rows(db, "msg:deadletter:")
    assert notice.target == "U0OWNER" and "hello to <#C0GOVERN>" in notice.params["text"]
    clock.advance(outbox.MAX_AGE.total_seconds())
    sender.run_once()
    assert _row(db, notice.dedupe_key).status == "dead"
    assert len(_rows(db, "msg:deadletter:")) == 1


def test_the_admins_notice_arrives_once_slack_is_back(
    db: Database, emu: SlackEmulator, clock: Clock
) -> None:
    with db.write() as s:
        outbox.enqueue(s, now=clock(), key="gone", kind="hello", target="C0NOWHERE")
        outbox.enqueue(s, now=clock(), key="gone2", kind="hello", target="U0NOBODY")
    sender = _sender(db, emu, clock, admins=["U0OWNER", "U0OWNER"])
    sender.run_once()
    assert _row(db, "gone").status == "dead" and _row(db, "gone2").status == "dead"
    sender.run_once()
    [notice] = [p for p in _posts(emu) if p.args["channel"] == "U0OWNER"]
    assert "2 messages could not be sent" in notice.args["text"]
    assert "hello to <#C0NOWHERE>" in notice.args["text"]


def test_a_network_outage_waits_and_is_logged_once_then_once_when_it_ends(
    db: Database, emu: SlackEmulator, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    with db.write() as s:
        for i in range(3):
            outbox.enqueue(s, now=clock(), key=f"net:{i}", kind="hello", target="C0GOVERN")
    with socket.socket() as closed:  # a port nothing listens on: connection refused
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}/api/"
    sender = _sender(db, emu, clock)
    settings = Settings(SLACK_BOT_TOKEN="xoxb-outbox", SLACK_API_URL=nowhere, _env_file=None)
    sender.client = web_client(settings)  # the bot's own client, its log filter included
    sender.client.retry_handlers = []  # slack_sdk's one reconnect sleeps half a second
    for _ in range(3):
        clock.advance(300)
        sender.run_once()
    assert {_row(db, f"net:{i}").status for i in range(3)} == {"pending"}
    sender.client = WebClient(token="xoxb-outbox", base_url=emu.api_url)
    clock.advance(300)
    assert sender.run_once() == 3 and len(_posts(emu)) == 3
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert lines == [
        "Slack is not taking messages: URLError; 3 waiting",
        "Slack takes messages again after 15m 0s; sent 3, 0 waiting",
    ]
    assert sender.counts.snapshot() == {"sent": 3, "retried": 9, "rate_limited": 0, "dead": 0}


def test_an_error_slack_does_not_call_transient_is_tried_max_attempts_times(
    db: Database, emu: SlackEmulator, clock: Clock
) -> None:
    with db.write() as s:
        outbox.enqueue(s, now=clock(), key="odd", kind="hello", target="C0GOVERN")
    emu.fail_next("chat.postMessage", "something_new", times=outbox.MAX_ATTEMPTS)
    sender = _sender(db, emu, clock)
    for _ in range(outbox.MAX_ATTEMPTS):
        clock.advance(600)
        sender.run_once()
    row = _row(db, "odd")
    assert row.status == "dead" and row.last_error == "something_new"
    assert row.attempts == outbox.MAX_ATTEMPTS and _posts(emu) == []


def test_a_message_due_later_gets_its_24_hours_from_when_it_was_due(
    db: Database, emu: SlackEmulator, clock: Clock
) -> None:
    due = T0 + timedelta(days=3)  # a prompt held for the owner's working hours
    with db.write() as s:
        outbox.enqueue(
            s, now=clock(), key="later", kind="hello", target="C0GOVERN", available_at=due
        )
    emu.fail_next("chat.postMessage", "internal_error", times=10_000)
    sender = _sender(db, emu, clock)
    clock.now = due
    sender.run_once()
    clock.now = due + outbox.MAX_AGE - timedelta(seconds=1)
    sender.run_once()
    row = _row(db, "later")
    assert row.status == "pending" and row.available_at == due + outbox.MAX_AGE
    with db.read() as s:
        backlog = outbox.backlog(s, now=clock())
    assert backlog.unsent == 1 and backlog.oldest_due == due and backlog.dead == 0


def test_a_heartbeat_keeps_a_slow_send_its_rows(
    db: Database, emu: SlackEmulator, clock: Clock
) -> None:
    with db.write() as s:
        for i in range(3):
            outbox.enqueue(s, now=clock(), key=f"slow:{i}", kind="hello", target="C0GOVERN")
    thief = _sender(db, emu, clock)
    stolen: list[int] = []

    def slow(session: Session, params: dict[str, Any]) -> Rendered:
        if not stolen:  # the first send outlasts the lease the rows were claimed with
            claimed_until = T0 + outbox.LEASE
            clock.advance(outbox.LEASE.total_seconds() - 1)
            deadline = time.monotonic() + 5
            while min(_lease_ends(db)) <= claimed_until and time.monotonic() < deadline:
                time.sleep(0.01)  # waiting for the heartbeat thread, not timing it
            clock.advance(2)  # past the first lease: only a renewed one still holds
            stolen.append(thief.run_once())
        return _hello(session, params)

    client = WebClient(token="xoxb-outbox", base_url=emu.api_url)
    sender = Sender(db=db, client=client, renderers={"hello": slow}, now=clock, heartbeat=0.02)
    assert sender.run_once() == 3
    assert stolen == [0], "a live sender keeps every row it holds, sent or not yet"
    keys = Counter(p.args["metadata"]["event_payload"]["key"] for p in _posts(emu))
    assert keys == Counter({"slow:0": 1, "slow:1": 1, "slow:2": 1})


def _lease_ends(db: Database) -> list[datetime]:
    with db.read() as s:
        return [r.lease_until or T0 for r in s.exec(select(OutboxMessage)).all()]


@pytest.mark.parametrize("slack_got_it", [True, False])
def test_a_sender_that_died_mid_send_is_taken_over_without_a_duplicate(
    db: Database, emu: SlackEmulator, clock: Clock, slack_got_it: bool
) -> None:
    with db.write() as s:
        outbox.enqueue(s, now=clock(), key="k5", kind="hello", target="C0GOVERN")
        claimed = outbox.claim(s, owner="dead-sender", now=clock())
    assert [r.dedupe_key for r in claimed] == ["k5"]
    if slack_got_it:  # the dead sender's post reached Slack before it died
        WebClient(token="xoxb-outbox", base_url=emu.api_url).chat_postMessage(
            channel="C0GOVERN",
            text="hello",
            metadata={"event_type": METADATA_EVENT, "event_payload": {"key": "k5"}},
        )
    sender = _sender(db, emu, clock)
    assert sender.run_once() == 0, "the lease still holds"
    clock.advance(outbox.LEASE.total_seconds() + 1)
    assert sender.run_once() == 1
    assert len(_posts(emu)) == 1
    assert _row(db, "k5").status == "sent"


def test_concurrent_senders_send_each_key_exactly_once(
    db: Database, emu: SlackEmulator, clock: Clock
) -> None:
    with db.write() as s:
        for i in range(60):
            outbox.enqueue(
                s, now=clock(), key=f"many:{i}", kind="hello", target="C0GOVERN", params={"n": i}
            )
    senders = [_sender(db, emu, clock) for _ in range(4)]

    def drain(sender: Sender) -> None:
        while sender.run_once(limit=5):
            pass

    threads = [threading.Thread(target=drain, args=(s,)) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = Counter(p.args["metadata"]["event_payload"]["key"] for p in _posts(emu))
    assert len(keys) == 60 and set(keys.values()) == {1}


def test_thread_replies_wait_for_their_parent_and_edits_find_it(
    db: Database, emu: SlackEmulator, clock: Clock
) -> None:
    with db.write() as s:
        outbox.enqueue(
            s,
            now=clock(),
            key="reply",
            kind="hello",
            target="U0OWNER",
            thread_key="prompt",
            params={"n": "again"},
        )
        outbox.enqueue(
            s,
            now=clock(),
            key="edit",
            kind="hello",
            target="U0OWNER",
            update_key="prompt",
            params={"n": "edited"},
        )
    sender = _sender(db, emu, clock)
    sender.run_once()
    assert _posts(emu) == [] and _row(db, "reply").status == "pending"
    with db.write() as s:
        outbox.enqueue(s, now=clock(), key="prompt", kind="hello", target="U0OWNER")
    clock.advance(1)
    sender.run_once()
    clock.advance(3)
    sender.run_once()
    prompt, reply = _posts(emu)
    assert reply.args["thread_ts"] == prompt.response["ts"]
    [update] = emu.calls_of("chat.update")
    assert update.args["ts"] == prompt.response["ts"] and update.args["text"] == "hello edited"


def test_a_reply_to_a_dead_message_dies_too(db: Database, emu: SlackEmulator, clock: Clock) -> None:
    with db.write() as s:
        outbox.enqueue(s, now=clock(), key="p", kind="hello", target="C0NOWHERE")
        outbox.enqueue(s, now=clock(), key="r", kind="hello", target="C0NOWHERE", thread_key="p")
    sender = _sender(db, emu, clock)
    sender.run_once()
    clock.advance(3)
    sender.run_once()
    assert _row(db, "r").status == "dead" and "could not be sent" in (
        _row(db, "r").last_error or ""
    )


def test_a_lease_has_one_holder_until_it_expires(db: Database) -> None:
    ttl = timedelta(seconds=30)
    with db.write() as s:
        assert lease.acquire(s, name="scheduler", holder="a", now=T0, ttl=ttl)
    with db.write() as s:
        assert not lease.acquire(
            s, name="scheduler", holder="b", now=T0 + timedelta(seconds=10), ttl=ttl
        )
        assert lease.acquire(
            s, name="scheduler", holder="a", now=T0 + timedelta(seconds=20), ttl=ttl
        )
    with db.write() as s:
        assert not lease.acquire(
            s, name="scheduler", holder="b", now=T0 + timedelta(seconds=45), ttl=ttl
        )
        assert lease.acquire(
            s, name="scheduler", holder="b", now=T0 + timedelta(seconds=51), ttl=ttl
        )
    with db.write() as s:
        lease.release(s, name="scheduler", holder="b", now=T0 + timedelta(seconds=52))
    with db.write() as s:
        assert lease.acquire(
            s, name="scheduler", holder="a", now=T0 + timedelta(seconds=53), ttl=ttl
        )
