"""Recording a month's figures from an initiative's card: the Record figures button
opens the modal (last month preselected), its submission stores the figures."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.ids import Action, Callback
from bot.listeners import Route
from bot.listeners.common import Act, error_text, field_errors, friendly, unpack
from bot.schedule.alerting import check_now
from bot.views import figures as views
from templates import say
from workflows.core import settings as ws
from workflows.core.errors import AigovError, Invalid
from workflows.core.periods import Month, parse_month
from workflows.figures import entries

TEMPLATE = "figures.j2"
MONTHS_OFFERED = 13


def open_record(ack: Ack, client: WebClient, context: BoltContext) -> None:
    ack()
    rt, act = unpack(context)
    with friendly(_tell_privately(client, act)):
        current = Month.of(rt.today())
        month = current.shift(-1)  # usually last month's bill is the one to record
        with rt.db.read() as session:
            initiative = entries.reportable(
                session, initiative_id=act.number, viewer=rt.viewer(act.user_id)
            )
            values = entries.entered_values(
                session, initiative_id=act.number, kind="month", start=month.start
            )
        view = views.record_modal(
            initiative_id=act.number,
            name=initiative.name,
            months=[current.shift(-i) for i in range(MONTHS_OFFERED)],
            month=month,
            values=values,
        )
        client.views_open(trigger_id=act.trigger_id, view=view)


def submit_record(ack: Ack, context: BoltContext) -> None:
    rt, act = unpack(context)
    viewer = rt.viewer(act.user_id)
    try:
        month = parse_month(act.values.get("month") or "")
        with rt.db.write() as session:
            entry = entries.parse_entry(act.values, currency=ws.get(session, "currency"))
            recorded = entries.record_month(
                session,
                initiative_id=int(act.meta["id"]),
                viewer=viewer,
                start=month.start,
                entry=entry,
            )
    except Invalid as exc:
        ack(response_action="errors", errors=field_errors(exc, fallback="month"))
        return
    except AigovError as exc:
        ack(response_action="errors", errors={"month": error_text(exc)})
        return
    ack()
    name, behalf = recorded.initiative.name, recorded.on_behalf_of
    text = say(TEMPLATE, "recorded", name, month.label, recorded.changed, behalf)
    rt.post(key=f"{act.key}:recorded", target=act.user_id, text=text)
    if behalf:  # an admin recorded them: the owner hears who did
        text = say(TEMPLATE, "recorded_for_you", name, month.label, act.user_id)
        rt.post(key=f"{act.key}:recorded_for", target=behalf, text=text)
    if recorded.changed:
        check_now(rt)  # new cost data: budgets are checked at once


def _tell_privately(client: WebClient, act: Act) -> Callable[[str], object]:
    """Only them, in their DM with the bot: the card may sit in a channel the bot is not in."""
    return lambda text: client.chat_postEphemeral(channel=act.user_id, user=act.user_id, text=text)


LISTENERS: tuple[Route, ...] = (
    ("action", Action.RECORD_OPEN, open_record),
    ("view", Callback.RECORD_FIGURES, submit_record),
)
