"""Slack listeners, one module per area. Each module's `LISTENERS` table lists
(kind, matcher, handler): a handler is a module-level function that acks, parses (the
`Act` from bot.listeners.common), calls the domain, renders and sends.

    review/decide.py   a leader clicks Continue / Scale / Fix / Kill on a review card
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
