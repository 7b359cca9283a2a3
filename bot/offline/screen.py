"""What a person would now see in Slack, worked out from the emulator's record.

`Screen` tracks, per person, the messages, ephemerals, modal and App Home already shown
and renders what is new with `bot.offline.emulator.text`; `settle` waits until the bot has
finished answering. `aigov console` (bot/offline/console.py) and `aigov demo` (bot/offline/demo/) both
print through it. `parse_answer` turns what someone types into a modal field into the
raw value `SlackUser.submit` takes. Every sentence comes from templates/console.j2.
"""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.offline.emulator.elements import iter_elements
from bot.offline.emulator.payloads import STATE_KEYS, state_values
from bot.offline.emulator.recording import Call
from bot.offline.emulator.server import SlackEmulator
from bot.offline.emulator.text import buttons, inputs, message_to_text, view_to_text
from bot.offline.local import LocalWorkspace
from templates import say, tables

TEMPLATE = "console.j2"
QUIET = 0.3  # the bot is done when no Web API call arrived for this long...
SETTLE_MAX = 5.0  # ...or after this long, whatever happens
EXPECT_MAX = 30.0  # calls a step expects are waited for this long (a loaded machine is slow)
POLL = 0.02
_MENTION = re.compile(r"<([@#])([UWC][A-Z0-9]+)>")
TEXT_TYPES = {"plain_text_input", "number_input", "email_text_input", "url_text_input"}
ONE_OF = {"static_select", "external_select", "radio_buttons", "overflow"}
MANY_OF = {"multi_static_select", "multi_external_select", "checkboxes"}


def sentence(macro: str, *args: Any, **kwargs: Any) -> str:
    """A sentence from templates/console.j2, for the terminal."""
    return say(TEMPLATE, macro, *args, plain=True, **kwargs)


def settle(
    emulator: SlackEmulator,
    *,
    since: int,
    expect: Mapping[str, int] | None = None,
    quiet: float = QUIET,
    timeout: float | None = None,
) -> list[Call]:
    """Wait until the bot stops calling the Web API (no new call for `quiet` seconds,
    `expect`ed calls made, at most `timeout` seconds); the calls made since `since`."""
    if timeout is None:
        timeout = EXPECT_MAX if expect else SETTLE_MAX
    deadline = time.monotonic() + timeout
    count, changed = len(emulator.calls), time.monotonic()
    while True:
        now = time.monotonic()
        if len(emulator.calls) != count:
            count, changed = len(emulator.calls), now
        new = emulator.calls[since:]
        met = all(sum(c.method == m for c in new) >= n for m, n in (expect or {}).items())
        if (met and now - changed >= quiet) or now >= deadline:
            return list(emulator.calls[since:])
        time.sleep(POLL)


@dataclass
class Pressable:
    """A clickable element that was shown, and where to find its current copy."""

    number: int
    viewer: str
    where: str  # "message" | "ephemeral" | "view" | "home"
    item: dict[str, Any]  # as bot.offline.emulator.text.buttons() describes it
    channel: str | None = None
    ts: str | None = None
    view_id: str | None = None


@dataclass
class Shown:
    kind: str  # "message" | "ephemeral" | "modal" | "modal_closed" | "home"
    title: str
    body: str = ""
    view: dict[str, Any] | None = None
    event: str = ""  # for modals: "opened" | "pushed" | "updated" | "again"


@dataclass
class Screen:
    """What each person has seen so far, and what is new for them now."""

    ws: LocalWorkspace
    shared_channels: bool = False  # the demo shows a channel post once, to whoever acts
    pressables: list[Pressable] = field(default_factory=list)
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)  # view -> block -> raw
    errors: dict[str, dict[str, str]] = field(default_factory=dict)  # view -> block -> text
    _seen: dict[str, dict[Any, str]] = field(default_factory=dict)
    _modal: dict[str, tuple[str, str] | None] = field(default_factory=dict)

    @property
    def emu(self) -> SlackEmulator:
        return self.ws.emulator

    def name(self, user_id: str) -> str:
        return str(self.emu.ws.users.get(user_id, {}).get("name", user_id))

    def look(self, user_id: str, *, home: bool = False, modal: bool = False) -> list[Shown]:
        """New or changed things for this person, in the order Slack would show them."""
        return [
            *self._messages(user_id),
            *self._ephemerals(user_id),
            *self._modal_change(user_id, force=modal),
            *self._home(user_id, force=home),
        ]

    # ---- messages -----------------------------------------------------------------

    def _is_new(self, user_id: str, key: Any, obj: dict[str, Any], shared: bool) -> str | None:
        """Whether this is "new", "updated" or None (seen as it is now)."""
        fields = {k: obj.get(k) for k in ("text", "blocks", "files", "attachments")}
        fingerprint = json.dumps(fields, sort_keys=True, default=str)
        seen = self._seen.setdefault("*" if shared else user_id, {})
        before = seen.get(key)
        seen[key] = fingerprint
        if before == fingerprint:
            return None
        return "new" if before is None else "updated"

    def _messages(self, user_id: str) -> list[Shown]:
        found = []
        for channel_id, info in list(self.emu.ws.channels.items()):
            if user_id not in info.get("members", []):
                continue
            shared = self.shared_channels and not info.get("is_im")
            for msg in self.emu.messages(channel_id):
                if not msg.get("bot_id"):
                    continue  # people's own words are on their screen already
                state = self._is_new(user_id, ("msg", channel_id, msg["ts"]), msg, shared)
                if state:
                    found.append((msg["ts"], channel_id, msg, state, info))
        shown = []
        for _, channel_id, msg, state, info in sorted(found, key=lambda f: f[0]):
            thread = msg.get("thread_ts") not in (None, msg["ts"])
            updated = state == "updated"
            if info.get("is_im"):
                title = sentence("dm_title", self.name(user_id), thread, updated)
            else:
                title = sentence("channel_title", info["name"], thread, updated)
            body = self.render_message(msg, user_id, "message", channel=channel_id)
            shown.append(Shown("message", title, body))
        return shown

    def _ephemerals(self, user_id: str) -> list[Shown]:
        shown = []
        for msg in self.emu.ephemerals(user_id):
            state = self._is_new(user_id, ("eph", msg["ts"]), msg, False)
            if not state:
                continue
            channel = self.emu.ws.channels.get(msg.get("channel", ""), {}).get("name", "")
            where = channel if channel and not msg["channel"].startswith("D") else ""
            title = sentence("ephemeral_title", self.name(user_id), where, state == "updated")
            body = self.render_message(msg, user_id, "ephemeral", channel=msg.get("channel"))
            shown.append(Shown("ephemeral", title, body))
        return shown

    def render_message(self, msg: dict[str, Any], viewer: str, where: str, **at: Any) -> str:
        named = self.named(msg)
        return self._number(named, message_to_text(named), viewer, where, ts=msg["ts"], **at)

    # ---- views --------------------------------------------------------------------

    def top_modal(self, user_id: str) -> dict[str, Any] | None:
        stack = self.emu.open_views(user_id)
        return stack[-1] if stack else None

    def _modal_change(self, user_id: str, *, force: bool) -> list[Shown]:
        stack = self.emu.open_views(user_id)
        top = stack[-1] if stack else None
        before = self._modal.get(user_id)
        now = (top["id"], top["hash"]) if top else None
        if now == before and not force:
            return []
        self._modal[user_id] = now
        if top is None:
            return [Shown("modal_closed", sentence("modal_closed"))] if before else []
        if now == before:
            event = "again"
        elif before and before[0] == top["id"]:
            event = "updated"
        else:
            event = "pushed" if len(stack) > 1 else "opened"
        body = self.render_modal(user_id, top)
        return [Shown("modal", sentence("modal_title", event), body, view=top, event=event)]

    def _home(self, user_id: str, *, force: bool) -> list[Shown]:
        home = self.emu.home(user_id)
        if home is None:
            empty = Shown("home", sentence("no_home"), sentence("no_home_body"))
            return [empty] if force else []
        seen = self._seen.setdefault(user_id, {})
        if seen.get("home") == home["hash"] and not force:
            return []
        seen["home"] = home["hash"]
        named = self.named(home)
        text = self._number(named, view_to_text(named), user_id, "home", view_id=home["id"])
        return [Shown("home", sentence("home_title", self.name(user_id)), text, view=home)]

    def current_view(self, view: dict[str, Any]) -> dict[str, Any]:
        """A copy of the view showing what is typed in it now (pending, state, initial)."""
        state = state_values(view, self.pending.get(view["id"], {}))
        shown = copy.deepcopy(view)
        for block, element, bid, aid in iter_elements(shown):
            if block.get("type") != "input":
                continue
            key, initial_key, _ = STATE_KEYS.get(element.get("type", ""), ("", None, ""))
            value = (state.get(bid, {}).get(aid) or {}).get(key)
            if initial_key is None:
                continue
            if value in (None, "", []):
                element.pop(initial_key, None)
            else:
                element[initial_key] = value
        return shown

    def render_modal(self, user_id: str, view: dict[str, Any]) -> str:
        shown = self.people_named(self.named(self.current_view(view)))
        text = self._number(shown, view_to_text(shown), user_id, "view", view_id=view["id"])
        return with_errors(text, inputs(shown), self.errors.get(view["id"], {}))

    # ---- helpers ------------------------------------------------------------------

    def named(self, obj: Any) -> Any:
        """A copy with <@U123> as <@U123|maya> and <#C123> as <#C123|general>, so the
        text reads the way Slack shows it."""

        def name_of(match: re.Match[str]) -> str:
            sigil, ident = match.groups()
            if sigil == "@":
                return f"<@{ident}|{self.name(ident)}>"
            channel = self.emu.ws.channels.get(ident, {}).get("name", ident)
            return f"<#{ident}|{channel}>"

        def walk(node: Any, key: str = "") -> Any:
            if isinstance(node, dict) and node.get("type") == "plain_text":
                return node  # Slack shows plain_text as typed: nothing in it is a mention
            if isinstance(node, dict):
                return {k: walk(v, k) for k, v in node.items()}
            if isinstance(node, list):
                return [walk(v, key) for v in node]
            if isinstance(node, str) and key == "text":
                return _MENTION.sub(name_of, node)
            return node

        return walk(obj)

    def people_named(self, view: dict[str, Any]) -> dict[str, Any]:
        """A copy whose user pickers show "U123 (maya)" rather than a bare id."""
        shown = copy.deepcopy(view)
        for block, element, _bid, _aid in iter_elements(shown):
            if block.get("type") != "input":
                continue
            if element.get("initial_user"):
                element["initial_user"] = self._id_and_name(element["initial_user"])
            if element.get("initial_users"):
                element["initial_users"] = [self._id_and_name(u) for u in element["initial_users"]]
        return shown

    def _id_and_name(self, user_id: str) -> str:
        return sentence("id_and_name", user_id, self.name(user_id))

    def _number(self, obj: Any, text: str, viewer: str, where: str, **at: Any) -> str:
        """Renumber "[k] Label" (per message) into global, pressable numbers."""
        pos = 0
        for k, item in enumerate(buttons(obj), start=1):
            number = len(self.pressables) + 1
            self.pressables.append(Pressable(number, viewer, where, item, **at))
            old, new = f"[{k}] {item['label']}", f"[{number}] {item['label']}"
            i = text.find(old, pos)
            if i >= 0:
                text = text[:i] + new + text[i + len(old) :]
                pos = i + len(new)
        return text


def with_errors(text: str, items: list[dict[str, Any]], errors: Mapping[str, str]) -> str:
    """Inline errors under their fields, the way Slack shows response_action errors."""
    lines = text.split("\n")
    placed = set()
    for n, item in enumerate(items, start=1):
        error = errors.get(item["block_id"])
        prefix = f"({n}) {item['label']}"
        at = next((i for i, line in enumerate(lines) if line.startswith(prefix)), None)
        if not error or at is None:
            continue
        at += 1
        while at < len(lines) and lines[at].startswith("      - "):
            at += 1
        lines.insert(at, "      " + sentence("field_error", error))
        placed.add(item["block_id"])
    lines += [sentence("stray_error", k, e) for k, e in errors.items() if k not in placed]
    return "\n".join(lines)


def view_title(view: dict[str, Any]) -> str:
    title = view.get("title")
    return str(title.get("text", "") if isinstance(title, dict) else title or "")


# ---- typed answers for modal fields -----------------------------------------------


class BadAnswer(ValueError):
    pass


def parse_answer(emu: SlackEmulator, item: dict[str, Any], text: str) -> Any:
    """The raw value SlackUser.submit takes for what a person typed into a field."""
    kind, options, text = item["type"], item["options"], text.strip()
    if text == "-":
        return None
    if kind in TEXT_TYPES:
        return text
    if kind in ONE_OF:
        return _option(options, text, kind)
    if kind in MANY_OF:
        if kind == "checkboxes" and len(options) == 1 and text.lower() in ("y", "yes", "n", "no"):
            return [options[0]["value"]] if text.lower().startswith("y") else []
        return [_option(options, part, kind) for part in parts(text)]
    if kind == "users_select":
        return _user(emu, text)
    if kind == "multi_users_select":
        return [_user(emu, part) for part in parts(text)]
    if kind in ("conversations_select", "channels_select"):
        return _channel(emu, text)
    if kind in ("multi_conversations_select", "multi_channels_select"):
        return [_channel(emu, part) for part in parts(text)]
    if kind == "datepicker":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise BadAnswer(sentence("not_a_date", text)) from None
    if kind == "timepicker":
        try:
            return datetime.strptime(text, "%H:%M").strftime("%H:%M")
        except ValueError:
            raise BadAnswer(sentence("not_a_time", text)) from None
    return text


def parts(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def _option(options: list[dict[str, Any]], text: str, kind: str) -> str:
    if not options and kind.endswith("external_select"):
        return text
    if text.isdigit() and 1 <= int(text) <= len(options):
        return str(options[int(text) - 1]["value"])
    for option in options:
        if text.lower() in (str(option["value"]).lower(), option["label"].lower()):
            return str(option["value"])
    raise BadAnswer(sentence("not_an_option", text, len(options)))


def find_user(emu: SlackEmulator, text: str) -> str | None:
    wanted = text.strip().lstrip("@")
    for user_id, user in list(emu.ws.users.items()):
        if wanted.upper() == user_id or wanted.lower() == str(user.get("name", "")).lower():
            return user_id
    return None


def _user(emu: SlackEmulator, text: str) -> str:
    user_id = find_user(emu, text)
    if user_id is None:
        raise BadAnswer(sentence("not_a_user", text))
    return user_id


def _channel(emu: SlackEmulator, text: str) -> str:
    wanted = text.strip().lstrip("#")
    for channel_id, info in list(emu.ws.channels.items()):
        if wanted.upper() == channel_id or wanted.lower() == str(info.get("name", "")).lower():
            return channel_id
    raise BadAnswer(sentence("not_a_channel", text))


def hint(item: dict[str, Any]) -> str:
    """What to type into a field, e.g. "a number" or "YYYY-MM-DD"."""
    kind = item["type"]
    hints = tables(TEMPLATE).HINTS
    if kind == "checkboxes" and len(item["options"]) == 1:
        return str(hints["yes_no"])
    if kind in ONE_OF:
        return str(hints["one_of"])
    if kind in MANY_OF:
        return str(hints["many_of"])
    return str(hints.get(kind, ""))
