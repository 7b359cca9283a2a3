"""What every listener shares: the request parsed once, and errors made friendly.

`request_context` is a Bolt middleware (as Netflix Dispatch's button context
middleware): before any listener runs it puts the runtime and an `Act` (who acted,
where, on what) in the Bolt context, so a listener reads `rt, act = unpack(context)`
instead of digging in the body.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.views.blocks import form_values
from templates import say
from workflows.core.errors import AigovError, Invalid, Problem

if TYPE_CHECKING:
    from slack_bolt import BoltContext

    from bot.runtime import Runtime

log = logging.getLogger("aigov.listeners")


@dataclass(frozen=True)
class Act:
    """One Slack request as listeners need it: who acted, where, and on what."""

    user_id: str
    # identifies this request across Slack's redeliveries (a dedupe key for its replies)
    key: str
    channel_id: str | None = None
    trigger_id: str | None = None
    action_id: str | None = None
    value: str | None = None  # the clicked element's value
    meta: dict[str, Any] = field(default_factory=dict)  # a view's private_metadata
    values: dict[str, Any] = field(default_factory=dict)  # a submitted view's fields

    @property
    def number(self) -> int:
        """The clicked button's value as the id it carries."""
        try:
            return int(self.value or "")
        except ValueError:
            raise Invalid({"value": Problem("bad_count", {"value": self.value})}) from None

    @property
    def suffix(self) -> str:
        """The last part of the action id: `kill` of `review.decide.kill`."""
        return (self.action_id or "").rsplit(".", 1)[-1]

    @property
    def where(self) -> str:
        """The channel to answer in: where it happened, else the person's DM."""
        return self.channel_id or self.user_id


def parse_act(body: dict[str, Any]) -> Act:
    """An `Act` from any request body: a command, an action, a view, an event."""
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    user = body.get("user")
    user_id = (
        (user.get("id") if isinstance(user, dict) else user)
        or body.get("user_id")
        or event.get("user")
        or ""
    )
    channel = body.get("channel")
    channel_id = (
        (channel.get("id") if isinstance(channel, dict) else None)
        or body.get("channel_id")
        or event.get("channel")
        or (body.get("container") or {}).get("channel_id")
    )
    actions = body.get("actions") or [{}]
    action = actions[0] if isinstance(actions[0], dict) else {}
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    value = action.get("value")
    if value is None and isinstance(action.get("selected_option"), dict):
        value = action["selected_option"].get("value")
    return Act(
        user_id=str(user_id),
        key=_request_key(body, action, view),
        channel_id=channel_id,
        trigger_id=body.get("trigger_id"),
        action_id=action.get("action_id"),
        value=value,
        meta=_metadata(view),
        values=form_values(view) if body.get("type") == "view_submission" else {},
    )


def _request_key(body: dict[str, Any], action: dict[str, Any], view: dict[str, Any]) -> str:
    for part in (
        body.get("event_id"),
        action.get("action_ts") and f"{action.get('action_id')}:{action['action_ts']}",
        view.get("id") and f"{view['id']}:{view.get('hash', '')}",
        body.get("trigger_id"),
    ):
        if part:
            return str(part)
    return uuid.uuid4().hex


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def request_context(rt: Runtime) -> Callable[..., Any]:
    """The middleware: the runtime and the parsed request, for every listener."""

    def middleware(body: dict, context: BoltContext, next: Callable[[], Any]) -> Any:
        context["rt"] = rt
        context["act"] = parse_act(body if isinstance(body, dict) else {})
        return next()

    return middleware


def unpack(context: BoltContext) -> tuple[Runtime, Act]:
    """What the middleware put in the context."""
    return context["rt"], context["act"]


def reply_dm(rt: Runtime, act: Act, what: str) -> Callable[[str], None]:
    """Tell the person who acted, in their DM, through the outbox (once per request)."""
    return lambda text: rt.post(key=f"{act.key}:{what}", target=act.user_id, text=text)


def reply_ephemeral(client: Any, act: Act) -> Callable[[str], None]:
    """Tell the person who acted, only them, where they acted (no outbox: nobody else
    sees it and it cannot be sent twice to anyone else)."""
    return lambda text: client.chat_postEphemeral(channel=act.where, user=act.user_id, text=text)


def error_text(exc: AigovError) -> str:
    """The sentence for a domain error (templates/errors.j2)."""
    return say("errors.j2", exc.code, **exc.params)


def field_errors(
    exc: Invalid, *, fields: set[str] | None = None, fallback: str = "name"
) -> dict[str, str]:
    """Inline modal errors: {block_id: sentence}; unknown fields land on `fallback`."""
    errors: dict[str, str] = {}
    for name, problem in exc.problems.items():
        block = name if fields is None or name in fields else fallback
        text = say("errors.j2", "problem", problem.code, problem.params, plain=True)
        errors[block] = f"{errors[block]} {text}" if block in errors else text
    return errors


@contextmanager
def friendly(reply: Callable[[str], object]) -> Iterator[None]:
    """Run a listener body; domain errors become a reply, anything else a reference id."""
    try:
        yield
    except AigovError as exc:
        reply(error_text(exc))
    except Exception:
        ref = uuid.uuid4().hex[:8]
        log.exception("listener failed (ref %s)", ref)
        try:
            reply(say("errors.j2", "unexpected", ref))
        except Exception:
            log.exception("could not tell the user about ref %s", ref)
