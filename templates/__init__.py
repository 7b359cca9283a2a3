"""Every sentence a person reads, rendered with Jinja2.

Two environments share these files:
- `slack`: every `{{ value }}` is escaped for Slack mrkdwn in a `finalize` function
  (`&`, `<`, `>` only), so user text can never ping (`<!channel>`) or forge a link, and
  there is no `&#39;` from HTML escaping. Template literals are not touched. Values
  already in Slack syntax (a mention built by the `mention` filter) are `SlackText`
  and pass through.
- `plain`: the same words for the terminal and files, unescaped.

Macros return plain strings; `{{ m.x()|raw }}` marks their output as already escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

HERE = Path(__file__).parent
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")
_CHANNEL_ID = re.compile(r"^[CDG][A-Z0-9]{2,30}$")


class SlackText(str):
    """Text already in Slack syntax; the finalizer leaves it alone."""


def escape_mrkdwn(value: object) -> str:
    """Escape the three characters Slack treats as control characters."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape_mrkdwn(text: str) -> str:
    """Text as the person typed it: Slack delivers `&`, `<`, `>` escaped."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _finalize_slack(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, SlackText):
        return value
    return escape_mrkdwn(value)


def _finalize_plain(value: object) -> object:
    return "" if value is None else value


# Names for user ids in plain text (files, the terminal): Slack shows <@U123> as a name.
_PEOPLE: ContextVar[Mapping[str, str] | None] = ContextVar("people", default=None)


@contextmanager
def people(names: Mapping[str, str]) -> Iterator[None]:
    """Within this block, plain-text mentions read `@Name` where the id's name is known."""
    token = _PEOPLE.set(names)
    try:
        yield
    finally:
        _PEOPLE.reset(token)


def _mention(user_id: object, plain: bool = False) -> str:
    text = str(user_id or "")
    if not _USER_ID.match(text):
        return text if plain else escape_mrkdwn(text)
    if not plain:
        return SlackText(f"<@{text}>")
    return f"@{(_PEOPLE.get() or {}).get(text, text)}"


def _channel(channel_id: object, plain: bool = False) -> str:
    text = str(channel_id or "")
    if not _CHANNEL_ID.match(text):
        return text if plain else escape_mrkdwn(text)
    return f"#{text}" if plain else SlackText(f"<#{text}>")


def _thousands(value: object) -> str:
    if isinstance(value, int | Decimal):
        return f"{value:,}"
    return str(value)


def _money(micros: object, currency: str = "USD") -> str:
    """Micro-units as money, the way people write it ($12,340.50)."""
    if micros is None:
        return ""
    return _amount(Decimal(int(micros)) / 1_000_000, currency)  # type: ignore[call-overload]


def _amount(value: object, currency: str = "USD") -> str:
    """A Decimal amount of money, to the cent unless it is below one cent."""
    from workflows.core.money import format_money

    if value is None:
        return ""
    return format_money(Decimal(str(value)).quantize(Decimal("0.000001")), currency)


def _day(value: object) -> str:
    """An ISO date ("2026-12-17") the way people write it ("Dec 17, 2026")."""
    from datetime import date

    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day:%b} {day.day}, {day.year}"


def _number(value: object, places: int = 2) -> str:
    """A ratio or count with at most `places` decimals and thousands separators."""
    if value is None:
        return ""
    amount = Decimal(str(value)).quantize(Decimal(1).scaleb(-places))
    text = f"{amount:,}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _plural_unit(unit: object) -> str:
    """An outcome unit counted: "ticket resolved" -> "tickets resolved", "campaign asset"
    -> "campaign assets" (the last word that is not a participle takes the plural)."""
    words = str(unit or "").split()
    nouns = [i for i, w in enumerate(words) if not w.lower().endswith("ed")]
    if not nouns:
        return " ".join(words)
    i = nouns[-1]
    word = words[i]
    if word.lower().endswith(("s", "x", "ch", "sh")):
        word += "es"
    elif word.lower().endswith("y") and word[-2:-1].lower() not in "aeiou":
        word = word[:-1] + "ies"
    else:
        word += "s"
    return " ".join([*words[:i], word, *words[i + 1 :]])


def _build(*, plain: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(HERE)),
        autoescape=False,
        undefined=StrictUndefined,
        finalize=_finalize_plain if plain else _finalize_slack,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["raw"] = (lambda v: v) if plain else (lambda v: SlackText(v))
    env.filters["mention"] = lambda v: _mention(v, plain)
    env.filters["channel"] = lambda v: _channel(v, plain)
    env.filters["thousands"] = _thousands
    env.filters["money"] = _money
    env.filters["amount"] = _amount
    env.filters["number"] = _number
    env.filters["day"] = _day
    env.filters["plural_unit"] = _plural_unit
    env.globals["plain"] = plain
    return env


@cache
def environment(*, plain: bool = False) -> Environment:
    """The shared environment (built on first use, not at import)."""
    return _build(plain=plain)


@cache
def tables(name: str) -> Any:
    """A template's tables (LABELS, BUTTONS, RULES, ...) as plain values: the module of
    `name` in the plain environment, built once."""
    return environment(plain=True).get_template(name).module


def render(name: str, *, plain: bool = False, **context: Any) -> str:
    """Render a whole template file."""
    return environment(plain=plain).get_template(name).render(**context).strip()


def say(name: str, macro: str, *args: Any, plain: bool = False, **kwargs: Any) -> str:
    """Render one macro of a template file: `say("inventory.j2", "saved", initiative=i)`."""
    module = environment(plain=plain).get_template(name).module
    # Keep a macro's own leading indentation; drop surrounding blank lines and trailing space.
    return str(getattr(module, macro)(*args, **kwargs)).strip("\n").rstrip()


@cache
def _html_environment() -> Environment:
    """HTML pages (the portfolio report): autoescaped, plain words, no Slack escaping."""
    env = Environment(
        loader=FileSystemLoader(str(HERE)),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize_plain,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["raw"] = lambda v: v
    env.filters["mention"] = lambda v: _mention(v, True)
    env.filters["channel"] = lambda v: _channel(v, True)
    env.filters["thousands"] = _thousands
    env.filters["money"] = _money
    env.filters["amount"] = _amount
    env.filters["number"] = _number
    env.filters["day"] = _day
    env.globals["plain"] = True
    return env


def render_html(name: str, **context: Any) -> str:
    """Render a whole template file as HTML, every value escaped."""
    return _html_environment().get_template(name).render(**context).strip()
