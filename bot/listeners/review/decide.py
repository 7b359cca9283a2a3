"""A leader decides a review: a click on Continue, Scale, Fix or Kill on the card in the
governance channel (action `review.decide.<decision>`) opens the rationale modal, and
its submission decides (kill retires the initiative, scale moves a pilot to
production; see workflows.reviews.review.decide). Who may decide is
workflows.core.access.may_decide, asked through the domain."""

from __future__ import annotations

import re

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.ids import Action, Callback
from bot.listeners import Route
from bot.listeners.common import error_text, friendly, reply_ephemeral, unpack
from bot.views import review as views
from storage.models import Decision, RequestStatus
from templates import say
from workflows.core.errors import AigovError
from workflows.reviews import review

TEMPLATE = "review.j2"
# review.decide.continue, .scale, .fix, .kill: one button per Decision.
DECIDE_BUTTON = re.compile(
    rf"^{re.escape(Action.REVIEW_DECIDE)}\.({'|'.join(map(re.escape, Decision))})$"
)


def open_decide(ack: Ack, client: WebClient, context: BoltContext) -> None:
    """Leaders get the rationale modal; anyone else (admins too) is told, and nothing changes."""
    ack()
    rt, act = unpack(context)
    tell = reply_ephemeral(client, act)
    with friendly(tell):
        with rt.db.read() as session:
            request, initiative = review.to_decide(
                session, request_id=act.number, viewer=rt.viewer(act.user_id)
            )
        if request.status == RequestStatus.DECIDED:
            tell(say(TEMPLATE, "already_decided", request))
            return
        decision = Decision(act.suffix)
        view = views.decide_modal(request=request, initiative=initiative, decision=decision)
        client.views_open(trigger_id=act.trigger_id, view=view)


def submit_decide(ack: Ack, context: BoltContext) -> None:
    rt, act = unpack(context)
    viewer = rt.viewer(act.user_id)
    try:
        with rt.db.write() as session:
            review.decide(
                session,
                request_id=act.meta["request_id"],
                viewer=viewer,
                decision=act.meta["decision"],
                rationale=act.values.get("rationale") or "",
                now=rt.now(),
            )
    except AigovError as exc:
        ack(response_action="errors", errors={"rationale": error_text(exc)})
        return
    ack()
    rt.wake_outbox()


LISTENERS: tuple[Route, ...] = (
    ("action", DECIDE_BUTTON, open_decide),
    ("view", Callback.REVIEW_DECIDE, submit_decide),
)
