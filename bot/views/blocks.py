"""Block Kit builders: structure only. The words come from templates/.

`mrkdwn` text must already be escaped (templates do it); `plain_text` is shown as typed,
so user text goes there unescaped (it cannot ping from a plain_text object).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

Block = dict[str, Any]
SECTION_LIMIT = 3000
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100


def plain(text: str, *, limit: int = 150) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)}


def clip(text: str, limit: int) -> str:
    """Shorten to `limit` characters, never cutting an escape such as `&amp;` in half."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, limit=150)}


def section(text: str, *, accessory: Block | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text)]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, *, value: str = "", style: str | None = None) -> Block:
    element: Block = {"type": "button", "text": plain(text, limit=75), "action_id": action_id}
    if value:
        element["value"] = value[:2000]
    if style:
        element["style"] = style
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)[:25]}
    if block_id:
        block["block_id"] = block_id
    return block


def sections(lines: Iterable[str], *, limit: int = SECTION_LIMIT - 100) -> list[Block]:
    """Pack lines into as few sections as fit Slack's 3,000-character limit."""
    blocks: list[Block] = []
    chunk: list[str] = []
    size = 0
    for line in lines:
        if chunk and size + len(line) + 1 > limit:
            blocks.append(section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks


def text_input(
    block_id: str,
    label: str,
    *,
    initial: str = "",
    optional: bool = False,
    multiline: bool = False,
    hint: str = "",
    max_length: int | None = None,
) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": block_id, "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    if max_length:
        element["max_length"] = max_length
    return _input(block_id, label, element, optional=optional, hint=hint)


def choice_input(
    block_id: str,
    label: str,
    options: Sequence[tuple[str, str]],
    *,
    initial: str | None = None,
    optional: bool = False,
) -> Block:
    opts = [{"text": plain(text, limit=75), "value": value} for value, text in options][:100]
    element: Block = {"type": "static_select", "action_id": block_id, "options": opts}
    chosen = [o for o in opts if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return _input(block_id, label, element, optional=optional)


def person_input(block_id: str, label: str, *, initial: str | None = None) -> Block:
    element: Block = {"type": "users_select", "action_id": block_id}
    if initial:
        element["initial_user"] = initial
    return _input(block_id, label, element)


def people_input(
    block_id: str, label: str, *, initial: Sequence[str] = (), optional: bool = True
) -> Block:
    element: Block = {"type": "multi_users_select", "action_id": block_id}
    if initial:
        element["initial_users"] = list(initial)
    return _input(block_id, label, element, optional=optional)


def date_input(block_id: str, label: str, *, initial: str = "", optional: bool = True) -> Block:
    element: Block = {"type": "datepicker", "action_id": block_id}
    if initial:
        element["initial_date"] = initial
    return _input(block_id, label, element, optional=optional)


def checkbox(block_id: str, label: str, option_text: str) -> Block:
    option = {"text": plain(option_text, limit=75), "value": "yes"}
    element = {"type": "checkboxes", "action_id": block_id, "options": [option]}
    return _input(block_id, label, element, optional=True)


def _input(
    block_id: str, label: str, element: Block, *, optional: bool = False, hint: str = ""
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, limit=2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, limit=2000)
    return block


def modal(
    *,
    title: str,
    callback_id: str,
    blocks: list[Block],
    submit: str | None = None,
    close: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Block:
    view: Block = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, limit=24),
        "blocks": blocks[:VIEW_BLOCKS],
    }
    if submit:
        view["submit"] = plain(submit, limit=24)
    if close:
        view["close"] = plain(close, limit=24)
    if metadata is not None:
        view["private_metadata"] = json.dumps(metadata, separators=(",", ":"))
    return view


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    """A submitted view's state as {block_id: value}: strings, user ids, lists, or None."""
    values: dict[str, Any] = {}
    for block_id, elements in view.get("state", {}).get("values", {}).items():
        for element in elements.values():
            values[block_id] = _element_value(element)
    return values


def _element_value(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind in ("static_select", "radio_buttons"):
        option = element.get("selected_option")
        return option["value"] if option else None
    if kind == "users_select":
        return element.get("selected_user")
    if kind == "multi_users_select":
        return list(element.get("selected_users") or [])
    if kind == "conversations_select":
        return element.get("selected_conversation")
    if kind == "channels_select":
        return element.get("selected_channel")
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "checkboxes":
        return [o["value"] for o in element.get("selected_options") or []]
    return element.get("value")
