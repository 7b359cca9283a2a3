"""The workspace directory: resolve people by id or email, expand user groups.

Answers are cached in the `person` table so a 500-row import does not make 500 calls.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import select

from storage.db import Database
from storage.models import Person, utcnow
from storage.upsert import upsert

log = logging.getLogger(__name__)
_ID = re.compile(r"^<?@?([UW][A-Z0-9]{2,30})(?:\|[^>]*)?>?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
GROUP_TTL_SECONDS = 300
PERSON_TTL = timedelta(hours=12)


class Directory:
    """Who is who in the workspace, backed by Slack and the `person` cache."""

    def __init__(
        self, *, client: WebClient | None, db: Database, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.client = client
        self.db = db
        self.clock = clock
        self._groups: dict[str, tuple[float, set[str]]] = {}
        self._lock = threading.Lock()

    def resolve(self, text: str) -> str | None:
        """An active user's id from `U123`, `<@U123>` or an email; None if unknown or gone."""
        text = text.strip()
        match = _ID.match(text)
        if match:
            person = self.person(match.group(1))
        elif _EMAIL.match(text):
            person = self._by_email(text.lower())
        else:
            return None
        return person.user_id if person and not person.deactivated else None

    def resolve_many(self, texts: Iterable[str]) -> dict[str, str | None]:
        """`resolve` for each distinct text; call it before a write transaction opens,
        since a lookup may write the cache (SQLite allows one writer at a time)."""
        return {text: self.resolve(text) for text in dict.fromkeys(t for t in texts if t)}

    def person(self, user_id: str) -> Person | None:
        """What Slack says of a user (cached); None if Slack does not know them."""
        with self.db.read() as session:
            cached = session.get(Person, user_id)
        if self.client is None or (cached is not None and self._fresh(cached)):
            return cached
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") in ("user_not_found", "users_not_found"):
                return None
            raise
        return self._remember(user)

    def _by_email(self, email: str) -> Person | None:
        with self.db.read() as session:
            cached = session.exec(select(Person).where(Person.email == email)).first()
        if self.client is None or (cached is not None and self._fresh(cached)):
            return cached
        try:
            user = self.client.users_lookupByEmail(email=email)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") == "users_not_found":
                return None
            raise
        return self._remember(user)

    @staticmethod
    def _fresh(person: Person) -> bool:
        # People leave: look again after a while so a deactivation is noticed.
        return utcnow() - person.updated_at < PERSON_TTL

    def _remember(self, user: dict) -> Person:
        """Store what Slack says of a user, keeping what only aigov knows (away_until)."""
        profile = user.get("profile") or {}
        fields = {
            "name": user.get("name", ""),
            "real_name": user.get("real_name") or profile.get("real_name") or "",
            "email": (profile.get("email") or "").lower() or None,
            "tz": user.get("tz"),
            "deactivated": bool(user.get("deleted")),
            "updated_at": utcnow(),
        }
        # An upsert: two processes looking up the same person at once must not collide,
        # and what only aigov knows (away_until) is left as it is.
        with self.db.write() as session:
            upsert(session, Person, {"user_id": user["id"], **fields}, keys=("user_id",))
        return Person(user_id=user["id"], **fields)

    def refresh(self, user_ids: Iterable[str]) -> None:
        """Look these people up again (before a cycle: who has left, which time zone)."""
        if self.client is None:
            return
        for user_id in dict.fromkeys(user_ids):
            try:
                self._remember(self.client.users_info(user=user_id)["user"])
            except SlackApiError as exc:
                log.warning("users.info %s failed: %s", user_id, exc.response.get("error"))

    def group_members(self, group_id: str) -> set[str]:
        """Members of a Slack user group, cached for a few minutes."""
        with self._lock:
            cached = self._groups.get(group_id)
            if cached and self.clock() - cached[0] < GROUP_TTL_SECONDS:
                return cached[1]
        if self.client is None:
            return set()
        try:
            users = set(self.client.usergroups_users_list(usergroup=group_id)["users"])
        except SlackApiError as exc:
            log.warning("could not expand user group %s: %s", group_id, exc.response.get("error"))
            users = set()
        with self._lock:
            self._groups[group_id] = (self.clock(), users)
        return users
