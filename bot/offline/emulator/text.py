"""Block Kit rendered as terminal text, for the console and the demo.

Pure functions. Buttons and other clickable elements are numbered "[1] Label" in the
order `buttons()` returns them, so a console can map a typed number to a click;
modal inputs are numbered "(1) Label" in the order `inputs()` returns them.
"""

from __future__ import annotations

import re
from typing import Any

from bot.offline.emulator.elements import all_options, block_id_of, block_list, iter_elements, plain
from bot.offline.emulator.payloads import STATE_KEYS

RULE = "─" * 40
_LINK = re.compile(r"<([^<>]*)>")


def _link(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@") or target.startswith("#"):
        return f"{target[0]}{label}" if label else target
    if target.startswith("!subteam^"):
        return label or "@" + target.removeprefix("!subteam^")
    if target.startswith("!date^"):
        return label
    if target.startswith("!"):
        return "@" + target[1:]
    return label or target


def unescape(text: str) -> str:
    """What Slack shows for message text: mentions and links resolved, entities decoded."""
    text = _LINK.sub(_link, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def shown(text_obj: Any) -> str:
    """What Slack displays for a text object: plain_text as typed, mrkdwn unescaped."""
    if isinstance(text_obj, dict) and text_obj.get("type") == "plain_text":
        return plain(text_obj)
    return unescape(plain(text_obj))


def _option_label(option: dict[str, Any]) -> str:
    return shown(option.get("text"))


def _element_label(element: dict[str, Any]) -> str:
    if "text" in element:
        return shown(element["text"])
    if element.get("type") == "overflow":
        return "⋯"
    return shown(element.get("placeholder")) or "Select…"


def buttons(obj: Any) -> list[dict[str, Any]]:
    """Every clickable element outside input blocks, in display order."""
    found = []
    for block, element, bid, aid in iter_elements(obj):
        if block.get("type") == "input":
            continue
        found.append(
            {
                "block_id": bid,
                "action_id": aid,
                "type": element.get("type"),
                "label": _element_label(element),
                "value": element.get("value"),
                "url": element.get("url"),
                "options": [
                    {"value": o.get("value"), "label": _option_label(o)}
                    for o in all_options(element)
                ],
            }
        )
    return found


def _initial_text(element: dict[str, Any]) -> str:
    _, initial_key, how = STATE_KEYS.get(element.get("type", ""), ("", None, "raw"))
    value = element.get(initial_key) if initial_key else None
    if value is None:
        return ""
    if how == "option":
        return _option_label(value)
    if how == "options":
        return ", ".join(_option_label(o) for o in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def inputs(view: Any) -> list[dict[str, Any]]:
    """Every input block's element, in display order."""
    found = []
    for block, element, bid, aid in iter_elements(view):
        if block.get("type") != "input":
            continue
        found.append(
            {
                "block_id": bid,
                "action_id": aid,
                "type": element.get("type"),
                "label": shown(block.get("label")),
                "optional": bool(block.get("optional")),
                "initial": _initial_text(element),
                "options": [
                    {"value": o.get("value"), "label": _option_label(o)}
                    for o in all_options(element)
                ],
            }
        )
    return found


# ---- rich text ------------------------------------------------------------------------


def _rich_inline(element: dict[str, Any]) -> str:
    kind = element.get("type")
    if kind == "text":
        return str(element.get("text", ""))
    if kind == "link":
        return str(element.get("text") or element.get("url", ""))
    if kind == "user":
        return f"@{element.get('user_id', '')}"
    if kind == "channel":
        return f"#{element.get('channel_id', '')}"
    if kind == "usergroup":
        return f"@{element.get('usergroup_id', '')}"
    if kind == "emoji":
        return f":{element.get('name', '')}:"
    if kind == "broadcast":
        return f"@{element.get('range', '')}"
    return ""


def _rich_part(part: dict[str, Any]) -> list[str]:
    kind = part.get("type")
    inline = "".join(_rich_inline(e) for e in part.get("elements") or [])
    if kind == "rich_text_list":
        return [f"  • {''.join(_rich_part(item))}" for item in part.get("elements") or []]
    if kind == "rich_text_preformatted":
        return ["```", inline, "```"]
    if kind == "rich_text_quote":
        return [f"> {line}" for line in inline.splitlines() or [""]]
    return [inline]


# ---- blocks ---------------------------------------------------------------------------


class _Numbering:
    """Hands out [n] numbers in the same order as buttons()."""

    def __init__(self) -> None:
        self.n = 0

    def label(self, element: dict[str, Any]) -> str:
        self.n += 1
        text = f"[{self.n}] {_element_label(element)}"
        options = [_option_label(o) for o in all_options(element)]
        return f"{text} ({' | '.join(options)})" if options else text


def _clickables(block: dict[str, Any]) -> list[dict[str, Any]]:
    if block.get("type") == "actions":
        return [e for e in block.get("elements") or [] if isinstance(e, dict)]
    accessory = block.get("accessory")
    if isinstance(accessory, dict) and accessory.get("type") != "image":
        return [accessory]
    return []


def _block_lines(block: dict[str, Any], numbers: _Numbering) -> list[str]:
    kind = block.get("type")
    lines: list[str] = []
    if kind == "header":
        title = shown(block.get("text"))
        lines += [title, "═" * len(title)]
    elif kind == "section":
        if block.get("text"):
            lines += shown(block["text"]).splitlines()
        lines += [f"  {shown(f)}" for f in block.get("fields") or []]
    elif kind == "divider":
        lines.append(RULE)
    elif kind == "context":
        parts = [
            f"[image: {e.get('alt_text', '')}]" if e.get("type") == "image" else shown(e)
            for e in block.get("elements") or []
        ]
        lines.append("  " + " · ".join(parts))
    elif kind == "image":
        lines.append(f"[image: {block.get('alt_text', '')}]")
    elif kind == "rich_text":
        for part in block.get("elements") or []:
            lines += [unescape(line) for line in _rich_part(part)]
    elif kind == "markdown":
        lines += unescape(str(block.get("text", ""))).splitlines()
    clickables = [numbers.label(e) for e in _clickables(block)]
    if clickables:
        lines.append("   ".join(clickables))
    return lines


def message_to_text(msg: dict[str, Any]) -> str:
    """A message as a terminal would show it; falls back to `text` without blocks."""
    numbers = _Numbering()
    lines: list[str] = []
    for block in block_list(msg):
        lines += _block_lines(block, numbers)
    if not lines and msg.get("text"):
        lines = unescape(str(msg["text"])).splitlines()
    lines += [f"📎 {f.get('title') or f.get('name')}" for f in msg.get("files") or []]
    return "\n".join(lines)


def _input_lines(number: int, item: dict[str, Any]) -> list[str]:
    optional = " (optional)" if item["optional"] else ""
    line = f"({number}) {item['label']}{optional} [{item['type']}]"
    if item["initial"]:
        line += f" = {item['initial']}"
    return [line] + [f"      - {o['value']}: {o['label']}" for o in item["options"]]


def view_to_text(view: dict[str, Any]) -> str:
    """A modal or home tab: title, content, numbered inputs, then submit/close."""
    numbers = _Numbering()
    title = shown(view.get("title"))
    lines = [title, "═" * len(title)] if title else []
    numbered = {item["block_id"]: (n, item) for n, item in enumerate(inputs(view), start=1)}
    for index, block in enumerate(block_list(view)):
        if block.get("type") != "input":
            lines += _block_lines(block, numbers)
        elif block_id_of(block, index) in numbered:
            lines += _input_lines(*numbered[block_id_of(block, index)])
    actions = [f"[{plain(view[k])}]" for k in ("submit", "close") if view.get(k)]
    if actions:
        lines.append("  ".join(actions))
    return "\n".join(lines)
