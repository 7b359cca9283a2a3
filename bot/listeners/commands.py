"""`/aigov ...`: ack at once, then dispatch on the first word."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.listeners import admin, questions
from bot.listeners import alerts as alert_listeners
from bot.listeners import inventory as inv
from bot.listeners.common import friendly
from bot.runtime import Runtime
from bot.schedule import cycles
from bot.views import charts
from bot.views import report as report_views
from templates import say, unescape_mrkdwn
from workflows.core import settings as ws
from workflows.core.errors import Forbidden
from workflows.core.periods import PeriodError, Quarter
from workflows.inventory import inventory
from workflows.reviews import chasing, report, review


def register(app: App, rt: Runtime) -> None:
    @app.command("/aigov")
    def aigov(ack: Ack, command: dict, respond: Any, client: WebClient) -> None:
        ack()
        user_id = command["user_id"]
        text = unescape_mrkdwn(command.get("text") or "")
        word, _, rest = text.strip().partition(" ")
        word, rest = word.lower(), rest.strip()

        def reply(text: str) -> None:
            respond(text=text, response_type="ephemeral")

        with friendly(reply):
            dispatch(
                rt, client, respond, reply, word=word, rest=rest, command=command, user_id=user_id
            )


def dispatch(
    rt: Runtime,
    client: WebClient,
    respond: Any,
    reply: Any,
    *,
    word: str,
    rest: str,
    command: dict,
    user_id: str,
) -> None:
    if word in ("", "help"):
        reply(say("help.j2", "usage", rt.viewer(user_id).is_admin))
    elif word == "register":
        inv.open_register_modal(client, trigger_id=command["trigger_id"], user_id=user_id)
    elif word in ("show", "edit") and not rest:
        reply(say("help.j2", "which", word))
    elif word == "edit" and rest:
        inv.open_edit_modal(
            rt, client, trigger_id=command["trigger_id"], user_id=user_id, query=rest
        )
    elif word == "show" and rest:
        inv.show(rt, respond, user_id=user_id, query=rest)
    elif word == "list":
        inv.list_(rt, respond, user_id=user_id, text=rest)
    elif word == "sprawl":
        with rt.db.read() as session:
            groups = inventory.sprawl(session)
        reply(say("inventory.j2", "sprawl_report", groups))
    elif word == "report":
        report_command(rt, client, respond, user_id=user_id, rest=rest)
    elif word == "review":
        review_command(rt, reply, user_id=user_id, rest=rest)
    elif word == "alerts":
        alert_listeners.list_alerts(rt, reply, user_id=user_id)
    elif word == "budget" and alert_listeners.is_budget_change(rest):
        alert_listeners.set_budget(rt, reply, user_id=user_id, rest=rest)
    elif word == "admin":
        admin.open_modal(rt, client, trigger_id=command["trigger_id"], user_id=user_id)
    else:
        questions.on_slash(
            rt,
            client,
            respond,
            text=f"{word} {rest}".strip(),
            user_id=user_id,
            channel_id=command.get("channel_id", user_id),
        )


def review_command(rt: Runtime, reply: Any, *, user_id: str, rest: str) -> None:
    """`/aigov review status` (anyone) and `/aigov review start` (admins)."""
    sub = (rest.split() or ["status"])[0].lower()
    if sub == "start":
        if not rt.viewer(user_id).is_admin:
            raise Forbidden(action="start_cycle")
        quarter = cycles.default_quarter(rt)
        opened = cycles.open_now(rt, quarter=quarter, actor=user_id)
        reply(say("review.j2", "opened", quarter.label, opened.requests, opened.prompts))
        return
    with rt.db.read() as session:
        cycle = review.current_cycle(session)
        if cycle is None:
            reply(say("review.j2", "no_cycle"))
            return
        status = chasing.status(session, cycle=cycle)
        period = ws.calendar(session).quarter_of(cycle.period_start).describe()
    reply(say("review.j2", "status", status, period))


def report_command(
    rt: Runtime, client: WebClient, respond: Any, *, user_id: str, rest: str
) -> None:
    """`/aigov report [quarter]`: the portfolio report (leaders and admins), summary here
    and the full report with its chart in a DM."""
    viewer = rt.viewer(user_id)
    if not viewer.sees_all_figures:
        raise Forbidden(action="report_portfolio")
    with rt.db.read() as session:
        calendar = ws.calendar(session)
        try:
            quarter = Quarter.parse(rest, calendar) if rest.strip() else cycles.default_quarter(rt)
        except PeriodError:
            respond(
                text=say("report.j2", "bad_quarter", rest, plain=True), response_type="ephemeral"
            )
            return
        data = report.portfolio_report(session, quarter=quarter, today=rt.today())
        currency = ws.get(session, "currency")
    blocks = report_views.summary_blocks(data, currency)
    respond(
        text=say("report.j2", "title", data.quarter_label, plain=True),
        blocks=blocks,
        response_type="ephemeral",
    )
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    client.files_upload_v2(
        channel=channel,
        file_uploads=[
            {
                "content": report_views.markdown(data, currency).encode(),
                "filename": f"aigov-report-{data.quarter_code}.md",
                "title": say("report.j2", "file_title", data.quarter_label, plain=True),
            },
            {
                "content": charts.spend_and_value_png(data),
                "filename": f"aigov-{data.quarter_code}.png",
                "title": say("report.j2", "chart_title", data.quarter_label, plain=True),
            },
        ],
    )
