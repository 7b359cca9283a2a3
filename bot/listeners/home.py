"""App Home: what each person sees when they open the bot's Home tab."""

from __future__ import annotations

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.listeners import Route
from bot.listeners.common import unpack
from bot.runtime import Runtime
from bot.views import home as home_views
from workflows import home
from workflows.core import settings as ws
from workflows.core.access import sees_portfolio


def home_opened(event: dict, client: WebClient, context: BoltContext) -> None:
    rt, act = unpack(context)
    if event.get("tab", "home") == "home":
        publish_home(rt, client, user_id=act.user_id)


LISTENERS: tuple[Route, ...] = (("event", "app_home_opened", home_opened),)


def publish_home(rt: Runtime, client: WebClient, *, user_id: str) -> None:
    """The user's App Home: the register button and their initiatives for everyone, their
    figures and open review requests, and the portfolio for leaders and admins."""
    viewer = rt.viewer(user_id)
    today, now = rt.today(), rt.now()
    with rt.db.read() as session:
        mine = home.owner_home(session, user_id=user_id, today=today, now=now)
        portfolio = (
            home.portfolio_home(session, today=today, now=now) if sees_portfolio(viewer) else None
        )
        currency = ws.get(session, "currency")
    view = home_views.home(viewer=viewer, mine=mine, portfolio=portfolio, currency=currency)
    client.views_publish(user_id=user_id, view=view)
