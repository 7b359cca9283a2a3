"""`aigov console`: talk to the bot as a workspace user, in the terminal (errbot style).

Everything runs on a LocalWorkspace: the real app over signed HTTP, the Slack emulator
recording what it does. `Screen` works out what the person would now see in Slack (new
messages, ephemerals, their modal, their App Home) and renders it with
`bot.emulator.text`; `bot.demo` prints its transcript with the same Screen.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table

from bot.emulator.elements import iter_elements
from bot.emulator.payloads import STATE_KEYS, state_values
from bot.emulator.recording import Call
from bot.emulator.server import SlackEmulator
from bot.emulator.text import buttons, inputs, message_to_text, view_to_text
from bot.emulator.user import Reply
from bot.local import DEFAULT_MEMBERS, LocalWorkspace, Member

log = logging.getLogger("aigov.console")

QUIET = 0.3  # the bot is done when no Web API call arrived for this long...
SETTLE_MAX = 5.0  # ...or after this long, whatever happens
POLL = 0.02
GENERAL = "C0GENERAL"
_MENTION = re.compile(r"<([@#])([UWC][A-Z0-9]+)>")
_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")
TEXT_TYPES = {"plain_text_input", "number_input", "email_text_input", "url_text_input"}
ONE_OF = {"static_select", "external_select", "radio_buttons", "overflow"}
MANY_OF = {"multi_static_select", "multi_external_select", "checkboxes"}

HELP = """\
Console commands (anything else is a DM to the bot):
  /aigov ...        a slash command, typed in #general
  @aigov ...        mention the bot in #general
  home              open the bot's App Home tab
  press N [choice]  click button N (a choice for menus, a user id for user pickers)
  fill              answer the open modal's fields one by one, then submit
                    (Enter keeps a value, '-' clears it; selects take a number)
  set N VALUE       set field N of the open modal;  submit  sends it;  cancel  closes it
  modal             show the open modal again
  users             who is in the workspace;  as USER  act as someone else (id or name)
  help              this text;  quit  leave (end of input does too)"""


def settle(
    emulator: SlackEmulator,
    *,
    since: int,
    expect: Mapping[str, int] | None = None,
    quiet: float = QUIET,
    timeout: float = SETTLE_MAX,
) -> list[Call]:
    """Wait until the bot stops calling the Web API (no new call for `quiet` seconds,
    `expect`ed calls made, at most `timeout` seconds); the calls made since `since`."""
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


# ---- what a person sees -------------------------------------------------------------


@dataclass
class Pressable:
    """A clickable element that was shown, and where to find its current copy."""

    number: int
    viewer: str
    where: str  # "message" | "ephemeral" | "view" | "home"
    item: dict[str, Any]  # as bot.emulator.text.buttons() describes it
    channel: str | None = None
    ts: str | None = None
    view_id: str | None = None


@dataclass
class Shown:
    kind: str  # "message" | "ephemeral" | "modal" | "modal_closed" | "home"
    title: str
    body: str = ""
    view: dict[str, Any] | None = None


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
            if info.get("is_im"):
                title = f"aigov → {self.name(user_id)} (DM{', in a thread' if thread else ''})"
            else:
                title = f"aigov in #{info['name']}" + (" (thread reply)" if thread else "")
            title += " (updated)" if state == "updated" else ""
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
            where = f" in #{channel}" if channel and not msg["channel"].startswith("D") else ""
            title = f"aigov → {self.name(user_id)} (only visible to {self.name(user_id)}{where})"
            title += " (updated)" if state == "updated" else ""
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
            return [Shown("modal_closed", "(the modal closes)")] if before else []
        if now == before:
            title = "the open modal"
        elif before and before[0] == top["id"]:
            title = "aigov updates the modal"
        else:
            title = "aigov pushes a modal" if len(stack) > 1 else "aigov opens a modal"
        return [Shown("modal", title, self.render_modal(user_id, top), view=top)]

    def _home(self, user_id: str, *, force: bool) -> list[Shown]:
        home = self.emu.home(user_id)
        if home is None:
            empty = Shown("home", "App Home", "(the app has not published a home tab)")
            return [empty] if force else []
        seen = self._seen.setdefault(user_id, {})
        if seen.get("home") == home["hash"] and not force:
            return []
        seen["home"] = home["hash"]
        named = self.named(home)
        text = self._number(named, view_to_text(named), user_id, "home", view_id=home["id"])
        return [Shown("home", f"{self.name(user_id)}'s App Home", text, view=home)]

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
        shown = self.named(self.current_view(view))
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
        lines.insert(at, f"      ⚠ {error}")
        placed.add(item["block_id"])
    lines += [f"⚠ {key}: {error}" for key, error in errors.items() if key not in placed]
    return "\n".join(lines)


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
        return [_option(options, part, kind) for part in _parts(text)]
    if kind == "users_select":
        return _user(emu, text)
    if kind == "multi_users_select":
        return [_user(emu, part) for part in _parts(text)]
    if kind in ("conversations_select", "channels_select"):
        return _channel(emu, text)
    if kind in ("multi_conversations_select", "multi_channels_select"):
        return [_channel(emu, part) for part in _parts(text)]
    if kind == "datepicker":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise BadAnswer(f'"{text}" is not a date; type YYYY-MM-DD') from None
    if kind == "timepicker":
        try:
            return datetime.strptime(text, "%H:%M").strftime("%H:%M")
        except ValueError:
            raise BadAnswer(f'"{text}" is not a time; type HH:MM') from None
    return text


def _parts(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def _option(options: list[dict[str, Any]], text: str, kind: str) -> str:
    if not options and kind.endswith("external_select"):
        return text
    if text.isdigit() and 1 <= int(text) <= len(options):
        return str(options[int(text) - 1]["value"])
    for option in options:
        if text.lower() in (str(option["value"]).lower(), option["label"].lower()):
            return str(option["value"])
    raise BadAnswer(f'"{text}" is not one of the options; type a number from 1 to {len(options)}')


def find_user(emu: SlackEmulator, text: str) -> str | None:
    wanted = text.strip().lstrip("@")
    for user_id, user in list(emu.ws.users.items()):
        if wanted.upper() == user_id or wanted.lower() == str(user.get("name", "")).lower():
            return user_id
    return None


def _user(emu: SlackEmulator, text: str) -> str:
    user_id = find_user(emu, text)
    if user_id is None:
        raise BadAnswer(f'"{text}" is not in this workspace; `users` lists who is')
    return user_id


def _channel(emu: SlackEmulator, text: str) -> str:
    wanted = text.strip().lstrip("#")
    for channel_id, info in list(emu.ws.channels.items()):
        if wanted.upper() == channel_id or wanted.lower() == str(info.get("name", "")).lower():
            return channel_id
    raise BadAnswer(f'"{text}" is not a channel here')


def _hint(item: dict[str, Any]) -> str:
    kind = item["type"]
    if kind == "checkboxes" and len(item["options"]) == 1:
        return "y/n"
    if kind in ONE_OF:
        return "a number"
    if kind in MANY_OF:
        return "numbers, comma-separated"
    return {
        "users_select": "a user id or name",
        "multi_users_select": "user ids or names, comma-separated",
        "datepicker": "YYYY-MM-DD",
        "timepicker": "HH:MM",
    }.get(kind, "")


# ---- the console ----------------------------------------------------------------------


class Prompter:
    """Reads lines; echoes them when stdin is not a terminal, so a piped transcript
    shows what was typed."""

    def __init__(self, stdin: TextIO, out: Console) -> None:
        self.stdin, self.out = stdin, out
        self.tty = stdin is sys.stdin and _isatty(stdin)

    def ask(self, prompt: str) -> str | None:
        if self.tty:
            try:
                return input(prompt)
            except EOFError:
                return None
        line = self.stdin.readline()
        if not line:
            return None
        line = line.rstrip("\r\n")
        self.out.print(prompt + line)
        return line


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class TextConsole:
    def __init__(self, ws: LocalWorkspace, *, user_id: str, stdin: TextIO, out: Console) -> None:
        self.ws, self.user, self.out = ws, user_id, out
        self.screen = Screen(ws)
        self.prompter = Prompter(stdin, out)

    @property
    def emu(self) -> SlackEmulator:
        return self.ws.emulator

    def run(self) -> None:
        self.out.print(
            f"aigov console: a local workspace (Slack emulator, {self.ws.database_url}).\n"
            f"You are {self.who(self.user)}. Type `help` for commands, `quit` to leave."
        )
        while True:
            try:
                line = self.prompter.ask(self.prompt())
            except KeyboardInterrupt:
                line = None
            if line is None:
                if self.prompter.tty:
                    self.out.print()
                break
            try:
                if self.handle(line.strip()) is False:
                    break
            except KeyboardInterrupt:
                break
            except Exception as exc:  # a console problem is a line, never a stack trace
                log.debug("console command failed", exc_info=True)
                self.out.print(f"(console: {type(exc).__name__}: {exc})")
        self.out.print("bye")

    def prompt(self) -> str:
        modal = " [modal]" if self.screen.top_modal(self.user) else ""
        return f"{self.screen.name(self.user)}{modal}> "

    def role(self, user_id: str) -> str:
        viewer = self.ws.rt.viewer(user_id)
        roles = [r for r, on in (("admin", viewer.is_admin), ("leader", viewer.is_leader)) if on]
        return ", ".join(roles) or "member"

    def who(self, user_id: str) -> str:
        return f"{self.screen.name(user_id)} ({user_id}, {self.role(user_id)})"

    def handle(self, line: str) -> bool | None:
        words = line.split()
        if not words:
            return None
        first, count = words[0].lower(), len(words)
        if line.startswith("/"):
            self.slash(line)
        elif first in ("@aigov", "<@u0aigovbot>"):
            text = line.split(None, 1)[1] if count > 1 else ""
            self.act(lambda: self.ws.slack.mention(self.user, GENERAL, text))
        elif first in ("quit", "exit") and count == 1:
            return False
        elif first == "help" and count == 1:
            self.out.print(HELP)
        elif first == "users" and count == 1:
            self.users()
        elif first == "as" and count == 2:
            self.switch(words[1])
        elif first == "home" and count == 1:
            self.act(lambda: self.ws.slack.open_home(self.user), home=True)
        elif first == "press" and count >= 2 and words[1].isdigit():
            self.press(int(words[1]), line.split(None, 2)[2] if count > 2 else None)
        elif first == "set" and count >= 2 and words[1].isdigit():
            self.set_field(int(words[1]), line.split(None, 2)[2] if count > 2 else None)
        elif first in ("fill", "submit", "cancel", "modal") and count == 1:
            getattr(self, f"modal_{first}")()
        else:
            self.act(lambda: self.ws.slack.dm(self.user, line))
        return None

    # ---- sending ------------------------------------------------------------------

    def act(self, send: Callable[[], Reply | None], *, home: bool = False) -> Reply | None:
        since = len(self.emu.calls)
        reply = send()
        calls = settle(self.emu, since=since)
        if reply is not None and reply.status != 200:
            self.out.print(f"(Slack shows an error: the app answered HTTP {reply.status})")
        elif reply is not None and reply.elapsed > 3:
            self.out.print(f"(Slack would show a timeout: the app took {reply.elapsed:.1f} s)")
        for call in calls:
            if not call.ok:
                detail = call.response.get("errors") or call.response.get("error")
                self.out.print(f"(the bot's {call.method} call failed: {detail})")
        self.show(self.screen.look(self.user, home=home))
        return reply

    def show(self, items: list[Shown]) -> None:
        for item in items:
            self.out.print(item.title, style="bold")
            if item.body:
                self.out.print("\n".join("  " + line for line in item.body.split("\n")))

    def slash(self, line: str) -> None:
        command, _, text = line.partition(" ")
        if command.lower() != "/aigov":
            self.out.print(f"{command} is not a command in this workspace; try /aigov help")
            return
        reply = self.act(lambda: self.ws.slack.command(self.user, text.strip()))
        body = reply.json if reply is not None and reply.status == 200 else None
        if isinstance(body, dict) and ("text" in body or "blocks" in body):
            # An ack with a message body: Slack shows it to the user as an ephemeral.
            text = self.screen.render_message({"ts": "", **body}, self.user, "ack")
            self.show([Shown("ephemeral", f"aigov → {self.screen.name(self.user)}", text)])

    # ---- people -------------------------------------------------------------------

    def users(self) -> None:
        table = Table("", "id", "name", "role", "time zone", box=None)
        for user_id, user in list(self.emu.ws.users.items()):
            if user.get("is_bot"):
                continue
            role = "deactivated" if user.get("deleted") else self.role(user_id)
            table.add_row(
                "*" if user_id == self.user else "", user_id, user["name"], role, user["tz"]
            )
        self.out.print(table)

    def switch(self, text: str) -> None:
        user_id = find_user(self.emu, text)
        if user_id is None or self.emu.ws.users[user_id].get("is_bot"):
            self.out.print(f'"{text}" is not in this workspace; `users` lists who is.')
            return
        if self.emu.ws.users[user_id].get("deleted"):
            self.out.print(f"{self.screen.name(user_id)} is deactivated and cannot use Slack.")
            return
        self.user = user_id
        self.out.print(f"You are now {self.who(user_id)}.")
        self.show(self.screen.look(user_id))

    # ---- buttons ------------------------------------------------------------------

    def press(self, number: int, choice: str | None) -> None:
        shown = self.screen.pressables
        if not 1 <= number <= len(shown):
            have = f"1 to {len(shown)}" if shown else "none yet"
            self.out.print(f"There is no button {number} (buttons shown so far: {have}).")
            return
        p = shown[number - 1]
        source = self._source(p)
        if source is None:
            return
        item = p.item
        selected = None
        if item["type"] != "button":
            if choice is None:
                options = "; ".join(f"{i}. {o['label']}" for i, o in enumerate(item["options"], 1))
                self.out.print(
                    f"[{number}] {item['label']} needs a choice: press {number} CHOICE"
                    + (f" ({options})" if options else "")
                )
                return
            try:
                selected = parse_answer(self.emu, item, choice)
            except BadAnswer as exc:
                self.out.print(str(exc))
                return
        if item.get("url"):
            self.out.print(f"(Slack opens {item['url']} in the browser)")
        value = item.get("value") if item["type"] == "button" else None
        where = {"view": source} if p.where in ("view", "home") else {"message": source}
        self.act(
            lambda: self.ws.slack.click(
                self.user,
                item["action_id"],
                value=value,
                block_id=item["block_id"],
                selected=selected,
                **where,  # type: ignore[arg-type]
            )
        )

    def _source(self, p: Pressable) -> dict[str, Any] | None:
        """The current copy of what holds the button, if this person can see it."""
        name = self.screen.name(p.viewer)
        private = p.where in ("ephemeral", "view", "home") or (p.channel or "").startswith("D")
        if private and p.viewer != self.user:
            self.out.print(f"Button {p.number} is on {name}'s screen; `as {name}` first.")
            return None
        found: dict[str, Any] | None = None
        if p.where == "message":
            found = next((m for m in self.emu.messages(p.channel or "") if m["ts"] == p.ts), None)
        elif p.where == "ephemeral":
            found = next((m for m in self.emu.ephemerals(p.viewer) if m["ts"] == p.ts), None)
        elif p.where == "view":
            open_ids = {v["id"] for v in self.emu.open_views(p.viewer)}
            found = self.emu.view(p.view_id or "") if p.view_id in open_ids else None
        elif p.where == "home":
            found = self.emu.home(p.viewer)
        if found is None:
            self.out.print(f"Button {p.number} is gone (its message or modal is no longer there).")
            return None
        if not any(b["action_id"] == p.item["action_id"] for b in buttons(found)):
            self.out.print(f"Button {p.number} is no longer there; the message changed.")
            return None
        return found

    # ---- modals -------------------------------------------------------------------

    def _modal(self) -> dict[str, Any] | None:
        view = self.screen.top_modal(self.user)
        if view is None:
            self.out.print("No modal is open.")
        return view

    def modal_modal(self) -> None:
        if self._modal() is not None:
            self.show(self.screen.look(self.user, modal=True))

    def modal_fill(self) -> None:
        view = self._modal()
        if view is None:
            return
        pending = self.screen.pending.setdefault(view["id"], {})
        items = inputs(self.screen.named(self.screen.current_view(view)))
        self.out.print(f"Filling in \"{view_title(view)}\": Enter keeps a value, '-' clears it.")
        for n, item in enumerate(items, start=1):
            answer = self._ask_field(n, item, self.screen.errors.get(view["id"], {}))
            if answer is EOF or answer is STOP:
                return
            if answer is not KEEP:
                pending[item["block_id"]] = answer
        self.modal_submit()

    def _ask_field(self, n: int, item: dict[str, Any], errors: Mapping[str, str]) -> Any:
        optional = " (optional)" if item["optional"] else ""
        current = f" = {self._current(item)}" if item["initial"] else ""
        self.out.print(f"({n}) {item['label']}{optional} [{item['type']}]{current}")
        for i, option in enumerate(item["options"], start=1):
            self.out.print(f"      {i}. {option['label']}")
        if errors.get(item["block_id"]):
            self.out.print(f"      ⚠ {errors[item['block_id']]}")
        hint = _hint(item)
        for _ in range(TRIES):
            line = self.prompter.ask(f"    {hint + ' ' if hint else ''}> ")
            if line is None:
                return EOF
            try:
                answer = KEEP if not line.strip() else parse_answer(self.emu, item, line)
            except BadAnswer as exc:
                self.out.print(f"    {exc}")
                continue
            empty = answer in (None, []) or (answer is KEEP and not item["initial"])
            if empty and not item["optional"]:
                self.out.print("    Slack needs this one filled in.")
                continue
            return answer
        self.out.print("(fill stopped; the modal stays open: `fill` again, or `set N VALUE`)")
        return STOP

    def _current(self, item: dict[str, Any]) -> str:
        if item["type"] in ("users_select", "multi_users_select"):
            return ", ".join(f"{u} ({self.screen.name(u)})" for u in _parts(item["initial"]))
        return str(item["initial"])

    def set_field(self, number: int, text: str | None) -> None:
        view = self._modal()
        if view is None:
            return
        items = inputs(self.screen.named(self.screen.current_view(view)))
        if not 1 <= number <= len(items):
            self.out.print(f"The modal has fields 1 to {len(items)}.")
            return
        if text is None:
            self.out.print(f"set {number} VALUE, e.g. set {number} -  to clear it")
            return
        item = items[number - 1]
        try:
            value = parse_answer(self.emu, item, text)
        except BadAnswer as exc:
            self.out.print(str(exc))
            return
        self.screen.pending.setdefault(view["id"], {})[item["block_id"]] = value
        now = inputs(self.screen.current_view(view))[number - 1]["initial"]
        self.out.print(f"({number}) {item['label']} = {now or '(empty)'}")

    def modal_submit(self) -> None:
        view = self._modal()
        if view is None:
            return
        values = dict(self.screen.pending.get(view["id"], {}))
        self.screen.errors.pop(view["id"], None)
        try:
            reply = self.act(lambda: self.ws.slack.submit(self.user, view, values))
        except (ValueError, LookupError) as exc:
            reason = str(exc).removeprefix("Slack would not submit this view: ")
            self.out.print(f"Slack won't submit this yet: {reason}")
            return
        self.screen.pending.pop(view["id"], None)  # the emulator holds the typed state now
        body = reply.json if reply is not None else None
        if isinstance(body, dict) and body.get("response_action") == "errors":
            self.screen.errors[view["id"]] = dict(body.get("errors") or {})
            count = len(self.screen.errors[view["id"]])
            self.out.print(f"aigov keeps the modal open: {count} field(s) need a fix", style="bold")
            self.show(self.screen.look(self.user, modal=True))

    def modal_cancel(self) -> None:
        view = self._modal()
        if view is None:
            return
        self.screen.pending.pop(view["id"], None)
        self.screen.errors.pop(view["id"], None)
        self.act(lambda: self.ws.slack.close(self.user, view))


EOF, KEEP, STOP = object(), object(), object()
TRIES = 3  # bad answers to one field before `fill` gives up (piped input goes on)


def view_title(view: dict[str, Any]) -> str:
    title = view.get("title")
    return str(title.get("text", "") if isinstance(title, dict) else title or "")


def console_members(user_id: str) -> tuple[str, tuple[Member, ...]]:
    """The id to act as (a default member's name works too), and the members: someone
    unknown with a Slack-like id joins the workspace, so `--user U0SOMEONE` works."""
    for m in DEFAULT_MEMBERS:
        if user_id.lower() in (m.user_id.lower(), m.name):
            return m.user_id, DEFAULT_MEMBERS
    if _ID.match(user_id):
        name = user_id.lower()
        return user_id, (*DEFAULT_MEMBERS, Member(user_id, name, f"{name}@example.com"))
    raise BadAnswer(
        f'"{user_id}" is not a workspace user; use a Slack user id like U0MARKET, '
        f"or one of: {', '.join(m.name for m in DEFAULT_MEMBERS if not m.deleted)}"
    )


def run_console(
    *,
    user_id: str,
    database_url: str | None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> None:
    """Type to the bot as a workspace user and read its replies (see HELP)."""
    out = Console(
        file=stdout or sys.stdout, markup=False, highlight=False, soft_wrap=True, emoji=True
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migrating a fresh file is no news
    try:
        user_id, members = console_members(user_id)
    except BadAnswer as exc:
        out.print(str(exc))
        return
    with tempfile.TemporaryDirectory(prefix="aigov-console-") as tmp:
        url = database_url or f"sqlite:///{tmp}/aigov.db"
        with LocalWorkspace(database_url=url, members=members) as ws:
            TextConsole(ws, user_id=user_id, stdin=stdin or sys.stdin, out=out).run()
