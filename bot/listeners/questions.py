"""Spend questions: `/aigov <question>`, an @mention, a DM, and `aigov ask`.

Answers to @mentions and DMs, their charts and the "sent privately" notes go through the
outbox under the event's id, so a question Slack delivers twice is answered once."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.ids import Action
from bot.listeners import Route
from bot.listeners.common import Act, friendly, reply_dm, reply_under, unpack
from bot.outbox.message import File
from bot.runtime import Runtime
from bot.views import answers as views
from bot.views import charts
from templates import say, unescape_mrkdwn
from workflows.core.access import may_configure
from workflows.inventory import inventory
from workflows.questions.answer import Answer
from workflows.questions.ask import ask

log = logging.getLogger("aigov.questions")
TEMPLATE = "answers.j2"
CHART_FILE = "aigov-answer.png"
GREETINGS = ("help", "hi", "hello")


def choice(ack: Ack, body: dict, client: WebClient, respond: Respond, context: BoltContext) -> None:
    ack()
    rt, act = unpack(context)
    # Where the "did you mean" was: an ephemeral one is answered in its place.
    in_place = bool((body.get("container") or {}).get("is_ephemeral"))
    with friendly(reply_under(respond)):
        on_choice(rt, client, respond, act, in_place=in_place)


def direct_message(event: dict, client: WebClient, context: BoltContext) -> None:
    # Only people's own messages in the DM; edits, joins and bot posts have a subtype.
    if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
        return
    rt, act = unpack(context)
    text = unescape_mrkdwn(event.get("text", "")).strip()
    if not text or text.lower() in GREETINGS:
        usage = say("help.j2", "usage", may_configure(rt.viewer(act.user_id)))
        rt.post(key=f"{act.key}:help", target=act.where, text=usage)
        return
    with friendly(reply_dm(rt, act, "error")):
        on_dm(rt, act, text=text)


def mentioned(event: dict, client: WebClient, context: BoltContext) -> None:
    rt, act = unpack(context)
    words = [
        w for w in event.get("text", "").split() if not (w.startswith("<@") and w.endswith(">"))
    ]
    text = unescape_mrkdwn(" ".join(words)).strip()
    thread_ts = event.get("thread_ts") or event["ts"]
    if not text:
        usage = say("help.j2", "usage", False)
        rt.post(key=f"{act.key}:help", target=act.where, text=usage, thread_ts=thread_ts)
        return
    with friendly(reply_dm(rt, act, "error")):
        on_mention(rt, client, act, text=text, thread_ts=thread_ts)


LISTENERS: tuple[Route, ...] = (
    ("action", re.compile(rf"^{re.escape(Action.ANSWER_CHOICE)}\.\d+$"), choice),
    ("event", "message", direct_message),
    ("event", "app_mention", mentioned),
)


def answer_for(rt: Runtime, text: str, *, user_id: str) -> tuple[Any, str, list[dict]]:
    """Parse and answer as `user_id` may see it: (result, fallback text, blocks)."""
    viewer = rt.viewer(user_id)
    with rt.db.read() as session:
        result = ask(session, text, viewer=viewer, today=rt.today(), now=rt.now())
    fallback, blocks = views.render(result)
    return result, fallback, blocks


def everyone_may_see(rt: Runtime, client: WebClient, channel_id: str, result: Any) -> bool:
    """Whether every member of the channel may see the answer's figures (its whole
    membership, every page; a channel whose members cannot be read is not safe)."""
    if not isinstance(result, Answer) or not result.initiative_ids:
        return True
    with rt.db.read() as session:
        stewards = inventory.stewards(session, ids=result.initiative_ids)
    return rt.audience.all_may_see(channel_id, stewards)


def _chart(
    rt: Runtime, result: Any, *, key: str | None, target: str, thread_ts: str | None = None
) -> None:
    """The answer's chart, when it asked for one and shows figures, after the answer."""
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
    title = say(TEMPLATE, "chart_title", result, plain=True)
    rt.post(
        key=key and f"{key}:chart",
        target=target,
        text="",
        thread_ts=thread_ts,
        files=[File(content=png, filename=CHART_FILE, title=title)],
    )


def on_slash(
    rt: Runtime,
    client: WebClient,
    respond: Any,
    *,
    text: str,
    user_id: str,
    channel_id: str,
    key: str | None = None,
) -> None:
    """Ephemeral in the channel, unless the asker says `share` and everyone there may see
    it. `key` (the request's) makes the chart's upload happen once."""
    result, fallback, blocks = answer_for(rt, text, user_id=user_id)
    share = isinstance(result, Answer) and result.query.share
    if share and everyone_may_see(rt, client, channel_id, result):
        respond(text=fallback, blocks=blocks, response_type="in_channel")
        _chart(rt, result, key=key, target=channel_id)
        return
    if share:
        blocks = [*blocks, views.not_shared()]
    respond(text=fallback, blocks=blocks, response_type="ephemeral")
    _chart(rt, result, key=key, target=user_id)  # the chart goes to the asker only


def on_mention(rt: Runtime, client: WebClient, act: Act, *, text: str, thread_ts: str) -> None:
    """In the thread when everyone in the channel may see the figures, else privately."""
    result, fallback, blocks = answer_for(rt, text, user_id=act.user_id)
    channel, answer = act.where, f"{act.key}:answer"
    if everyone_may_see(rt, client, channel, result):
        rt.post(key=answer, target=channel, text=fallback, blocks=blocks, thread_ts=thread_ts)
        _chart(rt, result, key=act.key, target=channel, thread_ts=thread_ts)
        return
    rt.post(key=answer, target=act.user_id, text=fallback, blocks=blocks)
    _chart(rt, result, key=act.key, target=act.user_id)
    note = say(TEMPLATE, "sent_privately")
    rt.post(key=f"{act.key}:sent_privately", target=channel, text=note, thread_ts=thread_ts)


def on_dm(rt: Runtime, act: Act, *, text: str) -> None:
    """In the DM it was asked in, chart and all (only the asker is there)."""
    result, fallback, blocks = answer_for(rt, text, user_id=act.user_id)
    rt.post(key=f"{act.key}:answer", target=act.where, text=fallback, blocks=blocks)
    _chart(rt, result, key=act.key, target=act.where)


def on_choice(
    rt: Runtime, client: WebClient, respond: Respond, act: Act, *, in_place: bool
) -> None:
    """A "did you mean" button: the question again with the chosen name, for whoever
    clicked. In place of an ephemeral "did you mean", as a new message in the DM, and
    ephemeral in a channel (where answers are, unless the question says `share`)."""
    question = act.value or ""
    if act.where.startswith("D") and not in_place:
        on_dm(rt, act, text=question)
        return
    reply = _replying(respond, in_place=in_place)
    on_slash(
        rt, client, reply, text=question, user_id=act.user_id, channel_id=act.where, key=act.key
    )


def _replying(respond: Respond, *, in_place: bool) -> Callable[..., Any]:
    """`respond` for an answer: ephemeral ones replace the original when `in_place`."""

    def reply(**message: Any) -> Any:
        shared = message.get("response_type") == "in_channel"
        return respond(**message, replace_original=in_place and not shared)

    return reply
