"""The shape check in front of Bolt: a signed request that is not what Slack sends is
refused with a 400 before Bolt parses it.

Bolt trusts a body's shape: a form body sent as JSON, a `payload` that is a list or
not JSON, an `event_id` that is a list or a view without a `callback_id` make it (or a
matcher, or a middleware) raise, and that is a 500. Only Slack can sign a request, so
a bad shape means a bug or a changed format, not a user: it is logged by reason (never
the body) and refused. What passes here still gets checked by the listeners (an id that
does not exist, private_metadata that is not ours); see bot.listeners.common.

`check(body, content_type)` checks an HTTP body; `payload_refusal(kind, payload)`
checks a Socket Mode envelope's payload (already JSON) the same way.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.request.internals import build_context

log = logging.getLogger("aigov.guard")

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
INTERACTIONS = {
    "block_actions",
    "view_submission",
    "view_closed",
    "shortcut",
    "message_action",
    "block_suggestion",
}
EVENT_ENVELOPES = {"event_callback", "url_verification", "app_rate_limited"}
# The events the app subscribes to (manifest.yml): their fields are checked.
HANDLED_EVENTS = {
    "app_home_opened",
    "app_mention",
    "message",
    "member_joined_channel",
    "member_left_channel",
}
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")
_CHANNEL_ID = re.compile(r"^[CDG][A-Z0-9]{2,30}$")
# Bolt reads these as a string id or an object with an "id" (top level and in `event`).
_CONTEXT_FIELDS = ("user", "channel", "team", "enterprise", "item", "message", "previous_message")
COMMAND_FIELDS = ("command", "user_id", "channel_id", "trigger_id", "response_url")
# A state entry's value by element type; anything else must be a string or null.
_STATE_TYPES: dict[str, tuple[str, type]] = {
    "static_select": ("selected_option", dict),
    "external_select": ("selected_option", dict),
    "radio_buttons": ("selected_option", dict),
    "multi_static_select": ("selected_options", list),
    "checkboxes": ("selected_options", list),
    "users_select": ("selected_user", str),
    "multi_users_select": ("selected_users", list),
    "conversations_select": ("selected_conversation", str),
    "multi_conversations_select": ("selected_conversations", list),
    "channels_select": ("selected_channel", str),
    "multi_channels_select": ("selected_channels", list),
    "datepicker": ("selected_date", str),
    "timepicker": ("selected_time", str),
}


@dataclass(frozen=True)
class Checked:
    """A body's verdict: why it is refused (None: it is fine) and what it parsed to."""

    reason: str | None
    body: dict[str, Any] = field(default_factory=dict)


def check(body: bytes, content_type: str | None) -> Checked:
    """Whether this HTTP body has the shape of a Slack request, and its parsed form."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Checked("not_utf8")
    media = (content_type or "").split(";")[0].strip().lower()
    if media == JSON:
        # Bolt parses JSON when the type says so or the body starts with "{"; both agree here.
        return _json_body(text)
    if media == FORM:
        if text.startswith("{"):
            return Checked("form_type_with_json_body")  # Bolt would parse it as JSON anyway
        return _form_body(text)
    return Checked("content_type")


def _json_body(text: str) -> Checked:
    if not text.startswith("{"):
        return Checked("json_not_an_object")
    try:
        body = json.loads(text)
    except ValueError:
        return Checked("json_invalid")
    return Checked(payload_refusal("events_api", body), body if isinstance(body, dict) else {})


def _form_body(text: str) -> Checked:
    try:
        fields = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    except ValueError:
        return Checked("form_invalid")
    names = [name for name, _ in fields]
    if len(set(names)) != len(names):
        return Checked("form_repeated_field")
    form = dict(fields)
    if "payload" not in form:
        return Checked(payload_refusal("slash_commands", form), form)
    if len(form) != 1:
        return Checked("form_payload_with_fields")
    try:
        payload = json.loads(form["payload"])
    except ValueError:
        return Checked("payload_invalid")
    return Checked(payload_refusal("interactive", payload), payload)


def dispatch(app: App, checked: Checked, *, raw: str, query: Any, headers: Any) -> BoltResponse:
    """Bolt's answer to a checked request; never a 5xx (a failure is logged, answered 400)."""
    try:
        request = BoltRequest(body=raw, query=query, headers=headers)
        if request.body != checked.body:
            # Bolt reads any form body holding the word "payload" (a command's text, say)
            # as an interaction and finds none; hand it the body as it really parsed.
            request.body = checked.body
            request.context = build_context(BoltContext({}), checked.body)
        response = app.dispatch(request)
    except Exception:
        log.exception("dispatching a checked request failed")
        return BoltResponse(status=400, body='{"error":"unprocessable"}')
    if response.status >= 500:
        log.error("the app answered %d to a checked request; answered 400", response.status)
        return BoltResponse(status=400, body='{"error":"unprocessable"}')
    return response


def payload_refusal(kind: str, payload: Any) -> str | None:
    """Why this payload (of a Socket Mode envelope `kind`, or of an HTTP body) is not
    what Slack sends, or None when its shape is right."""
    if not isinstance(payload, dict):
        return "payload_not_an_object"
    check = {"slash_commands": _command, "interactive": _interaction, "events_api": _event}.get(
        kind
    )
    if check is None:
        return "unknown_kind"
    if _holds_nul(payload):
        return "nul_character"  # no Slack client sends one, and PostgreSQL text refuses it
    return _context_refusal(payload) or check(payload)


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def _context_refusal(body: dict[str, Any]) -> str | None:
    """What Bolt reads of every request to build its context (bolt's request/internals):
    ids that are a string or an object, lists that hold objects."""
    event = body.get("event")
    for prefix, holder in (("", body), ("event_", event if isinstance(event, dict) else {})):
        for name in _CONTEXT_FIELDS:
            if holder.get(name) is not None and not isinstance(holder[name], str | dict):
                return f"{prefix}{name}"
    for name in ("authorizations", "response_urls"):
        items = body.get(name)
        if name in body and not (
            isinstance(items, list) and all(isinstance(i, dict) for i in items)
        ):
            return name  # Bolt takes len() of either when the key is there
    return None


def _command(form: dict[str, Any]) -> str | None:
    for name in COMMAND_FIELDS:
        if not _text(form.get(name)):
            return f"command_{name}"
    if not str(form["command"]).startswith("/"):
        return "command_command"
    if not _url(form["response_url"]):
        return "command_response_url"
    if not _user_id(form["user_id"]):
        return "command_user_id"
    if not _channel_id(form["channel_id"]):
        return "command_channel_id"
    if not isinstance(form.get("text", ""), str):
        return "command_text"
    return None


def _interaction(payload: dict[str, Any]) -> str | None:
    kind = payload.get("type")
    if not isinstance(kind, str) or kind not in INTERACTIONS:
        return "interaction_type"
    user = payload.get("user")
    if not isinstance(user, dict) or not _user_id(user.get("id")):
        return "interaction_user"
    for name, want in (("channel", dict), ("container", dict), ("message", dict), ("state", dict)):
        if payload.get(name) is not None and not isinstance(payload[name], want):
            return f"interaction_{name}"
    if payload.get("trigger_id") is not None and not isinstance(payload["trigger_id"], str):
        return "interaction_trigger_id"
    if payload.get("response_url") is not None and not _url(payload["response_url"]):
        return "interaction_response_url"
    channel = payload.get("channel")
    if isinstance(channel, dict) and not _channel_id(channel.get("id")):
        return "interaction_channel"
    container = payload.get("container") or {}
    if container.get("channel_id") is not None and not _channel_id(container["channel_id"]):
        return "interaction_container"
    if kind == "block_actions":
        container = payload.get("container") or {}
        if container.get("type") == "message" and not _url(payload.get("response_url")):
            return "interaction_response_url"  # Slack sends one for every message click
        reason = _actions(payload.get("actions"))
        if reason or payload.get("view") is None:
            return reason
    if kind in ("view_submission", "view_closed", "block_actions"):
        reason = _view(payload.get("view"))
        if reason or kind == "block_actions":
            return reason
        view = payload["view"]
        if not _text(view.get("callback_id")) or not _text(view.get("type")):
            return "view_callback_id"  # Bolt's matchers index both
    return None


def _actions(actions: Any) -> str | None:
    if not isinstance(actions, list) or not actions:
        return "actions"
    for action in actions:
        if not isinstance(action, dict) or not _text(action.get("action_id")):
            return "actions_action_id"
        for name in ("block_id", "value", "action_ts", "type"):
            if action.get(name) is not None and not isinstance(action[name], str):
                return f"actions_{name}"
        option = action.get("selected_option")
        if option is not None and not _option(option):
            return "actions_selected_option"
    return None


def _view(view: Any) -> str | None:
    if not isinstance(view, dict):
        return "view"
    for name in ("id", "callback_id", "private_metadata", "hash", "type"):
        if view.get(name) is not None and not isinstance(view[name], str):
            return f"view_{name}"
    if not isinstance(view.get("callback_id", ""), str):
        return "view_callback_id"
    state = view.get("state", {"values": {}})
    if not isinstance(state, dict) or not isinstance(state.get("values", {}), dict):
        return "view_state"
    for elements in state.get("values", {}).values():
        if not isinstance(elements, dict):
            return "view_state"
        for entry in elements.values():
            if not _state_entry(entry):
                return "view_state_value"
    return None


def _state_entry(entry: Any) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
        return False
    key, want = _STATE_TYPES.get(entry["type"], ("value", str))
    value = entry.get(key)
    if value is None:
        return True
    if not isinstance(value, want):
        return False
    if want is dict:
        return _option(value)
    if want is list:
        items_ok = _option if key == "selected_options" else _text
        return all(items_ok(item) for item in value)
    return True


def _option(option: Any) -> bool:
    return isinstance(option, dict) and isinstance(option.get("value"), str)


def _event(body: dict[str, Any]) -> str | None:
    kind = body.get("type")
    if not isinstance(kind, str) or kind not in EVENT_ENVELOPES:
        return "event_type"
    if kind == "url_verification":
        return None if isinstance(body.get("challenge"), str) else "event_challenge"
    if kind == "app_rate_limited":
        return None
    if not _text(body.get("event_id")):
        return "event_event_id"
    event = body.get("event")
    if not isinstance(event, dict) or not _text(event.get("type")):
        return "event_event"
    if event["type"] not in HANDLED_EVENTS:
        return None  # not ours to read (Bolt answers that nothing handles it)
    for name in ("user", "channel", "text", "tab", "ts", "channel_type", "subtype", "bot_id"):
        if event.get(name) is not None and not isinstance(event[name], str):
            return f"event_{name}"
    if event.get("user") is not None and not _user_id(event["user"]):
        return "event_user"
    if event.get("channel") is not None and not _channel_id(event["channel"]):
        return "event_channel"
    if event.get("view") is not None and not isinstance(event["view"], dict):
        return "event_view"
    return None


def _user_id(value: Any) -> bool:
    """A Slack user id: U or W, then capitals and digits (U012AB3CD)."""
    return isinstance(value, str) and bool(_USER_ID.match(value))


def _channel_id(value: Any) -> bool:
    """A Slack conversation id: C, D or G, then capitals and digits (C012AB3CD)."""
    return isinstance(value, str) and bool(_CHANNEL_ID.match(value))


def _url(value: Any) -> bool:
    """A response_url: Slack's is https (the emulator's is http on loopback)."""
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def refused(kind: str, reason: str) -> None:
    """Log a refusal by reason only: the body may hold people's words and figures."""
    log.warning("refused a signed %s request of the wrong shape (%s)", kind, reason)


class AckEveryEnvelope:
    """Socket Mode: Bolt's handler acks an envelope only when the app answered 200, and
    not at all when dispatching raised, so Slack redelivers it and the user waits. This
    checks the payload's shape, dispatches, and acks every envelope whatever happened."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, client: Any, req: Any) -> None:
        from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
        from slack_sdk.socket_mode.response import SocketModeResponse

        started = time.time()
        reason = payload_refusal(req.type, req.payload)
        response = None
        if reason is not None:
            refused(req.type, reason)
        else:
            try:
                response = run_bolt_app(self.app, req)
            except Exception:
                log.exception("dispatching a Socket Mode envelope failed")
        if isinstance(response, BoltResponse) and response.status == 200:
            send_response(client, req, response, started)
        else:
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
