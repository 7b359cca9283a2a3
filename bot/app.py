"""build_app(rt) -> a Bolt App with every listener registered. Nothing at import time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from sqlalchemy.exc import IntegrityError

from bot.listeners import register_all
from bot.listeners.common import on_error, request_context
from bot.runtime import Runtime
from storage.models import SlackEvent

log = logging.getLogger("aigov.app")


def build_app(rt: Runtime, *, token_verification: bool = True) -> App:
    """The Bolt app; signature checks happen in front of it (bot.http.server) as well."""
    app = App(
        client=rt.client,
        signing_secret=rt.settings.slack_signing_secret or "socket-mode",
        token_verification_enabled=token_verification,
        process_before_response=False,
        request_verification_enabled=bool(rt.settings.slack_signing_secret),
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("aigov.bolt"),
        listener_executor=rt.listener_executor,
    )
    app.middleware(_dedupe_events(rt))
    app.middleware(request_context(rt))
    register_all(app)

    # Whatever a listener or middleware raises, Slack gets a 2xx and the person a sentence.
    app.error(on_error)
    return app


def _dedupe_events(rt: Runtime) -> Callable[..., Any]:
    """Slack redelivers an event when it saw no 2xx in 3 s; act on each event_id once."""

    def dedupe(body: dict, next: Callable[[], Any]) -> Any:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not first_delivery(rt, event_id):
            log.info("event %s redelivered; already handled", event_id)
            return BoltResponse(status=200, body="")
        return next()

    return dedupe


def first_delivery(rt: Runtime, event_id: str) -> bool:
    """Record the event id; False when another delivery got there first."""
    try:
        with rt.db.write() as session:
            session.add(SlackEvent(event_id=event_id[:64]))
    except IntegrityError:
        return False
    return True
