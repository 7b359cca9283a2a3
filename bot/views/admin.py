"""The settings modal of `/aigov admin`: a channel picker per channel setting, a text
input per other setting."""

from __future__ import annotations

from typing import Any

from bot.ids import Callback
from bot.views import blocks as bk
from templates import say, tables

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


def submitted(values: dict[str, Any]) -> dict[str, str]:
    """The modal's fields as the settings' texts (an empty field is empty text)."""
    return {key: (values.get(key) or "").strip() for key in (*CHANNELS, *TEXT_KEYS)}


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
