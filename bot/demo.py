"""`aigov demo`: the inventory story, played against the built-in Slack emulator.

No Slack is needed: a LocalWorkspace runs the real app over signed HTTP, every person's
action goes through `ws.slack` exactly as Slack would send it, and what they see is
read back from `ws.emulator` and printed as a conversation. The story is a list of
scenes (`SCENES`), small functions taking a `Story`; add one to tell more.
"""

from __future__ import annotations

import copy
import logging
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table

from bot.console import Screen, Shown, settle, with_errors
from bot.emulator.elements import block_id_of
from bot.emulator.text import inputs, view_to_text
from bot.local import DEFAULT_MEMBERS, LocalWorkspace, Member
from templates import say
from workflows import inventory
from workflows import settings as settings_flow

QUIET = 0.05  # each step waits for the calls it expects, then this long for stragglers
GOVERNANCE = "C0GOVERN"


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    role: str  # a department for owners, else admin / leader / member

    @property
    def label(self) -> str:
        return f"{self.name} ({self.role})"


ADA = Person("U0ADMIN", "ada", "admin")
LEE = Person("U0LEAD", "lee", "leader")
MAYA = Person("U0MARKET", "maya", "Marketing")
SAM = Person("U0SUPPORT", "sam", "Support")
FIN = Person("U0FINANCE", "fin", "Finance")
SARA = Person("U0SALES", "sara", "Sales")
MO = Person("U0MEMBER", "mo", "member")
MEMBERS = (*DEFAULT_MEMBERS, Member(SARA.user_id, SARA.name, "sara@example.com", "America/Denver"))

SUPPORT_ASSISTANT = {
    "name": "Customer Support Assistant",
    "description": "Drafts answers to customer tickets from the help centre articles",
    "department": "Support",
    "cost_center": "CS-100",
    "use_case": "answer customer tickets",
    "provider": "OpenAI",
    "model": "gpt-4o",
    "launched_on": "2026-02-02",
    "budget_amount": "30,000",
    "budget_period": "quarter",
    "outcome_unit": "ticket resolved",
    "value_per_outcome": "6.50",
    "baseline_cost_per_outcome": "7.80",
    "target_cost_per_outcome": "1.20",
    "min_monthly_outcomes": "4000",
}
INVOICE_EXTRACTION = {
    "name": "Invoice Extraction",
    "description": "Reads supplier invoices (PDF) into the ERP",
    "department": "Finance",
    "cost_center": "FIN-220",
    "use_case": "document extraction",
    "provider": "Azure OpenAI",
    "model": "gpt-4o-mini",
    "budget_amount": "12k",  # a typo: fixed after the inline error
    "budget_period": "quarter",
    "outcome_unit": "invoice processed",
    "value_per_outcome": "3.20",
    "baseline_cost_per_outcome": "4.10",
}
CAMPAIGN_COPY = {
    "name": "Campaign Copy Writer",
    "description": "Drafts ad copy and campaign emails in the brand voice",
    "department": "Marketing",
    "use_case": "marketing copy",
    "provider": "Anthropic",
    "model": "claude-sonnet",
    "budget_amount": "4,500",
    "budget_period": "month",
    "outcome_unit": "campaign asset",
    "value_per_outcome": "40",
    "baseline_cost_per_outcome": "120",
}
CALL_SUMMARIES = {
    "name": "Sales Call Summaries",
    "description": "Summarises recorded sales calls into CRM notes and next steps",
    "department": "Sales",
    "use_case": "call summarisation",
    "provider": "Anthropic",
    "budget_amount": "18,000",
    "budget_period": "year",
    "outcome_unit": "call summarised",
    "value_per_outcome": "2.50",
}
SERVICE_CHATBOT = {
    "name": "Customer Service Chatbot",
    "description": "Answers customer questions in the website chat",
    "department": "Marketing",
    "use_case": "answer customer questions",
    "provider": "OpenAI",
    "budget_amount": "2,000",
    "budget_period": "month",
}


class Story:
    """Plays people's actions through `ws.slack` and prints what they then see."""

    def __init__(self, ws: LocalWorkspace, out: Console) -> None:
        self.ws, self.out = ws, out
        self.screen = Screen(ws, shared_channels=True)
        self._full_modal_shown = False

    # ---- narration ----------------------------------------------------------------

    def scene(self, title: str) -> None:
        self.out.print()
        self.out.rule(title, characters="─")

    def note(self, text: str) -> None:
        self.out.print(text, style="italic")

    # ---- actions ------------------------------------------------------------------

    def types(self, who: Person, text: str, *, expect: Mapping[str, int] | None = None) -> None:
        """A slash command in #general."""
        self.out.print(f"{who.label} types: /aigov {text}".rstrip())
        self._after(who, lambda: self.ws.slack.command(who.user_id, text), expect)

    def submits(
        self,
        who: Person,
        values: Mapping[str, Any],
        *,
        doing: str = "fills in the form and submits",
        expect: Mapping[str, int] | None = None,
    ) -> dict[str, Any]:
        """Type `values` (by block id) into the person's open modal and submit it."""
        view = self._top(who)
        self.out.print(f"{who.label} {doing}:")
        labels = {i["block_id"]: i for i in inputs(view)}
        for key, raw in values.items():
            label = labels[key]["label"].strip()
            value = self._shown_value(labels[key], raw)
            self.out.print(f"    {label}: {value}" if label else f"    ☑ {value}")
        self.screen.errors.pop(view["id"], None)
        reply = self._after(who, lambda: self.ws.slack.submit(who.user_id, view, dict(values)))
        body = reply.json if isinstance(reply.json, dict) else {}
        if body.get("response_action") == "errors":
            self.screen.errors[view["id"]] = dict(body.get("errors") or {})
            self.out.print("aigov keeps the modal open and marks what to fix:")
            self._print(Shown("modal", "", self.compact(self._top(who), only_errors=True)))
        return body

    def presses(self, who: Person, label: str, *, expect: Mapping[str, int] | None = None) -> None:
        """Click the newest button with this label that the person was shown."""
        button = next(
            p
            for p in reversed(self.screen.pressables)
            if p.viewer == who.user_id and p.item["label"] == label
        )
        self.out.print(f"{who.label} presses [{label}]")
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
        self.out.print(f"{who.label} opens aigov's App Home")
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
            full = not self._full_modal_shown and item.title == "aigov opens a modal"
            self._full_modal_shown = self._full_modal_shown or full
            body = item.body if full else self.compact(item.view)
            item = Shown(item.kind, item.title, body)
        if item.title:
            self.out.print(f"{item.title}{':' if item.body else ''}", style="bold")
        if item.body:
            self.out.print("\n".join("    " + line for line in item.body.split("\n")))

    def compact(self, view: dict[str, Any], *, only_errors: bool = False) -> str:
        """A modal shortened for the transcript: its text, the fields to fix, the boxes to
        tick, and a count of the other fields."""
        shown = self.screen.named(self.screen.current_view(view))
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
            lines.append(f"({len(rest)} fields, {filled} filled in)")
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


# ---- the scenes -------------------------------------------------------------------------


def setup(story: Story) -> None:
    story.scene("Setting up")
    story.note("ada (admin) points aigov at the governance channel, from the server:")
    story.out.print(f"    $ aigov settings set governance_channel {GOVERNANCE}")
    with story.ws.db.write() as session:
        settings_flow.put(
            session, key="governance_channel", text=GOVERNANCE, actor=ADA.user_id, source="cli"
        )
    story.out.print(
        "    " + say("serve.j2", "setting_saved", "governance_channel", GOVERNANCE, plain=True)
    )


def register(story: Story, who: Person, values: Mapping[str, Any]) -> dict[str, Any]:
    story.types(who, "register", expect={"views.open": 1})
    return story.submits(who, values, expect={"chat.postMessage": 1})


def support_registers(story: Story) -> None:
    story.scene("Support registers its assistant")
    register(story, SAM, SUPPORT_ASSISTANT)


def finance_fixes_a_typo(story: Story) -> None:
    story.scene("Finance registers, with a typo")
    answer = register(story, FIN, INVOICE_EXTRACTION)
    if answer.get("response_action") == "errors":
        story.submits(
            FIN,
            {"budget_amount": "12,000"},
            doing="fixes the budget and submits again",
            expect={"chat.postMessage": 1},
        )


def marketing_and_sales_register(story: Story) -> None:
    story.scene("Marketing and Sales register theirs")
    register(story, MAYA, CAMPAIGN_COPY)
    register(story, SARA, CALL_SUMMARIES)


def sprawl_warning(story: Story) -> None:
    story.scene("Sprawl: Marketing starts a second customer-service bot")
    answer = register(story, MAYA, SERVICE_CHATBOT)
    if answer.get("response_action") == "update":
        story.note("Nothing is saved yet: maya talks to sam, and registers anyway.")
        story.submits(
            MAYA,
            {"sprawl_ack": ["yes"]},
            doing="ticks the box and submits",
            expect={"chat.postMessage": 2},
        )


def inventory_lists(story: Story) -> None:
    story.scene("The inventory")
    story.types(MO, "list", expect={"response_url": 1})
    story.types(LEE, "list pilot", expect={"response_url": 1})


def figures_by_role(story: Story) -> None:
    story.scene("Figures only for those who may see them")
    story.types(LEE, "show Customer Support Assistant", expect={"response_url": 1})
    story.types(MO, "show Customer Support Assistant", expect={"response_url": 1})


def owner_edits(story: Story) -> None:
    story.scene("The owner moves it to production")
    story.types(SAM, "show Customer Support Assistant", expect={"response_url": 1})
    story.presses(SAM, "Edit", expect={"views.open": 1})
    story.submits(
        SAM,
        {"stage": "production"},
        doing="changes the stage and saves",
        expect={"chat.postMessage": 1},
    )


def owner_home(story: Story) -> None:
    story.scene("App Home")
    story.opens_home(SAM)


SCENES: list[Callable[[Story], None]] = [
    setup,
    support_registers,
    finance_fixes_a_typo,
    marketing_and_sales_register,
    sprawl_warning,
    inventory_lists,
    figures_by_role,
    owner_edits,
    owner_home,
]


def summary(story: Story) -> None:
    story.scene("Summary")
    with story.ws.db.read() as session:
        rows = inventory.list_initiatives(session)
    story.out.print(f"Initiatives registered: {len(rows)}")
    for row in rows:
        story.out.print(f"    {row.name} ({row.department}, {row.stage})")
    calls = Counter(call.method for call in story.ws.emulator.calls)
    table = Table("Slack API method", "calls", box=None, title=None)
    for method, count in sorted(calls.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(method, str(count))
    story.out.print(f"Slack API calls made by the bot: {sum(calls.values())}")
    story.out.print(table)


def _database(keep: str | None, tmp: str) -> str:
    if keep is None:
        return f"sqlite:///{tmp}/aigov-demo.db"
    path = Path(keep).expanduser().resolve()
    if path.exists():
        raise SystemExit(f"{path} already exists; remove it or choose another --keep path.")
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def run_demo(*, keep: str | None = None, out: TextIO | None = None) -> None:
    """Play the story and print it; `keep` keeps the demo database at that path."""
    console = Console(
        file=out or sys.stdout, markup=False, highlight=False, soft_wrap=True, emoji=True
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migrating a fresh file is no news
    with tempfile.TemporaryDirectory(prefix="aigov-demo-") as tmp:
        url = _database(keep, tmp)
        console.print("aigov demo: a workspace with no Slack at all. The real app runs over")
        console.print("signed HTTP against the built-in Slack emulator; this is what people see.")
        with LocalWorkspace(database_url=url, members=MEMBERS) as ws:
            story = Story(ws, console)
            for scene in SCENES:
                scene(story)
            summary(story)
        if keep is not None:
            console.print(f"The demo database is kept: AIGOV_DATABASE_URL={url}")
