"""The channel rule: who is in a channel, and Show figures on a figure-free post.

Slack tells when someone joins or leaves a channel; the cached membership of that
channel is dropped so the next card or notice there is rendered for who is in it now.
A figure-free card or alert notice carries Show figures: the figures, ephemerally, for
whoever clicks and may see them; a refusal (never figures) for anyone else."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.audience import sees_all
from bot.ids import Action
from bot.listeners import Route
from bot.listeners.common import Act, friendly, reply_under, unpack
from bot.outbox.renderers import alert_stewards, card_parts
from bot.runtime import Runtime
from bot.views import alerts as alert_views
from bot.views import review as review_views
from templates import say
from workflows.budgets import alerts
from workflows.core import settings as ws
from workflows.core.errors import Invalid, Problem
from workflows.inventory import inventory

Answer = tuple[str, list[dict[str, Any]]]


def membership_changed(event: dict, context: BoltContext) -> None:
    rt, _act = unpack(context)
    channel = event.get("channel")
    if isinstance(channel, str) and channel:
        rt.audience.forget(channel)


def show_figures(ack: Ack, respond: Respond, context: BoltContext) -> None:
    ack()
    rt, act = unpack(context)
    with friendly(reply_under(respond)):
        text, blocks = figures_for(rt, act)
        respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


LISTENERS: tuple[Route, ...] = (
    ("event", "member_joined_channel", membership_changed),
    ("event", "member_left_channel", membership_changed),
    ("action", Action.SHOW_FIGURES, show_figures),
)


def figures_for(rt: Runtime, act: Act) -> Answer:
    """What Show figures answers `act.user_id`: "card:<request id>" or "alert:<id>"."""
    what, _, ident = (act.value or "").partition(":")
    if what not in ("card", "alert") or not ident.isdigit():
        raise Invalid({"value": Problem("bad_count", {"value": act.value})})
    show = _card if what == "card" else _alert
    return show(rt, act.user_id, int(ident))


def _card(rt: Runtime, user_id: str, request_id: int) -> Answer:
    viewer = rt.viewer(user_id)
    with rt.db.read() as session:
        parts = card_parts(session, request_id)
        stewards = inventory.stewards(session, ids=[parts["initiative"].id])
        if not sees_all(viewer, list(stewards)):
            text = say("review.j2", "figures_refused")
            return text, [review_views.bk.section(text)]
        return review_views.card_figures(**parts)


def _alert(rt: Runtime, user_id: str, alert_id: int) -> Answer:
    viewer = rt.viewer(user_id)
    with rt.db.read() as session:
        rows = alerts.notice_rows(session, [alerts.get_alert(session, alert_id).id or 0])
        if not sees_all(viewer, alert_stewards(session, rows)):
            text = say("alerts.j2", "figures_refused")
            return text, [alert_views.bk.section(text)]
        currency = ws.get(session, "currency")
        text = "\n".join(alert_views.line(alert, name, currency) for alert, name in rows)
    return text, [alert_views.bk.section(text)]
