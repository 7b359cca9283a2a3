"""Measures that need outcomes: outcomes, value, cost per outcome, value per AI dollar,
ROI and savings; each initiative's totals first, then the ratio of the sums."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session

from storage.models import Initiative
from workflows.core.periods import Period
from workflows.figures import figures
from workflows.figures.figures import Spend
from workflows.questions.result import Answer, Row, ranked, scope_of

Totals = list[tuple[Initiative, int, figures.Outcomes]]


def totals(session: Session, rows: list[Initiative], period: Period) -> tuple[Totals, Spend]:
    """Each initiative's spend and outcomes over `period`, in two queries whatever the size."""
    first, last = figures.bounds(period)
    scope = scope_of(rows)
    total = figures.spend(session, scope=scope, first=first, last=last)
    per = figures.total_by_initiative(session, scope=scope, first=first, last=last)
    done = figures.outcomes(session, scope=scope, first=first, last=last)
    items = [(i, per.get(i.id or 0, 0), done.get(i.id or 0, figures.Outcomes())) for i in rows]
    return items, total


def measure_from(items: Totals, measure: str) -> Decimal | int | None:
    """A ratio or outcome measure over several initiatives: their totals first, then the ratio."""
    spent = sum(cost for _, cost, _ in items)
    count = sum((o.count for _, _, o in items), Decimal(0))
    value = sum(o.value_micros for _, _, o in items)
    if not any(o.has_data for _, _, o in items):
        return None
    if measure == "outcomes":
        return count
    if measure == "value":
        return value
    if measure == "cost_per_outcome":
        per = figures.cost_per_outcome(spent, count)
        return None if per is None else int(per * 1_000_000)
    if measure == "value_per_ai_dollar":
        return figures.value_per_ai_dollar(value, spent)
    if measure == "roi":
        return figures.roi(value, spent)
    if measure == "savings":
        saved = [
            figures.savings(i.baseline_cost_per_outcome_micros, cost, o.count)
            for i, cost, o in items
        ]
        known = [x for x in saved if x is not None]
        return int(sum(known, Decimal(0)) * 1_000_000) if known else None
    raise ValueError(measure)


def measure_of(
    session: Session, rows: list[Initiative], period: Period, measure: str
) -> tuple[Decimal | int | None, Spend]:
    items, total = totals(session, rows, period)
    return measure_from(items, measure), total


@dataclass(frozen=True)
class SourceSet:
    """Where figures came from (report | manual | import | billing) and how they were
    counted (prorated: a third of a quarter's figure per month)."""

    sources: frozenset[str]
    bases: frozenset[str]


def _outcome_sources(items: Totals) -> SourceSet | None:
    sources = frozenset(s for _, _, o in items for s in o.sources)
    prorated = any(o.prorated for _, _, o in items)
    return SourceSet(sources, frozenset({"prorated"} if prorated else ())) if sources else None


def ratio_measure(session: Session, result: Answer, rows: list[Initiative]) -> None:
    q = result.query
    items, spend = totals(session, rows, q.period)
    result.value = measure_from(items, q.measure)
    result.sources, result.bases = spend.sources, spend.bases
    result.extra["outcomes_from"] = _outcome_sources(items)
    units = {i.outcome_unit for i, _, o in items if o.has_data and i.outcome_unit}
    result.extra["unit"] = units.pop() if len(units) == 1 else None  # "ticket resolved"
    if q.compare_to is not None:
        result.compare_value, _ = measure_of(session, rows, q.compare_to, q.measure)
    if q.group_by == "month":
        today = result.extra.get("today")
        months = [m for m in q.period.months() if today is None or m.start <= today]
        monthly = [
            Row(m.label, measure_of(session, rows, Period.month(m), q.measure)[0]) for m in months
        ]
        result.rows = [r for r in monthly if r.value is not None]
    elif q.group_by or q.top:
        group = q.group_by or "initiative"
        buckets: dict[str, Totals] = {}
        for item in items:
            initiative = item[0]
            key = (
                initiative.name
                if group == "initiative"
                else str(getattr(initiative, group, "") or "(none)")
            )
            buckets.setdefault(key, []).append(item)
        labelled = [
            Row(label, measure_from(members, q.measure)) for label, members in buckets.items()
        ]
        result.rows = ranked([r for r in labelled if r.value is not None], q)
