"""Finding interactive elements and options in messages and views.

Shared by SlackUser (to build payloads) and the text renderer (to list choices).
Blocks or elements without ids get stable stand-ins, the way Slack fills in its own
random ones, so payloads always carry a block_id and an action_id.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def block_list(obj: Any) -> list[dict[str, Any]]:
    """The blocks of a message or view dict, or the list itself."""
    if isinstance(obj, list):
        return [b for b in obj if isinstance(b, dict)]
    if isinstance(obj, dict):
        return [b for b in obj.get("blocks") or [] if isinstance(b, dict)]
    return []


def block_id_of(block: dict[str, Any], index: int) -> str:
    return str(block.get("block_id") or f"block_{index}")


def action_id_of(element: dict[str, Any], block_index: int, element_index: int = 0) -> str:
    return str(element.get("action_id") or f"action_{block_index}_{element_index}")


def iter_elements(obj: Any) -> Iterator[tuple[dict[str, Any], dict[str, Any], str, str]]:
    """(block, element, block_id, action_id) for every interactive element, in order."""
    for i, block in enumerate(block_list(obj)):
        kind = block.get("type")
        if kind == "actions":
            elements = [e for e in block.get("elements") or [] if isinstance(e, dict)]
        elif kind == "section" and isinstance(block.get("accessory"), dict):
            elements = [block["accessory"]]
        elif kind == "input" and isinstance(block.get("element"), dict):
            elements = [block["element"]]
        else:
            continue
        for j, element in enumerate(elements):
            if element.get("type") == "image":
                continue
            yield block, element, block_id_of(block, i), action_id_of(element, i, j)


def plain(text_obj: Any) -> str:
    """The text of a text object (or "" when absent)."""
    if isinstance(text_obj, dict):
        return str(text_obj.get("text") or "")
    return str(text_obj or "")


def all_options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return [o for o in options if isinstance(o, dict)]


def find_option(element: dict[str, Any], wanted: Any) -> dict[str, Any]:
    """The option whose value (or else visible text) is wanted; LookupError if none."""
    if isinstance(wanted, dict):
        return wanted
    options = all_options(element)
    if not options and element.get("type", "").endswith("external_select"):
        # External selects load options from the app; any value is a plausible pick.
        return {"text": {"type": "plain_text", "text": str(wanted)}, "value": str(wanted)}
    for key in (lambda o: o.get("value"), lambda o: plain(o.get("text"))):
        for option in options:
            if key(option) == str(wanted):
                return option
    listed = ", ".join(f"{o.get('value')!r} ({plain(o.get('text'))})" for o in options)
    raise LookupError(f"no option {wanted!r} in {element.get('type')}; options: {listed}")


def find_action(
    obj: Any, action_id: str, value: Any = None
) -> tuple[dict[str, Any], dict[str, Any], str, str]:
    """The element with this action_id (and value, when given); LookupError otherwise."""
    for found in iter_elements(obj):
        element = found[1]
        if found[3] == action_id and (value is None or element.get("value") == value):
            return found
    available = [
        f"{aid}" + (f"={el['value']!r}" if "value" in el else "")
        for _, el, _, aid in iter_elements(obj)
    ]
    wanted = action_id + (f"={value!r}" if value is not None else "")
    raise LookupError(f"no element {wanted}; available action_ids: {available or 'none'}")


def find_button(
    obj: Any, *, action_id: str | None = None, text: str | None = None
) -> dict[str, Any]:
    """A button found by action_id or by its visible text."""
    buttons = [(el, aid) for _, el, _, aid in iter_elements(obj) if el.get("type") == "button"]
    for element, aid in buttons:
        if (action_id is None or aid == action_id) and (
            text is None or plain(element.get("text")) == text
        ):
            return element
    listed = [f"{aid} ({plain(el.get('text'))!r})" for el, aid in buttons]
    raise LookupError(f"no button action_id={action_id!r} text={text!r}; buttons: {listed}")
