"""Budget alerts in Slack: acknowledge, snooze, raise the budget, open a review;
`/aigov alerts` and `/aigov budget`."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import select

from bot.ids import Action, Callback
from bot.listeners.common import error_text, field_errors, friendly
from bot.runtime import Runtime
from bot.schedule.alerting import check_now
from bot.views import alerts as views
from bot.views import blocks as bk
from storage.models import Initiative
from templates import say
from workflows.budgets import alerts, budgets
from workflows.core import settings as ws
from workflows.core.access import can_see_figures
from workflows.core.errors import AigovError, Forbidden, Invalid
from workflows.core.money import format_money
from workflows.figures import entries
from workflows.inventory import inventory
from workflows.reviews import review_requests

TEMPLATE = "alerts.j2"
SNOOZE = timedelta(days=7)


def register(app: App, rt: Runtime) -> None:
    def tell_in(body: dict, client: WebClient) -> Any:
        user_id = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or user_id
        return lambda text: client.chat_postEphemeral(channel=channel, user=user_id, text=text)

    @app.action(Action.ALERT_ACK)
    def acknowledge(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        with friendly(tell_in(body, client)):
            with rt.db.write() as session:
                alerts.acknowledge(
                    session,
                    alert_id=int(body["actions"][0]["value"]),
                    viewer=rt.viewer(body["user"]["id"]),
                    now=rt.now(),
                )
            rt.wake_outbox()

    @app.action(Action.ALERT_SNOOZE)
    def snooze(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        with friendly(tell_in(body, client)):
            with rt.db.write() as session:
                alerts.snooze(
                    session,
                    alert_id=int(body["actions"][0]["value"]),
                    viewer=rt.viewer(body["user"]["id"]),
                    until=rt.now() + SNOOZE,
                    now=rt.now(),
                )
            rt.wake_outbox()

    @app.action(Action.ALERT_RAISE)
    def open_raise(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        with friendly(tell_in(body, client)):
            viewer = rt.viewer(body["user"]["id"])
            if not (viewer.is_admin or viewer.is_leader):
                raise Forbidden(action="budget")
            with rt.db.read() as session:
                alert = alerts.get_alert(session, int(body["actions"][0]["value"]))
                initiative = session.get(Initiative, alert.initiative_id)
            budget = initiative.budget_micros if initiative else None
            amount = entries.as_text(budget) if budget else ""
            view = views.raise_modal(
                alert=alert, amount=amount, period=initiative.budget_period if initiative else None
            )
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(Callback.ALERT_RAISE)
    def submit_raise(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        user_id, values = body["user"]["id"], bk.form_values(view)
        alert_id = int(json.loads(view.get("private_metadata") or "{}")["alert_id"])
        try:
            with rt.db.write() as session:
                micros, period = budgets.parse(
                    values.get("budget_amount") or "",
                    values.get("budget_period") or "",
                    currency=ws.get(session, "currency"),
                )
                alert = alerts.get_alert(session, alert_id)
                initiative = session.get(Initiative, alert.initiative_id)
                assert initiative is not None
                budgets.set_initiative_budget(
                    session,
                    initiative=initiative,
                    viewer=rt.viewer(user_id),
                    micros=micros,
                    period=period,
                    now=rt.now(),
                )
                name, owner = initiative.name, initiative.owner_id
        except Invalid as exc:
            ack(response_action="errors", errors=field_errors(exc, fallback="budget_amount"))
            return
        except AigovError as exc:
            ack(response_action="errors", errors={"budget_amount": error_text(exc)})
            return
        ack()
        check_now(rt)  # resolves the alerts that no longer hold
        amount = format_money(micros, ws_currency(rt), micros=True)
        client.chat_postMessage(channel=user_id, text=say(TEMPLATE, "budget_set", name, amount, period))
        if owner != user_id:  # the owner hears who changed their budget
            client.chat_postMessage(
                channel=owner, text=say(TEMPLATE, "budget_changed", name, amount, period, user_id)
            )

    @app.action(Action.ALERT_REVIEW)
    def open_review(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        tell = tell_in(body, client)
        with friendly(tell):
            with rt.db.write() as session:
                alert = alerts.get_alert(session, int(body["actions"][0]["value"]))
                quarter = ws.calendar(session).quarter_of(rt.today())
                request = review_requests.open_off_cycle(
                    session,
                    initiative_id=alert.initiative_id or 0,
                    viewer=rt.viewer(body["user"]["id"]),
                    quarter=quarter,
                    now=rt.now(),
                )
                name = session.get(Initiative, request.initiative_id).name  # type: ignore[union-attr]
            rt.wake_outbox()
            tell(say(TEMPLATE, "review_opened", name))


def ws_currency(rt: Runtime) -> str:
    with rt.db.read() as session:
        return ws.get(session, "currency")


def list_alerts(rt: Runtime, reply: Any, *, user_id: str) -> None:
    """`/aigov alerts`: what the asker may see (leaders and admins: everything)."""
    viewer = rt.viewer(user_id)
    with rt.db.read() as session:
        if viewer.sees_all_figures:
            visible, scoped = alerts.visible_alerts(session, initiative_ids=None), False
        else:
            rows = inventory.list_initiatives(session)
            delegates = inventory.delegates_by_initiative(session, [i.id for i in rows if i.id])
            mine = {
                i.id
                for i in rows
                if i.id and can_see_figures(viewer, owner_id=i.owner_id, delegates=delegates[i.id])
            }
            visible, scoped = alerts.visible_alerts(session, initiative_ids=mine), True
        names = {i.id: i.name for i in session.exec(select(Initiative))}
        currency = ws.get(session, "currency")
    if not visible:
        reply(say(TEMPLATE, "none_open", scoped))
        return
    lines = [say(TEMPLATE, "listing_header", len(visible), scoped)]
    lines += [
        f"{views.line(a, names.get(a.initiative_id, ''), currency)} _{say(TEMPLATE, 'state', a)}_"
        for a in visible[:40]
    ]
    reply("\n".join(lines))


def is_budget_change(rest: str) -> bool:
    """`budget <name> <amount> <period>` changes a budget; anything else is a question."""
    words = rest.split()
    return (
        len(words) >= 3
        and words[-1].lower() in ("month", "quarter", "year")
        and any(c.isdigit() for c in words[-2])
    )


def set_budget(rt: Runtime, reply: Any, *, user_id: str, rest: str) -> None:
    """`/aigov budget <initiative> <amount> <period>` or `... department <name> <amount> <period>`."""
    words = rest.split()
    if len(words) < 3:
        reply(say(TEMPLATE, "budget_usage"))
        return
    *name_words, amount_text, period_text = words
    viewer = rt.viewer(user_id)
    with rt.db.write() as session:
        micros, period = budgets.parse(
            amount_text, period_text, currency=ws.get(session, "currency")
        )
        if name_words and name_words[0].lower() == "department" and len(name_words) > 1:
            name = " ".join(name_words[1:])
            budgets.set_department_budget(
                session, department=name, viewer=viewer, micros=micros, period=period, now=rt.now()
            )
        else:
            initiative = inventory.find(session, query=" ".join(name_words))
            budgets.set_initiative_budget(
                session,
                initiative=initiative,
                viewer=viewer,
                micros=micros,
                period=period,
                now=rt.now(),
            )
            name = initiative.name
        currency = ws.get(session, "currency")
    check_now(rt)
    reply(say(TEMPLATE, "budget_set", name, format_money(micros, currency, micros=True), period))
