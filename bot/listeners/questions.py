"""Spend questions: `/aigov <question>`, an @mention, a DM, and `aigov ask`."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.ids import Action
from bot.listeners.common import friendly
from bot.runtime import Runtime
from bot.views import answers as views
from bot.views import charts
from storage.models import Initiative
from templates import say, unescape_mrkdwn
from workflows.core.access import can_see_figures
from workflows.inventory import inventory
from workflows.questions.answer import Answer
from workflows.questions.ask import ask

log = logging.getLogger("aigov.questions")


def answer_for(rt: Runtime, text: str, *, user_id: str) -> tuple[Any, str, list[dict]]:
    """Parse and answer as `user_id` may see it: (result, fallback text, blocks)."""
    viewer = rt.viewer(user_id)
    with rt.db.read() as session:
        result = ask(session, text, viewer=viewer, today=rt.today(), now=rt.now())
    fallback, blocks = views.render(result)
    return result, fallback, blocks


def everyone_may_see(rt: Runtime, client: WebClient, channel_id: str, result: Any) -> bool:
    """Whether every member of the channel may see the answer's figures."""
    if not isinstance(result, Answer) or not result.initiative_ids:
        return True
    try:
        members = client.conversations_members(channel=channel_id, limit=1000)["members"]
    except SlackApiError:
        return False
    with rt.db.read() as session:
        rows = [session.get(Initiative, i) for i in result.initiative_ids]
        delegates = inventory.delegates_by_initiative(session, list(result.initiative_ids))
    for member in members:
        if member == rt.bot_user_id:
            continue
        viewer = rt.viewer(member)
        for initiative in rows:
            if initiative is None:
                continue
            if not can_see_figures(
                viewer,
                owner_id=initiative.owner_id,
                delegates=delegates.get(initiative.id or 0, []),
            ):
                return False
    return True


def _chart(
    rt: Runtime, client: WebClient, result: Any, *, channel: str, thread_ts: str | None = None
) -> None:
    if (
        not isinstance(result, Answer)
        or not result.query.chart
        or result.hidden
        or result.nothing_visible
    ):
        return
    png = charts.answer_png(result)
    if png is None:
        return
    if channel.startswith(("U", "W")):
        channel = client.conversations_open(users=channel)["channel"]["id"]
    client.files_upload_v2(
        channel=channel,
        content=png,
        filename="aigov-answer.png",
        title=say("answers.j2", "chart_title", result, plain=True),
        thread_ts=thread_ts,
    )


def on_slash(
    rt: Runtime, client: WebClient, respond: Any, *, text: str, user_id: str, channel_id: str
) -> None:
    """Ephemeral in the channel, unless the asker says `share` and everyone there may see it."""
    result, fallback, blocks = answer_for(rt, text, user_id=user_id)
    share = isinstance(result, Answer) and result.query.share
    if share and everyone_may_see(rt, client, channel_id, result):
        respond(text=fallback, blocks=blocks, response_type="in_channel")
        _chart(rt, client, result, channel=channel_id)
        return
    if share:
        blocks = [
            *blocks,
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": say("answers.j2", "not_shared")}],
            },
        ]
    respond(text=fallback, blocks=blocks, response_type="ephemeral")
    _chart(rt, client, result, channel=user_id)  # the chart goes to the asker only


def on_mention(
    rt: Runtime, client: WebClient, *, text: str, user_id: str, channel_id: str, thread_ts: str
) -> None:
    """In the thread when everyone in the channel may see the figures, else privately."""
    result, fallback, blocks = answer_for(rt, text, user_id=user_id)
    if everyone_may_see(rt, client, channel_id, result):
        client.chat_postMessage(
            channel=channel_id, thread_ts=thread_ts, text=fallback, blocks=blocks
        )
        _chart(rt, client, result, channel=channel_id, thread_ts=thread_ts)
        return
    client.chat_postMessage(channel=user_id, text=fallback, blocks=blocks)
    _chart(rt, client, result, channel=user_id)
    client.chat_postMessage(
        channel=channel_id, thread_ts=thread_ts, text=say("answers.j2", "sent_privately")
    )


def on_dm(rt: Runtime, client: WebClient, *, text: str, user_id: str, channel_id: str) -> None:
    result, fallback, blocks = answer_for(rt, text, user_id=user_id)
    client.chat_postMessage(channel=channel_id, text=fallback, blocks=blocks)
    _chart(rt, client, result, channel=channel_id)


def on_choice(rt: Runtime, client: WebClient, respond: Respond, *, body: dict) -> None:
    """A "did you mean" button: the question again with the chosen name, for whoever
    clicked. In place of an ephemeral "did you mean", as a new message in the DM, and
    ephemeral in a channel (where answers are, unless the question says `share`)."""
    user_id, question = body["user"]["id"], body["actions"][0].get("value", "")
    container = body.get("container") or {}
    channel_id = container.get("channel_id") or (body.get("channel") or {}).get("id") or user_id
    if channel_id.startswith("D") and not container.get("is_ephemeral"):
        on_dm(rt, client, text=question, user_id=user_id, channel_id=channel_id)
        return
    reply = _replying(respond, in_place=bool(container.get("is_ephemeral")))
    on_slash(rt, client, reply, text=question, user_id=user_id, channel_id=channel_id)


def _replying(respond: Respond, *, in_place: bool) -> Callable[..., Any]:
    """`respond` for an answer: ephemeral ones replace the original when `in_place`."""

    def reply(**message: Any) -> Any:
        shared = message.get("response_type") == "in_channel"
        return respond(**message, replace_original=in_place and not shared)

    return reply


def register(app: App, rt: Runtime) -> None:
    @app.action(re.compile(rf"^{re.escape(Action.ANSWER_CHOICE)}\.\d+$"))
    def choice(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        with friendly(lambda m: respond(text=m, response_type="ephemeral", replace_original=False)):
            on_choice(rt, client, respond, body=body)

    @app.event("message")
    def direct_message(event: dict, client: WebClient) -> None:
        # Only people's own messages in the DM; edits, joins and bot posts have a subtype.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        text = unescape_mrkdwn(event.get("text", "")).strip()
        if not text or text.lower() in ("help", "hi", "hello"):
            client.chat_postMessage(
                channel=event["channel"],
                text=say("help.j2", "usage", rt.viewer(event["user"]).is_admin),
            )
            return
        with friendly(
            lambda message: client.chat_postMessage(channel=event["channel"], text=message)
        ):
            on_dm(rt, client, text=text, user_id=event["user"], channel_id=event["channel"])

    @app.event("app_mention")
    def mentioned(event: dict, client: WebClient) -> None:
        words = [
            w for w in event.get("text", "").split() if not (w.startswith("<@") and w.endswith(">"))
        ]
        text = unescape_mrkdwn(" ".join(words)).strip()
        thread_ts = event.get("thread_ts") or event["ts"]
        if not text:
            client.chat_postMessage(
                channel=event["channel"], thread_ts=thread_ts, text=say("help.j2", "usage", False)
            )
            return
        with friendly(lambda message: client.chat_postMessage(channel=event["user"], text=message)):
            on_mention(
                rt,
                client,
                text=text,
                user_id=event["user"],
                channel_id=event["channel"],
                thread_ts=thread_ts,
            )
