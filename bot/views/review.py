"""Views of reviews: prompts, reminders, the report and decision modals, the card."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.ids import Action, Callback
from bot.views import blocks as bk
from storage.models import (
    CATEGORIES,
    DECISIONS,
    Decision,
    Initiative,
    RequestStatus,
    ReviewCycle,
    ReviewRequest,
)
from templates import environment, say, tables
from workflows.figures.figures import InitiativeFigures

TEMPLATE = "review.j2"
MAX_LISTED = 40  # a prompt lists at most this many initiatives (50 blocks per message)


def rule_text(rule: str | None) -> str:
    return str(tables(TEMPLATE).RULES.get(rule or "default", rule))


def _button(name: str, action: str, value: str, style: str | None = None) -> bk.Block:
    return bk.button(tables(TEMPLATE).BUTTONS[name], action, value=value, style=style)


def prompt(
    *,
    cycle: ReviewCycle,
    period: str,
    assignee: str,
    rows: Sequence[tuple[ReviewRequest, Initiative]],
) -> tuple[str, list[bk.Block]]:
    """The DM that asks for a quarter's figures: one line and button per initiative."""
    intro = say(TEMPLATE, "prompt_intro", assignee, period, cycle, len(rows))
    label = period.split(",")[0]  # "Q3 2026"
    blocks = [bk.header(say(TEMPLATE, "prompt_header", label, plain=True)), bk.section(intro)]
    blocks += _request_lines(rows)
    if any(r.status == RequestStatus.PENDING for r, _ in rows):
        blocks.append(_chase_actions(cycle))
    return intro, blocks


def _request_lines(rows: Sequence[tuple[ReviewRequest, Initiative]]) -> list[bk.Block]:
    blocks = []
    for request, initiative in rows[:MAX_LISTED]:
        accessory = None
        if request.status != RequestStatus.DECIDED:
            pending = request.status == RequestStatus.PENDING
            name, style = ("report", "primary") if pending else ("amend", None)
            accessory = _button(name, Action.REVIEW_REPORT, str(request.id), style)
        blocks.append(bk.section(say(TEMPLATE, "request_line", initiative, request), accessory=accessory))
    return blocks


def _chase_actions(cycle: ReviewCycle) -> bk.Block:
    value = str(cycle.id)
    return bk.actions(
        _button("snooze_day", Action.REVIEW_SNOOZE_DAY, value),
        _button("snooze_until", Action.REVIEW_SNOOZE_UNTIL, value),
        _button("away", Action.REVIEW_AWAY, value),
        _button("delegate", Action.REVIEW_DELEGATE, value),
    )


def reminder(
    *, cycle: ReviewCycle, number: int, rows: Sequence[tuple[ReviewRequest, Initiative]]
) -> tuple[str, list[bk.Block]]:
    waiting = [(r, i) for r, i in rows if r.status == RequestStatus.PENDING]
    if not waiting:
        text = say(TEMPLATE, "nothing_left")
        return text, [bk.section(text)]
    text = say(TEMPLATE, "reminder", len(waiting), [i.name for _, i in waiting], cycle, number)
    return text, [bk.section(text), *_request_lines(waiting), _chase_actions(cycle)]


def report_modal(
    *,
    request: ReviewRequest,
    initiative: Initiative,
    period: str,
    values: dict[str, str],
    hints: dict[str, str],
    billed: bool,
) -> bk.Block:
    """Costs per category, outcomes, notes and the owner's own recommendation."""
    w, fw = tables(TEMPLATE), environment(plain=True).get_template("figures.j2").module
    blocks: list[bk.Block] = [bk.section(say(TEMPLATE, "modal_intro", initiative, period, billed))]
    for category in CATEGORIES:
        label = say("figures.j2", "category_label", category, plain=True)
        hint = (
            say(TEMPLATE, "last_quarter_hint", fw.CATEGORY_NAMES[category], hints[category], plain=True)
            if category in hints
            else ""
        )
        blocks.append(
            bk.text_input(
                f"cost_{category}",
                label,
                initial=values.get(category, ""),
                optional=True,
                hint=hint,
            )
        )
    outcome_hint = (
        say(TEMPLATE, "last_quarter_hint", "", hints["outcomes"], plain=True)
        if "outcomes" in hints
        else ""
    )
    blocks += [
        bk.text_input(
            "outcomes",
            w.LABELS["outcomes"],
            initial=values.get("outcomes", ""),
            optional=True,
            hint=outcome_hint,
        ),
        bk.text_input(
            "outcome_value",
            w.LABELS["outcome_value"],
            initial=values.get("outcome_value", ""),
            optional=True,
        ),
        bk.text_input(
            "note", w.LABELS["note"], initial=request.notes or "", optional=True, multiline=True
        ),
        bk.choice_input(
            "owner_recommendation",
            w.LABELS["owner_recommendation"],
            [(d, w.DECISION_NAMES[d]) for d in DECISIONS],
            initial=request.owner_recommendation,
            optional=True,
        ),
    ]
    return bk.modal(
        title=w.TITLES["report"],
        callback_id=Callback.REVIEW_REPORT,
        blocks=blocks,
        submit=w.TITLES["submit"],
        close=w.TITLES["close"],
        metadata={"request_id": request.id},
    )


def card(
    *,
    request: ReviewRequest,
    initiative: Initiative,
    quarter: str,
    figures: InitiativeFigures,
    previous: Any,
    currency: str,
    budget: int | None,
) -> tuple[str, list[bk.Block]]:
    """The review card: figures, trend, recommendation and why; decision buttons until decided."""
    title = say(TEMPLATE, "card_title", initiative, quarter, plain=True)
    blocks = [
        bk.header(title),
        bk.section(say(TEMPLATE, "card_body", initiative, request, figures, previous, currency, budget)),
    ]
    if request.recommendation:
        blocks.append(bk.section(say(TEMPLATE, "card_verdict", request, rule_text(request.rule))))
    if request.status == RequestStatus.DECIDED:
        blocks.append(bk.context(say(TEMPLATE, "card_decided", request)))
    else:
        blocks.append(
            bk.actions(
                *(
                    _button(
                        d,
                        f"{Action.REVIEW_DECIDE}.{d}",
                        str(request.id),
                        "danger" if d == Decision.KILL else None,
                    )
                    for d in DECISIONS
                )
            )
        )
    return title, blocks


def decide_modal(*, request: ReviewRequest, initiative: Initiative, decision: str) -> bk.Block:
    w = tables(TEMPLATE)
    return bk.modal(
        title=w.TITLES["decide"],
        callback_id=Callback.REVIEW_DECIDE,
        blocks=[
            bk.section(say(TEMPLATE, "decide_intro", initiative, decision)),
            bk.text_input("rationale", w.LABELS["rationale"], optional=True, multiline=True),
        ],
        submit=w.TITLES["decide_submit"],
        close=w.TITLES["close"],
        metadata={"request_id": request.id, "decision": decision},
    )


def delegate_modal(*, cycle_id: int, rows: Sequence[tuple[ReviewRequest, Initiative]]) -> bk.Block:
    w = tables(TEMPLATE)
    options = [(str(r.id), i.name) for r, i in rows if r.status != RequestStatus.DECIDED]
    return bk.modal(
        title=w.TITLES["delegate"],
        callback_id=Callback.REVIEW_DELEGATE,
        blocks=[
            bk.person_input("delegate_to", w.LABELS["delegate_to"]),
            bk.choice_input(
                "delegate_which",
                w.LABELS["delegate_which"],
                options,
                initial=options[0][0] if len(options) == 1 else None,
            ),
        ],
        submit=w.TITLES["delegate"],
        close=w.TITLES["close"],
        metadata={"cycle_id": cycle_id},
    )


def date_modal(
    *, callback: str, title: str, label: str, block_id: str, cycle_id: int, initial: str = ""
) -> bk.Block:
    w = tables(TEMPLATE)
    return bk.modal(
        title=w.TITLES[title],
        callback_id=callback,
        blocks=[bk.date_input(block_id, w.LABELS[label], initial=initial, optional=False)],
        submit=w.TITLES["save"],
        close=w.TITLES["close"],
        metadata={"cycle_id": cycle_id},
    )
