"""The initiative's fields: parsing raw text (a modal, a CSV row) into typed values.

Both the register/edit modal and `import inventory` go through `parse_fields`, so a
value that one accepts the other accepts too, with the same problem codes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from storage.models import BUDGET_PERIODS, STAGES
from workflows.core.errors import Invalid, Problem
from workflows.core.money import MoneyError, parse_amount, to_micros

REQUIRED = ("name", "department", "owner", "stage")
OPTIONAL = (
    "description",
    "cost_center",
    "use_case",
    "provider",
    "model",
    "launched_on",
    "budget_amount",
    "budget_period",
    "outcome_unit",
    "value_per_outcome",
    "baseline_cost_per_outcome",
    "target_cost_per_outcome",
    "min_monthly_outcomes",
)
COLUMNS = REQUIRED + OPTIONAL
MONEY_FIELDS = {
    "value_per_outcome": "value_per_outcome_micros",
    "baseline_cost_per_outcome": "baseline_cost_per_outcome_micros",
    "target_cost_per_outcome": "target_cost_per_outcome_micros",
}
MAX_LENGTH = {
    "name": 120,
    "description": 2000,
    "department": 80,
    "cost_center": 80,
    "use_case": 200,
    "provider": 80,
    "model": 80,
    "outcome_unit": 80,
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COUNT = re.compile(r"^\d{1,12}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

UserResolver = Callable[[str], str | None]


@dataclass
class _Parser:
    raw: Mapping[str, str | None]
    resolve_user: UserResolver
    problems: dict[str, Problem]
    currency: str = "USD"

    def text(self, key: str) -> str:
        value = (self.raw.get(key) or "").strip()
        if _CONTROL.search(value):
            self.problems[key] = Problem("control_characters")
        elif len(value) > MAX_LENGTH.get(key, 2000):
            self.problems[key] = Problem("too_long", {"max": MAX_LENGTH[key]})
        return value

    def money(self, key: str) -> int | None:
        value = (self.raw.get(key) or "").strip()
        if not value:
            return None
        try:
            return to_micros(parse_amount(value, currency=self.currency))
        except MoneyError as exc:
            self.problems[key] = Problem(f"money_{exc.reason}", {"value": value})
            return None


def parse_fields(
    raw: Mapping[str, str | None],
    *,
    resolve_user: UserResolver,
    partial: bool = False,
    currency: str = "USD",
) -> dict[str, Any]:
    """Typed values for the model's columns; raises `Invalid` listing every problem.

    With `partial`, fields absent from `raw` are left out instead of being required.
    """
    parser = _Parser(raw, resolve_user, {}, currency)
    values: dict[str, Any] = {}
    for key in COLUMNS:
        if partial and key not in raw:
            continue
        _parse_one(parser, key, values)
    _check_budget(parser, values, partial=partial)
    if parser.problems:
        raise Invalid(parser.problems)
    return values


def _parse_one(parser: _Parser, key: str, values: dict[str, Any]) -> None:
    raw_value = (parser.raw.get(key) or "").strip()
    if key in REQUIRED and not raw_value:
        parser.problems[key] = Problem("required")
        return
    if key == "owner":
        user = parser.resolve_user(raw_value)
        if user is None:
            parser.problems[key] = Problem("unknown_user", {"value": raw_value})
        values["owner_id"] = user
    elif key == "stage":
        if raw_value.lower() not in STAGES:
            parser.problems[key] = Problem("bad_choice", {"value": raw_value, "allowed": STAGES})
        values["stage"] = raw_value.lower()
    elif key == "budget_period":
        if raw_value and raw_value.lower() not in BUDGET_PERIODS:
            allowed = BUDGET_PERIODS
            parser.problems[key] = Problem("bad_choice", {"value": raw_value, "allowed": allowed})
        values["budget_period"] = raw_value.lower() or None
    elif key == "launched_on":
        values["launched_on"] = _date(parser, key, raw_value)
    elif key == "budget_amount":
        values["budget_micros"] = parser.money(key)
    elif key in MONEY_FIELDS:
        values[MONEY_FIELDS[key]] = parser.money(key)
    elif key == "min_monthly_outcomes":
        values["min_monthly_outcomes"] = _count(parser, key, raw_value)
    else:
        values[key] = parser.text(key)


def _date(parser: _Parser, key: str, value: str) -> date | None:
    if not value:
        return None
    try:
        if not _DATE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        parser.problems[key] = Problem("bad_date", {"value": value})
        return None


def _count(parser: _Parser, key: str, value: str) -> int | None:
    cleaned = value.replace(",", "")
    if not cleaned:
        return None
    if not cleaned.isascii() or not _COUNT.match(cleaned):
        parser.problems[key] = Problem("bad_count", {"value": value})
        return None
    return int(cleaned)


def _check_budget(parser: _Parser, values: dict[str, Any], *, partial: bool) -> None:
    if partial and "budget_amount" not in parser.raw and "budget_period" not in parser.raw:
        return
    has_amount = values.get("budget_micros") is not None
    has_period = values.get("budget_period") is not None
    if has_amount and not has_period and "budget_period" not in parser.problems:
        parser.problems["budget_period"] = Problem("budget_needs_period")
    if has_period and not has_amount and "budget_amount" not in parser.problems:
        parser.problems["budget_amount"] = Problem("budget_needs_amount")


def name_key(name: str) -> str:
    """The case-insensitive identity of a name."""
    return " ".join(name.casefold().split())


def to_raw(initiative: Any) -> dict[str, str]:
    """An initiative's fields back as text (modal initial values, CSV export)."""
    from workflows.core.money import from_micros

    def money(micros: int | None) -> str:
        return "" if micros is None else format(from_micros(micros).normalize(), "f")

    return {
        "name": initiative.name,
        "department": initiative.department,
        "owner": initiative.owner_id,
        "stage": initiative.stage,
        "description": initiative.description,
        "cost_center": initiative.cost_center,
        "use_case": initiative.use_case,
        "provider": initiative.provider,
        "model": initiative.model,
        "launched_on": initiative.launched_on.isoformat() if initiative.launched_on else "",
        "budget_amount": money(initiative.budget_micros),
        "budget_period": initiative.budget_period or "",
        "outcome_unit": initiative.outcome_unit,
        "value_per_outcome": money(initiative.value_per_outcome_micros),
        "baseline_cost_per_outcome": money(initiative.baseline_cost_per_outcome_micros),
        "target_cost_per_outcome": money(initiative.target_cost_per_outcome_micros),
        "min_monthly_outcomes": (
            "" if initiative.min_monthly_outcomes is None else str(initiative.min_monthly_outcomes)
        ),
    }
