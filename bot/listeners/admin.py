"""`/aigov admin`: the settings modal, validated inline, audited, effective at once."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.ids import Callback
from bot.runtime import Runtime
from bot.views import blocks as bk
from templates import say, tables
from workflows.core import settings as ws
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


def register(app: App, rt: Runtime) -> None:
    @app.view(Callback.ADMIN_SETTINGS)
    def submit(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        user_id = body["user"]["id"]
        if not rt.viewer(user_id).is_admin:
            ack(
                response_action="errors",
                errors={CHANNELS[0]: say("errors.j2", "forbidden", "admin", plain=True)},
            )
            return
        values = bk.form_values(view)
        try:
            changes = save(rt, user_id=user_id, values=values)
        except Invalid as exc:
            errors = {
                k: say("errors.j2", "problem", p.code, p.params, plain=True)
                for k, p in exc.problems.items()
            }
            ack(response_action="errors", errors=errors)
            return
        ack()
        client.chat_postMessage(channel=user_id, text=say(TEMPLATE, "saved", changes))


def open_modal(rt: Runtime, client: WebClient, *, trigger_id: str, user_id: str) -> None:
    if not rt.viewer(user_id).is_admin:
        raise Forbidden(action="admin")
    w = tables(TEMPLATE)
    with rt.db.read() as session:
        current = {key: text for key, text, _ in ws.show_all(session)}
        effective_cron, _tz = chasing.schedule(session)
    blocks: list[bk.Block] = [bk.section(say(TEMPLATE, "intro"))]
    for key in CHANNELS:
        element: dict[str, Any] = {
            "type": "conversations_select",
            "action_id": key,
            "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        }
        if current[key]:
            element["initial_conversation"] = current[key]
        blocks.append(
            {
                "type": "input",
                "block_id": key,
                "optional": True,
                "element": element,
                "label": bk.plain(w.LABELS[key], limit=2000),
            }
        )
    for key in TEXT_KEYS:
        hint = w.HINTS.get(key, "")
        if key == "review_schedule":
            hint = f"{hint}{effective_cron})"
        blocks.append(
            bk.text_input(key, w.LABELS[key], initial=current[key], optional=True, hint=hint)
        )
    view = bk.modal(
        title=w.TITLES["settings"],
        callback_id=Callback.ADMIN_SETTINGS,
        blocks=blocks,
        submit=w.TITLES["save"],
        close=w.TITLES["close"],
    )
    client.views_open(trigger_id=trigger_id, view=view)


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
