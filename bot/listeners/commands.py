"""`/aigov ...`: ack at once, then dispatch on the first word."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.listeners import inventory as inv
from bot.listeners.common import friendly
from bot.runtime import Runtime
from templates import say, unescape_mrkdwn


def register(app: App, rt: Runtime) -> None:
    @app.command("/aigov")
    def aigov(ack: Ack, command: dict, respond: Any, client: WebClient) -> None:
        ack()
        user_id = command["user_id"]
        text = unescape_mrkdwn(command.get("text") or "")
        word, _, rest = text.strip().partition(" ")
        word, rest = word.lower(), rest.strip()

        def reply(text: str) -> None:
            respond(text=text, response_type="ephemeral")

        with friendly(reply):
            dispatch(
                rt, client, respond, reply, word=word, rest=rest, command=command, user_id=user_id
            )


def dispatch(
    rt: Runtime,
    client: WebClient,
    respond: Any,
    reply: Any,
    *,
    word: str,
    rest: str,
    command: dict,
    user_id: str,
) -> None:
    if word in ("", "help"):
        reply(say("help.j2", "usage", rt.viewer(user_id).is_admin))
    elif word == "register":
        inv.open_register_modal(client, trigger_id=command["trigger_id"], user_id=user_id)
    elif word in ("show", "edit") and not rest:
        reply(say("help.j2", "which", word))
    elif word == "edit" and rest:
        inv.open_edit_modal(
            rt, client, trigger_id=command["trigger_id"], user_id=user_id, query=rest
        )
    elif word == "show" and rest:
        inv.show(rt, respond, user_id=user_id, query=rest)
    elif word == "list":
        inv.list_(rt, respond, user_id=user_id, text=rest)
    else:
        reply(say("help.j2", "unknown", f"{word} {rest}".strip(), rt.viewer(user_id).is_admin))
