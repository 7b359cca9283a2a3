"""What an answer is (its figure, rows, sources) and the pieces every kind of answer
uses: the initiatives it covers as a SQL scope, spend over a period, ranking."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from sqlmodel import Session

from storage.models import Initiative
from workflows.core.periods import Month, Period
from workflows.figures import figures
from workflows.figures.figures import Scope, Spend
from workflows.questions.query import Query

TREND_MONTHS = 6

MONEY_MEASURES = ("spend", "value", "forecast", "savings", "budget_use", "cost_per_outcome")

SCOPE_FIELDS = ("department", "cost_center", "provider", "model", "stage", "use_case")


@dataclass
class Row:
    """One line of a table: a label and its figure (and, for status lists, a note)."""

    label: str
    value: Decimal | int | None = None
    note: str = ""
    extra: Decimal | int | None = None  # budget for budget use; earlier period for comparisons


@dataclass
class Answer:
    query: Query
    value: Decimal | int | None = None  # money in micro-units; ratios and counts as Decimal
    compare_value: Decimal | int | None = None
    rows: list[Row] = field(default_factory=list)
    trend: list[tuple[Month, int]] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    bases: set[str] = field(default_factory=set)
    scoped_to_own: bool = False  # an owner asked about more than they may see
    hidden: bool = False  # asked about an initiative the asker may not see
    nothing_visible: bool = False  # the asker may see no figures at all
    extra: dict[str, object] = field(default_factory=dict)
    currency: str = "USD"
    # the initiatives whose figures the answer shows (who may see it depends on them)
    initiative_ids: tuple[int, ...] = ()

    @property
    def is_money(self) -> bool:
        return self.query.measure in MONEY_MEASURES


def ids_of(rows: list[Initiative]) -> tuple[int, ...]:
    return tuple(i.id or 0 for i in rows)


class Selection(list[Initiative]):
    """Initiatives an answer covers; when they are all those matching the question for
    someone who sees everything, also the same set as a SQL scope, so a portfolio of
    thousands is never sent to the database as a list of ids."""

    scope: Scope | None = None


def part_of(rows: list[Initiative], members: list[Initiative], group: str, key: str) -> Selection:
    """A group of a selection: still a SQL scope where the group is a scope field."""
    part = Selection(members)
    base = getattr(rows, "scope", None)
    if base is not None and group in SCOPE_FIELDS and key != "(none)":
        part.scope = replace(base, **{group: key})
    return part


def scope_of(rows: list[Initiative], category: str | None = None) -> Scope:
    base = getattr(rows, "scope", None)
    if base is not None:
        return replace(base, category=category)
    return Scope(initiative_ids=ids_of(rows), category=category)


def spend_of(
    session: Session, rows: list[Initiative], period: Period, category: str | None
) -> Spend:
    first, last = figures.bounds(period)
    return figures.spend(session, scope=scope_of(rows, category), first=first, last=last)


def ranked(rows: list[Row], q: Query) -> list[Row]:
    if q.group_by == "month":
        return rows  # already in calendar order
    sign = 1 if q.ascending else -1

    def measured(r: Row) -> Decimal | int:  # "grew the most": the change, not the level
        return (r.value or 0) - (r.extra or 0) if q.by_change else (r.value or 0)

    if q.by_change:  # only those that moved the way asked about
        rows = [r for r in rows if sign * measured(r) < 0]
    ordered = sorted(rows, key=lambda r: (sign * measured(r), r.label))
    return ordered[: q.top] if q.top else ordered
