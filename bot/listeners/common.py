"""What every listener shares: the request parsed once, and errors made friendly.

`request_context` is a Bolt middleware (as Netflix Dispatch's button context
middleware): before any listener runs it puts the runtime and an `Act` (who acted,
where, on what) in the Bolt context, so a listener reads `rt, act = unpack(context)`
instead of digging in the body.
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltResponse
from slack_sdk.errors import SlackApiError

from bot.views.blocks import form_values
from storage.models import Decision
from templates import say
from workflows.core.errors import AigovError, Invalid, Problem

if TYPE_CHECKING:
    from slack_bolt import BoltContext

    from bot.runtime import Runtime

log = logging.getLogger("aigov.listeners")


# Ids are INTEGER columns (32 bits on PostgreSQL): a larger number is no id of ours, and
# querying with it fails in the driver instead of finding nothing.
MAX_ID = 2**31 - 1
# What the bot's views put in private_metadata (bot/views): any other value is not ours.
_META_IDS = {"id", "request_id", "alert_id", "cycle_id"}
_META_CHOICES: dict[str, set[str]] = {"decision": {str(d) for d in Decision}}
# Slack deadlines for a trigger id: the form could not open, the person can try again.
TRIGGER_ERRORS = {"expired_trigger_id", "invalid_trigger_id", "trigger_expired"}


class Meta(dict[str, Any]):
    """A view's private_metadata: a key the bot did not put there (a form from an older
    version, or someone else's) is a refusal the person reads, not a KeyError."""

    def __missing__(self, key: str) -> Any:
        raise Invalid({"form": Problem("stale_form")})


class Values(dict[str, Any]):
    """A submitted view's fields: a field the form lacks reads as "this is required"."""

    def __missing__(self, key: str) -> Any:
        raise Invalid({key: Problem("required")})


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
    meta: dict[str, Any] = field(default_factory=Meta)  # a view's private_metadata
    values: dict[str, Any] = field(default_factory=Values)  # a submitted view's fields

    @property
    def number(self) -> int:
        """The clicked button's value as the id it carries."""
        return _whole(self.value, "value")

    def count(self, key: str) -> int:
        """A submitted field as a whole number (an id from a select, say)."""
        return _whole(self.values[key], key)

    def day(self, key: str) -> date:
        """A submitted date field (a datepicker's YYYY-MM-DD)."""
        text = self.values[key]
        try:
            return date.fromisoformat(text)
        except (TypeError, ValueError):
            raise Invalid({key: Problem("bad_date", {"value": text})}) from None

    @property
    def suffix(self) -> str:
        """The last part of the action id: `kill` of `review.decide.kill`."""
        return (self.action_id or "").rsplit(".", 1)[-1]

    @property
    def where(self) -> str:
        """The channel to answer in: where it happened, else the person's DM."""
        return self.channel_id or self.user_id


def _whole(value: Any, key: str) -> int:
    text = value if isinstance(value, str) else ""
    # At most 10 digits before int(): Python refuses to convert a 5,000-digit string.
    if not (text.isascii() and text.isdigit() and len(text) <= 10 and 0 < int(text) <= MAX_ID):
        raise Invalid({key: Problem("bad_count", {"value": value})})
    return int(text)


def parse_act(body: dict[str, Any]) -> Act:
    """An `Act` from any request body: a command, an action, a view, an event. Never
    raises: bot.http.guard has checked the shape, and what is still odd reads as absent."""
    try:
        return _parse_act(body)
    except (AttributeError, TypeError, ValueError, IndexError):
        log.info("a request's fields were not all usable; read it as from nobody")
        return Act(user_id="", key=uuid.uuid4().hex)


def _parse_act(body: dict[str, Any]) -> Act:
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
        or _field(body, "container", "channel_id")
    )
    actions = body.get("actions") if isinstance(body.get("actions"), list) else None
    action = actions[0] if actions and isinstance(actions[0], dict) else {}
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    value = action.get("value")
    if value is None and isinstance(action.get("selected_option"), dict):
        value = action["selected_option"].get("value")
    submitted = body.get("type") == "view_submission"
    return Act(
        user_id=str(user_id),
        key=_request_key(body, action, view),
        channel_id=channel_id if isinstance(channel_id, str) else None,
        trigger_id=_text(body.get("trigger_id")),
        action_id=_text(action.get("action_id")),
        value=_text(value),
        meta=_metadata(view),
        values=Values(form_values(view) if submitted else {}),
    )


def _field(body: dict[str, Any], name: str, key: str) -> Any:
    part = body.get(name)
    return part.get(key) if isinstance(part, dict) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


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


def _metadata(view: dict[str, Any]) -> Meta:
    """The metadata the bot's views set, each value of the type they set it with; what
    is not (another app's, a tampered or an older form's) is left out."""
    text = view.get("private_metadata")
    try:
        meta = json.loads(text) if isinstance(text, str) and text else {}
    except ValueError:
        return Meta()
    if not isinstance(meta, dict):
        return Meta()
    return Meta({key: value for key, value in meta.items() if _ours(key, value)})


def _ours(key: str, value: Any) -> bool:
    if key in _META_IDS:
        return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID
    return key in _META_CHOICES and isinstance(value, str) and value in _META_CHOICES[key]


def request_context(rt: Runtime) -> Callable[..., Any]:
    """The middleware: the runtime and the parsed request, for every listener."""

    def middleware(body: dict, context: BoltContext, next: Callable[[], Any]) -> Any:
        context["rt"] = rt
        context["body"] = body if isinstance(body, dict) else {}  # for `guarded`'s answer
        context["act"] = parse_act(context["body"])
        return next()

    return middleware


def unpack(context: BoltContext) -> tuple[Runtime, Act]:
    """What the middleware put in the context."""
    return context["rt"], context["act"]


def reply_dm(rt: Runtime, act: Act, what: str) -> Callable[[str], None]:
    """Tell the person who acted, in their DM, through the outbox (once per request)."""
    return lambda text: rt.post(key=f"{act.key}:{what}", target=act.user_id, text=text)


def reply_under(respond: Any) -> Callable[[str], object]:
    """Tell whoever clicked, only them, under the message they clicked on (which stays)."""
    return lambda text: respond(text=text, response_type="ephemeral", replace_original=False)


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
        _tell(reply, error_text(exc))
    except SlackApiError as exc:
        _tell(reply, _slack_refused(exc))
    except Exception:
        ref = uuid.uuid4().hex[:8]
        log.exception("listener failed (ref %s)", ref)
        _tell(reply, say("errors.j2", "unexpected", ref))


def modal_not_opened(exc: BaseException) -> bool:
    """True when Slack would not open a form because its trigger had expired (a click
    answered after 3 s, or used twice): the person is told to try again."""
    return isinstance(exc, SlackApiError) and _slack_error(exc) in TRIGGER_ERRORS


def _slack_error(exc: SlackApiError) -> str:
    response = exc.response
    error = response.get("error") if hasattr(response, "get") else None
    return str(error or "unknown")


def _slack_refused(exc: SlackApiError) -> str:
    """The sentence for a Slack call the bot made on someone's behalf that Slack refused;
    logged as a warning by its error code (no traceback: it is Slack's answer)."""
    if modal_not_opened(exc):
        log.info("a form could not open: %s", _slack_error(exc))
        return say("errors.j2", "modal_not_opened")
    ref = uuid.uuid4().hex[:8]
    log.warning("Slack refused a call (ref %s): %s", ref, _slack_error(exc))
    return say("errors.j2", "unexpected", ref)


def _tell(reply: Callable[[str], object], text: str) -> None:
    """Send the person the sentence; when even that fails (they are not in the channel,
    Slack is down) the log says so and the request still ends cleanly."""
    try:
        reply(text)
    except SlackApiError as exc:
        log.warning("could not tell the person: %s", _slack_error(exc))
    except Exception:
        log.exception("could not tell the person")


def on_error(
    error: Exception, body: dict, context: BoltContext, response: BoltResponse | None
) -> BoltResponse | None:
    """Bolt's global error handler: what a middleware (or a listener outside `guarded`)
    raised. The answer to Slack is a 2xx: a view submission gets the sentence inline,
    anything else an empty ack (`response` is None when the request was acked already)."""
    body = body if isinstance(body, dict) else {}
    text = _report(error)
    if response is not None and body.get("type") == "view_submission":
        return BoltResponse(status=200, body=_inline(error, body, text))
    _tell_dm(context, body, text)
    return BoltResponse(status=200, body="") if response is not None else None


def guarded(handler: Callable[..., Any]) -> Callable[..., Any]:
    """The listener, made never to raise into Bolt: when a listener raises after its
    ack, Bolt's runner resets the ack (slack_bolt's thread_runner sets `ack.response =
    None`) and the request may then wait 3 s for a 404. An error here is reported as
    `on_error` does: acked if it was not (a view submission's inline), the person told."""

    @functools.wraps(handler)
    def run(**kwargs: Any) -> Any:
        try:
            return handler(**kwargs)
        except Exception as exc:
            context = kwargs.get("context")
            if context is None:
                raise  # nothing to answer with: Bolt's handler (on_error) takes it
            body, ack = context.get("body") or {}, context.ack
            text = _report(exc)
            submitted = body.get("type") == "view_submission"
            if ack.response is None:
                ack(**(_inline(exc, body, text) if submitted else {}))
            if not submitted:
                _tell_dm(context, body, text)
            return None

    return run


def _report(error: Exception) -> str:
    """Log what went wrong, as fits it, and the sentence for the person. A refusal (an
    AigovError such as a stale form's) and Slack's own refusals are no traceback."""
    if isinstance(error, AigovError):
        log.info("refused a request: %s", error.code)
        return error_text(error)
    if isinstance(error, SlackApiError):
        return _slack_refused(error)
    ref = uuid.uuid4().hex[:8]
    log.error("unhandled listener error (ref %s): %s", ref, type(error).__name__, exc_info=error)
    return say("errors.j2", "unexpected", ref)


def _tell_dm(context: BoltContext, body: dict[str, Any], text: str) -> None:
    rt, act = context.get("rt"), context.get("act") or parse_act(body)
    if rt is not None and act.user_id:
        _tell(reply_dm(rt, act, "error"), text)


def _inline(error: Exception, body: dict[str, Any], text: str) -> dict[str, Any]:
    """A view submission's error answer, on the form's own input blocks."""
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    blocks = view.get("blocks") if isinstance(view.get("blocks"), list) else []
    inputs = [
        b["block_id"]
        for b in blocks
        if isinstance(b, dict) and b.get("type") == "input" and isinstance(b.get("block_id"), str)
    ]
    if not inputs:
        return {}  # no field to show it on: the modal closes
    if isinstance(error, Invalid):
        errors = field_errors(error, fields=set(inputs), fallback=inputs[0])
    else:
        errors = {inputs[0]: text}
    return {"response_action": "errors", "errors": errors}
