"""What a question asks, once understood."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workflows.core.periods import Period
from workflows.figures.figures import GROUPS  # noqa: F401  (what answers can group by)

MEASURES = (
    "spend",  # total cost of ownership (or one category's)
    "cost_per_outcome",
    "value",  # outcomes x value per outcome (or the value reported)
    "value_per_ai_dollar",
    "roi",
    "budget_use",  # spend against budget, for the budget's own period
    "forecast",  # run-rate projection to the end of the period
    "outcomes",
    "savings",  # (baseline - cost per outcome) x outcomes
    "status",  # a list: over budget / not reported / by stage
)
STATUSES = ("over_budget", "not_reported", "stage")


@dataclass(frozen=True)
class Filters:
    """Which initiatives (and which cost category) a question is about; empty = all."""

    initiatives: tuple[str, ...] = ()  # canonical initiative names
    department: str | None = None
    cost_center: str | None = None
    provider: str | None = None
    model: str | None = None
    stage: str | None = None  # pilot | production | paused | retired
    use_case: str | None = None
    category: str | None = (
        None  # inference | data | oversight | maintenance | infrastructure | other
    )
    # several values of one field named together ("sales vs marketing"): the answer is
    # grouped by that field and covers only those: ("department", ("Sales", "Marketing"))
    among: tuple[str, tuple[str, ...]] | None = None
    # outcomes named by their unit with no initiative ("how many invoices"): only the
    # initiatives counting that unit, so tickets and invoices are never added up
    outcome_units: tuple[str, ...] = ()


@dataclass(frozen=True)
class Query:
    measure: str
    period: Period
    filters: Filters = field(default_factory=Filters)
    group_by: str | None = None
    top: int | None = None  # "top 5": the n largest; with `ascending`, the n smallest
    ascending: bool = False
    compare_to: Period | None = None  # "Q2 vs Q3": period is Q3, compare_to Q2
    by_change: bool = False  # "which grew the most": rank by the change since compare_to
    status: str | None = None  # for measure "status": over_budget | not_reported | stage
    chart: bool = False
    share: bool = False  # post in the channel for everyone (slash command)
    percent: bool = False  # spend as a share of the whole: "what % of our spend is OpenAI"
    period_explicit: bool = True  # False when the question named no period (a default was used)


@dataclass(frozen=True)
class Unknown:
    """A question the parser could not map; the answer lists examples."""

    text: str


@dataclass(frozen=True)
class Ambiguous:
    """A name that matches nothing exactly: "did you mean" with choices."""

    text: str
    choices: tuple[str, ...]
    question: str = ""  # the whole question, so a choice can be asked again in its place

    def with_choice(self, choice: str) -> str | None:
        """The question with the unknown name replaced by `choice` (None if not found)."""
        words = [re.escape(w) for w in self.text.split()]
        pattern = re.compile(r"(?<!\w)" + r"\W+".join(words) + r"(?!\w)", re.IGNORECASE)
        if not words or choice not in self.choices or not pattern.search(self.question):
            return None
        return pattern.sub(lambda _: choice, self.question, count=1)


ParseResult = Query | Unknown | Ambiguous
