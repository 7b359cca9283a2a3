"""SlackUser: Slack itself delivering one person's actions to the app, signed.

Every request is built and signed the way Slack builds it (slash commands form-encoded,
interactions as `payload=<json>`, events as JSON) and POSTed to the app's URL. Modal
submissions also move the emulator's modal stack the way the answer tells Slack to.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bot.offline.emulator import elements
from bot.offline.emulator.payloads import client_checks, state_values, typed
from bot.offline.emulator.server import SlackEmulator
from bot.offline.emulator.views import APP_ID
from bot.offline.emulator.workspace import GENERAL, TEAM_DOMAIN

VERIFICATION_TOKEN = "emulator-verification-token"
# Slack's own tokens in typed text (mentions, channels, links) stay as they are.
_SLACK_TOKEN = re.compile(r"(<(?:[@#!][^<>]+|https?://[^<>]+|mailto:[^<>]+)>)")


def as_slack_sends(text: str) -> str:
    """Typed text the way Slack delivers it: `&`, `<`, `>` escaped outside its own tokens."""
    parts = _SLACK_TOKEN.split(text)
    return "".join(
        part if i % 2 else part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for i, part in enumerate(parts)
    )


TIMEOUT = 10.0


@dataclass
class Reply:
    """The app's answer to one delivery."""

    status: int
    body: bytes
    json: Any
    elapsed: float


class SlackUser:
    def __init__(
        self,
        emulator: SlackEmulator,
        *,
        app_url: str = "",
        signing_secret: str = "",
        command: str = "/aigov",
        now: Callable[[], float] = time.time,
        socket_mode: bool = False,
    ) -> None:
        self.emulator = emulator
        self.app_url = app_url
        self.signing_secret = signing_secret
        # Deliver over the emulator's Socket Mode connection instead of signed HTTP.
        self.socket_mode = socket_mode
        self.command_name = command
        self._now = now

    # ---- transport ------------------------------------------------------------------

    def sign(self, body: bytes, timestamp: str) -> str:
        base = f"v0:{timestamp}:".encode() + body
        digest = hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()
        return f"v0={digest}"

    def raw(self, body: bytes, headers: dict[str, str]) -> Reply:
        """POST exactly these bytes and headers (no signing): for signature tests."""
        request = urllib.request.Request(self.app_url, data=body, headers=headers, method="POST")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                status, data = response.status, response.read()
        except urllib.error.HTTPError as e:
            status, data = e.code, e.read()
        return Reply(status, data, _json_or_none(data), time.perf_counter() - started)

    def _send(self, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> Reply:
        timestamp = str(int(self._now()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": self.sign(body, timestamp),
            **(extra or {}),
        }
        return self.raw(body, headers)

    def _form(self, fields: dict[str, str]) -> Reply:
        if self.socket_mode:  # a slash command's fields, as a JSON object
            return self._envelope("slash_commands", dict(fields))
        return self._send(urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def _interaction(self, payload: dict[str, Any]) -> Reply:
        if self.socket_mode:
            return self._envelope("interactive", payload)
        return self._form({"payload": json.dumps(payload)})

    def _envelope(self, kind: str, payload: dict[str, Any], **retry: Any) -> Reply:
        """One Socket Mode delivery; the ack's payload stands for the HTTP response body."""
        ack, elapsed = self.emulator.socket_mode.deliver(kind, payload, **retry)
        answer = ack.get("payload")
        body = json.dumps(answer).encode() if answer is not None else b""
        return Reply(200, body, answer, elapsed)

    # ---- who and where --------------------------------------------------------------

    def _user_ref(self, user_id: str) -> dict[str, str]:
        user = self.emulator.ws.users.get(user_id, {})
        name = user.get("name", user_id)
        return {"id": user_id, "username": name, "name": name, "team_id": self.emulator.team_id}

    def _team(self) -> dict[str, str]:
        return {"id": self.emulator.team_id, "domain": TEAM_DOMAIN}

    def _channel_name(self, channel_id: str) -> str:
        if channel_id.startswith("D"):
            return "directmessage"
        return self.emulator.ws.channels.get(channel_id, {}).get("name", channel_id)

    def _base(self, kind: str, user_id: str) -> dict[str, Any]:
        return {
            "type": kind,
            "team": self._team(),
            "user": self._user_ref(user_id),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "is_enterprise_install": False,
            "enterprise": None,
        }

    # ---- slash commands and interactions --------------------------------------------

    def command(self, user_id: str, text: str, *, channel_id: str = GENERAL) -> Reply:
        emu = self.emulator
        return self._form(
            {
                "token": VERIFICATION_TOKEN,
                "team_id": emu.team_id,
                "team_domain": TEAM_DOMAIN,
                "channel_id": channel_id,
                "channel_name": self._channel_name(channel_id),
                "user_id": user_id,
                "user_name": self._user_ref(user_id)["name"],
                "command": self.command_name,
                "text": as_slack_sends(text),
                "api_app_id": APP_ID,
                "is_enterprise_install": "false",
                "response_url": emu.new_response_url(channel=channel_id, user=user_id),
                "trigger_id": emu.issue_trigger_id(user_id),
            }
        )

    def find_button(
        self, obj: Any, *, action_id: str | None = None, text: str | None = None
    ) -> dict[str, Any]:
        return elements.find_button(obj, action_id=action_id, text=text)

    def click(
        self,
        user_id: str,
        action_id: str,
        *,
        value: Any = None,
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        channel_id: str | None = None,
        block_id: str | None = None,
        selected: Any = None,
    ) -> Reply:
        """A block_actions delivery for the element with this action_id (and value)."""
        if (message is None) == (view is None):
            raise ValueError("click needs exactly one of message= or view=")
        source = self._fresh(view) if view is not None else message
        _, element, bid, aid = elements.find_action(source, action_id, value)
        payload = self._base("block_actions", user_id)
        payload["trigger_id"] = self.emulator.issue_trigger_id(user_id)
        payload["actions"] = [self._action(element, block_id or bid, aid, selected)]
        if view is not None:
            payload["container"] = {"type": "view", "view_id": source["id"]}
            payload["view"] = source
        else:
            payload.update(self._message_context(user_id, message or {}, channel_id))
        return self._interaction(payload)

    def _action(
        self, element: dict[str, Any], block_id: str, action_id: str, selected: Any
    ) -> dict[str, Any]:
        action = {"action_id": action_id, "block_id": block_id, "action_ts": f"{self._now():.6f}"}
        if element.get("type") == "button":
            action.update({"type": "button", "text": element.get("text")})
            for key in ("value", "style"):
                if key in element:
                    action[key] = element[key]
            return action
        return {**action, **typed(element, selected)}

    def _message_context(
        self, user_id: str, message: dict[str, Any], channel_id: str | None
    ) -> dict[str, Any]:
        channel = channel_id or message.get("channel") or GENERAL
        ephemeral = message.get("subtype") == "ephemeral"
        context: dict[str, Any] = {
            "container": {
                "type": "message",
                "message_ts": message.get("ts"),
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            "channel": {"id": channel, "name": self._channel_name(channel)},
            "state": {"values": {}},
            "response_url": self.emulator.new_response_url(
                channel=channel, user=user_id, message_ts=message.get("ts")
            ),
        }
        if not ephemeral:  # Slack does not echo an ephemeral message back to the app
            context["message"] = {k: v for k, v in message.items() if k != "channel"}
        return context

    def _fresh(self, view: dict[str, Any]) -> dict[str, Any]:
        """The emulator's current copy of a view (newest hash and state), if it has one."""
        stored = self.emulator.view(str(view.get("id", "")))
        return stored if stored is not None else json.loads(json.dumps(view))

    # ---- modals ---------------------------------------------------------------------

    def submit(self, user_id: str, view: dict[str, Any], values: dict[str, Any]) -> Reply:
        """A view_submission with `values` typed in (keyed by block_id or action_id).

        Raises ValueError when Slack's client would not submit (an empty required
        input, a too-long text, a number out of range): the app never sees that.
        """
        current = self._fresh(view)
        state = state_values(current, values)
        problems = client_checks(current, state)
        if problems:
            raise ValueError("Slack would not submit this view: " + "; ".join(problems))
        if current.get("id") in self.emulator.views:
            self.emulator.set_view_state(current["id"], state)
        current["state"] = {"values": state}
        payload = self._base("view_submission", user_id)
        payload.update(
            {
                "trigger_id": self.emulator.issue_trigger_id(user_id),
                "view": current,
                "response_urls": [],
            }
        )
        reply = self._interaction(payload)
        self._after_submit(user_id, reply)
        return reply

    def _after_submit(self, user_id: str, reply: Reply) -> None:
        if reply.status != 200:
            return  # Slack shows the user an error and leaves the view open
        if not reply.body.strip() or reply.json == {}:
            self.emulator.close_view(user_id)
        elif isinstance(reply.json, dict) and "response_action" in reply.json:
            self.emulator.apply_response_action(user_id, reply.json)

    def close(self, user_id: str, view: dict[str, Any]) -> Reply | None:
        """The user dismisses the top view. Like Slack, the app hears of it (view_closed)
        only when the view set notify_on_close; otherwise None is returned."""
        current = self._fresh(view)
        self.emulator.close_view(user_id)
        if not current.get("notify_on_close"):
            return None
        payload = self._base("view_closed", user_id)
        payload.update({"view": current, "is_cleared": False})
        return self._interaction(payload)

    # ---- events ---------------------------------------------------------------------

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> Reply:
        emu = self.emulator
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": emu.team_id,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or "Ev" + secrets.token_hex(5).upper(),
            "event_time": int(self._now()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": emu.team_id,
                    "user_id": emu.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        if self.socket_mode:
            retry = {
                "retry_attempt": retry_num or 0,
                "retry_reason": retry_reason if retry_num else "",
            }
            return self._envelope("events_api", envelope, **retry)
        extra = {}
        if retry_num is not None:
            extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self._send(json.dumps(envelope).encode(), "application/json", extra)

    def join(self, user_id: str, channel_id: str) -> Reply:
        """`user_id` joins the channel: the membership changes, then the event arrives."""
        self.emulator.set_membership(channel_id, user_id, member=True)
        return self.event(self._membership_event("member_joined_channel", user_id, channel_id))

    def leave(self, user_id: str, channel_id: str) -> Reply:
        self.emulator.set_membership(channel_id, user_id, member=False)
        return self.event(self._membership_event("member_left_channel", user_id, channel_id))

    def _membership_event(self, kind: str, user_id: str, channel_id: str) -> dict[str, Any]:
        return {
            "type": kind,
            "user": user_id,
            "channel": channel_id,
            "channel_type": "G" if channel_id.startswith("G") else "C",
            "team": self.emulator.team_id,
            "event_ts": f"{self._now():.6f}",
        }

    def dm(self, user_id: str, text: str) -> Reply:
        channel = self.emulator.dm_channel(user_id)
        text = as_slack_sends(text)
        message = self.emulator.user_message(channel, user_id, text)
        return self.event(
            {
                "type": "message",
                "channel_type": "im",
                "channel": channel,
                "user": user_id,
                "text": text,
                "ts": message["ts"],
                "event_ts": message["ts"],
                "team": self.emulator.team_id,
                "client_msg_id": secrets.token_hex(16),
            }
        )

    def mention(self, user_id: str, channel_id: str, text: str) -> Reply:
        full = f"<@{self.emulator.bot_user_id}> {as_slack_sends(text)}"
        message = self.emulator.user_message(channel_id, user_id, full)
        return self.event(
            {
                "type": "app_mention",
                "user": user_id,
                "text": full,
                "ts": message["ts"],
                "channel": channel_id,
                "event_ts": message["ts"],
                "team": self.emulator.team_id,
            }
        )

    def open_home(self, user_id: str) -> Reply:
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self.emulator.dm_channel(user_id),
            "tab": "home",
            "event_ts": f"{self._now():.6f}",
        }
        home = self.emulator.home(user_id)
        if home is not None:
            event["view"] = home
        return self.event(event)

    def url_verification(self, challenge: str) -> Reply:
        body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
        return self._send(json.dumps(body).encode(), "application/json")


def _json_or_none(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8")) if data.strip() else None
    except (ValueError, UnicodeDecodeError):
        return None
