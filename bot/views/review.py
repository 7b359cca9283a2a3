"""Views of reviews: prompts, reminders, the report and decision modals, the card."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
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
PICK_OPTIONS = 100  # a static select holds 100 options; a picker has one select per 100


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
    blocks += _more(cycle, rows)
    if any(r.status == RequestStatus.PENDING for r, _ in rows):
        blocks.append(_chase_actions(cycle))
    return intro, blocks


Rows = Sequence[tuple[ReviewRequest, Initiative]]


def _unlisted(rows: Rows) -> list[tuple[ReviewRequest, Initiative]]:
    """The requests past the listed ones that can still be reported or amended."""
    return [(r, i) for r, i in rows[MAX_LISTED:] if r.status != RequestStatus.DECIDED]


def _more(cycle: ReviewCycle, rows: Rows) -> list[bk.Block]:
    """Past MAX_LISTED lines, one button that opens a picker of all the others, so
    every request is reachable from the DM however many there are."""
    rest = _unlisted(rows)
    if not rest:
        return []
    label = say(TEMPLATE, "more_button", len(rest), plain=True)
    return [bk.actions(bk.button(label, Action.REVIEW_MORE, value=str(cycle.id), style="primary"))]


def pick_modal(
    *, cycle_id: int, rows: Sequence[tuple[ReviewRequest, Initiative]]
) -> bk.Block | None:
    """The requests the prompt does not list, one select per 100 (Slack's limit of
    options); submitting turns the modal into that request's report modal. None when
    there is nothing past the listed ones."""
    w = tables(TEMPLATE)
    rest = _unlisted(rows)
    if not rest:
        return None
    blocks: list[bk.Block] = [bk.section(say(TEMPLATE, "pick_intro", len(rest), len(rows)))]
    for n, start in enumerate(range(0, len(rest), PICK_OPTIONS)):
        chunk = rest[start : start + PICK_OPTIONS]
        options = [(str(r.id), say(TEMPLATE, "pick_option", i, r, plain=True)) for r, i in chunk]
        first, last = MAX_LISTED + start + 1, MAX_LISTED + start + len(chunk)
        label = say(TEMPLATE, "pick_label", first, last, plain=True)
        several = len(rest) > PICK_OPTIONS  # then each select is optional: one is picked
        blocks.append(bk.choice_input(f"pick_{n}", label, options, optional=several))
    return bk.modal(
        title=w.TITLES["pick"],
        callback_id=Callback.REVIEW_PICK,
        blocks=blocks[: bk.VIEW_BLOCKS],
        submit=w.TITLES["next"],
        close=w.TITLES["close"],
        metadata={"cycle_id": cycle_id},
    )


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
    names = [i.name for _, i in waiting]
    text = say(TEMPLATE, "reminder", len(waiting), names[:MAX_LISTED], cycle, number)
    more = _more(cycle, rows)
    return text, [bk.section(text), *_request_lines(waiting), *more, _chase_actions(cycle)]


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
    show_figures: bool = True,
) -> tuple[str, list[bk.Block]]:
    """The review card: figures, trend, recommendation and why; decision buttons until
    decided. Without figures (someone in the channel may not see them), the owner's
    notes stay out too (they may quote figures) and a Show figures button answers
    those who may see them."""
    title = say(TEMPLATE, "card_title", initiative, quarter)
    if show_figures:
        body = say(TEMPLATE, "card_body", initiative, request, figures, previous, currency, budget)
    else:
        body = say(TEMPLATE, "card_body_hidden", initiative, request)
    blocks = [
        bk.header(say(TEMPLATE, "card_title", initiative, quarter, plain=True)),
        bk.section(body),
    ]
    if request.recommendation:
        shown = request if show_figures else _without_notes(request)
        blocks.append(bk.section(say(TEMPLATE, "card_verdict", shown, rule_text(request.rule))))
    buttons = [] if show_figures else [show_figures_button(f"card:{request.id}")]
    if request.status == RequestStatus.DECIDED:
        blocks.append(bk.context(say(TEMPLATE, "card_decided", request)))
    else:
        buttons = [*_decide_buttons(request), *buttons]
    if buttons:
        blocks.append(bk.actions(*buttons))
    return title, blocks


def _decide_buttons(request: ReviewRequest) -> list[bk.Block]:
    return [
        _button(
            d,
            f"{Action.REVIEW_DECIDE}.{d}",
            str(request.id),
            "danger" if d == Decision.KILL else None,
        )
        for d in DECISIONS
    ]


def _without_notes(request: ReviewRequest) -> SimpleNamespace:
    keep = ("recommendation", "owner_recommendation", "rule")
    return SimpleNamespace(**{k: getattr(request, k) for k in keep}, notes=None)


def show_figures_button(value: str) -> bk.Block:
    """Show figures: answers whoever clicks, ephemerally (bot/listeners/channels.py)."""
    return bk.button(tables(TEMPLATE).SHOW_FIGURES, Action.SHOW_FIGURES, value=value)


def card_figures(**parts: Any) -> tuple[str, list[bk.Block]]:
    """The card's figures for one person who may see them (no buttons)."""
    title, blocks = card(**parts, show_figures=True)
    return title, [b for b in blocks if b["type"] != "actions"]


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
