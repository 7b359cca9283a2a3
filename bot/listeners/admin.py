"""`/aigov admin`: the settings modal, validated inline, audited, effective at once."""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.ids import Callback
from bot.listeners import Route
from bot.listeners.common import field_errors, reply_dm, unpack
from bot.runtime import Runtime
from bot.views import admin as views
from templates import say
from workflows.core import settings as ws
from workflows.core.access import may_configure
from workflows.core.errors import Forbidden, Invalid
from workflows.reviews import chasing


def submit(ack: Ack, context: BoltContext) -> None:
    rt, act = unpack(context)
    if not may_configure(rt.viewer(act.user_id)):
        forbidden = say("errors.j2", "forbidden", "admin", plain=True)
        ack(response_action="errors", errors={views.CHANNELS[0]: forbidden})
        return
    try:
        with rt.db.write() as session:
            changes = ws.save_all(session, wanted=views.submitted(act.values), actor=act.user_id)
    except Invalid as exc:
        ack(response_action="errors", errors=field_errors(exc))
        return
    ack()
    reply_dm(rt, act, "saved")(say(views.TEMPLATE, "saved", changes))


LISTENERS: tuple[Route, ...] = (("view", Callback.ADMIN_SETTINGS, submit),)


def open_modal(rt: Runtime, client: WebClient, *, trigger_id: str, user_id: str) -> None:
    """`/aigov admin` (bot/listeners/commands.py): the settings as they are now."""
    if not may_configure(rt.viewer(user_id)):
        raise Forbidden(action="admin")
    with rt.db.read() as session:
        current = {key: text for key, text, _ in ws.show_all(session)}
        effective_cron, _tz = chasing.schedule(session)
    client.views_open(trigger_id=trigger_id, view=views.settings_modal(current, effective_cron))
