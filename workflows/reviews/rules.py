"""Recommendation rules for a review: explicit, ordered, configurable; the first that
holds decides, and the answer names it.

    no_outcomes       no outcomes reported                                   -> kill
    below_twice       value per AI dollar under `rule_kill_below` this quarter
                      and the quarter before                                 -> kill
    over_budget       the quarter's spend is over the quarter's budget       -> fix
    below_once        value per AI dollar under `rule_kill_below`            -> fix
    scale             a pilot at `rule_scale_at` or more that meets its
                      minimum viable scale                                   -> scale
    default           otherwise                                              -> continue

Thresholds are settings (`rule_kill_below`, default 1; `rule_scale_at`, default 2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from storage.models import Decision, Stage


@dataclass(frozen=True)
class Facts:
    """What the rules look at, for one initiative and one quarter."""

    stage: str
    outcomes: Decimal | None  # None or 0: nothing reported
    value_per_ai_dollar: Decimal | None
    previous_value_per_ai_dollar: Decimal | None
    spend_micros: int
    budget_micros: int | None  # the quarter's budget, when one is set
    monthly_outcomes: Decimal | None
    min_monthly_outcomes: int | None

    @property
    def over_budget(self) -> bool:
        return self.budget_micros is not None and self.spend_micros > self.budget_micros


@dataclass(frozen=True)
class Thresholds:
    kill_below: Decimal = Decimal(1)
    scale_at: Decimal = Decimal(2)


@dataclass(frozen=True)
class Rule:
    name: str
    recommendation: Decision
    holds: Callable[[Facts, Thresholds], bool]


def _below(value: Decimal | None, threshold: Decimal) -> bool:
    return value is not None and value < threshold


def _meets_scale(f: Facts) -> bool:
    if f.min_monthly_outcomes is None:
        return True
    return f.monthly_outcomes is not None and f.monthly_outcomes >= f.min_monthly_outcomes


RULES: tuple[Rule, ...] = (
    Rule("no_outcomes", Decision.KILL, lambda f, t: not f.outcomes),
    Rule(
        "below_twice",
        Decision.KILL,
        lambda f, t: (
            _below(f.value_per_ai_dollar, t.kill_below)
            and _below(f.previous_value_per_ai_dollar, t.kill_below)
        ),
    ),
    Rule("over_budget", Decision.FIX, lambda f, t: f.over_budget),
    Rule("below_once", Decision.FIX, lambda f, t: _below(f.value_per_ai_dollar, t.kill_below)),
    Rule(
        "scale",
        Decision.SCALE,
        lambda f, t: (
            f.stage == Stage.PILOT
            and f.value_per_ai_dollar is not None
            and f.value_per_ai_dollar >= t.scale_at
            and _meets_scale(f)
        ),
    ),
    Rule("default", Decision.CONTINUE, lambda f, t: True),
)


@dataclass(frozen=True)
class Recommendation:
    recommendation: Decision
    rule: str
    facts: Facts


def recommend(facts: Facts, thresholds: Thresholds = Thresholds()) -> Recommendation:
    """The first rule that holds, and what it recommends."""
    for rule in RULES:
        if rule.holds(facts, thresholds):
            return Recommendation(rule.recommendation, rule.name, facts)
    raise AssertionError("the default rule always holds")


def quarter_budget(budget_micros: int | None, period: str | None) -> int | None:
    """A budget expressed per quarter: a month's times three, a year's quarter."""
    if budget_micros is None or period is None:
        return None
    return {"month": budget_micros * 3, "quarter": budget_micros, "year": budget_micros // 4}[
        period
    ]
