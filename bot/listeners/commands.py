"""`/aigov ...`: ack at once, then dispatch on the first word (`COMMANDS`); anything
else is a question."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.listeners import Route, admin, questions
from bot.listeners import alerts as alert_listeners
from bot.listeners import inventory as inv
from bot.listeners.common import Act, friendly, unpack
from bot.runtime import Runtime
from bot.schedule import cycles
from bot.views import report as report_views
from templates import say, unescape_mrkdwn
from workflows.core import settings as ws
from workflows.core.access import may_configure, sees_portfolio
from workflows.core.errors import Forbidden
from workflows.core.periods import FiscalCalendar, PeriodError, Quarter
from workflows.inventory import inventory
from workflows.reviews import chasing, report, review


@dataclass(frozen=True)
class Slash:
    """One `/aigov <word> <rest>`, with what its handler needs to answer."""

    rt: Runtime
    act: Act
    client: WebClient
    respond: Any
    word: str
    rest: str

    def reply(self, text: str) -> None:
        """Only the asker sees it, where they typed the command."""
        self.respond(text=text, response_type="ephemeral")


def aigov(ack: Ack, command: dict, respond: Any, client: WebClient, context: BoltContext) -> None:
    ack()
    rt, act = unpack(context)
    word, _, rest = unescape_mrkdwn(command.get("text") or "").strip().partition(" ")
    slash = Slash(rt, act, client, respond, word.lower(), rest.strip())
    with friendly(slash.reply):
        COMMANDS.get(slash.word, ask)(slash)


LISTENERS: tuple[Route, ...] = (("command", "/aigov", aigov),)


def on_help(s: Slash) -> None:
    s.reply(say("help.j2", "usage", may_configure(s.rt.viewer(s.act.user_id))))


def on_register(s: Slash) -> None:
    inv.open_register_modal(s.client, trigger_id=s.act.trigger_id or "", user_id=s.act.user_id)


def on_edit(s: Slash) -> None:
    if not s.rest:
        s.reply(say("help.j2", "which", s.word))
        return
    inv.open_edit_modal(
        s.rt, s.client, trigger_id=s.act.trigger_id or "", user_id=s.act.user_id, query=s.rest
    )


def on_show(s: Slash) -> None:
    if not s.rest:
        s.reply(say("help.j2", "which", s.word))
        return
    inv.show(s.rt, s.respond, user_id=s.act.user_id, query=s.rest)


def on_list(s: Slash) -> None:
    inv.list_(s.rt, s.respond, user_id=s.act.user_id, text=s.rest)


def on_sprawl(s: Slash) -> None:
    with s.rt.db.read() as session:
        groups = inventory.sprawl(session)
    s.reply(say("inventory.j2", "sprawl_report", groups))


def on_alerts(s: Slash) -> None:
    alert_listeners.list_alerts(s.rt, s.reply, user_id=s.act.user_id)


def on_budget(s: Slash) -> None:
    """`budget <name> <amount> <period>` sets it; `budget ...` otherwise is a question."""
    if not alert_listeners.is_budget_change(s.rest):
        ask(s)
        return
    alert_listeners.set_budget(s.rt, s.reply, user_id=s.act.user_id, rest=s.rest)


def on_admin(s: Slash) -> None:
    admin.open_modal(s.rt, s.client, trigger_id=s.act.trigger_id or "", user_id=s.act.user_id)


def ask(s: Slash) -> None:
    questions.on_slash(
        s.rt,
        s.client,
        s.respond,
        text=f"{s.word} {s.rest}".strip(),
        user_id=s.act.user_id,
        channel_id=s.act.where,
        key=s.act.key,
    )


def on_review(s: Slash) -> None:
    """`/aigov review status` (anyone) and `/aigov review start` (admins)."""
    if (s.rest.split() or ["status"])[0].lower() == "start":
        if not may_configure(s.rt.viewer(s.act.user_id)):
            raise Forbidden(action="start_cycle")
        quarter = cycles.default_quarter(s.rt)
        opened = cycles.open_now(s.rt, quarter=quarter, actor=s.act.user_id)
        s.reply(say("review.j2", "opened", quarter.label, opened.requests, opened.prompts))
        return
    with s.rt.db.read() as session:
        cycle = review.current_cycle(session)
        if cycle is None:
            s.reply(say("review.j2", "no_cycle"))
            return
        status = chasing.status(session, cycle=cycle)
        period = ws.calendar(session).quarter_of(cycle.period_start).describe()
    s.reply(say("review.j2", "status", status, period))


def on_report(s: Slash) -> None:
    """`/aigov report [quarter]`: the portfolio report (leaders and admins), summary here
    and the full report with its chart in a DM (through the outbox, once per request)."""
    if not sees_portfolio(s.rt.viewer(s.act.user_id)):
        raise Forbidden(action="report_portfolio")
    with s.rt.db.read() as session:
        try:
            quarter = _quarter(s.rt, ws.calendar(session), s.rest)
        except PeriodError:
            s.reply(say("report.j2", "bad_quarter", s.rest))  # escaped: the text is typed
            return
        data = report.portfolio_report(session, quarter=quarter, today=s.rt.today())
        currency = ws.get(session, "currency")
    title = say("report.j2", "title", data.quarter_label, plain=True)
    blocks = report_views.summary_blocks(data, currency)
    s.respond(text=title, blocks=blocks, response_type="ephemeral")
    files = [report_views.markdown_file(data, currency), report_views.chart_file(data)]
    s.rt.post(key=f"{s.act.key}:report", target=s.act.user_id, text="", files=files)


def _quarter(rt: Runtime, calendar: FiscalCalendar, text: str) -> Quarter:
    """The quarter typed, or (nothing typed) the last completed one."""
    return Quarter.parse(text, calendar) if text.strip() else cycles.default_quarter(rt)


# The first word of `/aigov <word> ...`; any other word asks a question.
COMMANDS: dict[str, Callable[[Slash], None]] = {
    "": on_help,
    "help": on_help,
    "register": on_register,
    "edit": on_edit,
    "show": on_show,
    "list": on_list,
    "sprawl": on_sprawl,
    "report": on_report,
    "review": on_review,
    "alerts": on_alerts,
    "budget": on_budget,
    "admin": on_admin,
}
