"""What every listener needs, built once per process and passed in (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime

from slack_sdk import WebClient

from bot.config import Settings
from bot.people import Directory
from storage.db import Database
from storage.models import utcnow
from workflows.access import Viewer, viewer_for
from workflows.periods import today_in


@dataclass
class Runtime:
    settings: Settings
    db: Database
    client: WebClient
    now: Callable[[], datetime] = utcnow
    directory: Directory = field(init=False)
    # Listeners run here after their ack; shutting it down lets in-flight work finish.
    listener_executor: ThreadPoolExecutor = field(init=False)

    def __post_init__(self) -> None:
        self.directory = Directory(client=self.client, db=self.db)
        self.listener_executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="listener")

    def drain(self) -> None:
        """Wait for listeners still running (at shutdown)."""
        self.listener_executor.shutdown(wait=True)

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


def web_client(settings: Settings) -> WebClient:
    """The Web API client, pointed at SLACK_API_URL (Slack, GovSlack or the emulator)."""
    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10)
