"""Recording a month's figures from an initiative's card."""

from __future__ import annotations

import json

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.ids import Action, Callback
from bot.listeners.common import error_text, field_errors, friendly
from bot.runtime import Runtime
from bot.schedule.alerting import check_now
from bot.views import blocks as bk
from bot.views import figures as views
from storage.models import Initiative
from templates import say
from workflows.core import settings as ws
from workflows.core.errors import AigovError, Invalid, NotFound
from workflows.core.periods import Month, parse_month
from workflows.figures import entries

TEMPLATE = "figures.j2"
MONTHS_OFFERED = 13


def register(app: App, rt: Runtime) -> None:
    @app.action(Action.RECORD_OPEN)
    def open_record(ack: Ack, body: dict, client: WebClient, respond: object) -> None:
        ack()
        user_id = body["user"]["id"]
        with friendly(
            lambda text: client.chat_postEphemeral(channel=user_id, user=user_id, text=text)
        ):
            open_record_modal(
                rt,
                client,
                trigger_id=body["trigger_id"],
                user_id=user_id,
                initiative_id=int(body["actions"][0]["value"]),
            )

    @app.view(Callback.RECORD_FIGURES)
    def submit_record(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        on_record_submit(rt, ack, client, user_id=body["user"]["id"], view=view)


def _initiative(session: object, initiative_id: int) -> Initiative:
    initiative = session.get(Initiative, initiative_id)  # type: ignore[attr-defined]
    if initiative is None:
        raise NotFound(kind="initiative", query=f"#{initiative_id}")
    return initiative


def open_record_modal(
    rt: Runtime, client: WebClient, *, trigger_id: str, user_id: str, initiative_id: int
) -> None:
    current = Month.of(rt.today())
    months = [current.shift(-i) for i in range(MONTHS_OFFERED)]
    month = current.shift(-1)  # usually last month's bill is the one to record
    with rt.db.read() as session:
        initiative = _initiative(session, initiative_id)
        entries.check_may_report(session, viewer=rt.viewer(user_id), initiative=initiative)
        values = entries.entered_values(
            session, initiative_id=initiative_id, kind="month", start=month.start
        )
    view = views.record_modal(
        initiative_id=initiative_id, name=initiative.name, months=months, month=month, values=values
    )
    client.views_open(trigger_id=trigger_id, view=view)


def on_record_submit(rt: Runtime, ack: Ack, client: WebClient, *, user_id: str, view: dict) -> None:
    values = bk.form_values(view)
    initiative_id = int(json.loads(view.get("private_metadata") or "{}")["id"])
    viewer = rt.viewer(user_id)
    try:
        month = parse_month(values.get("month") or "")
        with rt.db.write() as session:
            entry = entries.parse_entry(values, currency=ws.get(session, "currency"))
            initiative = _initiative(session, initiative_id)
            entries.check_may_report(session, viewer=viewer, initiative=initiative)
            changed = entries.record_entry(
                session,
                initiative=initiative,
                kind="month",
                start=month.start,
                entry=entry,
                actor=user_id,
                source="manual",
                origin="record figures",
            )
    except Invalid as exc:
        ack(response_action="errors", errors=field_errors(exc, fallback="month"))
        return
    except AigovError as exc:
        ack(response_action="errors", errors={"month": error_text(exc)})
        return
    ack()
    client.chat_postMessage(
        channel=user_id, text=say(TEMPLATE, "recorded", initiative.name, month.label, changed)
    )
    if changed:
        check_now(rt)  # new cost data: budgets are checked at once
