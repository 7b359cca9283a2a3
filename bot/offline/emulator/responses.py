"""response_url endpoints: 5 posts each, ephemeral by default, Block Kit checked."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

from bot.offline.emulator.webapi import check_message
from bot.offline.emulator.workspace import ApiError, Workspace

MAX_POSTS = 5


class ResponseUrls:
    def __init__(self, ws: Workspace, base_url: Callable[[], str]) -> None:
        self.ws = ws
        self._base_url = base_url
        self._urls: dict[str, dict[str, Any]] = {}

    def new(self, *, channel: str, user: str, message_ts: str | None = None) -> str:
        token = secrets.token_urlsafe(16)
        self._urls[token] = {"channel": channel, "user": user, "message_ts": message_ts, "posts": 0}
        return f"{self._base_url()}response/{token}"

    def post(self, token: str, raw: bytes) -> tuple[int, dict[str, Any], dict[str, Any]]:
        """(HTTP status, answer, parsed body) for one POST to a response_url."""
        try:
            body = json.loads(raw.decode("utf-8") or "{}")
        except (ValueError, UnicodeDecodeError):
            return 400, {"ok": False, "error": "invalid_payload"}, {}
        if not isinstance(body, dict):
            return 400, {"ok": False, "error": "invalid_payload"}, {}
        target = self._urls.get(token)
        if target is None:
            return 404, {"ok": False, "error": "expired_url"}, body
        if target["posts"] >= MAX_POSTS:
            return 404, {"ok": False, "error": "used_url"}, body
        target["posts"] += 1  # every attempt counts, as it does against Slack's quota
        try:
            check_message(body, require_content=not body.get("delete_original"))
            self._apply(target, body)
        except ApiError as e:
            status = 404 if e.error == "message_not_found" else 400
            return status, e.body(), body
        return 200, {"ok": True}, body

    def _apply(self, target: dict[str, Any], body: dict[str, Any]) -> None:
        channel, user, ts = target["channel"], target["user"], target["message_ts"]
        if body.get("delete_original"):
            self._delete(channel, user, ts)
            return
        # With no original to replace (a slash command's URL), Slack posts a new message.
        if body.get("replace_original") and ts and self._replace(channel, user, ts, body):
            return
        if body.get("response_type") == "in_channel":
            self.ws.post(channel, body)
        else:
            self.ws.post_ephemeral(channel, user, body)

    def _original(self, channel: str, user: str, ts: str | None) -> dict[str, Any] | None:
        for message in self.ws.messages.get(channel, []):
            if message["ts"] == ts:
                return message
        for ephemeral in self.ws.ephemerals.get(user, []):
            if ephemeral["ts"] == ts:
                return ephemeral
        return None

    def _delete(self, channel: str, user: str, ts: str | None) -> None:
        original = self._original(channel, user, ts)
        if original is None:
            raise ApiError("message_not_found")
        if original in self.ws.messages.get(channel, []):
            self.ws.messages[channel].remove(original)
        else:
            self.ws.ephemerals[user].remove(original)

    def _replace(self, channel: str, user: str, ts: str, body: dict[str, Any]) -> bool:
        original = self._original(channel, user, ts)
        if original is None:
            return False
        original["text"] = body.get("text") or ""
        # A replacement is a whole new message body: blocks not sent are gone.
        original.pop("blocks", None)
        if body.get("blocks"):
            original["blocks"] = body["blocks"]
        return True
