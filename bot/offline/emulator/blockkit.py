"""Block Kit limits as Slack enforces them, as pure functions.

Every check returns (or appends to) a list of error strings shaped like Slack's own
`response_metadata.messages` entries: "<problem> [json-pointer:/blocks/0/text/text]".
slack_sdk's model classes check some of these when built, but never check plain dicts,
so the emulator is the only place a dict-built message meets the real limits.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
MESSAGE_MAX_TEXT = 40_000
VIEW_MAX_BYTES = 250_000
ID_MAX = 255

BLOCK_TYPES = frozenset(
    {
        "section",
        "divider",
        "image",
        "actions",
        "context",
        "input",
        "header",
        "rich_text",
        "file",
        "video",
        "markdown",
        "call",
    }
)
INPUT_ELEMENTS = frozenset(
    {
        "plain_text_input",
        "number_input",
        "email_text_input",
        "url_text_input",
        "rich_text_input",
        "file_input",
        "static_select",
        "multi_static_select",
        "external_select",
        "multi_external_select",
        "users_select",
        "multi_users_select",
        "conversations_select",
        "multi_conversations_select",
        "channels_select",
        "multi_channels_select",
        "datepicker",
        "timepicker",
        "datetimepicker",
        "checkboxes",
        "radio_buttons",
    }
)
ACTION_ELEMENTS = (
    INPUT_ELEMENTS
    - {
        "plain_text_input",
        "number_input",
        "email_text_input",
        "url_text_input",
        "rich_text_input",
        "file_input",
    }
) | {"button", "overflow", "workflow_button"}
ELEMENT_TYPES = INPUT_ELEMENTS | ACTION_ELEMENTS | {"image"}

Errors = list[str]


def _err(errs: Errors, path: str, problem: str) -> None:
    errs.append(f"{problem} [json-pointer:{path}]")


def check_text(
    obj: Any, path: str, errs: Errors, *, max_len: int, plain_only: bool = False
) -> None:
    """A text object: {type: plain_text|mrkdwn, text: str} within max_len characters."""
    if not isinstance(obj, dict):
        _err(errs, path, "must be a text object")
        return
    kind = obj.get("type")
    if kind not in ("plain_text", "mrkdwn"):
        _err(errs, f"{path}/type", "must be either `plain_text` or `mrkdwn`")
    elif plain_only and kind != "plain_text":
        _err(errs, f"{path}/type", "must be `plain_text`")
    text = obj.get("text")
    if not isinstance(text, str):
        _err(errs, f"{path}/text", "must provide a string")
    elif not text:
        _err(errs, f"{path}/text", "must be more than 0 characters")
    elif len(text) > max_len:
        _err(errs, f"{path}/text", f"must be less than {max_len + 1} characters")


def _max_str(obj: dict, key: str, path: str, errs: Errors, max_len: int) -> None:
    value = obj.get(key)
    if value is None:
        return
    if not isinstance(value, str):
        _err(errs, f"{path}/{key}", "must be a string")
    elif len(value) > max_len:
        _err(errs, f"{path}/{key}", f"must be less than {max_len + 1} characters")


def _list(obj: dict, key: str, path: str, errs: Errors, *, low: int, high: int) -> list:
    """The list under key, with its length checked; [] when absent or not a list."""
    items = obj.get(key)
    if not isinstance(items, list):
        _err(errs, f"{path}/{key}", "must provide an array")
        return []
    if len(items) < low:
        _err(errs, f"{path}/{key}", f"must provide at least {low} items")
    if len(items) > high:
        _err(errs, f"{path}/{key}", f"no more than {high} items allowed")
    return items


# ---- elements ------------------------------------------------------------------------


def _options(
    el: dict, key: str, path: str, errs: Errors, *, high: int, plain_only: bool = True
) -> list[dict]:
    options = _list(el, key, path, errs, low=1, high=high)
    for i, opt in enumerate(options):
        where = f"{path}/{key}/{i}"
        if not isinstance(opt, dict):
            _err(errs, where, "must be an option object")
            continue
        check_text(opt.get("text"), f"{where}/text", errs, max_len=75, plain_only=plain_only)
        if not isinstance(opt.get("value"), str):
            _err(errs, f"{where}/value", "must provide a string")
        _max_str(opt, "value", where, errs, 150)
        if "description" in opt:
            check_text(opt["description"], f"{where}/description", errs, max_len=75)
    return [o for o in options if isinstance(o, dict)]


def _initial_matches(el: dict, options: list[dict], path: str, errs: Errors) -> None:
    # Slack refuses an initial option that is not one of the options, a classic bug.
    values = {o.get("value") for o in options}
    initial = el.get("initial_option")
    chosen = [initial] if initial else list(el.get("initial_options") or [])
    for opt in chosen:
        if not isinstance(opt, dict) or opt.get("value") not in values:
            _err(errs, f"{path}/initial_option", "must match one of the provided options")


def _select(el: dict, path: str, errs: Errors) -> None:
    if "option_groups" in el:
        groups = _list(el, "option_groups", path, errs, low=1, high=100)
        options: list[dict] = []
        for i, group in enumerate(groups):
            where = f"{path}/option_groups/{i}"
            check_text(group.get("label"), f"{where}/label", errs, max_len=75, plain_only=True)
            options += _options(group, "options", where, errs, high=100)
    else:
        options = _options(el, "options", path, errs, high=100)
    _initial_matches(el, options, path, errs)


def _choices(el: dict, path: str, errs: Errors) -> None:
    options = _options(el, "options", path, errs, high=10, plain_only=False)
    _initial_matches(el, options, path, errs)


def _overflow(el: dict, path: str, errs: Errors) -> None:
    _options(el, "options", path, errs, high=5)


def _button(el: dict, path: str, errs: Errors) -> None:
    check_text(el.get("text"), f"{path}/text", errs, max_len=75, plain_only=True)
    _max_str(el, "value", path, errs, 2000)
    _max_str(el, "url", path, errs, 3000)
    if el.get("style") not in (None, "primary", "danger"):
        _err(errs, f"{path}/style", "must be either `primary` or `danger`")


def _image_element(el: dict, path: str, errs: Errors) -> None:
    if "image_url" not in el and "slack_file" not in el:
        _err(errs, path, "must provide `image_url` or `slack_file`")
    if not isinstance(el.get("alt_text"), str):
        _err(errs, f"{path}/alt_text", "must provide a string")


_ELEMENT_CHECKS: dict[str, Callable[[dict, str, Errors], None]] = {
    "button": _button,
    "static_select": _select,
    "multi_static_select": _select,
    "radio_buttons": _choices,
    "checkboxes": _choices,
    "overflow": _overflow,
    "image": _image_element,
}


def check_element(el: Any, path: str, errs: Errors, *, allowed: frozenset[str]) -> None:
    if not isinstance(el, dict):
        _err(errs, path, "must be an element object")
        return
    kind = el.get("type")
    if kind not in allowed:
        _err(errs, f"{path}/type", f"unsupported type: `{kind}`")
        return
    _max_str(el, "action_id", path, errs, ID_MAX)
    if "placeholder" in el:
        check_text(el["placeholder"], f"{path}/placeholder", errs, max_len=150, plain_only=True)
    check = _ELEMENT_CHECKS.get(kind)
    if check:
        check(el, path, errs)


def _unique_action_ids(elements: list, path: str, errs: Errors) -> None:
    seen: set[str] = set()
    for i, el in enumerate(elements):
        action_id = el.get("action_id") if isinstance(el, dict) else None
        if action_id is not None and action_id in seen:
            _err(errs, f"{path}/elements/{i}/action_id", f"duplicate action_id `{action_id}`")
        seen.add(action_id)


# ---- blocks --------------------------------------------------------------------------


def _section(block: dict, path: str, errs: Errors) -> None:
    if "text" not in block and "fields" not in block:
        _err(errs, path, "must provide `text` or `fields`")
    if "text" in block:
        check_text(block["text"], f"{path}/text", errs, max_len=3000)
    if "fields" in block:
        for i, field in enumerate(_list(block, "fields", path, errs, low=1, high=10)):
            check_text(field, f"{path}/fields/{i}", errs, max_len=2000)
    if "accessory" in block:
        check_element(block["accessory"], f"{path}/accessory", errs, allowed=ELEMENT_TYPES)


def _header(block: dict, path: str, errs: Errors) -> None:
    check_text(block.get("text"), f"{path}/text", errs, max_len=150, plain_only=True)


def _context(block: dict, path: str, errs: Errors) -> None:
    for i, el in enumerate(_list(block, "elements", path, errs, low=1, high=10)):
        if isinstance(el, dict) and el.get("type") == "image":
            _image_element(el, f"{path}/elements/{i}", errs)
        else:
            check_text(el, f"{path}/elements/{i}", errs, max_len=3000)


def _actions(block: dict, path: str, errs: Errors) -> None:
    elements = _list(block, "elements", path, errs, low=1, high=25)
    for i, el in enumerate(elements):
        check_element(el, f"{path}/elements/{i}", errs, allowed=ACTION_ELEMENTS)
    _unique_action_ids(elements, path, errs)


def _input(block: dict, path: str, errs: Errors) -> None:
    check_text(block.get("label"), f"{path}/label", errs, max_len=2000, plain_only=True)
    if "element" not in block:
        _err(errs, f"{path}/element", "missing required field: element")
    else:
        check_element(block["element"], f"{path}/element", errs, allowed=INPUT_ELEMENTS)
    if "hint" in block:
        check_text(block["hint"], f"{path}/hint", errs, max_len=2000, plain_only=True)


def _image(block: dict, path: str, errs: Errors) -> None:
    _image_element(block, path, errs)
    if "title" in block:
        check_text(block["title"], f"{path}/title", errs, max_len=2000, plain_only=True)


def _rich_text(block: dict, path: str, errs: Errors) -> None:
    if not isinstance(block.get("elements"), list):
        _err(errs, f"{path}/elements", "must provide an array")


def _markdown(block: dict, path: str, errs: Errors) -> None:
    if not isinstance(block.get("text"), str):
        _err(errs, f"{path}/text", "must provide a string")
    _max_str(block, "text", path, errs, 12_000)


_BLOCK_CHECKS: dict[str, Callable[[dict, str, Errors], None]] = {
    "section": _section,
    "header": _header,
    "context": _context,
    "actions": _actions,
    "input": _input,
    "image": _image,
    "rich_text": _rich_text,
    "markdown": _markdown,
}


def _block(block: Any, path: str, errs: Errors) -> None:
    if not isinstance(block, dict):
        _err(errs, path, "must be a block object")
        return
    kind = block.get("type")
    if kind not in BLOCK_TYPES:
        _err(errs, f"{path}/type", f"unsupported type: `{kind}`")
        return
    _max_str(block, "block_id", path, errs, ID_MAX)
    check = _BLOCK_CHECKS.get(kind)
    if check:
        check(block, path, errs)


def validate_blocks(blocks: Any, *, max_blocks: int, path: str = "/blocks") -> Errors:
    """Every error in a list of blocks, including duplicate block_ids across the list."""
    errs: Errors = []
    if not isinstance(blocks, list):
        _err(errs, path, "must provide an array")
        return errs
    if len(blocks) > max_blocks:
        _err(errs, path, f"no more than {max_blocks} items allowed")
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        _block(block, f"{path}/{i}", errs)
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id is not None:
            if block_id in seen:
                _err(errs, f"{path}/{i}/block_id", f"duplicate block_id `{block_id}`")
            seen.add(block_id)
    return errs


def validate_message_blocks(blocks: Any) -> Errors:
    return validate_blocks(blocks, max_blocks=MESSAGE_MAX_BLOCKS)


def _modal_fields(view: dict, errs: Errors) -> None:
    if "title" not in view:
        _err(errs, "/view/title", "missing required field: title")
    else:
        check_text(view["title"], "/view/title", errs, max_len=24, plain_only=True)
    for key in ("submit", "close"):
        if key in view:
            check_text(view[key], f"/view/{key}", errs, max_len=24, plain_only=True)
    blocks = view.get("blocks")
    has_input = isinstance(blocks, list) and any(
        isinstance(b, dict) and b.get("type") == "input" for b in blocks
    )
    if has_input and "submit" not in view:
        _err(errs, "/view/submit", "must provide `submit` when the view has input blocks")


def validate_view(view: Any, *, expected_type: str) -> Errors:
    """Every error in a modal or home view; expected_type is "modal" or "home"."""
    errs: Errors = []
    if not isinstance(view, dict):
        _err(errs, "/view", "must provide an object")
        return errs
    if view.get("type") != expected_type:
        _err(errs, "/view/type", f"must be `{expected_type}`")
    if expected_type == "modal":
        _modal_fields(view, errs)
    _max_str(view, "private_metadata", "/view", errs, 3000)
    _max_str(view, "callback_id", "/view", errs, ID_MAX)
    _max_str(view, "external_id", "/view", errs, ID_MAX)
    if "blocks" not in view:
        _err(errs, "/view/blocks", "missing required field: blocks")
    else:
        errs += validate_blocks(view["blocks"], max_blocks=VIEW_MAX_BLOCKS, path="/view/blocks")
    if len(json.dumps(view).encode("utf-8")) > VIEW_MAX_BYTES:
        _err(errs, "/view", "view payload must be less than 250 kB")
    return errs


def slack_messages(errors: Errors) -> dict[str, list[str]]:
    """The response_metadata Slack attaches to a refused payload."""
    return {"messages": [f"[ERROR] {e}" for e in errors]}
