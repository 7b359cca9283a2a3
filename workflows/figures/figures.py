"""The one figures engine: spend, outcomes and the measures derived from them.

Every feature (cards, reviews, alerts, answers, reports) asks here. Spend sums the
monthly rollup (workflows.figures.costs keeps it: billing first, then reported, then a third of
a quarter figure), so each answer can say which bases and sources it used.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import and_, case, func
from sqlmodel import Session, col, select

from storage.models import Initiative, MonthlyCost, OutcomeRecord
from workflows.core.money import MICROS
from workflows.figures.costs import add_months, months_of, third

GROUPS = (
    "initiative",
    "department",
    "cost_center",
    "provider",
    "model",
    "stage",
    "use_case",
    "category",
    "month",
)


@dataclass(frozen=True)
class Scope:
    """Which initiatives (and which cost category) a figure covers; None means any."""

    initiative_ids: tuple[int, ...] | None = None
    department: str | None = None
    cost_center: str | None = None
    provider: str | None = None
    model: str | None = None
    stage: str | None = None
    use_case: str | None = None
    category: str | None = None


@dataclass
class Spend:
    """Money spent, in micro-units, with how it was arrived at."""

    total_micros: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_month: dict[date, int] = field(default_factory=dict)
    bases: set[str] = field(default_factory=set)  # billing, reported, prorated
    sources: set[str] = field(default_factory=set)  # billing, report, manual, import
    billed_micros: int = 0
    reported_micros: int = 0
    # Where billing and a reported figure cover the same category and month: both sums
    # (what the review shows as the difference between what was reported and billed).
    overlap_billed_micros: int = 0
    overlap_reported_micros: int = 0

    @property
    def total(self) -> Decimal:
        return Decimal(self.total_micros) / MICROS

    @property
    def has_data(self) -> bool:
        return bool(self.bases)

    def add(
        self,
        *,
        category: str,
        month: date,
        amount: int,
        basis: str,
        sources: str,
        billed: int | None,
        reported: int | None,
        overlap_billed: int = 0,
        overlap_reported: int = 0,
    ) -> None:
        self.total_micros += amount
        self.by_category[category] = self.by_category.get(category, 0) + amount
        self.by_month[month] = self.by_month.get(month, 0) + amount
        self.bases.add(basis)
        self.sources.update(s for s in sources.split(",") if s)
        self.billed_micros += billed or 0
        self.reported_micros += reported or 0
        self.overlap_billed_micros += overlap_billed
        self.overlap_reported_micros += overlap_reported


def _month_range(first: date, last: date) -> list[date]:
    months, month = [], date(first.year, first.month, 1)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


_INITIATIVE_FIELDS = ("department", "cost_center", "provider", "model", "stage", "use_case")


def _needs_join(scope: Scope, group: str | None = None) -> bool:
    """Whether a rollup query must join the initiative table: only to filter or group by
    an initiative's fields. Skipping it makes portfolio-wide sums much cheaper."""
    fields = any(getattr(scope, name) is not None for name in _INITIATIVE_FIELDS)
    return fields or group not in (None, "category", "month", "initiative")


def _filtered(query, scope: Scope, *, joined: bool = True):  # type: ignore[no-untyped-def]
    if joined:
        query = initiatives_in(query, scope)
    elif scope.initiative_ids is not None:
        query = query.where(col(MonthlyCost.initiative_id).in_(scope.initiative_ids))
    if scope.category is not None:
        query = query.where(MonthlyCost.category == scope.category)
    return query


def initiatives_in(query, scope: Scope):  # type: ignore[no-untyped-def]
    """`query` (joined to Initiative) narrowed to the scope's initiatives."""
    if scope.initiative_ids is not None:
        query = query.where(col(Initiative.id).in_(scope.initiative_ids))
    for name in ("department", "cost_center", "provider", "model", "stage", "use_case"):
        wanted = getattr(scope, name)
        if wanted is not None:
            query = query.where(func.lower(getattr(Initiative, name)) == wanted.lower())
    return query


_both = and_(
    col(MonthlyCost.billed_micros).is_not(None), col(MonthlyCost.reported_micros).is_not(None)
)


def spend_by(
    session: Session, *, scope: Scope, first: date, last: date, group: str | None
) -> dict[object, Spend]:
    """Spend per group key (initiative id, department, ..., category, month) over the
    months from `first` to `last` inclusive; `group=None` gives one total under None.

    The database sums to one row per group, category, month and basis, so a portfolio
    of thousands of initiatives is a few hundred rows here, not millions."""
    if group is not None and group not in GROUPS:
        raise ValueError(group)
    key_column: Any = None
    if group is None:
        pass
    elif group in ("category", "month"):
        key_column = getattr(MonthlyCost, group)
    elif group == "initiative":
        key_column = MonthlyCost.initiative_id
    else:
        key_column = getattr(Initiative, group)
    keys = [key_column] if key_column is not None else []
    query = (
        select(
            *keys,
            MonthlyCost.category,
            MonthlyCost.month,
            MonthlyCost.basis,
            MonthlyCost.sources,
            func.sum(MonthlyCost.amount_micros),
            func.sum(MonthlyCost.billed_micros),
            func.sum(MonthlyCost.reported_micros),
            func.sum(case((_both, MonthlyCost.billed_micros), else_=0)),
            func.sum(case((_both, MonthlyCost.reported_micros), else_=0)),
        )
        .where(MonthlyCost.month >= first, MonthlyCost.month <= last)
        # in the order of ix_monthly_cost_cover: the database sums as it reads, no sort
        .group_by(
            MonthlyCost.month, MonthlyCost.category, MonthlyCost.basis, MonthlyCost.sources, *keys
        )
    )
    joined = _needs_join(scope, group)
    if joined:
        query = query.join(Initiative, Initiative.id == MonthlyCost.initiative_id)
    result: dict[object, Spend] = defaultdict(Spend)
    for row in session.exec(_filtered(query, scope, joined=joined)):
        key = row[0] if keys else None
        category, month, basis, sources, amount, billed, reported, o_billed, o_reported = row[
            len(keys) :
        ]
        result[key].add(
            category=category,
            month=month,
            amount=int(amount),
            basis=basis,
            sources=sources,
            billed=billed and int(billed),
            reported=reported and int(reported),
            overlap_billed=int(o_billed or 0),
            overlap_reported=int(o_reported or 0),
        )
    return dict(result)


def total_by_initiative(
    session: Session, *, scope: Scope, first: date, last: date
) -> dict[int, int]:
    """Each initiative's total spend (micro-units): one row per initiative, for rankings
    and ratios over large portfolios."""
    query = (
        select(MonthlyCost.initiative_id, func.sum(MonthlyCost.amount_micros))
        .where(MonthlyCost.month >= first, MonthlyCost.month <= last)
        .group_by(MonthlyCost.initiative_id)
    )
    joined = _needs_join(scope)
    if joined:
        query = query.join(Initiative, Initiative.id == MonthlyCost.initiative_id)
    rows = session.exec(_filtered(query, scope, joined=joined))
    return {initiative_id: int(amount) for initiative_id, amount in rows}


def spend(session: Session, *, scope: Scope, first: date, last: date) -> Spend:
    """Total spend for a scope over the months from `first` to `last` inclusive."""
    return spend_by(session, scope=scope, first=first, last=last, group=None).get(None, Spend())


@dataclass
class Outcomes:
    """Outcomes over a period (fractional when a quarter figure is prorated) and their value."""

    count: Decimal = Decimal(0)
    value_micros: int = 0
    months_reported: int = 0
    prorated: bool = False
    sources: set[str] = field(default_factory=set)  # report | manual | import

    @property
    def has_data(self) -> bool:
        return self.months_reported > 0


def outcomes(
    session: Session,
    *,
    initiative_ids: list[int] | None = None,
    first: date,
    last: date,
    scope: Scope | None = None,
) -> dict[int, Outcomes]:
    """Reported outcomes per initiative: a month's own figure, else a third of its quarter's.
    Give the initiatives by id, or by a scope (for large portfolios: no long id lists)."""
    months = set(_month_range(first, last))
    query = (
        select(
            OutcomeRecord.initiative_id,
            OutcomeRecord.period_kind,
            OutcomeRecord.period_start,
            OutcomeRecord.outcomes,
            OutcomeRecord.value_micros,
            Initiative.value_per_outcome_micros,
            OutcomeRecord.source,
        )
        .join(Initiative, Initiative.id == OutcomeRecord.initiative_id)
        .where(
            OutcomeRecord.period_start >= add_months(first, -2),
            OutcomeRecord.period_start <= last,
        )
    )
    if initiative_ids is not None:
        query = query.where(col(OutcomeRecord.initiative_id).in_(initiative_ids))
    if scope is not None:
        query = initiatives_in(query, scope)
    # (initiative, month) -> (1: the month's own figure, 3: a third of the quarter's;
    # outcomes in thirds; value): whole numbers, so a year of 10,000 initiatives adds up fast
    per_month: dict[tuple[int, date], tuple[int, int, int, str]] = {}
    for iid, kind, start, count, value_micros, unit_value, source in session.exec(query):
        quarterly = kind == "quarter"
        whole = count * (unit_value or 0) if value_micros is None else value_micros
        for month in months_of(kind, start):
            if month not in months:
                continue
            key = (iid, month)
            if quarterly:
                if key in per_month and per_month[key][0] == 1:
                    continue  # the month's own report wins over a share of the quarter's
                # Thirds of the value are whole micro-units that add back up to the quarter's.
                per_month[key] = (3, count, third(whole, start, month), source)
            else:
                per_month[key] = (1, count * 3, whole, source)
    thirds: dict[int, int] = dict.fromkeys(initiative_ids or (), 0)
    result: dict[int, Outcomes] = {i: Outcomes() for i in initiative_ids or ()}
    for (initiative_id, _month), (divisor, count_thirds, value, source) in per_month.items():
        total = result.setdefault(initiative_id, Outcomes())
        total.sources.add(source)
        thirds[initiative_id] = thirds.get(initiative_id, 0) + count_thirds
        total.value_micros += value
        total.months_reported += 1
        total.prorated = total.prorated or divisor == 3
    for initiative_id, total in result.items():
        total.count = _tidy(Decimal(thirds[initiative_id]) / 3)
    return result


def _tidy(count: Decimal) -> Decimal:
    """Thirds of whole outcomes summed back to a whole number show as one."""
    rounded = count.quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN)
    return (
        rounded.normalize()
        if rounded != rounded.to_integral_value()
        else rounded.to_integral_value()
    )


# Derived measures (spec, "Money and periods"). None means "no outcomes" / "no cost":
# a division by zero is an answer, not an error.


def cost_per_outcome(cost_micros: int, count: Decimal) -> Decimal | None:
    if count <= 0:
        return None
    return Decimal(cost_micros) / MICROS / count


def value_per_ai_dollar(value_micros: int, cost_micros: int) -> Decimal | None:
    if cost_micros <= 0:
        return None
    return Decimal(value_micros) / Decimal(cost_micros)


def roi(value_micros: int, cost_micros: int) -> Decimal | None:
    """(value - cost) / cost."""
    if cost_micros <= 0:
        return None
    return Decimal(value_micros - cost_micros) / Decimal(cost_micros)


def savings(baseline_micros: int | None, cost_micros: int, count: Decimal) -> Decimal | None:
    """(baseline cost per outcome - cost per outcome) x outcomes."""
    if baseline_micros is None or count <= 0:
        return None
    return (Decimal(baseline_micros) * count - cost_micros) / MICROS


def projected_annual_cost(
    cost_per_outcome: Decimal, *, per_day: Decimal, days: int = 365
) -> Decimal:
    """$0.002 per interaction at 200,000 interactions a day is $146,000 a year."""
    return cost_per_outcome * per_day * days


@dataclass
class InitiativeFigures:
    """Everything a card or a review shows for one initiative over one period."""

    initiative_id: int
    spend: Spend
    outcomes: Outcomes
    cost_per_outcome: Decimal | None
    value_micros: int
    value_per_ai_dollar: Decimal | None
    roi: Decimal | None
    savings: Decimal | None

    @property
    def gap_micros(self) -> int | None:
        """What the owner reported minus what was billed, where both exist."""
        gap = self.spend.overlap_reported_micros - self.spend.overlap_billed_micros
        return gap or None


def bounds(period: Any) -> tuple[date, date]:
    """The first days of a period's first and last months."""
    months = period.months()
    return months[0].start, months[-1].start


def summarize(session: Session, *, initiative: Initiative, period: Any) -> InitiativeFigures:
    """Spend, outcomes and derived measures of one initiative over `period`."""
    first, last = bounds(period)
    iid = initiative.id or 0
    cost = spend(session, scope=Scope(initiative_ids=(iid,)), first=first, last=last)
    done = outcomes(session, initiative_ids=[iid], first=first, last=last)[iid]
    return InitiativeFigures(
        initiative_id=iid,
        spend=cost,
        outcomes=done,
        cost_per_outcome=cost_per_outcome(cost.total_micros, done.count),
        value_micros=done.value_micros,
        value_per_ai_dollar=value_per_ai_dollar(done.value_micros, cost.total_micros)
        if done.has_data
        else None,
        roi=roi(done.value_micros, cost.total_micros) if done.has_data else None,
        savings=savings(initiative.baseline_cost_per_outcome_micros, cost.total_micros, done.count),
    )
