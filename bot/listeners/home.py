"""App Home and the conversational entry points (DM, @mention)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot import blocks as bk
from bot.ids import Action
from bot.runtime import Runtime
from bot.views import inventory as inv_views
from storage.models import Initiative
from templates import say, unescape_mrkdwn
from workflows import inventory
from workflows import settings as ws
from workflows.access import can_see_figures
from workflows.money import format_money


def register(app: App, rt: Runtime) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict, client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            publish_home(rt, client, user_id=event["user"])

    @app.event("message")
    def direct_message(event: dict, client: WebClient) -> None:
        # Only people's own messages in the DM; edits, joins and bot posts have a subtype.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        question = unescape_mrkdwn(event.get("text", ""))
        is_admin = rt.viewer(event["user"]).is_admin
        text = (
            say("help.j2", "unknown", question, is_admin)
            if question.strip()
            else say("help.j2", "usage", is_admin)
        )
        client.chat_postMessage(channel=event["channel"], text=text)

    @app.event("app_mention")
    def mentioned(event: dict, client: WebClient) -> None:
        question = " ".join(w for w in event.get("text", "").split() if not w.startswith("<@"))
        if question.strip():
            text = say("help.j2", "unknown", unescape_mrkdwn(question), False)
        else:
            text = say("help.j2", "usage", False)
        client.chat_postMessage(
            channel=event["channel"], thread_ts=event.get("thread_ts") or event["ts"], text=text
        )


def publish_home(rt: Runtime, client: WebClient, *, user_id: str) -> None:
    """The user's App Home: their initiatives and the register button."""
    viewer = rt.viewer(user_id)
    with rt.db.read() as session:
        mine = [i for i in inventory.list_initiatives(session) if _involved(session, i, user_id)]
        currency = ws.get(session, "currency")
        delegates = inventory.delegates_by_initiative(session, [i.id for i in mine if i.id])
    budgets: dict[int, str] = {}
    for i in mine:
        if (
            can_see_figures(viewer, owner_id=i.owner_id, delegates=delegates.get(i.id or 0, []))
            and i.budget_micros
        ):
            budgets[i.id or 0] = say(
                "inventory.j2",
                "budget_short",
                format_money(i.budget_micros, currency, micros=True),
                i.budget_period,
            )
    blocks: list[Any] = [
        bk.header(say("home.j2", "header", plain=True)),
        bk.section(say("home.j2", "intro", len(mine))),
        bk.actions(
            bk.button(
                say("inventory.j2", "button", "register", plain=True),
                Action.REGISTER_OPEN,
                style="primary",
            )
        ),
    ]
    if mine:
        blocks += [bk.divider(), *inv_views.inventory_list(mine, text="", budgets=budgets)]
    client.views_publish(user_id=user_id, view={"type": "home", "blocks": blocks[: bk.VIEW_BLOCKS]})


def _involved(session: Any, initiative: Initiative, user_id: str) -> bool:
    return initiative.owner_id == user_id or user_id in inventory.delegates_of(
        session, initiative.id
    )
