"""Views of figures: the card's quarter summary and the record-figures modal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.ids import Callback
from bot.views import blocks as bk
from storage.models import CATEGORIES
from templates import say, tables
from workflows.core.periods import Month
from workflows.figures.figures import InitiativeFigures

TEMPLATE = "figures.j2"


def card_section(f: InitiativeFigures, *, period: str, currency: str, unit: str) -> bk.Block:
    return bk.section(say(TEMPLATE, "card_figures", f, period, currency, unit))


def record_modal(
    *,
    initiative_id: int,
    name: str,
    months: Sequence[Month],
    month: Month,
    values: Mapping[str, str],
) -> bk.Block:
    """Costs per category, outcomes and their value for one month."""
    w = tables(TEMPLATE)
    options = [(m.iso, m.label) for m in months]
    blocks: list[bk.Block] = [
        bk.section(say(TEMPLATE, "record_intro", name, month.label)),
        bk.choice_input("month", w.LABELS["month"], options, initial=month.iso),
    ]
    for category in CATEGORIES:
        label = say(TEMPLATE, "category_label", category, plain=True)
        blocks.append(
            bk.text_input(
                f"cost_{category}", label, initial=values.get(category, ""), optional=True
            )
        )
    blocks += [
        bk.text_input(
            "outcomes", w.LABELS["outcomes"], initial=values.get("outcomes", ""), optional=True
        ),
        bk.text_input(
            "outcome_value",
            w.LABELS["outcome_value"],
            initial=values.get("outcome_value", ""),
            optional=True,
        ),
        bk.text_input(
            "note", w.LABELS["note"], initial=values.get("note", ""), optional=True, multiline=True
        ),
    ]
    return bk.modal(
        title=w.TITLES["record"],
        callback_id=Callback.RECORD_FIGURES,
        blocks=blocks,
        submit=w.TITLES["submit"],
        close=w.TITLES["close"],
        metadata={"id": initiative_id},
    )
