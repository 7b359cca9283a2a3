"""`aigov console`: talk to the bot as a workspace user, in the terminal (errbot style).

Everything runs on a LocalWorkspace: the real app over signed HTTP, the Slack emulator
recording what it does. `bot.offline.screen.Screen` works out what the person would now see in
Slack (new messages, ephemerals, their modal, their App Home); this module reads what
they type and acts. Every sentence comes from templates/console.j2.
"""

from __future__ import annotations

import logging
import re
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from sqlmodel import select

from bot.offline.emulator.server import SlackEmulator
from bot.offline.emulator.text import buttons, inputs
from bot.offline.emulator.user import Reply
from bot.offline.local import DEFAULT_MEMBERS, LocalWorkspace, Member
from bot.offline.screen import (
    BadAnswer,
    Pressable,
    Screen,
    Shown,
    find_user,
    hint,
    parse_answer,
    parts,
    sentence,
    settle,
    view_title,
)
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Person
from templates import tables
from workflows.inventory import inventory

log = logging.getLogger("aigov.console")

GENERAL = "C0GENERAL"
_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")
LOG_FILE = "aigov-console.log"  # in the system's temp folder: log lines go there, not on screen


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

    def run(self, *, log_file: Path | None = None) -> None:
        self.out.print(sentence("welcome", self.ws.database_url, self.who(self.user), log_file))
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
                self.out.print(sentence("console_failed", type(exc).__name__, str(exc)))
        self.out.print(sentence("bye"))

    def prompt(self) -> str:
        modal = self.screen.top_modal(self.user) is not None
        return sentence("prompt", self.screen.name(self.user), modal) + " "

    def role(self, user_id: str) -> str:
        viewer = self.ws.rt.viewer(user_id)
        names = tables("console.j2").ROLES
        roles = [
            names[r] for r, on in (("admin", viewer.is_admin), ("leader", viewer.is_leader)) if on
        ]
        if not roles:  # an owner is a member who owns an initiative
            with self.ws.db.read() as session:
                owns = inventory.list_initiatives(session, owner_id=user_id)
            roles = [names["owner"] if owns else names["member"]]
        return ", ".join(roles)

    def who(self, user_id: str) -> str:
        return sentence("who", self.screen.name(user_id), user_id, self.role(user_id))

    def handle(self, line: str) -> bool | None:
        tokens = line.split()
        if not tokens:
            return None
        first, count = tokens[0].lower(), len(tokens)
        if line.startswith("/"):
            self.slash(line)
        elif first in ("@aigov", "<@u0aigovbot>"):
            text = line.split(None, 1)[1] if count > 1 else ""
            self.act(lambda: self.ws.slack.mention(self.user, GENERAL, text))
        elif first in ("quit", "exit") and count == 1:
            return False
        elif first == "help" and count == 1:
            self.out.print(sentence("help"))
        elif first == "users" and count == 1:
            self.users()
        elif first == "as" and count == 2:
            self.switch(tokens[1])
        elif first == "home" and count == 1:
            self.act(lambda: self.ws.slack.open_home(self.user), home=True)
        elif first == "press" and count >= 2 and tokens[1].isdigit():
            self.press(int(tokens[1]), line.split(None, 2)[2] if count > 2 else None)
        elif first == "set" and count >= 2 and tokens[1].isdigit():
            self.set_field(int(tokens[1]), line.split(None, 2)[2] if count > 2 else None)
        elif first in ("fill", "submit", "cancel", "modal") and count == 1:
            getattr(self, f"modal_{first}")()
        else:
            self.act(lambda: self.ws.slack.dm(self.user, line))
        return None

    # ---- sending ------------------------------------------------------------------

    def act(self, send: Callable[[], Reply | None], *, home: bool = False) -> Reply | None:
        since = len(self.emu.calls)
        reply = send()
        self.ws.quiesce()  # the listener runs after the ack; its DMs go through the outbox
        # Home is published after the ack, and its first build on a big database can
        # outlast a quiet pause: wait for the publish itself.
        calls = settle(self.emu, since=since, expect={"views.publish": 1} if home else None)
        if reply is not None and reply.status != 200:
            self.out.print(sentence("http_error", reply.status))
        elif reply is not None and reply.elapsed > 3:
            self.out.print(sentence("too_slow", reply.elapsed))
        for call in calls:
            if not call.ok:
                detail = call.response.get("errors") or call.response.get("error")
                self.out.print(sentence("call_failed", call.method, detail))
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
            self.out.print(sentence("not_a_command", command))
            return
        reply = self.act(lambda: self.ws.slack.command(self.user, text.strip()))
        body = reply.json if reply is not None and reply.status == 200 else None
        if isinstance(body, dict) and ("text" in body or "blocks" in body):
            # An ack with a message body: Slack shows it to the user as an ephemeral.
            text = self.screen.render_message({"ts": "", **body}, self.user, "ack")
            self.show([Shown("ephemeral", sentence("ack_title", self.screen.name(self.user)), text)])

    # ---- people -------------------------------------------------------------------

    def users(self) -> None:
        table = Table(*tables("console.j2").USER_COLUMNS, box=None)
        for user_id, user in list(self.emu.ws.users.items()):
            if user.get("is_bot"):
                continue
            role = tables("console.j2").ROLES["deactivated"] if user.get("deleted") else self.role(user_id)
            table.add_row(
                "*" if user_id == self.user else "", user_id, user["name"], role, user["tz"]
            )
        self.out.print(table)

    def switch(self, text: str) -> None:
        user_id = find_user(self.emu, text)
        if user_id is None or self.emu.ws.users[user_id].get("is_bot"):
            self.out.print(sentence("unknown_person", text))
            return
        if self.emu.ws.users[user_id].get("deleted"):
            self.out.print(sentence("deactivated", self.screen.name(user_id)))
            return
        self.user = user_id
        self.out.print(sentence("you_are_now", self.who(user_id)))
        self.show(self.screen.look(user_id))

    # ---- buttons ------------------------------------------------------------------

    def press(self, number: int, choice: str | None) -> None:
        shown = self.screen.pressables
        if not 1 <= number <= len(shown):
            self.out.print(sentence("no_such_button", number, len(shown)))
            return
        p = shown[number - 1]
        source = self._source(p)
        if source is None:
            return
        item = p.item
        selected = None
        if item["type"] != "button":
            if choice is None:
                options = [o["label"] for o in item["options"]]
                self.out.print(sentence("needs_choice", number, item["label"], options))
                return
            try:
                selected = parse_answer(self.emu, item, choice)
            except BadAnswer as exc:
                self.out.print(str(exc))
                return
        if item.get("url"):
            self.out.print(sentence("opens_url", item["url"]))
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
            self.out.print(sentence("button_elsewhere", p.number, name))
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
            self.out.print(sentence("button_gone", p.number))
            return None
        if not any(b["action_id"] == p.item["action_id"] for b in buttons(found)):
            self.out.print(sentence("button_changed", p.number))
            return None
        return found

    # ---- modals -------------------------------------------------------------------

    def _modal(self) -> dict[str, Any] | None:
        view = self.screen.top_modal(self.user)
        if view is None:
            self.out.print(sentence("no_modal"))
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
        self.out.print(sentence("filling", view_title(view)))
        for n, item in enumerate(items, start=1):
            answer = self._ask_field(n, item, self.screen.errors.get(view["id"], {}))
            if answer is EOF or answer is STOP:
                return
            if answer is not KEEP:
                pending[item["block_id"]] = answer
        self.modal_submit()

    def _ask_field(self, n: int, item: dict[str, Any], errors: Mapping[str, str]) -> Any:
        current = self._current(item) if item["initial"] else ""
        self.out.print(sentence("field", n, item["label"], item["optional"], item["type"], current))
        for i, option in enumerate(item["options"], start=1):
            self.out.print("      " + sentence("option", i, option["label"]))
        if errors.get(item["block_id"]):
            self.out.print("      " + sentence("field_error", errors[item["block_id"]]))
        ask = "    " + sentence("ask", hint(item)) + " "
        for _ in range(TRIES):
            line = self.prompter.ask(ask)
            if line is None:
                return EOF
            try:
                answer = KEEP if not line.strip() else parse_answer(self.emu, item, line)
            except BadAnswer as exc:
                self.out.print(f"    {exc}")
                continue
            empty = answer in (None, []) or (answer is KEEP and not item["initial"])
            if empty and not item["optional"]:
                self.out.print("    " + sentence("required"))
                continue
            return answer
        self.out.print(sentence("fill_stopped"))
        return STOP

    def _current(self, item: dict[str, Any]) -> str:
        if item["type"] in ("users_select", "multi_users_select"):
            names = [sentence("id_and_name", u, self.screen.name(u)) for u in parts(item["initial"])]
            return ", ".join(names)
        return str(item["initial"])

    def set_field(self, number: int, text: str | None) -> None:
        view = self._modal()
        if view is None:
            return
        items = inputs(self.screen.named(self.screen.current_view(view)))
        if not 1 <= number <= len(items):
            self.out.print(sentence("field_numbers", len(items)))
            return
        if text is None:
            self.out.print(sentence("set_usage", number))
            return
        item = items[number - 1]
        try:
            value = parse_answer(self.emu, item, text)
        except BadAnswer as exc:
            self.out.print(str(exc))
            return
        self.screen.pending.setdefault(view["id"], {})[item["block_id"]] = value
        now = inputs(self.screen.current_view(view))[number - 1]["initial"]
        self.out.print(sentence("field_set", number, item["label"], now))

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
            self.out.print(sentence("will_not_submit", reason))
            return
        self.screen.pending.pop(view["id"], None)  # the emulator holds the typed state now
        body = reply.json if reply is not None else None
        if isinstance(body, dict) and body.get("response_action") == "errors":
            self.screen.errors[view["id"]] = dict(body.get("errors") or {})
            count = len(self.screen.errors[view["id"]])
            self.out.print(sentence("kept_open", count), style="bold")
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


def known_members(database_url: str) -> tuple[Member, ...]:
    """Everyone the database knows (the directory's cache of the people the bot looked
    up), as workspace members: a kept demo database brings its whole cast."""
    db = Database(database_url)
    try:
        upgrade(db)  # as the workspace will; a fresh file has no people yet
        with db.read() as session:
            people = session.exec(select(Person).order_by(Person.user_id)).all()
    finally:
        db.dispose()
    return tuple(
        Member(
            p.user_id,
            p.name or p.user_id.lower(),
            p.email or "",
            p.tz or DEFAULT_MEMBERS[0].tz,
            deleted=p.deactivated,
        )
        for p in people
    )


def console_members(user_id: str, known: Iterable[Member] = ()) -> tuple[str, tuple[Member, ...]]:
    """The id to act as (a member's name works too), and the members: the default ones
    and those the database knows (`known`, which win for the same id); someone unknown
    with a Slack-like id joins the workspace, so `--user U0SOMEONE` works."""
    by_id = {m.user_id: m for m in DEFAULT_MEMBERS}
    by_id.update({m.user_id: m for m in known})
    members = tuple(by_id.values())
    for m in members:
        if user_id.lower() in (m.user_id.lower(), m.name.lower()):
            return m.user_id, members
    if _ID.match(user_id):
        name = user_id.lower()
        return user_id, (*members, Member(user_id, name, f"{name}@example.com"))
    names = [m.name for m in members if not m.deleted]
    raise BadAnswer(sentence("not_a_workspace_user", user_id, names))


@contextmanager
def logs_to_file(path: Path) -> Iterator[None]:
    """Every log line goes to `path` while the console runs: the app's threads log
    (the outbox, the HTTP server) and a line on stderr would land in the conversation."""
    root = logging.getLogger()
    saved = root.handlers[:]
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for old in saved:  # keep the token redaction configure_logging set up
        for kept in old.filters:
            handler.addFilter(kept)
    root.handlers[:] = [handler]
    logging.captureWarnings(True)
    try:
        yield
    finally:
        logging.captureWarnings(False)
        root.handlers[:] = saved
        handler.close()


def run_console(
    *,
    user_id: str,
    database_url: str | None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    log_file: Path | None = None,
) -> None:
    """Type to the bot as a workspace user and read its replies (`help` lists commands);
    on an existing database, as any person it knows (a kept `aigov demo --keep` file)."""
    out = Console(
        file=stdout or sys.stdout, markup=False, highlight=False, soft_wrap=True, emoji=True
    )
    log_file = log_file or Path(tempfile.gettempdir()) / LOG_FILE
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migrating a fresh file is no news
    with logs_to_file(log_file), tempfile.TemporaryDirectory(prefix="aigov-console-") as tmp:
        try:
            known = known_members(database_url) if database_url else ()
            user_id, members = console_members(user_id, known)
        except BadAnswer as exc:
            out.print(str(exc))
            return
        url = database_url or f"sqlite:///{tmp}/aigov.db"
        with LocalWorkspace(database_url=url, members=members) as ws:
            console = TextConsole(ws, user_id=user_id, stdin=stdin or sys.stdin, out=out)
            console.run(log_file=log_file)
