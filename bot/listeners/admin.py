"""`/aigov admin`: the settings modal, validated inline, audited, effective at once."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.ids import Callback
from bot.listeners import Route
from bot.listeners.common import field_errors, reply_dm, unpack
from bot.runtime import Runtime
from bot.views import blocks as bk
from templates import say, tables
from workflows.core import settings as ws
from workflows.core.access import may_configure
from workflows.core.errors import Forbidden, Invalid
from workflows.reviews import chasing

TEMPLATE = "admin.j2"
CHANNELS = ("governance_channel", "leadership_channel")
TEXT_KEYS = (
    "review_schedule",
    "review_timezone",
    "response_days",
    "reminder_days",
    "working_hours",
    "fiscal_year_start_month",
    "alert_thresholds",
    "spike_factor",
    "stale_days",
    "rule_kill_below",
    "rule_scale_at",
    "department_leaders",
)


def submit(ack: Ack, context: BoltContext) -> None:
    rt, act = unpack(context)
    if not may_configure(rt.viewer(act.user_id)):
        forbidden = say("errors.j2", "forbidden", "admin", plain=True)
        ack(response_action="errors", errors={CHANNELS[0]: forbidden})
        return
    try:
        changes = save(rt, user_id=act.user_id, values=act.values)
    except Invalid as exc:
        ack(response_action="errors", errors=field_errors(exc))
        return
    ack()
    reply_dm(rt, act, "saved")(say(TEMPLATE, "saved", changes))


LISTENERS: tuple[Route, ...] = (("view", Callback.ADMIN_SETTINGS, submit),)


def open_modal(rt: Runtime, client: WebClient, *, trigger_id: str, user_id: str) -> None:
    """`/aigov admin` (bot/listeners/commands.py): the settings as they are now."""
    if not may_configure(rt.viewer(user_id)):
        raise Forbidden(action="admin")
    with rt.db.read() as session:
        current = {key: text for key, text, _ in ws.show_all(session)}
        effective_cron, _tz = chasing.schedule(session)
    client.views_open(trigger_id=trigger_id, view=settings_modal(current, effective_cron))


def settings_modal(current: dict[str, str], effective_cron: str) -> bk.Block:
    """A channel picker per channel setting, a text input per other setting."""
    w = tables(TEMPLATE)
    blocks: list[bk.Block] = [bk.section(say(TEMPLATE, "intro"))]
    blocks += [_channel_input(key, w.LABELS[key], current[key]) for key in CHANNELS]
    for key in TEXT_KEYS:
        hint = w.HINTS.get(key, "")
        if key == "review_schedule":  # the hint ends "(now: " and shows what applies
            hint = f"{hint}{effective_cron})"
        blocks.append(
            bk.text_input(key, w.LABELS[key], initial=current[key], optional=True, hint=hint)
        )
    return bk.modal(
        title=w.TITLES["settings"],
        callback_id=Callback.ADMIN_SETTINGS,
        blocks=blocks,
        submit=w.TITLES["save"],
        close=w.TITLES["close"],
    )


def _channel_input(key: str, label: str, channel: str) -> bk.Block:
    element: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": key,
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if channel:
        element["initial_conversation"] = channel
    return {
        "type": "input",
        "block_id": key,
        "optional": True,
        "element": element,
        "label": bk.plain(label, limit=2000),
    }


def save(rt: Runtime, *, user_id: str, values: dict[str, Any]) -> list[tuple[str, str]]:
    """Validate every field first (all problems at once), then store what changed."""
    with rt.db.write() as session:
        current = {key: text for key, text, _ in ws.show_all(session)}
        wanted = {key: (values.get(key) or "").strip() for key in (*CHANNELS, *TEXT_KEYS)}
        problems = {}
        for key, text in wanted.items():
            try:
                ws.parse(key, text or ws.default_text(session, key))
            except Invalid as exc:
                problems.update(exc.problems)
        if problems:
            raise Invalid(problems)
        changes = []
        for key, text in wanted.items():
            if text == current[key]:
                continue
            if text or not ws.default_text(session, key):
                ws.put(session, key=key, text=text, actor=user_id)
            else:
                ws.reset(session, key=key, actor=user_id)  # cleared: back to the default
            changes.append((key, text or ws.default_text(session, key)))
    return changes
