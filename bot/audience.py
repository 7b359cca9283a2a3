"""Who is in a channel, and whether all of them may see some initiatives' figures.

The channel rule (SPEC, quarterly reviews): figures go to a channel only while every
member may see them. Membership is `conversations.members` read in full (it is paged:
a channel over 1,000 members has more than one page), kept for a short while per channel
and forgotten when Slack says someone joined or left (bot/listeners/channels.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from workflows.core.access import Viewer, can_see_figures, sees_portfolio

log = logging.getLogger("aigov.audience")
PAGE = 1000  # the most conversations.members returns at once
TTL = 60.0  # seconds a channel's members are trusted without a membership event
# (owner, delegates) of an initiative; None for figures only leaders and admins see
# (a department's budget).
Steward = tuple[str, Sequence[str]] | None


@dataclass
class Audience:
    client: WebClient
    viewer: Callable[[str], Viewer]
    bot_user_id: Callable[[], str | None]
    ttl: float = TTL
    page: int = PAGE
    clock: Callable[[], float] = time.monotonic
    _cache: dict[str, tuple[float, frozenset[str]]] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def members(self, channel: str) -> frozenset[str] | None:
        """The people in the channel (not the bot); None when Slack would not say."""
        with self._lock:
            cached = self._cache.get(channel)
        if cached is not None and self.clock() - cached[0] < self.ttl:
            return cached[1]
        try:
            found = self._read(channel)
        except SlackApiError as exc:
            log.warning("members of %s unreadable: %s", channel, exc.response.get("error"))
            return None
        with self._lock:
            self._cache[channel] = (self.clock(), found)
        return found

    def _read(self, channel: str) -> frozenset[str]:
        members: set[str] = set()
        cursor = ""
        while True:
            page = self.client.conversations_members(
                channel=channel, limit=self.page, cursor=cursor or None
            )
            members.update(page.get("members") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
            if not cursor:  # an empty cursor is the last page
                break
        members.discard(self.bot_user_id() or "")
        return frozenset(members)

    def forget(self, channel: str) -> None:
        """Someone joined or left: read the members afresh next time."""
        with self._lock:
            self._cache.pop(channel, None)

    def all_may_see(self, channel: str, stewards: Iterable[Steward]) -> bool:
        """Whether figures of these initiatives may be posted in the channel; a channel
        whose members cannot be read is not safe."""
        if channel.startswith(("U", "W", "D")):
            return True  # a DM: the bot's post is for the person it is addressed to
        if not channel:
            return False  # nowhere known: not safe
        members = self.members(channel)
        if members is None:
            return False
        wanted = list(stewards)
        # Lazily: the first member who may not see stops the look-ups of the others' roles.
        return all(sees_all(self.viewer(m), wanted) for m in members)

    def not_all_figures(self, channel: str) -> int | None:
        """How many members do not see the whole portfolio's figures (None: unknown)."""
        members = self.members(channel)
        if members is None:
            return None
        return sum(1 for m in members if not sees_portfolio(self.viewer(m)))


def sees_all(viewer: Viewer, stewards: Sequence[Steward]) -> bool:
    """Whether `viewer` may see the figures of every one of these (access.py's rules)."""
    for steward in stewards:
        if steward is None:
            if not sees_portfolio(viewer):
                return False
        elif not can_see_figures(viewer, owner_id=steward[0], delegates=steward[1]):
            return False
    return True
