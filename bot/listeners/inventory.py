"""Registering, showing, listing and editing initiatives."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.ids import Action, Block, Callback
from bot.listeners.common import field_errors, friendly
from bot.runtime import Runtime
from bot.views import blocks as bk
from bot.views import figures as figure_views
from bot.views import inventory as views
from templates import say
from workflows.core import settings as ws
from workflows.core.access import can_edit, can_see_figures
from workflows.core.errors import Forbidden, Invalid
from workflows.core.money import format_money
from workflows.figures import figures
from workflows.inventory import inventory
from workflows.inventory.fields import COLUMNS, to_raw

TEMPLATE = "inventory.j2"
Reply = Callable[..., Any]


def register(app: App, rt: Runtime) -> None:
    @app.action(Action.REGISTER_OPEN)
    def open_register(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        open_register_modal(client, trigger_id=body["trigger_id"], user_id=body["user"]["id"])

    @app.action(Action.EDIT_OPEN)
    def open_edit(ack: Ack, body: dict, client: WebClient, respond: Reply) -> None:
        ack()
        with friendly(
            lambda text: respond(text=text, response_type="ephemeral", replace_original=False)
        ):
            value = body["actions"][0]["value"]
            open_edit_modal(
                rt,
                client,
                trigger_id=body["trigger_id"],
                user_id=body["user"]["id"],
                query=f"#{value}",
            )

    @app.view(Callback.REGISTER)
    def submit_register(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        on_register_submit(rt, ack, client, user_id=body["user"]["id"], view=view)

    @app.view(Callback.EDIT)
    def submit_edit(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        on_edit_submit(rt, ack, client, user_id=body["user"]["id"], view=view)


def open_register_modal(client: WebClient, *, trigger_id: str, user_id: str) -> None:
    view = views.initiative_modal(mode="register", values={"owner": user_id, "stage": "pilot"})
    client.views_open(trigger_id=trigger_id, view=view)


def open_edit_modal(
    rt: Runtime, client: WebClient, *, trigger_id: str, user_id: str, query: str
) -> None:
    viewer = rt.viewer(user_id)
    with rt.db.read() as session:
        initiative = inventory.find(session, query=query)
        delegates = inventory.delegates_of(session, initiative.id)
    if not can_edit(viewer, owner_id=initiative.owner_id, delegates=delegates):
        raise Forbidden(action="edit")
    view = views.initiative_modal(
        mode="edit", values=to_raw(initiative), delegates=delegates, metadata={"id": initiative.id}
    )
    client.views_open(trigger_id=trigger_id, view=view)


def _raw_fields(values: dict[str, Any]) -> dict[str, str]:
    return {key: values.get(key) or "" for key in COLUMNS}


def on_register_submit(
    rt: Runtime, ack: Ack, client: WebClient, *, user_id: str, view: dict
) -> None:
    values = bk.form_values(view)
    raw = _raw_fields(values)
    delegates = values.get(Block.DELEGATES) or []
    shown_warning = Block.SPRAWL_ACK in values
    confirmed = "yes" in (values.get(Block.SPRAWL_ACK) or [])
    resolve = rt.directory.resolve_many([raw["owner"]]).get
    try:
        with rt.db.write() as session:
            inventory.validate(session, raw=raw, resolve_user=resolve)
            similar = inventory.similar(
                session,
                name=raw["name"],
                department=raw["department"],
                description=raw["description"],
                use_case=raw["use_case"],
                provider=raw["provider"],
            )
            if similar and not confirmed:
                _ask_to_confirm(
                    ack, raw=raw, delegates=delegates, similar=similar, shown=shown_warning
                )
                return
            initiative = inventory.register(
                session,
                raw=raw,
                actor=user_id,
                resolve_user=resolve,
                delegates=delegates,
            )
            governance = ws.get(session, "governance_channel")
    except Invalid as exc:
        ack(response_action="errors", errors=field_errors(exc, fields=set(COLUMNS)))
        return
    ack()
    rt.warm_questions()  # a new name for questions to know
    similar_rows = [s.initiative for s in similar]
    client.chat_postMessage(
        channel=user_id, text=say(TEMPLATE, "registered", i=initiative, similar=similar_rows)
    )
    if initiative.owner_id != user_id:
        text = say(TEMPLATE, "registered_for_you", i=initiative, actor=user_id)
        client.chat_postMessage(channel=initiative.owner_id, text=text)
    if similar_rows and governance:
        text = say(TEMPLATE, "governance_sprawl", i=initiative, actor=user_id, similar=similar_rows)
        client.chat_postMessage(channel=governance, text=text)


def _ask_to_confirm(
    ack: Ack, *, raw: dict[str, str], delegates: list[str], similar: list, shown: bool
) -> None:
    if shown:
        # The warning was on screen and the box was left unticked.
        ack(
            response_action="errors",
            errors={
                Block.SPRAWL_ACK: say("errors.j2", "problem", "sprawl_unconfirmed", {}, plain=True)
            },
        )
        return
    modal = views.initiative_modal(
        mode="register", values=raw, delegates=delegates, similar=similar
    )
    ack(response_action="update", view=modal)


def on_edit_submit(rt: Runtime, ack: Ack, client: WebClient, *, user_id: str, view: dict) -> None:
    values = bk.form_values(view)
    initiative_id = int(json.loads(view.get("private_metadata") or "{}")["id"])
    viewer = rt.viewer(user_id)
    raw = _raw_fields(values)
    resolve = rt.directory.resolve_many([raw["owner"]]).get
    try:
        with rt.db.write() as session:
            initiative, changed = inventory.update(
                session,
                initiative_id=initiative_id,
                raw=raw,
                viewer=viewer,
                resolve_user=resolve,
                delegates=values.get(Block.DELEGATES) or [],
            )
    except Invalid as exc:
        ack(response_action="errors", errors=field_errors(exc, fields=set(COLUMNS)))
        return
    except Forbidden as exc:
        from bot.listeners.common import error_text

        ack(response_action="errors", errors={"name": error_text(exc)})
        return
    ack()
    if changed:
        rt.warm_questions()
    client.chat_postMessage(channel=user_id, text=say(TEMPLATE, "updated", i=initiative, changed=changed))


def show(rt: Runtime, respond: Reply, *, user_id: str, query: str) -> None:
    """`/aigov show <initiative>`: the card, figures only for those allowed."""
    viewer = rt.viewer(user_id)
    with rt.db.read() as session:
        initiative = inventory.find(session, query=query)
        delegates = inventory.delegates_of(session, initiative.id)
        currency = ws.get(session, "currency")
        allowed = can_see_figures(viewer, owner_id=initiative.owner_id, delegates=delegates)
        quarter = ws.calendar(session).quarter_of(rt.today())
        quarter_figures = (
            figures.summarize(session, initiative=initiative, period=quarter) if allowed else None
        )
    blocks = views.card(
        initiative,
        delegates=delegates,
        show_figures=allowed,
        can_edit=can_edit(viewer, owner_id=initiative.owner_id, delegates=delegates),
        currency=currency,
    )
    if quarter_figures is not None:
        section = figure_views.card_section(
            quarter_figures,
            period=quarter.describe(),
            currency=currency,
            unit=initiative.outcome_unit,
        )
        blocks.insert(2, section)
    respond(text=initiative.name, blocks=blocks, response_type="ephemeral")


def list_(rt: Runtime, respond: Reply, *, user_id: str, text: str) -> None:
    """`/aigov list [filter]`: everyone sees the list; budgets only where allowed."""
    viewer = rt.viewer(user_id)
    with rt.db.read() as session:
        rows = inventory.list_initiatives(session, text=text)
        delegates = inventory.delegates_by_initiative(session, [r.id for r in rows if r.id])
        currency = ws.get(session, "currency")
    budgets = {}
    for row in rows:
        allowed = can_see_figures(
            viewer, owner_id=row.owner_id, delegates=delegates.get(row.id or 0, [])
        )
        if allowed and row.budget_micros is not None and row.budget_period:
            amount = format_money(row.budget_micros, currency, micros=True)
            budgets[row.id or 0] = say(TEMPLATE, "budget_short", amount, row.budget_period)
    blocks = views.inventory_list(rows, text=text, budgets=budgets)
    respond(
        text=say(TEMPLATE, "list_header", count=len(rows), text=text, total=len(rows)),
        blocks=blocks,
        response_type="ephemeral",
    )
