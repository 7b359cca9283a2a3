"""The outbox against the Slack emulator: once per key, Retry-After, dead letters,
crash recovery, concurrent senders, threads and edits; and named leases."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlmodel import Session, select

from bot.offline.emulator.server import SlackEmulator
from bot.outbox.sender import METADATA_EVENT, Rendered, Sender
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


def _sender(db: Database, emu: SlackEmulator, clock: Clock) -> Sender:
    client = WebClient(token="xoxb-outbox", base_url=emu.api_url)
    return Sender(db=db, client=client, renderers={"hello": _hello}, now=clock)


def _posts(emu: SlackEmulator) -> list[Any]:
    return [c for c in emu.calls_of("chat.postMessage") if c.ok]


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


def test_transient_errors_back_off_then_die_after_max_attempts(
    db: Database, emu: SlackEmulator, clock: Clock
) -> None:
    with db.write() as s:
        outbox.enqueue(s, now=clock(), key="k4", kind="hello", target="C0GOVERN")
    emu.fail_next("chat.postMessage", "internal_error", times=outbox.MAX_ATTEMPTS)
    sender = _sender(db, emu, clock)
    for _ in range(outbox.MAX_ATTEMPTS):
        clock.advance(600)
        sender.run_once()
    row = _row(db, "k4")
    assert row.status == "dead" and row.last_error == "internal_error"
    assert row.attempts == outbox.MAX_ATTEMPTS and _posts(emu) == []


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
