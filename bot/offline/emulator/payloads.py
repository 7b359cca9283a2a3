"""Typed input values as Slack puts them in `view.state.values` and `actions`.

Also the checks Slack's client makes before it lets a user submit (required inputs,
length and number limits): a payload that breaks them never reaches a real app.
"""

from __future__ import annotations

from typing import Any

from bot.offline.emulator.elements import find_option, iter_elements, plain

# element type -> (state key, initial key, how to type a raw value)
STATE_KEYS: dict[str, tuple[str, str | None, str]] = {
    "plain_text_input": ("value", "initial_value", "text"),
    "number_input": ("value", "initial_value", "text"),
    "email_text_input": ("value", "initial_value", "text"),
    "url_text_input": ("value", "initial_value", "text"),
    "rich_text_input": ("rich_text_value", "initial_value", "raw"),
    "static_select": ("selected_option", "initial_option", "option"),
    "external_select": ("selected_option", "initial_option", "option"),
    "radio_buttons": ("selected_option", "initial_option", "option"),
    "overflow": ("selected_option", None, "option"),
    "multi_static_select": ("selected_options", "initial_options", "options"),
    "multi_external_select": ("selected_options", "initial_options", "options"),
    "checkboxes": ("selected_options", "initial_options", "options"),
    "users_select": ("selected_user", "initial_user", "raw"),
    "multi_users_select": ("selected_users", "initial_users", "list"),
    "conversations_select": ("selected_conversation", "initial_conversation", "raw"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations", "list"),
    "channels_select": ("selected_channel", "initial_channel", "raw"),
    "multi_channels_select": ("selected_channels", "initial_channels", "list"),
    "datepicker": ("selected_date", "initial_date", "raw"),
    "timepicker": ("selected_time", "initial_time", "raw"),
    "datetimepicker": ("selected_date_time", "initial_date_time", "raw"),
    "file_input": ("files", None, "list"),
}


def _empty(how: str) -> Any:
    return [] if how in ("options", "list") else None


def typed(element: dict[str, Any], raw: Any) -> dict[str, Any]:
    """{type, <state key>: value} for a raw value the user picked or typed."""
    kind = element.get("type", "")
    key, _, how = STATE_KEYS.get(kind, ("value", None, "raw"))
    if raw is None:
        value: Any = _empty(how)
    elif how == "text":
        value = str(raw)
    elif how == "option":
        value = find_option(element, raw)
    elif how == "options":
        items = raw if isinstance(raw, list | tuple) else [raw]
        value = [find_option(element, item) for item in items]
    elif how == "list":
        value = list(raw) if isinstance(raw, list | tuple) else [raw]
    else:
        value = raw
    return {"type": kind, key: value}


def initial(element: dict[str, Any]) -> dict[str, Any]:
    """The state Slack reports for an untouched element: its initial value, if any."""
    kind = element.get("type", "")
    key, initial_key, how = STATE_KEYS.get(kind, ("value", None, "raw"))
    value = element.get(initial_key) if initial_key else None
    if value is None:
        value = _empty(how)
    return {"type": kind, key: value}


def is_empty(entry: dict[str, Any]) -> bool:
    return all(v in (None, "", []) for k, v in entry.items() if k != "type")


def resolve(view: dict[str, Any], key: str) -> tuple[str, str]:
    """(block_id, action_id) of the input a caller named by block_id or action_id."""
    inputs = [
        (bid, aid) for block, _, bid, aid in iter_elements(view) if block.get("type") == "input"
    ]
    for bid, aid in inputs:
        if key == bid:
            return bid, aid
    for bid, aid in inputs:
        if key == aid:
            return bid, aid
    raise LookupError(
        f"no input {key!r} in view; inputs (block_id/action_id): {[f'{b}/{a}' for b, a in inputs]}"
    )


def state_values(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """view.state.values after the user typed `values` into the view.

    Untouched inputs keep what the view's state already holds (from earlier typing),
    else their initial value, as Slack pre-fills them.
    """
    previous = (view.get("state") or {}).get("values") or {}
    given = {resolve(view, key): raw for key, raw in values.items()}
    state: dict[str, dict[str, Any]] = {}
    for block, element, bid, aid in iter_elements(view):
        if block.get("type") != "input":
            continue
        if (bid, aid) in given:
            entry = typed(element, given[(bid, aid)])
        else:
            entry = (previous.get(bid) or {}).get(aid) or initial(element)
        state.setdefault(bid, {})[aid] = entry
    return state


def client_checks(view: dict[str, Any], state: dict[str, Any]) -> list[str]:
    """What Slack's client refuses before submitting: empty required inputs, lengths."""
    problems: list[str] = []
    for block, element, bid, aid in iter_elements(view):
        if block.get("type") != "input":
            continue
        entry = state[bid][aid]
        label = plain(block.get("label")) or bid
        if is_empty(entry):
            if not block.get("optional"):
                problems.append(f"{label!r} ({bid}) is required")
            continue
        problems += _text_limits(element, entry.get("value"), label)
    return problems


def _text_limits(element: dict[str, Any], value: Any, label: str) -> list[str]:
    if not isinstance(value, str):
        return []
    if element.get("max_length") and len(value) > element["max_length"]:
        return [f"{label!r} is longer than {element['max_length']} characters"]
    if element.get("min_length") and len(value) < element["min_length"]:
        return [f"{label!r} is shorter than {element['min_length']} characters"]
    if element.get("type") == "number_input":
        return _number_limits(element, value, label)
    return []


def _number_limits(element: dict[str, Any], value: str, label: str) -> list[str]:
    try:
        number = float(value) if element.get("is_decimal_allowed") else int(value)
    except ValueError:
        return [f"{label!r} is not a valid number: {value!r}"]
    low, high = element.get("min_value"), element.get("max_value")
    if low is not None and number < float(low):
        return [f"{label!r} is below {low}"]
    if high is not None and number > float(high):
        return [f"{label!r} is above {high}"]
    return []
