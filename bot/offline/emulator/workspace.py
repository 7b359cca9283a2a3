"""The emulated workspace: directory, channels, messages, views, files.

Plain state with no locking of its own: the server holds the call log's lock around
every request and every accessor, so handlers can read-modify-write freely.
"""

from __future__ import annotations

import copy
import itertools
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

TEAM_DOMAIN = "aigov-emulator"
TEAM_NAME = "AIGov Emulator"
GENERAL = "C0GENERAL"
# Message timestamps start here and step by 100 µs: "1700000000.000100" style,
# unique and increasing, and deterministic so test output is stable.
TS_BASE = 1_700_000_000


class ApiError(Exception):
    """A Web API error answer: {"ok": false, "error": error, **extra}."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


def _user_object(
    user_id: str,
    team_id: str,
    *,
    name: str,
    real_name: str | None,
    email: str | None,
    tz: str,
    deleted: bool,
    is_bot: bool,
) -> dict[str, Any]:
    """A users.info-shaped user; tz_offset is computed so DST-aware code sees real values."""
    offset = datetime.now(ZoneInfo(tz)).utcoffset()
    real = real_name or name
    profile: dict[str, Any] = {
        "real_name": real,
        "display_name": name,
        "real_name_normalized": real,
        "display_name_normalized": name,
    }
    if email:
        profile["email"] = email
    return {
        "id": user_id,
        "team_id": team_id,
        "name": name,
        "real_name": real,
        "deleted": deleted,
        "is_bot": is_bot,
        "is_app_user": False,
        "tz": tz,
        "tz_label": tz,
        "tz_offset": int(offset.total_seconds()) if offset else 0,
        "profile": profile,
    }


class Workspace:
    def __init__(self, *, team_id: str, bot_user_id: str, bot_id: str) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.usergroups: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.ephemerals: dict[str, list[dict[str, Any]]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.stacks: dict[str, list[str]] = {}
        self.homes: dict[str, str] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self._seq = itertools.count(1)
        self._ts = itertools.count(1)

    # ---- ids ------------------------------------------------------------------------

    def next_id(self, prefix: str) -> str:
        return f"{prefix}0EMU{next(self._seq):05d}"

    def next_ts(self) -> str:
        micros = next(self._ts) * 100
        return f"{TS_BASE + micros // 1_000_000}.{micros % 1_000_000:06d}"

    # ---- directory ------------------------------------------------------------------

    def add_user(self, user_id: str, **fields: Any) -> dict[str, Any]:
        user = _user_object(user_id, self.team_id, **fields)
        self.users[user_id] = user
        general = self.channels.get(GENERAL)
        # Everyone is in #general, as in a real workspace's default channel.
        if general and user_id not in general["members"]:
            general["members"].append(user_id)
        return user

    def user(self, user_id: str) -> dict[str, Any]:
        if user_id not in self.users:
            raise ApiError("user_not_found")
        return self.users[user_id]

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str,
        members: list[str],
        is_im: bool = False,
        user: str | None = None,
    ) -> dict[str, Any]:
        channel = {
            "id": channel_id,
            "name": name,
            "members": list(members),
            "is_im": is_im,
            "is_channel": channel_id.startswith("C"),
            "user": user,
        }
        self.channels[channel_id] = channel
        self.messages.setdefault(channel_id, [])
        return channel

    def dm_channel(self, user_id: str) -> str:
        """The DM id with a user: stable per user ("U0ALICE" -> "D0ALICE")."""
        channel_id = "D" + user_id[1:]
        if channel_id not in self.channels:
            self.add_channel(
                channel_id,
                name=user_id,
                members=[user_id, self.bot_user_id],
                is_im=True,
                user=user_id,
            )
        return channel_id

    def resolve_channel(
        self, channel: Any, *, allow_user: bool = True, allow_name: bool = True
    ) -> str:
        """A channel id from what an app may pass: an id, a user id (their DM) or a name."""
        if not isinstance(channel, str) or not channel:
            raise ApiError("channel_not_found")
        if channel in self.channels:
            return channel
        if allow_user and channel[0] in "UW" and channel in self.users:
            if self.users[channel]["deleted"]:
                raise ApiError("is_archived")  # a deactivated user's DM is archived
            return self.dm_channel(channel)
        if allow_name:
            name = channel.removeprefix("#")
            for channel_id, info in self.channels.items():
                if info["name"] == name and not info["is_im"]:
                    return channel_id
        raise ApiError("channel_not_found")

    # ---- messages -------------------------------------------------------------------

    def post(self, channel_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Store a bot message in a channel; thread replies bump their parent's counters."""
        message = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "team": self.team_id,
            "ts": self.next_ts(),
            "channel": channel_id,
            "text": fields.get("text") or "",
        }
        for key in ("blocks", "metadata", "thread_ts", "files", "attachments"):
            if fields.get(key) is not None:
                message[key] = copy.deepcopy(fields[key])
        thread_ts = message.get("thread_ts")
        if thread_ts:
            parent = self.find_message(channel_id, thread_ts, error="thread_not_found")
            parent.setdefault("thread_ts", parent["ts"])
            parent["reply_count"] = parent.get("reply_count", 0) + 1
            parent["latest_reply"] = message["ts"]
        self.messages.setdefault(channel_id, []).append(message)
        return message

    def post_as_user(self, channel_id: str, user_id: str, text: str) -> dict[str, Any]:
        """A message a person wrote: kept so conversations.history shows it as Slack would."""
        message = {
            "type": "message",
            "user": user_id,
            "team": self.team_id,
            "ts": self.next_ts(),
            "channel": channel_id,
            "text": text,
        }
        self.messages.setdefault(channel_id, []).append(message)
        return message

    def find_message(
        self, channel_id: str, ts: Any, *, error: str = "message_not_found"
    ) -> dict[str, Any]:
        for message in self.messages.get(channel_id, []):
            if message["ts"] == ts:
                return message
        raise ApiError(error)

    def delete_message(self, channel_id: str, ts: Any) -> None:
        message = self.find_message(channel_id, ts)
        self.messages[channel_id].remove(message)

    def post_ephemeral(
        self, channel_id: str, user_id: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        ephemeral = {
            "type": "message",
            "subtype": "ephemeral",
            "ts": self.next_ts(),
            "channel": channel_id,
            "user": user_id,
            "bot_id": self.bot_id,
            "text": fields.get("text") or "",
        }
        for key in ("blocks", "thread_ts"):
            if fields.get(key) is not None:
                ephemeral[key] = copy.deepcopy(fields[key])
        self.ephemerals.setdefault(user_id, []).append(ephemeral)
        return ephemeral

    # ---- views ----------------------------------------------------------------------

    def stack(self, user_id: str) -> list[str]:
        return self.stacks.setdefault(user_id, [])

    def find_view(self, view_id: Any = None, external_id: Any = None) -> dict[str, Any]:
        if view_id in self.views:
            return self.views[view_id]
        for view in self.views.values():
            if external_id and view.get("external_id") == external_id:
                return view
        raise ApiError("not_found")

    def view_owner(self, view_id: str) -> str | None:
        for user_id, stack in self.stacks.items():
            if view_id in stack:
                return user_id
        for user_id, home_id in self.homes.items():
            if home_id == view_id:
                return user_id
        return None


def public(message: dict[str, Any]) -> dict[str, Any]:
    """A stored message as the Web API returns it (Slack omits the channel inside)."""
    return {k: copy.deepcopy(v) for k, v in message.items() if k != "channel"}
