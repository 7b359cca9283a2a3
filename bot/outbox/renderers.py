"""Outbox renderers: turn a message kind and its params into Slack text and blocks,
from the database as it is at send time."""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlmodel import Session

from bot.audience import Audience, Steward
from bot.ids import Action
from bot.outbox.message import Rendered
from bot.outbox.post import MESSAGE, render_message
from bot.outbox.sender import Renderer
from bot.views import alerts as alert_views
from bot.views import blocks as bk
from bot.views import report as report_views
from bot.views import review as views
from storage.models import ReviewCycle
from templates import say, tables
from workflows.budgets import alerts
from workflows.core import settings as ws
from workflows.figures import figures
from workflows.inventory import inventory
from workflows.reviews import chasing, report, review, rules

TEMPLATE = "review.j2"


def _cycle(session: Session, cycle_id: int) -> tuple[ReviewCycle, Any]:
    cycle = review.get_cycle(session, cycle_id)
    return cycle, ws.calendar(session).quarter_of(cycle.period_start)


def prompt(session: Session, params: dict[str, Any]) -> Rendered:
    cycle, quarter = _cycle(session, params["cycle_id"])
    rows = review.open_requests_for(session, cycle_id=cycle.id or 0, assignee=params["assignee"])
    text, blocks = views.prompt(
        cycle=cycle, period=quarter.describe(), assignee=params["assignee"], rows=rows
    )
    return Rendered(text=text, blocks=blocks)


def reminder(session: Session, params: dict[str, Any]) -> Rendered:
    cycle, _quarter = _cycle(session, params["cycle_id"])
    rows = review.open_requests_for(session, cycle_id=cycle.id or 0, assignee=params["assignee"])
    text, blocks = views.reminder(cycle=cycle, number=params["number"], rows=rows)
    return Rendered(text=text, blocks=blocks)


def card_parts(session: Session, request_id: int) -> dict[str, Any]:
    """What a review card shows (the arguments of bot.views.review.card)."""
    request, cycle, initiative = review.get_request(session, request_id)
    quarter = ws.calendar(session).quarter_of(cycle.period_start)
    now = figures.summarize(session, initiative=initiative, period=quarter)
    before = figures.summarize(session, initiative=initiative, period=quarter.previous())
    return {
        "request": request,
        "initiative": initiative,
        "quarter": quarter.label,
        "figures": now,
        "previous": before.value_per_ai_dollar,
        "currency": ws.get(session, "currency"),
        "budget": rules.quarter_budget(initiative.budget_micros, initiative.budget_period),
    }


def card(session: Session, params: dict[str, Any], *, audience: Audience) -> Rendered:
    """The card in the governance channel: with figures only while every member of the
    channel may see them (decided at each send, so an edit follows the membership)."""
    parts = card_parts(session, params["request_id"])
    stewards = inventory.stewards(session, ids=[parts["initiative"].id])
    channel = ws.get(session, "governance_channel")
    text, blocks = views.card(**parts, show_figures=audience.all_may_see(channel, stewards))
    return Rendered(text=text, blocks=blocks)


def submitted(session: Session, params: dict[str, Any]) -> Rendered:
    request, cycle, initiative = review.get_request(session, params["request_id"])
    quarter = ws.calendar(session).quarter_of(cycle.period_start)
    return Rendered(
        text=say(
            TEMPLATE, "submitted", initiative, quarter.label, request, views.rule_text(request.rule)
        )
    )


def decided(session: Session, params: dict[str, Any]) -> Rendered:
    request, cycle, initiative = review.get_request(session, params["request_id"])
    quarter = ws.calendar(session).quarter_of(cycle.period_start)
    return Rendered(text=say(TEMPLATE, "decided_owner", initiative, quarter.label, request))


def orphan(session: Session, params: dict[str, Any]) -> Rendered:
    request, cycle, initiative = review.get_request(session, params["request_id"])
    return Rendered(text=say(TEMPLATE, "orphan", initiative, request, cycle.quarter))


def delegated(session: Session, params: dict[str, Any]) -> Rendered:
    request, cycle, initiative = review.get_request(session, params["request_id"])
    quarter = ws.calendar(session).quarter_of(cycle.period_start)
    text = say(TEMPLATE, "delegated", initiative, quarter.label, params["by"])
    button = bk.button(
        tables("review.j2").BUTTONS["report"],
        Action.REVIEW_REPORT,
        value=str(request.id),
        style="primary",
    )
    return Rendered(text=text, blocks=[bk.section(text, accessory=button)])


def escalation(session: Session, params: dict[str, Any]) -> Rendered:
    cycle, quarter = _cycle(session, params["cycle_id"])
    department = params.get("department")
    late = chasing.late_requests(session, cycle_id=cycle.id or 0, department=department)
    text = say(TEMPLATE, "escalation", quarter.label, late, department)
    return Rendered(text=text, blocks=bk.sections(text.splitlines()))


def _report(session: Session, cycle_id: int) -> Any:
    cycle, quarter = _cycle(session, cycle_id)
    today = (cycle.closed_at or cycle.deadline_at).date()
    return report.portfolio_report(session, quarter=quarter, today=today)


def report_summary(session: Session, params: dict[str, Any]) -> Rendered:
    """The portfolio report as a Block Kit summary for the leadership channel."""
    data = _report(session, params["cycle_id"])
    blocks = report_views.summary_blocks(data, ws.get(session, "currency"))
    return Rendered(
        text=say("report.j2", "summary_text", data.quarter_label, plain=True), blocks=blocks
    )


def report_file(session: Session, params: dict[str, Any]) -> Rendered:
    """The full report (Markdown) or its chart (PNG), in the summary's thread."""
    data = _report(session, params["cycle_id"])
    if params["part"] == "chart":
        file = report_views.chart_file(data)
    else:
        file = report_views.markdown_file(data, ws.get(session, "currency"))
    return Rendered(text="", files=[file])


def alert_stewards(session: Session, rows: list[tuple[Any, str]]) -> list[Steward]:
    """Who may see each alert's figures: its initiative's stewards; a department's
    budget only those who see the portfolio (None)."""
    ids = [a.initiative_id for a, _ in rows if a.initiative_id is not None]
    stewards: list[Steward] = list(inventory.stewards(session, ids=ids))
    if any(a.initiative_id is None for a, _ in rows):
        stewards.append(None)
    return stewards


def alert_notice(session: Session, params: dict[str, Any], *, audience: Audience) -> Rendered:
    """Budget alerts, grouped: the owner's DM, or the governance post with buttons (with
    figures only while every member of the channel may see them)."""
    rows = alerts.notice_rows(session, params["alert_ids"])
    buttons = params.get("buttons", False)
    shown = True
    if buttons:
        channel = ws.get(session, "governance_channel")
        shown = audience.all_may_see(channel, alert_stewards(session, rows))
    text, blocks = alert_views.notice(
        rows, currency=ws.get(session, "currency"), buttons=buttons, show_figures=shown
    )
    return Rendered(text=text, blocks=blocks)


def renderers(audience: Audience) -> dict[str, Renderer]:
    """Every outbox kind the bot knows how to send; those that post figures to a
    channel ask `audience` who would read them."""
    return {
        review.PROMPT: prompt,
        chasing.REMINDER: reminder,
        review.CARD: partial(card, audience=audience),
        review.SUBMITTED: submitted,
        review.DECIDED: decided,
        review.ORPHAN: orphan,
        review.DELEGATED: delegated,
        chasing.ESCALATION: escalation,
        review.REPORT: report_summary,
        review.REPORT_FILE: report_file,
        alerts.NOTICE: partial(alert_notice, audience=audience),
        MESSAGE: render_message,
    }
