"""Quarterly reviews in Slack: reporting figures, snoozing, delegating, deciding."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.ids import Action, Callback
from bot.listeners.common import error_text, field_errors, friendly
from bot.runtime import Runtime
from bot.schedule.alerting import check_now
from bot.views import blocks as bk
from bot.views import review as views
from storage.models import Person
from templates import say
from workflows.core import settings as ws
from workflows.core.errors import AigovError, Conflict, Forbidden, Invalid, Problem
from workflows.core.hours import _zone
from workflows.figures import entries, figures
from workflows.figures.figures import Scope
from workflows.reviews import review, review_requests

TEMPLATE = "review.j2"


def _meta(view: dict) -> dict[str, Any]:
    return json.loads(view.get("private_metadata") or "{}")


def _tell(client: WebClient, user_id: str) -> Any:
    return lambda text: client.chat_postMessage(channel=user_id, text=text)


def register(app: App, rt: Runtime) -> None:
    @app.action(Action.REVIEW_REPORT)
    def open_report(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        user_id = body["user"]["id"]
        with friendly(_tell(client, user_id)):
            open_report_modal(
                rt,
                client,
                trigger_id=body["trigger_id"],
                user_id=user_id,
                request_id=int(body["actions"][0]["value"]),
            )

    @app.view(Callback.REVIEW_REPORT)
    def submit_report(ack: Ack, body: dict, view: dict) -> None:
        on_report_submit(rt, ack, user_id=body["user"]["id"], view=view)

    @app.action(re.compile(rf"^{re.escape(Action.REVIEW_DECIDE)}\.(continue|scale|fix|kill)$"))
    def open_decide(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        user_id = body["user"]["id"]
        action = body["actions"][0]
        decision = action["action_id"].rsplit(".", 1)[1]
        channel_id = body["channel"]["id"]

        def tell(text: str) -> None:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)

        with friendly(tell):
            open_decide_modal(
                rt,
                client,
                trigger_id=body["trigger_id"],
                user_id=user_id,
                channel_id=channel_id,
                request_id=int(action["value"]),
                decision=decision,
            )

    @app.view(Callback.REVIEW_DECIDE)
    def submit_decide(ack: Ack, body: dict, view: dict) -> None:
        meta, values = _meta(view), bk.form_values(view)
        try:
            with rt.db.write() as session:
                review.decide(
                    session,
                    request_id=meta["request_id"],
                    viewer=rt.viewer(body["user"]["id"]),
                    decision=meta["decision"],
                    rationale=values.get("rationale") or "",
                    now=rt.now(),
                )
        except AigovError as exc:
            ack(response_action="errors", errors={"rationale": error_text(exc)})
            return
        ack()
        rt.wake_outbox()

    @app.action(Action.REVIEW_SNOOZE_DAY)
    def snooze_day(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        user_id = body["user"]["id"]
        with friendly(_tell(client, user_id)):
            until = rt.now() + timedelta(days=1)
            _snooze(rt, user_id=user_id, cycle_id=int(body["actions"][0]["value"]), until=until)
            client.chat_postMessage(
                channel=user_id, text=say(TEMPLATE, "snoozed", _local(rt, user_id, until))
            )

    @app.action(Action.REVIEW_SNOOZE_UNTIL)
    def snooze_until(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        _open_date_modal(rt, client, body, Callback.REVIEW_SNOOZE, "snooze", days_ahead=3)

    @app.view(Callback.REVIEW_SNOOZE)
    def submit_snooze(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        user_id = body["user"]["id"]
        day = _chosen_day(rt, ack, view, today_allowed=False)
        if day is None:
            return
        until = _start_of(rt, user_id, day)
        with friendly(lambda text: ack(response_action="errors", errors={"until": text})):
            _snooze(rt, user_id=user_id, cycle_id=_meta(view)["cycle_id"], until=until)
            ack()
            client.chat_postMessage(
                channel=user_id, text=say(TEMPLATE, "snoozed", _local(rt, user_id, until))
            )

    @app.action(Action.REVIEW_AWAY)
    def away(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        _open_date_modal(rt, client, body, Callback.REVIEW_AWAY, "away", days_ahead=7)

    @app.view(Callback.REVIEW_AWAY)
    def submit_away(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        user_id = body["user"]["id"]
        day = _chosen_day(rt, ack, view, today_allowed=True)
        if day is None:
            return
        with rt.db.write() as session:
            review_requests.set_away(session, user_id=user_id, until=day)
        ack()
        client.chat_postMessage(channel=user_id, text=say(TEMPLATE, "away_set", day))

    @app.action(Action.REVIEW_DELEGATE)
    def open_delegate(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        user_id, cycle_id = body["user"]["id"], int(body["actions"][0]["value"])
        with rt.db.read() as session:
            rows = review.open_requests_for(session, cycle_id=cycle_id, assignee=user_id)
        if any(r.status != "decided" for r, _ in rows):
            client.views_open(
                trigger_id=body["trigger_id"],
                view=views.delegate_modal(cycle_id=cycle_id, rows=rows),
            )

    @app.view(Callback.REVIEW_DELEGATE)
    def submit_delegate(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        user_id, values = body["user"]["id"], bk.form_values(view)
        to_user = rt.directory.resolve(values.get("delegate_to") or "")
        if to_user is None or to_user == user_id:
            problem = "unknown_user" if to_user is None else "delegate_self"
            text = say(
                "errors.j2",
                "problem",
                problem,
                {"value": values.get("delegate_to") or ""},
                plain=True,
            )
            ack(response_action="errors", errors={"delegate_to": text})
            return
        try:
            with rt.db.write() as session:
                request = review_requests.delegate(
                    session,
                    request_id=int(values["delegate_which"]),
                    viewer=rt.viewer(user_id),
                    to_user=to_user,
                    now=rt.now(),
                )
                _request, _cycle, initiative = review.get_request(session, request.id or 0)
        except AigovError as exc:
            ack(response_action="errors", errors={"delegate_which": error_text(exc)})
            return
        ack()
        rt.wake_outbox()
        client.chat_postMessage(
            channel=user_id, text=say(TEMPLATE, "delegated_ok", to_user, [initiative.name])
        )


def _open_date_modal(
    rt: Runtime, client: WebClient, body: dict, callback: Callback, what: str, *, days_ahead: int
) -> None:
    """The "until when?" modal of Snooze and I'm away, a few days ahead to start with."""
    view = views.date_modal(
        callback=callback,
        title=what,
        label=f"{what}_until",
        block_id="until",
        cycle_id=int(body["actions"][0]["value"]),
        initial=(rt.today() + timedelta(days=days_ahead)).isoformat(),
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def _chosen_day(rt: Runtime, ack: Ack, view: dict, *, today_allowed: bool) -> date | None:
    """The modal's date, or None after an inline error when it lies in the past."""
    day = date.fromisoformat(bk.form_values(view)["until"])
    if day > rt.today() or (today_allowed and day == rt.today()):
        return day
    text = say("errors.j2", "problem", "date_not_future", {}, plain=True)
    ack(response_action="errors", errors={"until": text})
    return None


def _snooze(rt: Runtime, *, user_id: str, cycle_id: int, until: datetime) -> None:
    with rt.db.write() as session:
        rows = review.open_requests_for(session, cycle_id=cycle_id, assignee=user_id)
        ids = [r.id or 0 for r, _ in rows if r.status == "pending"]
        review_requests.snooze(session, request_ids=ids, viewer=rt.viewer(user_id), until=until)


def _person_tz(rt: Runtime, user_id: str) -> str:
    with rt.db.read() as session:
        person = session.get(Person, user_id)
    return (person.tz if person and person.tz else None) or rt.settings.timezone


def _local(rt: Runtime, user_id: str, moment: datetime) -> datetime:
    return moment.astimezone(_zone(_person_tz(rt, user_id), "UTC"))


def _start_of(rt: Runtime, user_id: str, day: date) -> datetime:
    """The start of `day` in the person's own time zone, as UTC."""
    return datetime.combine(day, time(0), _zone(_person_tz(rt, user_id), "UTC")).astimezone(UTC)


def open_report_modal(
    rt: Runtime, client: WebClient, *, trigger_id: str, user_id: str, request_id: int
) -> None:
    viewer = rt.viewer(user_id)
    with rt.db.read() as session:
        request, cycle, initiative = review.get_request(session, request_id)
        if not review.may_report(session, viewer, request, initiative):
            raise Forbidden(action="report")
        if request.status == "decided":
            raise Conflict(reason="decided")
        quarter = ws.calendar(session).quarter_of(cycle.period_start)
        billed = _billed(session, initiative.id or 0, quarter)
        entered = entries.entered_values(
            session, initiative_id=initiative.id or 0, kind="quarter", start=quarter.first_day
        )
        hints = entries.entered_values(
            session,
            initiative_id=initiative.id or 0,
            kind="quarter",
            start=quarter.previous().first_day,
        )
    values = entered if request.version else billed
    view = views.report_modal(
        request=request,
        initiative=initiative,
        period=quarter.describe(),
        values=values,
        hints=hints,
        billed=bool(billed),
    )
    client.views_open(trigger_id=trigger_id, view=view)


def _billed(session: Any, initiative_id: int, quarter: Any) -> dict[str, str]:
    first, last = figures.bounds(quarter)
    by_category = figures.spend_by(
        session,
        scope=Scope(initiative_ids=(initiative_id,)),
        first=first,
        last=last,
        group="category",
    )
    # To the cent: the billed figure counts anyway; the prefill is a starting point.
    cents = {c: round(s.billed_micros, -4) for c, s in by_category.items() if s.billed_micros}
    return {c: entries.as_text(micros) for c, micros in cents.items()}


def on_report_submit(rt: Runtime, ack: Ack, *, user_id: str, view: dict) -> None:
    values = bk.form_values(view)
    try:
        with rt.db.write() as session:
            entry = entries.parse_entry(values, currency=ws.get(session, "currency"))
            if entry.outcomes is None and not entry.costs:
                raise Invalid({"outcomes": Problem("nothing_reported")})
            review.submit(
                session,
                request_id=_meta(view)["request_id"],
                viewer=rt.viewer(user_id),
                entry=entry,
                owner_recommendation=values.get("owner_recommendation"),
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


def open_decide_modal(
    rt: Runtime,
    client: WebClient,
    *,
    trigger_id: str,
    user_id: str,
    channel_id: str,
    request_id: int,
    decision: str,
) -> None:
    """Leaders (and admins) get the rationale modal; anyone else is told, and nothing changes."""
    viewer = rt.viewer(user_id)
    with rt.db.read() as session:
        request, _cycle, initiative = review.get_request(session, request_id)
    if not (viewer.is_leader or viewer.is_admin):
        client.chat_postEphemeral(channel=channel_id, user=user_id, text=say(TEMPLATE, "forbidden_decide"))
    elif request.status == "decided":
        client.chat_postEphemeral(
            channel=channel_id, user=user_id, text=say(TEMPLATE, "already_decided", request)
        )
    else:
        view = views.decide_modal(request=request, initiative=initiative, decision=decision)
        client.views_open(trigger_id=trigger_id, view=view)
