"""Registering, showing, listing and editing initiatives."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.ids import Action, Block, Callback
from bot.listeners import Route
from bot.listeners.common import (
    Act,
    error_text,
    field_errors,
    friendly,
    reply_dm,
    reply_under,
    unpack,
)
from bot.runtime import Runtime
from bot.views import figures as figure_views
from bot.views import inventory as views
from storage.models import Initiative, Stage
from templates import say
from workflows.core import settings as ws
from workflows.core.access import Viewer, can_edit, can_see_figures
from workflows.core.errors import Forbidden, Invalid
from workflows.core.money import format_money
from workflows.figures import figures
from workflows.inventory import inventory
from workflows.inventory.fields import COLUMNS, to_raw
from workflows.inventory.inventory import Similar

TEMPLATE = "inventory.j2"
Reply = Callable[..., Any]


def open_register(ack: Ack, client: WebClient, context: BoltContext) -> None:
    ack()
    rt, act = unpack(context)
    # The App Home's button: no channel to answer in, so a failure is told in their DM.
    with friendly(reply_dm(rt, act, "error")):
        open_register_modal(client, trigger_id=act.trigger_id or "", user_id=act.user_id)


def open_edit(ack: Ack, client: WebClient, respond: Respond, context: BoltContext) -> None:
    ack()
    rt, act = unpack(context)
    with friendly(reply_under(respond)):
        trigger_id, query = act.trigger_id or "", f"#{act.value}"
        open_edit_modal(rt, client, trigger_id=trigger_id, user_id=act.user_id, query=query)


def submit_register(ack: Ack, context: BoltContext) -> None:
    rt, act = unpack(context)
    raw = _raw_fields(act.values)
    confirmed = "yes" in (act.values.get(Block.SPRAWL_ACK) or [])
    try:
        initiative, similar, governance = _register(rt, act, raw=raw, confirmed=confirmed)
    except Invalid as exc:
        ack(response_action="errors", errors=field_errors(exc, fields=set(COLUMNS)))
        return
    if initiative is None:  # like others elsewhere: the person confirms first
        shown = Block.SPRAWL_ACK in act.values
        _ask_to_confirm(ack, raw=raw, delegates=_delegates(act), similar=similar, shown=shown)
        return
    ack()
    rt.warm_questions()  # a new name for questions to know
    _tell_registered(
        rt, act, initiative, similar=[s.initiative for s in similar], governance=governance
    )


def submit_edit(ack: Ack, context: BoltContext) -> None:
    rt, act = unpack(context)
    raw, viewer = _raw_fields(act.values), rt.viewer(act.user_id)
    resolve = rt.directory.resolve_many([raw["owner"]]).get
    try:
        with rt.db.write() as session:
            initiative, changed = inventory.update(
                session,
                initiative_id=int(act.meta["id"]),
                raw=raw,
                viewer=viewer,
                resolve_user=resolve,
                delegates=_delegates(act),
            )
    except Invalid as exc:
        ack(response_action="errors", errors=field_errors(exc, fields=set(COLUMNS)))
        return
    except Forbidden as exc:
        ack(response_action="errors", errors={"name": error_text(exc)})
        return
    ack()
    if changed:
        rt.warm_questions()
    text = say(TEMPLATE, "updated", i=initiative, changed=changed)
    rt.post(key=f"{act.key}:updated", target=act.user_id, text=text)


LISTENERS: tuple[Route, ...] = (
    ("action", Action.REGISTER_OPEN, open_register),
    ("action", Action.EDIT_OPEN, open_edit),
    ("view", Callback.REGISTER, submit_register),
    ("view", Callback.EDIT, submit_edit),
)


def _raw_fields(values: Mapping[str, Any]) -> dict[str, str]:
    return {key: values.get(key) or "" for key in COLUMNS}


def _delegates(act: Act) -> list[str]:
    return list(act.values.get(Block.DELEGATES) or [])


def _register(
    rt: Runtime, act: Act, *, raw: dict[str, str], confirmed: bool
) -> tuple[Initiative | None, list[Similar], str]:
    """(the new initiative, those like it, the governance channel); no initiative when
    some are alike and the person has not confirmed yet (nothing is saved then)."""
    resolve = rt.directory.resolve_many([raw["owner"]]).get
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
            return None, similar, ""
        initiative = inventory.register(
            session, raw=raw, actor=act.user_id, resolve_user=resolve, delegates=_delegates(act)
        )
        return initiative, similar, ws.get(session, "governance_channel")


def _tell_registered(
    rt: Runtime, act: Act, initiative: Initiative, *, similar: list[Initiative], governance: str
) -> None:
    """The registrar, the owner when someone registered it for them, and governance
    when it looks like initiatives elsewhere."""
    text = say(TEMPLATE, "registered", i=initiative, similar=similar)
    rt.post(key=f"{act.key}:registered", target=act.user_id, text=text)
    if initiative.owner_id != act.user_id:
        text = say(TEMPLATE, "registered_for_you", i=initiative, actor=act.user_id)
        rt.post(key=f"{act.key}:owner", target=initiative.owner_id, text=text)
    if similar and governance:
        text = say(TEMPLATE, "governance_sprawl", i=initiative, actor=act.user_id, similar=similar)
        rt.post(key=f"{act.key}:sprawl", target=governance, text=text)


def _ask_to_confirm(
    ack: Ack, *, raw: dict[str, str], delegates: list[str], similar: list[Similar], shown: bool
) -> None:
    if shown:
        # The warning was on screen and the box was left unticked.
        text = say("errors.j2", "problem", "sprawl_unconfirmed", {}, plain=True)
        ack(response_action="errors", errors={Block.SPRAWL_ACK: text})
        return
    modal = views.initiative_modal(
        mode="register", values=raw, delegates=delegates, similar=similar
    )
    ack(response_action="update", view=modal)


# What /aigov register, edit, show and list do (bot/listeners/commands.py calls these).


def open_register_modal(client: WebClient, *, trigger_id: str, user_id: str) -> None:
    view = views.initiative_modal(mode="register", values={"owner": user_id, "stage": Stage.PILOT})
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


def show(rt: Runtime, respond: Reply, *, user_id: str, query: str) -> None:
    """`/aigov show <initiative>`: the card, figures only for those allowed."""
    viewer = rt.viewer(user_id)
    with rt.db.read() as session:
        initiative = inventory.find(session, query=query)
        delegates = inventory.delegates_of(session, initiative.id)
        currency = ws.get(session, "currency")
        allowed = can_see_figures(viewer, owner_id=initiative.owner_id, delegates=delegates)
        quarter = ws.calendar(session).quarter_of(rt.today())
        summary = (
            figures.summarize(session, initiative=initiative, period=quarter) if allowed else None
        )
    editable = can_edit(viewer, owner_id=initiative.owner_id, delegates=delegates)
    blocks = views.card(
        initiative, delegates=delegates, show_figures=allowed, can_edit=editable, currency=currency
    )
    if summary is not None:
        section = figure_views.card_section(
            summary, period=quarter.describe(), currency=currency, unit=initiative.outcome_unit
        )
        blocks.insert(2, section)
    title = say(TEMPLATE, "card_title", i=initiative)  # escaped, as the blocks are
    respond(text=title, blocks=blocks, response_type="ephemeral")


def list_(rt: Runtime, respond: Reply, *, user_id: str, text: str) -> None:
    """`/aigov list [filter]`: everyone sees the list; budgets only where allowed."""
    viewer = rt.viewer(user_id)
    with rt.db.read() as session:
        rows = inventory.list_initiatives(session, text=text)
        delegates = inventory.delegates_by_initiative(session, [r.id for r in rows if r.id])
        currency = ws.get(session, "currency")
    budgets = _visible_budgets(viewer, rows, delegates=delegates, currency=currency)
    respond(
        text=say(TEMPLATE, "list_header", count=len(rows), text=text, total=len(rows)),
        blocks=views.inventory_list(rows, text=text, budgets=budgets),
        response_type="ephemeral",
    )


def _visible_budgets(
    viewer: Viewer,
    rows: Sequence[Initiative],
    *,
    delegates: Mapping[int, list[str]],
    currency: str,
) -> dict[int, str]:
    """{initiative id: its budget, short} for the initiatives whose figures `viewer` sees."""
    budgets: dict[int, str] = {}
    for row in rows:
        allowed = can_see_figures(
            viewer, owner_id=row.owner_id, delegates=delegates.get(row.id or 0, [])
        )
        if allowed and row.budget_micros is not None and row.budget_period:
            amount = format_money(row.budget_micros, currency, micros=True)
            budgets[row.id or 0] = say(TEMPLATE, "budget_short", amount, row.budget_period)
    return budgets
