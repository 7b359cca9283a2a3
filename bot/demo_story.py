"""The demo's cast and its storyteller: `Story` plays people's actions through `ws.slack`
exactly as Slack would send them, and prints what they then see (via bot.screen) and
what the terminal shows when someone runs a command. Every sentence of narration comes
from templates/demo.j2."""

from __future__ import annotations

import copy
import io
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from bot.demo_data import DemoFiles
from bot.emulator.elements import block_id_of
from bot.emulator.text import inputs, view_to_text
from bot.local import DEFAULT_MEMBERS, LocalWorkspace, Member
from bot.screen import Screen, Shown, settle, with_errors
from templates import environment, say

T = "demo.j2"
QUIET = 0.05  # each step waits for the calls it expects, then this long for stragglers
MANY_OPTIONS = 5  # a modal's select with more options shows the first few


def words(macro: str, *args: Any, **kwargs: Any) -> str:
    """A sentence from templates/demo.j2."""
    return say(T, macro, *args, plain=True, **kwargs)


def vocabulary() -> Any:
    """templates/demo.j2's tables (SCENES, DOING, ...)."""
    return environment(plain=True).get_template(T).module


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    role: str  # a department for owners, else admin / leader / member

    @property
    def label(self) -> str:
        return words("person", self.name, self.role)


ADA = Person("U0ADMIN", "ada", "admin")
LEE = Person("U0LEAD", "lee", "leader")
MAYA = Person("U0MARKET", "maya", "Marketing")
SAM = Person("U0SUPPORT", "sam", "Support")
FIN = Person("U0FINANCE", "fin", "Finance")
SARA = Person("U0SALES", "sara", "Sales")
MO = Person("U0MEMBER", "mo", "member")
MEMBERS = (*DEFAULT_MEMBERS, Member(SARA.user_id, SARA.name, "sara@example.com", "America/Denver"))


class Story:
    """Plays people's actions through `ws.slack` and prints what they then see."""

    def __init__(self, ws: LocalWorkspace, out: Console, *, files: DemoFiles | None = None) -> None:
        self.ws, self.out, self.files = ws, out, files
        self.screen = Screen(ws, shared_channels=True)
        self._modals_shown: set[str] = set()  # callback ids shown in full once

    # ---- narration ----------------------------------------------------------------

    def scene(self, key: str) -> None:
        self.out.print()
        self.out.rule(str(vocabulary().SCENES[key]), characters="─")

    def note(self, text: str) -> None:
        self.out.print(text, style="italic")

    def runs(self, who: Person, command: str) -> None:
        """Someone types a command on the server; `terminal()` then prints its output."""
        self.out.print(words("runs", who.label, command))

    def output(self, lines: list[str]) -> None:
        for line in lines:
            self.out.print("    " + line)

    @contextmanager
    def terminal(self) -> Iterator[Console]:
        """A console for CLI code to print to; its output shows indented, as typed."""
        buffer = io.StringIO()
        yield Console(file=buffer, width=100, highlight=False, soft_wrap=True, markup=False)
        self.output(buffer.getvalue().rstrip("\n").split("\n"))

    # ---- actions ------------------------------------------------------------------

    def types(self, who: Person, text: str, *, expect: Mapping[str, int] | None = None) -> None:
        """A slash command in #general."""
        self.out.print(words("types", who.label, text).rstrip())
        self._after(who, lambda: self.ws.slack.command(who.user_id, text), expect)

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
        self.out.print(words("fills", who.label, doing))
        labels = {i["block_id"]: i for i in inputs(view)}
        for key, raw in values.items():
            label = labels[key]["label"].strip()
            self.out.print("    " + words("typed", label, self._shown_value(labels[key], raw)))
        self.screen.errors.pop(view["id"], None)
        reply = self._after(who, lambda: self.ws.slack.submit(who.user_id, view, dict(values)))
        body = reply.json if isinstance(reply.json, dict) else {}
        if body.get("response_action") == "errors":
            self.screen.errors[view["id"]] = dict(body.get("errors") or {})
            self.out.print(words("kept_open"))
            self._print(Shown("modal", "", self.compact(self._top(who), only_errors=True)))
        return body

    def presses(self, who: Person, label: str, *, expect: Mapping[str, int] | None = None) -> None:
        """Click the newest button with this label that the person was shown."""
        button = next(
            p
            for p in reversed(self.screen.pressables)
            if p.viewer == who.user_id and p.item["label"] == label
        )
        self.out.print(words("presses", who.label, label))
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

    def opens_home(self, who: Person) -> None:
        self.out.print(words("opens_home", who.label))
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
        settle(self.ws.emulator, since=since, expect=expect, quiet=QUIET)
        for item in self.screen.look(who.user_id, home=home):
            self._print(item)
        return reply

    # ---- what people see ------------------------------------------------------------

    def _print(self, item: Shown) -> None:
        if item.kind == "modal" and item.view is not None:
            kind = str(item.view.get("callback_id") or item.view.get("title"))
            full = item.event == "opened" and kind not in self._modals_shown
            self._modals_shown.add(kind)
            body = _fewer_options(item.body) if full else self.compact(item.view)
            item = Shown(item.kind, item.title, body)
        if item.title:
            self.out.print(f"{item.title}{':' if item.body else ''}", style="bold")
        if item.body:
            self.out.print("\n".join("    " + line for line in item.body.split("\n")))

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
            lines.append(words("fields_left", len(rest), filled))
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
            more = words("more_options", len(run) - MANY_OPTIONS + 2)
            run = [*run[: MANY_OPTIONS - 2], "      - " + more]
        lines += run
        run = []
        lines.append(line)
    return "\n".join(lines[:-1])
