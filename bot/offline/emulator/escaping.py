"""Where a call the bot made would let user text ping or link: every `<` sequence Slack
acts on (`<!channel>`, `<!here>`, `<!subteam^S1>`, `<@U1>`, `<#C1>`, `<http://...>`)
that is not a mention of a known user or channel, as the bot renders ids (`<@U123>`,
`<#C123>`, nothing after a `|`).

Only text Slack reads as mrkdwn counts: a call's top-level `text` and file comment, and
`mrkdwn` objects in blocks. `plain_text` objects, input values and button values show
text as typed and cannot ping, so user text belongs there unescaped.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterator
from typing import Any

# What Slack turns into a ping, a mention or a link: "<" then !, @, # or a URL scheme.
_CONTROL = re.compile(r"<(?:[!@#]|https?:|mailto:)[^>]*>?")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,30})>$")
_CHANNEL = re.compile(r"^<#([CDG][A-Z0-9]{2,30})>$")
TOP_LEVEL = ("text", "initial_comment")


def mrkdwn_strings(args: dict[str, Any]) -> Iterator[str]:
    """The strings of a call that Slack formats as mrkdwn."""
    for key in TOP_LEVEL:
        if isinstance(args.get(key), str):
            yield args[key]
    for key in ("blocks", "view"):
        yield from _in_blocks(args.get(key))


def _in_blocks(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _in_blocks(item)
    elif isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            yield value["text"]
            return
        for key, item in value.items():
            if key not in ("private_metadata", "state"):
                yield from _in_blocks(item)


def raw_controls(
    args: dict[str, Any], *, users: Container[str], channels: Container[str]
) -> list[str]:
    """Every `<...>` sequence in the call's mrkdwn that is not the bot's own mention of a
    known user or channel."""
    found = []
    for text in mrkdwn_strings(args):
        for match in _CONTROL.finditer(text):
            token = match.group(0)
            if not _known(token, users=users, channels=channels):
                found.append(token)
    return found


def _known(token: str, *, users: Container[str], channels: Container[str]) -> bool:
    user, channel = _MENTION.match(token), _CHANNEL.match(token)
    if user is not None:
        return user.group(1) in users
    return channel is not None and channel.group(1) in channels
