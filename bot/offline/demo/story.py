"""The demo's cast and its storyteller: `Story` plays people's actions through `ws.slack`
exactly as Slack would send them, and prints what they then see (via bot.offline.screen) and
what the terminal shows when someone runs a command. Every sentence of narration comes
from templates/demo.j2."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.console import Console

from bot.offline.demo.data import DemoFiles
from bot.offline.emulator.elements import block_id_of
from bot.offline.emulator.text import buttons, inputs, view_to_text
from bot.offline.local import DEFAULT_MEMBERS, LocalWorkspace, Member
from bot.offline.screen import Pressable, Screen, Shown, settle, with_errors
from bot.offline.screen import sentence as screen_sentence
from templates import say, tables

TEMPLATE = "demo.j2"
QUIET = 0.05  # each step waits for the calls it expects, then this long for stragglers
MANY_OPTIONS = 5  # a modal's select with more options shows the first few
OUTBOX_WAIT = 30.0  # at most this long for the outbox to send what is due (slow machines)


def sentence(macro: str, *args: Any, **kwargs: Any) -> str:
    """A sentence from templates/demo.j2."""
    return say(TEMPLATE, macro, *args, plain=True, **kwargs)


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    role: str  # a department for owners, else admin / leader / member

    @property
    def label(self) -> str:
        return sentence("person", self.name, self.role)


ADA = Person("U0ADMIN", "ada", "admin")
LEE = Person("U0LEAD", "lee", "leader")
MAYA = Person("U0MARKET", "maya", "Marketing")
SAM = Person("U0SUPPORT", "sam", "Support")
FIN = Person("U0FINANCE", "fin", "Finance")
SARA = Person("U0SALES", "sara", "Sales")
MO = Person("U0MEMBER", "mo", "member")
MEMBERS = (*DEFAULT_MEMBERS, Member(SARA.user_id, SARA.name, "sara@example.com", "America/Denver"))


class Clock:
    """The demo's clock: the bot reads it (`now=`), scenes move it forward."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class Story:
    """Plays people's actions through `ws.slack` and prints what they then see."""

    def __init__(
        self,
        ws: LocalWorkspace,
        out: Console,
        *,
        files: DemoFiles | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.ws, self.out, self.files = ws, out, files
        self.clock = clock
        self.screen = Screen(ws, shared_channels=True)
        self.dm_edits = True  # False: a DM edited in place is not shown again
        self.file_sizes = False  # True: an upload shows its file name and size
        self._modals_shown: set[str] = set()  # callback ids shown in full once

    # ---- narration ----------------------------------------------------------------

    def scene(self, key: str) -> None:
        self.out.print()
        self.out.rule(str(tables(TEMPLATE).SCENES[key]), characters="─")

    def note(self, text: str) -> None:
        self.out.print(text, style="italic")

    def runs(self, who: Person, command: str) -> None:
        """Someone types a command on the server; `terminal()` then prints its output."""
        self.out.print(sentence("runs", who.label, command))

    def output(self, lines: list[str]) -> None:
        for line in lines:
            self.out.print("    " + line)

    @contextmanager
    def terminal(self) -> Iterator[Console]:
        """A console for CLI code to print to; its output shows indented, as typed."""
        buffer = io.StringIO()
        yield Console(file=buffer, width=100, highlight=False, soft_wrap=True, markup=False)
        self.output(buffer.getvalue().rstrip("\n").split("\n"))

    # ---- time ---------------------------------------------------------------------

    def later(self, moment: datetime, text: str) -> None:
        """Move the clock to `moment` and say so; messages now due go out."""
        if self.clock is None:
            raise RuntimeError("this story's clock is fixed")
        self.clock.now = moment
        self.out.print(sentence("clock", moment, text), style="bold")
        self.ws.rt.wake_outbox()
        self.delivered()

    def delivered(self, *, quiet: float = QUIET) -> None:
        """Wait until the app has done what it was asked (listeners finished, the outbox
        sent what is due by now), then for stragglers."""
        since = len(self.ws.emulator.calls)
        self.ws.quiesce(timeout=OUTBOX_WAIT)
        if len(self.ws.emulator.calls) != since:
            settle(self.ws.emulator, since=len(self.ws.emulator.calls), quiet=quiet)

    def sees(self, who: Person, *, show: bool = True) -> None:
        """What is new on this person's screen (`show=False`: they glance, it is not
        printed)."""
        self.delivered()
        for item in self.screen.look(who.user_id):
            if show:
                self._print(item)

    # ---- actions ------------------------------------------------------------------

    def types(
        self,
        who: Person,
        text: str,
        *,
        channel: str | None = None,
        expect: Mapping[str, int] | None = None,
    ) -> None:
        """A slash command, in #general unless `channel` (an id) says where."""
        where = self._channel_name(channel) if channel else ""
        self.out.print(sentence("types", who.label, text, where).rstrip())
        at = {} if channel is None else {"channel_id": channel}
        self._after(who, lambda: self.ws.slack.command(who.user_id, text, **at), expect)

    def dms(self, who: Person, text: str, *, expect: Mapping[str, int] | None = None) -> None:
        """A direct message to the bot."""
        self.out.print(sentence("dms", who.label, text))
        self._after(who, lambda: self.ws.slack.dm(who.user_id, text), expect)

    def mentions(
        self, who: Person, channel: str, text: str, *, expect: Mapping[str, int] | None = None
    ) -> None:
        """A message in a channel (an id) that @mentions the bot."""
        self.out.print(sentence("mentions", who.label, self._channel_name(channel), text))
        self._after(who, lambda: self.ws.slack.mention(who.user_id, channel, text), expect)

    def _channel_name(self, channel_id: str) -> str:
        return str(self.ws.emulator.ws.channels.get(channel_id, {}).get("name", channel_id))

    def submits(
        self,
        who: Person,
        values: Mapping[str, Any],
        *,
        doing: str = "fills",
        expect: Mapping[str, int] | None = None,
    ) -> dict[str, Any]:
        """Type `values` (by block id) into the person's open modal and submit it."""
        view = self._top(who)
        self.out.print(sentence("fills", who.label, doing))
        labels = {i["block_id"]: i for i in inputs(view)}
        for key, raw in values.items():
            label = labels[key]["label"].strip()
            self.out.print("    " + sentence("typed", label, self._shown_value(labels[key], raw)))
        self.screen.errors.pop(view["id"], None)
        reply = self._after(who, lambda: self.ws.slack.submit(who.user_id, view, dict(values)))
        body = reply.json if isinstance(reply.json, dict) else {}
        if body.get("response_action") == "errors":
            self.screen.errors[view["id"]] = dict(body.get("errors") or {})
            self.out.print(sentence("kept_open"))
            self._print(Shown("modal", "", self.compact(self._top(who), only_errors=True)))
        return body

    def presses(
        self,
        who: Person,
        label: str,
        *,
        on: str | None = None,
        expect: Mapping[str, int] | None = None,
    ) -> None:
        """Click the newest button with this label that the person can see (`on`: the
        one beside, or on the message about, this text). A channel's posts are on every
        member's screen."""
        button = next(
            p
            for p in reversed(self.screen.pressables)
            if self._can_see(who, p)
            and p.item["label"] == label
            and (on is None or on in (self._context(p) or ""))
        )
        self.out.print(sentence("presses", who.label, label) + (sentence("on", on) if on else ""))
        if button.where in ("view", "home"):
            source = {"view": self.ws.emulator.view(button.view_id or "")}
        elif button.where == "ephemeral":
            found = self.ws.emulator.ephemerals(who.user_id)
            source = {"message": next(m for m in found if m["ts"] == button.ts)}
        else:
            found = self.ws.emulator.messages(button.channel or "")
            source = {"message": next(m for m in found if m["ts"] == button.ts)}
        action_id, value = button.item["action_id"], button.item.get("value")
        self._after(
            who,
            lambda: self.ws.slack.click(who.user_id, action_id, value=value, **source),  # type: ignore[arg-type]
            expect,
        )

    def _can_see(self, who: Person, p: Pressable) -> bool:
        if p.viewer == who.user_id:
            return True
        channel = self.ws.emulator.ws.channels.get(p.channel or "", {})
        return (
            p.where == "message"
            and not channel.get("is_im")
            and who.user_id in channel.get("members", [])
        )

    def _context(self, p: Pressable) -> str | None:
        """The text a button sits beside (its section's; for a row of buttons, its
        message's header and the section above the row), or None when the message no
        longer has it (a decided card loses its buttons)."""
        if p.where != "message":
            return ""
        found = self.ws.emulator.messages(p.channel or "")
        message = next((m for m in found if m["ts"] == p.ts), None)
        if message is None or not any(
            b["action_id"] == p.item["action_id"] and b["value"] == p.item["value"]
            for b in buttons(message)
        ):
            return None
        blocks = message.get("blocks") or []
        header = next((b for b in blocks if b.get("type") == "header"), None)
        whole = json.dumps(header or message.get("text") or "", ensure_ascii=False)
        above = ""  # a row of buttons is also about the section just above it
        for n, block in enumerate(blocks):
            if block_id_of(block, n) == p.item["block_id"]:
                if block.get("text"):
                    return json.dumps(block["text"], ensure_ascii=False)
                return whole + above
            if block.get("type") == "section" and block.get("text"):
                above = json.dumps(block["text"], ensure_ascii=False)
        return whole

    def opens_home(self, who: Person) -> None:
        self.out.print(sentence("opens_home", who.label))
        self._after(
            who, lambda: self.ws.slack.open_home(who.user_id), {"views.publish": 1}, home=True
        )

    def _after(
        self,
        who: Person,
        send: Callable[[], Any],
        expect: Mapping[str, int] | None = None,
        *,
        home: bool = False,
    ) -> Any:
        since = len(self.ws.emulator.calls)
        reply = send()
        self.ws.quiesce(timeout=OUTBOX_WAIT)  # listeners run after the ack: let them finish
        settle(self.ws.emulator, since=since, expect=expect, quiet=QUIET)
        self.delivered()
        for item in self.screen.look(who.user_id, home=home):
            self._print(item)
        return reply

    # ---- what people see ------------------------------------------------------------

    def _print(self, item: Shown) -> None:
        if not self.dm_edits and item.kind == "message" and item.title in self._edited_dm_titles:
            return
        if item.kind == "modal" and item.view is not None:
            kind = str(item.view.get("callback_id") or item.view.get("title"))
            full = item.event == "opened" and kind not in self._modals_shown
            self._modals_shown.add(kind)
            body = _fewer_options(item.body) if full else self.compact(item.view)
            item = Shown(item.kind, item.title, body)
        if self.file_sizes and "📎 " in item.body:
            item = Shown(item.kind, item.title, self._with_sizes(item.body))
        if item.title:
            self.out.print(f"{item.title}{':' if item.body else ''}", style="bold")
        if item.body:
            self.out.print("\n".join("    " + line for line in item.body.split("\n")))

    def _with_sizes(self, body: str) -> str:
        """Each "📎 title" line with the newest upload of that title's name and size."""
        uploads = [f for f in self.ws.emulator.files.values() if f.get("bytes") is not None]
        lines = []
        for line in body.split("\n"):
            title = line.removeprefix("📎 ")
            upload = next((f for f in reversed(uploads) if f.get("title") == title), None)
            if line.startswith("📎 ") and upload is not None:
                line = sentence("upload_line", title, upload["name"], len(upload["bytes"]))
            lines.append(line)
        return "\n".join(lines)

    @property
    def _edited_dm_titles(self) -> set[str]:
        names = [str(u.get("name", "")) for u in self.ws.emulator.ws.users.values()]
        return {
            screen_sentence("dm_title", n, thread, True) for n in names for thread in (False, True)
        }

    def compact(self, view: dict[str, Any], *, only_errors: bool = False) -> str:
        """A modal shortened for the transcript: its text, the fields to fix, the boxes to
        tick, and a count of the other fields."""
        shown = self.screen.people_named(self.screen.named(self.screen.current_view(view)))
        errors = self.screen.errors.get(view["id"], {})
        fields = inputs(shown)
        keep = {
            i["block_id"]
            for i in fields
            if i["block_id"] in errors or (i["type"] == "checkboxes" and not only_errors)
        }
        blocks = [
            b
            for n, b in enumerate(shown.get("blocks") or [])
            if (b.get("type") != "input" and not only_errors) or block_id_of(b, n) in keep
        ]
        shown = {**copy.deepcopy(shown), "blocks": blocks}
        if only_errors:
            shown.update(title=None, submit=None, close=None)
        lines, choices = [], False
        for line in with_errors(view_to_text(shown), inputs(shown), errors).split("\n"):
            if line.startswith("("):
                choices = "[checkboxes]" in line
            if choices or not line.startswith("      - "):
                lines.append(line)
        rest = [i for i in fields if i["block_id"] not in keep]
        if rest and not only_errors:
            filled = sum(1 for i in rest if i["initial"])
            lines.append(sentence("fields_left", len(rest), filled))
        return "\n".join(lines)

    def _top(self, who: Person) -> dict[str, Any]:
        view = self.screen.top_modal(who.user_id)
        if view is None:
            raise RuntimeError(f"{who.name} has no modal open")
        return view

    def _shown_value(self, item: dict[str, Any], raw: Any) -> str:
        labels = {o["value"]: o["label"] for o in item["options"]}
        values = raw if isinstance(raw, list) else [raw]
        return ", ".join(
            labels.get(v, self.screen.name(v) if v in self.ws.emulator.ws.users else v)
            for v in values
        )


def _fewer_options(text: str) -> str:
    """A modal's text with long option lists cut to their first few."""
    lines: list[str] = []
    run: list[str] = []
    for line in [*text.split("\n"), ""]:
        if line.startswith("      - "):
            run.append(line)
            continue
        if len(run) > MANY_OPTIONS:
            more = sentence("more_options", len(run) - MANY_OPTIONS + 2)
            run = [*run[: MANY_OPTIONS - 2], "      - " + more]
        lines += run
        run = []
        lines.append(line)
    return "\n".join(lines[:-1])
