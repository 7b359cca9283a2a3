"""The outbox sender: claims due messages, renders them, sends them to Slack.

Rendering happens at send time from the row's `kind` and `params` (domain data), so
workflows/ never builds Block Kit. A 429 goes back to pending until Retry-After; a
permanent error (unknown channel or user, refused blocks) marks the row dead with the
reason; anything else is retried with backoff. A row taken over after a crash is first
looked for in the channel's history (its dedupe key rides in the message metadata).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.outbox.message import Rendered
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus
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
METADATA_EVENT = "aigov_outbox"


Renderer = Callable[[Session, dict[str, Any]], Rendered]


class Sender:
    """Sends due outbox rows; safe to run in several threads and processes at once."""

    def __init__(
        self,
        *,
        db: Database,
        client: WebClient,
        renderers: dict[str, Renderer],
        now: Callable[[], Any],
    ) -> None:
        self.db = db
        self.client = client
        self.renderers = renderers
        self.now = now
        self.owner = f"sender-{uuid.uuid4().hex[:12]}"

    def run_once(self, *, limit: int = 20) -> int:
        """Send what is due; returns how many rows were handled."""
        with self.db.write() as session:
            rows = outbox.claim(session, owner=self.owner, now=self.now(), limit=limit)
        for row in rows:
            self._send(row)
        return len(rows)

    def _send(self, row: OutboxMessage) -> None:
        try:
            channel, ts = self._deliver(row)
        except _Dead as dead:
            self._finish(outbox.mark_dead, row, error=str(dead))
        except _Later as later:
            self._finish(
                outbox.retry_later,
                row,
                at=self.now() + later.delay,
                error=later.reason,
                count_attempt=False,
            )
        except SlackApiError as exc:
            self._failed(row, exc)
        except Exception as exc:  # a renderer bug or a network error: retry, then give up
            log.exception("outbox row %s (%s) failed", row.id, row.kind)
            self._finish(outbox.retry_later, row, at=self._backoff(row), error=type(exc).__name__)
        else:
            self._finish(outbox.mark_sent, row, channel=channel, ts=ts, now=self.now())

    def _finish(self, action: Callable[..., None], row: OutboxMessage, **kwargs: Any) -> None:
        with self.db.write() as session:
            action(session, row_id=row.id, owner=self.owner, **kwargs)

    def _backoff(self, row: OutboxMessage) -> Any:
        return self.now() + timedelta(seconds=min(2**row.attempts, 300))

    def _failed(self, row: OutboxMessage, exc: SlackApiError) -> None:
        error = str(exc.response.get("error", "unknown"))
        if exc.response.status_code == 429 or error == "ratelimited":
            wait = int(
                exc.response.headers.get("Retry-After", exc.response.headers.get("retry-after", 1))
                or 1
            )
            log.info("outbox row %s rate limited; retrying in %ss", row.id, wait)
            self._finish(
                outbox.retry_later,
                row,
                at=self.now() + timedelta(seconds=wait),
                error=error,
                count_attempt=False,
            )
        elif error in PERMANENT:
            log.warning("outbox row %s (%s) is dead: %s", row.id, row.kind, error)
            self._finish(outbox.mark_dead, row, error=error)
        else:
            self._finish(outbox.retry_later, row, at=self._backoff(row), error=error)

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
