"""Answers to spend questions as Block Kit: a headline, details, and tables within limits."""

from __future__ import annotations

from bot.ids import Action
from bot.views import blocks as bk
from templates import say
from workflows.questions.answer import Answer
from workflows.questions.query import Ambiguous, Unknown

TEMPLATE = "answers.j2"
MAX_ROWS = 100
MAX_QUESTION = 2000  # a button's value holds at most 2,000 characters


def render(
    result: Answer | Unknown | Ambiguous, *, plain: bool = False
) -> tuple[str, list[bk.Block]]:
    """(fallback text, blocks) for any outcome of a question."""
    if isinstance(result, Unknown):
        text = say(TEMPLATE, "examples", result.text, plain=plain)
        return text, bk.sections(text.splitlines())
    if isinstance(result, Ambiguous):
        text = say(TEMPLATE, "did_you_mean", result.text, list(result.choices), plain=plain)
        return text, [bk.section(text), *_choices(result)]
    if result.hidden:
        text = say(TEMPLATE, "hidden", result, plain=plain)
        return text, [bk.section(text)]
    if result.nothing_visible:
        text = say(TEMPLATE, "nothing_visible", plain=plain)
        return text, [bk.section(text)]
    if (
        result.query.measure == "status"
        or result.query.group_by
        or result.query.top
        or (result.query.measure == "budget_use" and result.rows and len(result.rows) > 1)
    ):
        return _table(result, plain)
    text = say(TEMPLATE, "headline", result, plain=plain)
    return text, [bk.section(text), bk.context(say(TEMPLATE, "details", result, plain=plain))]


def _table(result: Answer, plain: bool) -> tuple[str, list[bk.Block]]:
    head = say(TEMPLATE, "table_head", result, plain=plain)
    if not result.rows:
        body = [line for line in [say(TEMPLATE, "empty_table", result, plain=plain)] if line]
    else:
        body = [
            say(TEMPLATE, "row", result, row, n, plain=plain)
            for n, row in enumerate(result.rows[:MAX_ROWS], start=1)
        ]
        if len(result.rows) > MAX_ROWS:  # a long table is cut, and says so
            body.append(
                say(TEMPLATE, "more_rows", len(result.rows) - MAX_ROWS, MAX_ROWS, plain=plain)
            )
    blocks = [bk.section(head), *bk.sections(body)]
    if result.query.measure != "status":
        blocks.append(bk.context(say(TEMPLATE, "details", result, plain=plain)))
    return head, blocks[: bk.MESSAGE_BLOCKS]


def not_shared() -> bk.Block:
    """The note under a `share` answer kept private: not everyone in the channel may see it."""
    return bk.context(say(TEMPLATE, "not_shared"))


def _choices(result: Ambiguous) -> list[bk.Block]:
    """A button per "did you mean" name that asks the question again with that name."""
    buttons = []
    for n, choice in enumerate(result.choices):
        question = result.with_choice(choice)
        if question and len(question) <= MAX_QUESTION:
            buttons.append(bk.button(choice, f"{Action.ANSWER_CHOICE}.{n}", value=question))
    return [bk.actions(*buttons)] if buttons else []


def plain_lines(blocks: list[bk.Block]) -> list[str]:
    """An answer's words for the terminal: sections and context, not its buttons."""
    lines: list[str] = []
    for block in blocks:
        if block.get("type") == "section":
            shown = (block.get("text") or {}).get("text", "")
        elif block.get("type") == "context":
            shown = " ".join(e.get("text", "") for e in block.get("elements", []))
        else:
            continue
        if shown:
            lines += shown.split("\n")
    return lines
