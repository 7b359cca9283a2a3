"""Views of the inventory: the register/edit modal, the card, the list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any

from bot.ids import Action, Block, Callback
from bot.views import blocks as bk
from storage.models import BUDGET_PERIODS, STAGES, Initiative, Stage
from templates import say, tables
from workflows.core.money import format_money
from workflows.inventory.inventory import Similar

TEMPLATE = "inventory.j2"
LIST_LIMIT = 200


def initiative_modal(
    *,
    mode: str,
    values: Mapping[str, str],
    delegates: Sequence[str] = (),
    similar: Sequence[Similar] = (),
    metadata: dict[str, Any] | None = None,
) -> bk.Block:
    """The register/edit modal; `similar` adds the sprawl warning and its checkbox."""
    w = tables(TEMPLATE)
    labels, hints = w.LABELS, w.HINTS
    blocks: list[bk.Block] = []
    if similar:
        text = say(TEMPLATE, "sprawl_warning", similar=[s.initiative for s in similar])
        blocks += [
            bk.section(text, block_id=Block.SPRAWL),
            bk.checkbox(Block.SPRAWL_ACK, w.SPRAWL_ACK_LABEL, w.SPRAWL_ACK),
        ]

    def text(key: str, *, optional: bool = True, multiline: bool = False) -> bk.Block:
        return bk.text_input(
            key,
            labels[key],
            initial=values.get(key, ""),
            optional=optional,
            multiline=multiline,
            hint=hints.get(key, ""),
        )

    stages = [(s, w.STAGE_NAMES[s]) for s in STAGES]
    periods = [(p, w.PERIOD_NAMES[p]) for p in BUDGET_PERIODS]
    blocks += [
        text("name", optional=False),
        text("description", multiline=True),
        text("department", optional=False),
        text("cost_center"),
        bk.person_input("owner", labels["owner"], initial=values.get("owner") or None),
        bk.people_input(Block.DELEGATES, labels["delegates"], initial=delegates),
        bk.choice_input("stage", labels["stage"], stages, initial=values.get("stage") or Stage.PILOT),
        text("use_case"),
        text("provider"),
        text("model"),
        bk.date_input("launched_on", labels["launched_on"], initial=values.get("launched_on", "")),
        text("budget_amount"),
        bk.choice_input(
            "budget_period",
            labels["budget_period"],
            periods,
            initial=values.get("budget_period") or None,
            optional=True,
        ),
        text("outcome_unit"),
        text("value_per_outcome"),
        text("baseline_cost_per_outcome"),
        text("target_cost_per_outcome"),
        text("min_monthly_outcomes"),
    ]
    callback = Callback.REGISTER if mode == "register" else Callback.EDIT
    return bk.modal(
        title=w.TITLES[mode],
        callback_id=callback,
        blocks=blocks,
        submit=w.TITLES[f"submit_{mode}"],
        close=w.TITLES["close"],
        metadata=metadata or {},
    )


def budget_facts(i: Initiative, currency: str) -> SimpleNamespace:
    """The money fields formatted for a card (shown only to those who may see figures)."""

    def money(micros: int | None) -> str:
        return "" if micros is None else format_money(micros, currency, micros=True)

    return SimpleNamespace(
        amount=money(i.budget_micros),
        period=i.budget_period,
        value_per_outcome=money(i.value_per_outcome_micros),
        baseline=money(i.baseline_cost_per_outcome_micros),
        target=money(i.target_cost_per_outcome_micros),
    )


def card(
    i: Initiative, *, delegates: Sequence[str], show_figures: bool, can_edit: bool, currency: str
) -> list[bk.Block]:
    """One initiative's card; figures only when the viewer may see them."""
    budget = budget_facts(i, currency) if show_figures else None
    body = say(
        TEMPLATE, "card_body", i=i, delegates=delegates, show_figures=show_figures, budget=budget
    )
    blocks = [bk.header(i.name), bk.section(body)]
    if can_edit:
        edit = bk.button(
            say(TEMPLATE, "button", "edit", plain=True), Action.EDIT_OPEN, value=str(i.id)
        )
        record = bk.button(
            say("figures.j2", "button", "record", plain=True), Action.RECORD_OPEN, value=str(i.id)
        )
        blocks.append(bk.actions(edit, record))
    return blocks


def inventory_list(
    initiatives: Sequence[Initiative], *, text: str, budgets: Mapping[int, str]
) -> list[bk.Block]:
    """The list, packed into sections; `budgets` holds only what the viewer may see."""
    if not initiatives:
        return [bk.section(say(TEMPLATE, "list_empty", text=text))]
    shown = initiatives[:LIST_LIMIT]
    lines = [say(TEMPLATE, "list_line", i=i, budget=budgets.get(i.id or 0, "")) for i in shown]
    head = bk.section(
        say(TEMPLATE, "list_header", count=len(shown), text=text, total=len(initiatives))
    )
    return [head, *bk.sections(lines)][: bk.MESSAGE_BLOCKS]
