"""Slack listeners, one module per area. Each module's `LISTENERS` table lists
(kind, matcher, handler): a handler is a module-level function that acks, parses (the
`Act` from bot.listeners.common), calls the domain, renders and sends.

    commands.py        `/aigov <word> ...`, dispatched on the first word (else a question)
    inventory.py       Register / Edit buttons and their modals
    figures.py         Record figures (a month's costs and outcomes)
    review/            report.py (Report figures), decide.py (a leader clicks Continue /
                       Scale / Fix / Kill on a review card), chase.py (snooze, away, delegate)
    alerts.py          Acknowledge, Snooze, Raise budget, Open review; `/aigov alerts|budget`
    admin.py           the `/aigov admin` settings modal
    channels.py        Show figures, and channel membership events (the channel rule)
    questions.py       spend questions: DMs, @mentions, "did you mean" buttons
    home.py            the App Home
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

# (kind: "command" | "action" | "view" | "event" | "message", matcher, handler)
Route = tuple[str, Any, Callable[..., Any]]


def modules() -> list[Any]:
    """Every listener module, in the order Bolt tries them (the first match runs):
    questions before home, so a DM is answered before anything else looks at it."""
    from bot.listeners import (
        admin,
        alerts,
        channels,
        commands,
        figures,
        home,
        inventory,
        questions,
        review,
    )

    return [commands, inventory, figures, review, alerts, admin, channels, questions, home]


def register_all(app: App) -> None:
    """Register every module's table on the app (the runtime reaches handlers through
    the request_context middleware)."""
    from bot.listeners.common import guarded

    for module in modules():
        for kind, matcher, handler in module.LISTENERS:
            getattr(app, kind)(matcher)(guarded(handler))
