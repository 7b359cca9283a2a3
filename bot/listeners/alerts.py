"""Budget alerts in Slack: acknowledge, snooze, raise the budget, open a review;
`/aigov alerts` and `/aigov budget` (bot/listeners/commands.py calls those two)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.ids import Action, Callback
from bot.listeners import Route
from bot.listeners.common import error_text, field_errors, friendly, reply_ephemeral, unpack
from bot.runtime import Runtime
from bot.schedule.alerting import check_now
from bot.views import alerts as views
from storage.models import BUDGET_PERIODS
from templates import say
from workflows.budgets import alerts, budgets
from workflows.core import settings as ws
from workflows.core.access import may_set_budget
from workflows.core.errors import AigovError, Forbidden, Invalid
from workflows.core.money import format_money
from workflows.figures import entries

TEMPLATE = "alerts.j2"
SNOOZE = timedelta(days=7)


def acknowledge(ack: Ack, client: WebClient, context: BoltContext) -> None:
    ack()
    rt, act = unpack(context)
    with friendly(reply_ephemeral(client, act)):
        viewer = rt.viewer(act.user_id)
        with rt.db.write() as session:
            alerts.acknowledge(session, alert_id=act.number, viewer=viewer, now=rt.now())
        rt.wake_outbox()  # the governance notice is edited to say so


def snooze(ack: Ack, client: WebClient, context: BoltContext) -> None:
    ack()
    rt, act = unpack(context)
    with friendly(reply_ephemeral(client, act)):
        viewer = rt.viewer(act.user_id)
        until = rt.now() + SNOOZE
        with rt.db.write() as session:
            alerts.snooze(session, alert_id=act.number, viewer=viewer, until=until, now=rt.now())
        rt.wake_outbox()


def open_raise(ack: Ack, client: WebClient, context: BoltContext) -> None:
    ack()
    rt, act = unpack(context)
    with friendly(reply_ephemeral(client, act)):
        if not may_set_budget(rt.viewer(act.user_id)):
            raise Forbidden(action="budget")
        with rt.db.read() as session:
            found = alerts.budget_of(session, alert_id=act.number)
        amount = entries.as_text(found.micros) if found.micros else ""
        view = views.raise_modal(alert=found.alert, amount=amount, period=found.period)
        client.views_open(trigger_id=act.trigger_id, view=view)


def submit_raise(ack: Ack, context: BoltContext) -> None:
    rt, act = unpack(context)
    viewer = rt.viewer(act.user_id)
    try:
        with rt.db.write() as session:
            change = alerts.raise_budget(
                session,
                alert_id=int(act.meta["alert_id"]),
                viewer=viewer,
                amount_text=act.values.get("budget_amount") or "",
                period_text=act.values.get("budget_period") or "",
                now=rt.now(),
            )
    except Invalid as exc:
        ack(response_action="errors", errors=field_errors(exc, fallback="budget_amount"))
        return
    except AigovError as exc:
        ack(response_action="errors", errors={"budget_amount": error_text(exc)})
        return
    ack()
    check_now(rt)  # resolves the alerts that no longer hold
    tell_budget_set(rt, change, key=act.key, by=act.user_id)


def open_review(ack: Ack, client: WebClient, context: BoltContext) -> None:
    ack()
    rt, act = unpack(context)
    tell = reply_ephemeral(client, act)
    with friendly(tell):
        viewer = rt.viewer(act.user_id)
        with rt.db.write() as session:
            name = alerts.open_review(
                session, alert_id=act.number, viewer=viewer, today=rt.today(), now=rt.now()
            )
        rt.wake_outbox()  # the owner is asked for the figures
        tell(say(TEMPLATE, "review_opened", name))


LISTENERS: tuple[Route, ...] = (
    ("action", Action.ALERT_ACK, acknowledge),
    ("action", Action.ALERT_SNOOZE, snooze),
    ("action", Action.ALERT_RAISE, open_raise),
    ("view", Callback.ALERT_RAISE, submit_raise),
    ("action", Action.ALERT_REVIEW, open_review),
)


def tell_budget_set(rt: Runtime, change: budgets.BudgetChange, *, key: str, by: str) -> None:
    """A DM to who set the budget, and one to the owner when that is someone else (they
    hear who changed their budget); once per request, however often Slack delivers it."""
    amount = format_money(change.micros, change.currency, micros=True)
    text = say(TEMPLATE, "budget_set", change.name, amount, change.period)
    rt.post(key=f"{key}:budget_set", target=by, text=text)
    if change.owner_id and change.owner_id != by:
        text = say(TEMPLATE, "budget_changed", change.name, amount, change.period, by)
        rt.post(key=f"{key}:budget_changed", target=change.owner_id, text=text)


def list_alerts(rt: Runtime, reply: Callable[[str], object], *, user_id: str) -> None:
    """`/aigov alerts`: what the asker may see (leaders and admins: everything)."""
    viewer = rt.viewer(user_id)
    with rt.db.read() as session:
        visible = alerts.visible_to(session, viewer=viewer)
        currency = ws.get(session, "currency")
    reply(views.listing(visible.alerts, currency=currency, scoped=visible.scoped))


def is_budget_change(rest: str) -> bool:
    """`budget <name> <amount> <period>` changes a budget; anything else is a question."""
    words = rest.split()
    return (
        len(words) >= 3
        and words[-1].lower() in BUDGET_PERIODS
        and any(c.isdigit() for c in words[-2])
    )


def set_budget(rt: Runtime, reply: Callable[[str], object], *, user_id: str, rest: str) -> None:
    """`/aigov budget <initiative> <amount> <period>` or `... department <name> <amount> <period>`."""
    words = rest.split()
    if len(words) < 3:
        reply(say(TEMPLATE, "budget_usage"))
        return
    *name_words, amount_text, period_text = words
    named_department = len(name_words) > 1 and name_words[0].lower() == "department"
    viewer = rt.viewer(user_id)
    with rt.db.write() as session:
        change = budgets.set_budget(
            session,
            viewer=viewer,
            amount_text=amount_text,
            period_text=period_text,
            now=rt.now(),
            initiative_query="" if named_department else " ".join(name_words),
            department=" ".join(name_words[1:]) if named_department else None,
        )
    check_now(rt)
    amount = format_money(change.micros, change.currency, micros=True)
    reply(say(TEMPLATE, "budget_set", change.name, amount, change.period))
