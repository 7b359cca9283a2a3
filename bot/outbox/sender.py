"""The outbox sender: claims due messages, renders them, sends them to Slack.

Rendering happens at send time from the row's `kind` and `params` (domain data), so
workflows/ never builds Block Kit. A 429 goes back to pending until Retry-After; a
permanent error (unknown channel or user, refused blocks) marks the row dead with the
reason; Slack being away (5xx, its transient errors, the network) is retried with
capped back-off until 24 hours after the message was first due; anything else (a
renderer bug, an error Slack does not call transient) is tried MAX_ATTEMPTS times. A
row taken over after a crash is first looked for in the channel's history (its dedupe
key rides in the message metadata).

While it holds claimed rows the sender renews their short lease from a heartbeat
thread, so a slow send keeps its rows and a killed sender's rows are free within the
lease (workflows.core.outbox.LEASE). An outage is logged twice, when it starts and when
it ends, never once per row; a message given up is logged at ERROR and its admins are
told through the outbox (a notice that is given up itself is only logged).
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.http.metrics import SendCounts
from bot.outbox.message import Rendered
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus
from templates import say
from workflows.core import outbox

log = logging.getLogger("aigov.outbox")
PERMANENT = {
    "channel_not_found",
    "user_not_found",
    "users_not_found",
    "is_archived",
    "not_in_channel",
    "invalid_blocks",
    "invalid_blocks_format",
    "msg_too_long",
    "no_text",
    "cant_update_message",
    "message_not_found",
    "account_inactive",
    "invalid_auth",
    "not_authed",
    "missing_scope",
}
# Errors Slack documents as "try again later" (besides HTTP 5xx and 429).
TRANSIENT = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
METADATA_EVENT = "aigov_outbox"
HEARTBEAT_SECONDS = 5.0  # well inside outbox.LEASE (20 s): three beats may be late
BACKOFF_CAP = timedelta(minutes=5)
NOTICE_KEY = "deadletter"  # the admins' notice: never noticed itself, or it could loop
NOTICE_ITEMS = 10


Renderer = Callable[[Session, dict[str, Any]], Rendered]


@dataclass
class _Batch:
    """What one run_once came to: successes, Slack-away failures, and the given up."""

    sent: int = 0
    away: str | None = None  # the first "Slack is away" error of the batch
    dead: list[OutboxMessage] = field(default_factory=list)


class Outage:
    """Slack not taking messages, as this process saw it: one WARNING when it starts
    and one line when it ends, however many rows fail in between."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.since: datetime | None = None

    def failed(self, error: str, *, now: datetime, waiting: Callable[[], int]) -> None:
        with self._lock:
            if self.since is not None:
                return
            self.since = now
        log.warning("Slack is not taking messages: %s; %d waiting", error, waiting())

    def recovered(self, *, now: datetime, sent: int, waiting: Callable[[], int]) -> None:
        with self._lock:
            since, self.since = self.since, None
        if since is not None:
            log.warning(
                "Slack takes messages again after %s; sent %d, %d waiting",
                _duration(now - since),
                sent,
                waiting(),
            )


class Sender:
    """Sends due outbox rows; safe to run in several threads and processes at once."""

    def __init__(
        self,
        *,
        db: Database,
        client: WebClient,
        renderers: dict[str, Renderer],
        now: Callable[[], Any],
        admins: Callable[[], Iterable[str]] = tuple,
        heartbeat: float = HEARTBEAT_SECONDS,
    ) -> None:
        self.db = db
        self.client = client
        self.renderers = renderers
        self.now = now
        self.admins = admins
        # Real seconds between lease renewals (a test on a fast clock shortens it).
        self.heartbeat = heartbeat
        self.owner = f"sender-{uuid.uuid4().hex[:12]}"
        self.counts = SendCounts()
        self.outage = Outage()

    def run_once(self, *, limit: int = 20) -> int:
        """Send what is due; returns how many rows were handled."""
        with self.db.write() as session:
            rows = outbox.claim(session, owner=self.owner, now=self.now(), limit=limit)
        if not rows:
            return 0
        batch = _Batch()
        with self._heartbeat([r.id for r in rows if r.id is not None]) as done:
            for row in rows:
                self._send(row, batch)
                done(row.id)
        self._after(batch)
        return len(rows)

    @contextmanager
    def _heartbeat(self, ids: list[int]) -> Iterator[Callable[[int | None], None]]:
        """Renew the lease on the rows not finished yet, every `heartbeat` seconds."""
        held, lock, stop = set(ids), threading.Lock(), threading.Event()

        def beat() -> None:
            while not stop.wait(self.heartbeat):
                with lock:
                    still = sorted(held)
                if not still:
                    continue
                try:
                    with self.db.write() as session:
                        outbox.renew(session, ids=still, owner=self.owner, now=self.now())
                except Exception as exc:  # the next beat tries again; the lease has room
                    log.warning("outbox heartbeat failed: %s", type(exc).__name__)

        def done(row_id: int | None) -> None:
            with lock:
                held.discard(row_id)  # type: ignore[arg-type]

        thread = threading.Thread(target=beat, name="outbox-heartbeat", daemon=True)
        thread.start()
        try:
            yield done
        finally:
            stop.set()
            thread.join()

    def _send(self, row: OutboxMessage, batch: _Batch) -> None:
        try:
            channel, ts = self._deliver(row)
        except _Dead as dead:
            self._dead(row, str(dead), batch)
        except _Later as later:
            at = self.now() + later.delay  # not a send: neither tried nor counted
            self._retry(row, batch, at=at, error=later.reason, count=False, result=None)
        except SlackApiError as exc:
            self._failed(row, exc, batch)
        except (OSError, http.client.HTTPException) as exc:  # the network: Slack is away
            self._away(row, batch, error=type(exc).__name__)
        except Exception as exc:  # a renderer bug: a few tries, then given up
            log.exception("outbox row %s (%s) failed", row.id, row.kind)
            self._retry(row, batch, at=self._backoff(row), error=type(exc).__name__, tries=True)
        else:
            self._finish(outbox.mark_sent, row, channel=channel, ts=ts, now=self.now())
            self.counts.add("sent")
            batch.sent += 1

    def _finish(self, action: Callable[..., Any], row: OutboxMessage, **kwargs: Any) -> Any:
        with self.db.write() as session:
            return action(session, row_id=row.id, owner=self.owner, **kwargs)

    def _backoff(self, row: OutboxMessage) -> Any:
        return self.now() + min(timedelta(seconds=2 ** min(row.attempts, 20)), BACKOFF_CAP)

    def _retry(
        self,
        row: OutboxMessage,
        batch: _Batch,
        *,
        at: datetime,
        error: str,
        count: bool = True,
        tries: bool = False,
        result: str | None = "retried",
    ) -> None:
        """Back to pending until `at`, or dead when its time (or its tries) ran out."""
        outcome = self._finish(
            outbox.retry_later,
            row,
            at=at,
            error=error,
            now=self.now(),
            count_attempt=count,
            max_attempts=outbox.MAX_ATTEMPTS if tries else None,
        )
        if outcome == OutboxStatus.PENDING and result is not None:
            self.counts.add(result)
        elif outcome == OutboxStatus.DEAD:
            self._given_up(row, error, batch)

    def _away(self, row: OutboxMessage, batch: _Batch, *, error: str) -> None:
        batch.away = batch.away or error
        self.outage.failed(error, now=self.now(), waiting=self._waiting)
        self._retry(row, batch, at=self._backoff(row), error=error)

    def _failed(self, row: OutboxMessage, exc: SlackApiError, batch: _Batch) -> None:
        error = str(exc.response.get("error", "unknown"))[:200]
        status = exc.response.status_code
        if status == 429 or error == "ratelimited":
            headers = exc.response.headers
            wait = int(headers.get("Retry-After", headers.get("retry-after", 1)) or 1)
            log.debug("outbox row %s rate limited; retrying in %ss", row.id, wait)
            at = self.now() + timedelta(seconds=wait)
            self._retry(row, batch, at=at, error="ratelimited", count=False, result="rate_limited")
        elif error in PERMANENT:
            self._dead(row, error, batch)
        elif status >= 500 or error in TRANSIENT:
            self._away(row, batch, error=f"HTTP {status} {error}" if status >= 500 else error)
        else:
            log.warning("outbox row %s (%s): Slack answered %s", row.id, row.kind, error)
            self._retry(row, batch, at=self._backoff(row), error=error, tries=True)

    def _dead(self, row: OutboxMessage, error: str, batch: _Batch) -> None:
        if self._finish(outbox.mark_dead, row, error=error):
            self._given_up(row, error, batch)

    def _given_up(self, row: OutboxMessage, error: str, batch: _Batch) -> None:
        self.counts.add("dead")
        log.error(
            "outbox message %s (%s to %s, queued %s) is given up: %s",
            row.id,
            row.kind,
            row.target,
            f"{row.created_at:%Y-%m-%d %H:%M} UTC",
            error,
        )
        row.last_error = error
        batch.dead.append(row)

    def _after(self, batch: _Batch) -> None:
        if batch.sent and batch.away is None:
            self.outage.recovered(now=self.now(), sent=batch.sent, waiting=self._waiting)
        if batch.dead:
            self._tell_admins(batch.dead)

    def _waiting(self) -> int:
        try:
            with self.db.read() as session:
                return outbox.backlog(session, now=self.now()).unsent
        except Exception:  # only a figure in a log line
            return -1

    def _tell_admins(self, dead: list[OutboxMessage]) -> None:
        """One notice per admin for the messages given up in one batch (never for a
        notice: if admins cannot be told, the log has it)."""
        rows = [r for r in dead if not r.dedupe_key.startswith(f"msg:{NOTICE_KEY}:")]
        if not rows:
            return
        from bot.outbox.post import post

        items = [
            {
                "kind": r.kind,
                "target": r.target,
                "error": r.last_error or "",
                "created": f"{r.created_at:%b %-d %H:%M} UTC",
            }
            for r in rows
        ]
        text = say(
            "outbox.j2",
            "dead_letters",
            items[:NOTICE_ITEMS],
            max(len(items) - NOTICE_ITEMS, 0),
        )
        batch_id = hashlib.sha1(",".join(str(r.id) for r in rows).encode()).hexdigest()[:16]
        try:
            for admin in dict.fromkeys(self.admins()):
                post(
                    self.db,
                    key=f"{NOTICE_KEY}:{batch_id}:{admin}",
                    target=admin,
                    text=text,
                    now=self.now(),
                )
        except Exception as exc:  # the log line above already tells the operator
            log.warning("admins could not be told of dead letters: %s", type(exc).__name__)

    def _deliver(self, row: OutboxMessage) -> tuple[str | None, str | None]:
        refers_to = row.update_key or row.thread_key
        with self.db.read() as session:
            rendered = self.renderers[row.kind](session, row.params)
            parent = outbox.by_key(session, refers_to) if refers_to else None
        if refers_to and (parent is None or parent.status != OutboxStatus.SENT):
            if parent is not None and parent.status == OutboxStatus.DEAD:
                raise _Dead("the message it refers to could not be sent")
            raise _Later(timedelta(seconds=2), "waiting for the message it refers to")
        if row.update_key and parent is not None:
            self.client.chat_update(
                channel=parent.channel,
                ts=parent.ts,
                text=rendered.text,
                blocks=rendered.blocks or None,
            )
            return parent.channel, parent.ts
        if rendered.files:
            return self._upload(row, rendered, parent)
        if row.last_error == outbox.UNKNOWN_OUTCOME:
            found = self._already_posted(row, parent, rendered.thread_ts)
            if found is not None:
                return found
        response = self.client.chat_postMessage(
            channel=parent.channel if parent else row.target,
            thread_ts=parent.ts if parent else rendered.thread_ts,
            text=rendered.text,
            blocks=rendered.blocks or None,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"key": row.dedupe_key}},
        )
        return response.get("channel"), response.get("ts")

    def _upload(
        self, row: OutboxMessage, rendered: Rendered, parent: OutboxMessage | None
    ) -> tuple[str | None, str | None]:
        channel = parent.channel if parent else row.target
        if channel and channel.startswith(("U", "W")):
            channel = self.client.conversations_open(users=channel)["channel"]["id"]
        self.client.files_upload_v2(
            channel=channel,
            file_uploads=[
                {"content": f.content, "filename": f.filename, "title": f.title}
                for f in rendered.files
            ],
            initial_comment=rendered.text or None,
            thread_ts=parent.ts if parent else rendered.thread_ts,
        )
        return channel, None

    def _already_posted(
        self, row: OutboxMessage, parent: OutboxMessage | None, thread_ts: str | None
    ) -> tuple[str, str] | None:
        """After a crash mid-send: did Slack get it? Look for our key in recent history."""
        channel = parent.channel if parent else row.target
        if channel and channel.startswith(("U", "W")):
            channel = self.client.conversations_open(users=channel)["channel"]["id"]
        thread = parent.ts if parent is not None else thread_ts
        if thread:
            history = self.client.conversations_replies(
                channel=channel, ts=thread, include_all_metadata=True
            )
        else:
            history = self.client.conversations_history(
                channel=channel, limit=50, include_all_metadata=True
            )
        for message in history.get("messages", []):
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("key") == row.dedupe_key:
                return channel, message["ts"]
        return None


def _duration(span: timedelta) -> str:
    minutes, seconds = divmod(int(span.total_seconds()), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes}m {seconds}s" if hours else f"{minutes}m {seconds}s"


class _Dead(Exception):
    pass


class _Later(Exception):
    def __init__(self, delay: timedelta, reason: str) -> None:
        super().__init__(reason)
        self.delay, self.reason = delay, reason


class OutboxWorker:
    """A background thread that flushes the outbox now and then, or at once when woken."""

    def __init__(self, sender: Sender, *, interval: float = 1.0) -> None:
        self.sender = sender
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="outbox", daemon=True)

    def start(self) -> OutboxWorker:
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                while self.sender.run_once() and not self._stop.is_set():
                    pass
            except Exception:
                log.exception("outbox flush failed; trying again shortly")
