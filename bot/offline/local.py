"""A whole workspace on one machine: the Slack emulator, the database, the real app
served over HTTP on a loopback port, and a `SlackUser` that acts as Slack does.

Tests, `aigov demo`, `aigov console` and the benchmarks all run on this, so people and
tests talk to the bot the way users do. Production code never imports it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any

from sqlmodel import col, select

from bot.app import build_app
from bot.config import Settings
from bot.http.server import SlackHTTP, serve
from bot.offline.emulator.server import SlackEmulator
from bot.offline.emulator.user import SlackUser
from bot.runtime import Runtime, web_client
from storage.db import Database
from storage.migrate import upgrade
from storage.models import OutboxMessage, OutboxStatus, utcnow

SIGNING_SECRET = "local-signing-secret"
BOT_TOKEN = "xoxb-local-emulator"


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str
    email: str
    tz: str = "America/New_York"
    deleted: bool = False


DEFAULT_MEMBERS = (
    Member("U0ADMIN", "ada", "ada@example.com", "Europe/London"),
    Member("U0LEAD", "lee", "lee@example.com", "America/New_York"),
    Member("U0MARKET", "maya", "maya@example.com", "America/Los_Angeles"),
    Member("U0SUPPORT", "sam", "sam@example.com", "America/Chicago"),
    Member("U0FINANCE", "fin", "fin@example.com", "Europe/Berlin"),
    Member("U0MEMBER", "mo", "mo@example.com", "Asia/Tokyo"),
    Member("U0GONE", "gus", "gus@example.com", "America/New_York", deleted=True),
)
DEFAULT_CHANNELS = {
    "C0GENERAL": "general",
    "C0GOVERN": "ai-governance",
    "C0LEADERS": "ai-leadership",
}


@dataclass
class LocalWorkspace:
    """Start with `with LocalWorkspace(database_url=...) as ws:`; then `ws.slack` acts."""

    database_url: str
    admins: Iterable[str] = ("U0ADMIN",)
    leaders: Iterable[str] = ("U0LEAD",)
    members: Iterable[Member] = DEFAULT_MEMBERS
    migrate: bool = True
    # The bot's clock; tests fix it so "this quarter" is the same every run.
    now: Callable[[], datetime] = utcnow
    emulator: SlackEmulator = field(init=False)
    slack: SlackUser = field(init=False)
    rt: Runtime = field(init=False)
    http: SlackHTTP = field(init=False)

    def __enter__(self) -> LocalWorkspace:
        self.emulator = SlackEmulator(bot_token=BOT_TOKEN).start()
        for m in self.members:
            self.emulator.add_user(
                m.user_id,
                name=m.name,
                real_name=m.name.title(),
                email=m.email,
                tz=m.tz,
                deleted=m.deleted,
            )
        for channel_id, name in DEFAULT_CHANNELS.items():
            self.emulator.add_channel(
                channel_id, name=name, members=[m.user_id for m in self.members]
            )
        self.settings = Settings(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=self.emulator.api_url,
            AIGOV_DATABASE_URL=self.database_url,
            AIGOV_ADMINS=",".join(self.admins),
            AIGOV_LEADERS=",".join(self.leaders),
            _env_file=None,
        )
        db = Database(self.database_url, setting_defaults=self.settings.setting_defaults())
        if self.migrate:
            upgrade(db)
        self.rt = Runtime(
            settings=self.settings, db=db, client=web_client(self.settings), now=self.now
        )
        self.rt.start_outbox(interval=0.2)
        app = build_app(self.rt)
        self.rt.warm_questions()  # as `aigov serve` does
        self.http = SlackHTTP(app, signing_secret=SIGNING_SECRET, db=db, runtime=self.rt)
        self._server = serve(self.http, host="127.0.0.1", port=0, threads=8)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="aigov-http", daemon=True)
        self._thread.start()
        port = self._server.effective_port
        self.app_url = f"http://127.0.0.1:{port}/slack/events"
        self.base_url = f"http://127.0.0.1:{port}"
        self.slack = SlackUser(self.emulator, app_url=self.app_url, signing_secret=SIGNING_SECRET)
        return self

    def __exit__(
        self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
    ) -> None:
        self.close()

    def _serve(self) -> None:
        # Loop in short rounds so closing happens in this thread: closing waitress's
        # sockets from another thread while it sits in select() raises EBADF.
        server = self._server
        while not self._stopping.is_set():
            server.asyncore.loop(timeout=0.1, map=server._map, count=1)
        server.close()
        server.task_dispatcher.shutdown()

    def close(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self.rt.drain()
        self.emulator.stop()
        self.rt.db.dispose()

    @property
    def db(self) -> Database:
        return self.rt.db

    def quiesce(self, *, timeout: float = 30.0) -> bool:
        """Wait until the app has done what it was asked: every listener finished (they
        run after their ack) and every outbox message due by now sent (or failed for
        now). False when `timeout` ran out first (a slow machine: show what there is)."""
        deadline = time.monotonic() + timeout
        if not self.rt.listener_executor.wait_idle(timeout=timeout):
            return False
        self.rt.wake_outbox()
        now = self.rt.now()
        while time.monotonic() < deadline:
            with self.db.read() as session:
                due = session.exec(
                    select(OutboxMessage.id).where(
                        col(OutboxMessage.status).in_(
                            (OutboxStatus.PENDING, OutboxStatus.SENDING)
                        ),
                        OutboxMessage.available_at <= now,
                    )
                ).first()
            if due is None:
                return True
            time.sleep(0.02)  # the row changes after the Slack call: poll the database
        return False

    def config(self, **changes: Any) -> None:
        """Change process settings (roles from the environment) while running."""
        for key, value in changes.items():
            setattr(self.settings, key, value)
