"""What an owner does with a review prompt besides reporting: Snooze a day, Snooze
until…, I'm away…, Delegate… (each button's value is the cycle id) and their modals.
Every confirmation is a DM through the outbox, keyed by the Slack request."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.ids import Action, Callback
from bot.listeners import Route
from bot.listeners.common import Act, error_text, field_errors, friendly, reply_dm, unpack
from bot.runtime import Runtime
from bot.views import review as views
from storage.models import RequestStatus
from templates import say
from workflows.core.errors import AigovError, Forbidden, Invalid, Problem
from workflows.reviews import review, review_requests

TEMPLATE = "review.j2"
SNOOZE_DAY = timedelta(days=1)


def snooze_day(ack: Ack, context: BoltContext) -> None:
    ack()
    rt, act = unpack(context)
    with friendly(reply_dm(rt, act, "error")):
        _snooze(rt, act, cycle_id=act.number, until=rt.now() + SNOOZE_DAY)


def snooze_until(ack: Ack, client: WebClient, context: BoltContext) -> None:
    ack()
    _open_date_modal(client, context, Callback.REVIEW_SNOOZE, "snooze", days_ahead=3)


def submit_snooze(ack: Ack, context: BoltContext) -> None:
    rt, act = unpack(context)
    day = _chosen_day(rt, ack, act, today_allowed=False)
    if day is None:
        return
    with friendly(lambda text: ack(response_action="errors", errors={"until": text})):
        _snooze(rt, act, cycle_id=act.meta["cycle_id"], until=day)  # from the start of that day
        ack()


def away(ack: Ack, client: WebClient, context: BoltContext) -> None:
    ack()
    _open_date_modal(client, context, Callback.REVIEW_AWAY, "away", days_ahead=7)


def submit_away(ack: Ack, context: BoltContext) -> None:
    rt, act = unpack(context)
    day = _chosen_day(rt, ack, act, today_allowed=True)
    if day is None:
        return
    with rt.db.write() as session:
        review_requests.set_away(session, user_id=act.user_id, until=day)
    ack()
    rt.post(key=f"{act.key}:away", target=act.user_id, text=say(TEMPLATE, "away_set", day))


def open_delegate(ack: Ack, client: WebClient, context: BoltContext) -> None:
    ack()
    rt, act = unpack(context)
    with friendly(reply_dm(rt, act, "error")):
        with rt.db.read() as session:
            rows = review.open_requests_for(session, cycle_id=act.number, assignee=act.user_id)
        if not any(r.status != RequestStatus.DECIDED for r, _ in rows):
            raise Forbidden(action="delegate")  # nothing of theirs to hand over
        view = views.delegate_modal(cycle_id=act.number, rows=rows)
        client.views_open(trigger_id=act.trigger_id, view=view)


def submit_delegate(ack: Ack, context: BoltContext) -> None:
    rt, act = unpack(context)
    to_user = _delegate_to(rt, ack, act)
    if to_user is None:
        return
    viewer = rt.viewer(act.user_id)
    try:
        with rt.db.write() as session:
            request = review_requests.delegate(
                session,
                request_id=act.count("delegate_which"),
                viewer=viewer,
                to_user=to_user,
                now=rt.now(),
            )
            _request, _cycle, initiative = review.get_request(session, request.id or 0)
    except AigovError as exc:
        ack(response_action="errors", errors={"delegate_which": error_text(exc)})
        return
    ack()
    text = say(TEMPLATE, "delegated_ok", to_user, [initiative.name])
    rt.post(key=f"{act.key}:delegated", target=act.user_id, text=text)  # wakes the outbox too


LISTENERS: tuple[Route, ...] = (
    ("action", Action.REVIEW_SNOOZE_DAY, snooze_day),
    ("action", Action.REVIEW_SNOOZE_UNTIL, snooze_until),
    ("view", Callback.REVIEW_SNOOZE, submit_snooze),
    ("action", Action.REVIEW_AWAY, away),
    ("view", Callback.REVIEW_AWAY, submit_away),
    ("action", Action.REVIEW_DELEGATE, open_delegate),
    ("view", Callback.REVIEW_DELEGATE, submit_delegate),
)


def _snooze(rt: Runtime, act: Act, *, cycle_id: int, until: datetime | date) -> None:
    """Snooze the person's pending requests of the cycle and tell them until when, in
    their own time zone."""
    viewer = rt.viewer(act.user_id)
    with rt.db.write() as session:
        local = review_requests.snooze_mine(
            session, cycle_id=cycle_id, viewer=viewer, until=until, fallback_tz=rt.settings.timezone
        )
    rt.post(key=f"{act.key}:snoozed", target=act.user_id, text=say(TEMPLATE, "snoozed", local))


def _open_date_modal(
    client: WebClient, context: BoltContext, callback: Callback, what: str, *, days_ahead: int
) -> None:
    """The "until when?" modal of Snooze and I'm away, a few days ahead to start with."""
    rt, act = unpack(context)
    with friendly(reply_dm(rt, act, "error")):
        view = views.date_modal(
            callback=callback,
            title=what,
            label=f"{what}_until",
            block_id="until",
            cycle_id=act.number,
            initial=(rt.today() + timedelta(days=days_ahead)).isoformat(),
        )
        client.views_open(trigger_id=act.trigger_id, view=view)


def _chosen_day(rt: Runtime, ack: Ack, act: Act, *, today_allowed: bool) -> date | None:
    """The modal's date, or None after an inline error when it lies in the past."""
    day = act.day("until")
    if day > rt.today() or (today_allowed and day == rt.today()):
        return day
    _refuse(ack, "until", Problem("date_not_future"))
    return None


def _delegate_to(rt: Runtime, ack: Ack, act: Act) -> str | None:
    """The person picked to take the request over, or None after an inline error (not an
    active person, or the one delegating)."""
    typed = act.values.get("delegate_to") or ""
    to_user = rt.directory.resolve(typed)
    if to_user is not None and to_user != act.user_id:
        return to_user
    problem = "unknown_user" if to_user is None else "delegate_self"
    _refuse(ack, "delegate_to", Problem(problem, {"value": typed}))
    return None


def _refuse(ack: Ack, block: str, problem: Problem) -> None:
    ack(response_action="errors", errors=field_errors(Invalid({block: problem})))
