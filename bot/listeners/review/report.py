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
from templates import say
from workflows.core import settings as ws
from workflows.core.errors import AigovError, Invalid, Problem
from workflows.figures import entries
from workflows.reviews import review

TEMPLATE = "review.j2"


def open_report(ack: Ack, client: WebClient, context: BoltContext) -> None:
    ack()
    rt, act = unpack(context)
    with friendly(reply_dm(rt, act, "error")):
        with rt.db.read() as session:
            form = review.report_form(session, request_id=act.number, viewer=rt.viewer(act.user_id))
        view = _report_view(form)
        client.views_open(trigger_id=act.trigger_id, view=view)


def open_more(ack: Ack, client: WebClient, context: BoltContext) -> None:
    """The prompt's "Report the other N…": a modal to pick any request it does not list."""
    ack()
    rt, act = unpack(context)
    with friendly(reply_dm(rt, act, "error")):
        with rt.db.read() as session:
            rows = review.open_requests_for(session, cycle_id=act.number, assignee=act.user_id)
        view = views.pick_modal(cycle_id=act.number, rows=rows)
        if view is None:  # not theirs, or all reported since: nothing to pick
            text = say(TEMPLATE, "nothing_more")
            rt.post(key=f"{act.key}:nothing", target=act.user_id, text=text)
            return
        client.views_open(trigger_id=act.trigger_id, view=view)


def submit_pick(ack: Ack, context: BoltContext) -> None:
    """The picked request's report modal replaces the picker (Slack's `update`)."""
    rt, act = unpack(context)
    picked = next((v for k, v in sorted(act.values.items()) if k.startswith("pick_") and v), None)
    if picked is None:
        ack(response_action="errors", errors=field_errors(Invalid({"pick_0": Problem("required")})))
        return
    try:
        with rt.db.read() as session:
            viewer = rt.viewer(act.user_id)
            form = review.report_form(session, request_id=int(picked), viewer=viewer)
    except AigovError as exc:
        ack(response_action="errors", errors={"pick_0": error_text(exc)})
        return
    view = _report_view(form)
    ack(response_action="update", view=view)


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


def _report_view(form: review.ReportForm) -> dict:
    return views.report_modal(
        request=form.request,
        initiative=form.initiative,
        period=form.period,
        values=form.values,
        hints=form.hints,
        billed=form.billed,
    )


LISTENERS: tuple[Route, ...] = (
    ("action", Action.REVIEW_REPORT, open_report),
    ("view", Callback.REVIEW_REPORT, submit_report),
    ("action", Action.REVIEW_MORE, open_more),
    ("view", Callback.REVIEW_PICK, submit_pick),
)
