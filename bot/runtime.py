"""What every listener needs, built once per process and passed in (no globals)."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

from slack_sdk import WebClient

from bot.audience import Audience
from bot.config import Settings
from bot.outbox.sender import OutboxWorker, Sender
from bot.people import Directory
from bot.pool import ListenerPool
from storage.db import Database
from storage.locks import SessionLock
from storage.models import utcnow
from workflows.core import settings as ws
from workflows.core.access import Viewer, viewer_for
from workflows.core.periods import today_in


@dataclass
class Runtime:
    settings: Settings
    db: Database
    client: WebClient
    now: Callable[[], datetime] = utcnow
    directory: Directory = field(init=False)
    # Listeners run here after their ack; shutting it down lets in-flight work finish.
    listener_executor: ListenerPool = field(init=False)
    sender: Sender = field(init=False)
    # Who is in a channel: the channel rule for figures (bot/audience.py).
    audience: Audience = field(init=False)
    worker: OutboxWorker | None = field(init=False, default=None)
    # Names this process in leases (the scheduler's) and outbox claims.
    instance_id: str = field(init=False)
    # On PostgreSQL the scheduler runs where this lock is held (bot.schedule.cycles).
    scheduler_lock: SessionLock | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        from bot.outbox.renderers import renderers

        self.directory = Directory(client=self.client, db=self.db)
        self.listener_executor = ListenerPool(max_workers=8, thread_name_prefix="listener")
        self.audience = Audience(
            client=self.client, viewer=self.viewer, bot_user_id=lambda: self.bot_user_id
        )
        self.sender = Sender(
            db=self.db,
            client=self.client,
            renderers=renderers(self.audience),
            now=self.now,
            admins=self.admins,
        )
        if not self.db.is_sqlite:
            self.scheduler_lock = SessionLock(self.db.url, name="scheduler")
        self.instance_id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"

    def start_outbox(self, *, interval: float = 1.0) -> None:
        """Send outbox messages from a background thread (serve, demo, console, tests)."""
        if self.worker is None:
            self.worker = OutboxWorker(self.sender, interval=interval).start()

    def post(self, *, key: str | None, target: str, text: str, **message: Any) -> None:
        """Send a DM (`target` a user id) or a channel post through the outbox, once per
        `key` (derive it from the Slack request, so a redelivery sends nothing twice)."""
        from bot.outbox.post import post

        post(self.db, key=key, target=target, text=text, now=self.now(), **message)
        self.wake_outbox()

    def wake_outbox(self) -> None:
        """New messages were queued: send them now rather than at the next poll."""
        if self.worker is not None:
            self.worker.wake()

    def warm_questions(self) -> None:
        """Build the question vocabulary (every initiative's forgiving names) in the
        background: at start and after the inventory changes, so the next question does
        not wait for it (about a second at 10,000 initiatives)."""

        def build() -> None:
            from workflows.questions.ask import vocabulary

            with self.db.read() as session:
                vocabulary(session)

        with contextlib.suppress(RuntimeError):  # shutting down: nothing to warm for
            self.listener_executor.submit(build)

    def drain(self) -> None:
        """Wait for listeners still running, then stop sending (at shutdown)."""
        self.listener_executor.shutdown(wait=True)
        if self.worker is not None:
            self.worker.stop()
        if self.scheduler_lock is not None:
            self.scheduler_lock.close()  # another replica takes the scheduler at once

    def today(self) -> date:
        """The workspace's local date (AIGOV_TIMEZONE)."""
        return today_in(self.settings.timezone, self.now())

    def viewer(self, user_id: str) -> Viewer:
        """The asker with the roles that apply to them right now."""
        with self.db.read() as session:
            return viewer_for(
                session,
                user_id,
                env_admins=self.settings.admins,
                env_leaders=self.settings.leaders,
                group_members=self.directory.group_members,
            )

    @cached_property
    def bot_user_id(self) -> str | None:
        """The bot's own user id (it is a member of channels, but not a person)."""
        try:
            return self.client.auth_test().get("user_id")
        except Exception:
            return None

    def leaders(self) -> list[str]:
        """Every leader's user id (environment and settings, user groups expanded)."""
        return self._people("leaders", self.settings.leaders)

    def admins(self) -> list[str]:
        """Every admin's user id (environment and settings, user groups expanded)."""
        return self._people("admins", self.settings.admins)

    def _people(self, setting: str, from_env: list[str]) -> list[str]:
        with self.db.read() as session:
            configured = [*from_env, *ws.get(session, setting)]
        found: dict[str, None] = {}
        for entry in configured:
            members = self.directory.group_members(entry) if entry.startswith("S") else {entry}
            found.update(dict.fromkeys(sorted(members)))
        return list(found)


class _OutageNoise(logging.Filter):
    """slack_sdk logs an ERROR for every request Slack does not answer (or answers with
    an HTML error page); the outbox sender reports an outage once when it starts and
    once when it ends, and callers get the exception, so these lines only repeat it."""

    REPEATS = ("Failed to send a request to Slack API server", "Failed to decode Slack API")

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.REPEATS)


_SLACK_LOG = logging.getLogger("aigov.slack_sdk")
_SLACK_LOG.addFilter(_OutageNoise())


def web_client(settings: Settings) -> WebClient:
    """The Web API client, pointed at SLACK_API_URL (Slack, GovSlack or the emulator)."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=10,
        logger=_SLACK_LOG,
    )
