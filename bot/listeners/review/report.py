"""An owner reports a quarter's figures: the Report (or Amend) button on their review
prompt opens the modal, billed costs prefilled; the submission stores the figures, the
recommendation follows and the card in the governance channel shows them."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.ids import Action, Callback
from bot.listeners import Route
from bot.listeners.common import error_text, field_errors, friendly, reply_dm, unpack
from bot.schedule.alerting import check_now
from bot.views import review as views
from workflows.core import settings as ws
from workflows.core.errors import AigovError, Invalid, Problem
from workflows.figures import entries
from workflows.reviews import review


def open_report(ack: Ack, client: WebClient, context: BoltContext) -> None:
    ack()
    rt, act = unpack(context)
    with friendly(reply_dm(rt, act, "error")):
        with rt.db.read() as session:
            form = review.report_form(session, request_id=act.number, viewer=rt.viewer(act.user_id))
        view = views.report_modal(
            request=form.request,
            initiative=form.initiative,
            period=form.period,
            values=form.values,
            hints=form.hints,
            billed=form.billed,
        )
        client.views_open(trigger_id=act.trigger_id, view=view)


def submit_report(ack: Ack, context: BoltContext) -> None:
    rt, act = unpack(context)
    viewer = rt.viewer(act.user_id)
    try:
        with rt.db.write() as session:
            entry = entries.parse_entry(act.values, currency=ws.get(session, "currency"))
            if entry.outcomes is None and not entry.costs:
                raise Invalid({"outcomes": Problem("nothing_reported")})
            review.submit(
                session,
                request_id=act.meta["request_id"],
                viewer=viewer,
                entry=entry,
                owner_recommendation=act.values.get("owner_recommendation"),
                now=rt.now(),
            )
    except Invalid as exc:
        ack(response_action="errors", errors=field_errors(exc, fallback="note"))
        return
    except AigovError as exc:
        ack(response_action="errors", errors={"note": error_text(exc)})
        return
    ack()
    rt.wake_outbox()
    check_now(rt)  # the owner's figures are new cost data: budgets are checked at once


LISTENERS: tuple[Route, ...] = (
    ("action", Action.REVIEW_REPORT, open_report),
    ("view", Callback.REVIEW_REPORT, submit_report),
)
