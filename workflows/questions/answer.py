"""Answering a parsed question from the figures engine, scoped to what the asker may see.

`answer()` finds the initiatives the question is about and the asker may see, then hands
them to the measure's handler: spend here, outcome measures in ratios.py, budget use,
forecasts and status lists in standing.py. The result types live in result.py.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, func, select

from storage.models import Initiative
from workflows.core import settings as ws
from workflows.core.access import Viewer, can_see_figures, sees_portfolio
from workflows.core.periods import Month, Period
from workflows.figures import figures
from workflows.figures.figures import Scope
from workflows.inventory import inventory
from workflows.questions.query import Filters, Query
from workflows.questions.ratios import ratio_measure
from workflows.questions.result import (
    SCOPE_FIELDS,
    TREND_MONTHS,
    Answer,
    Row,
    Selection,
    ids_of,
    ranked,
    scope_of,
    spend_of,
)
from workflows.questions.standing import budget_use, forecast, status

__all__ = ["Answer", "Row", "answer"]


def _matching(session: Session, filters: Filters) -> list[Initiative]:
    """The initiatives a question is about, in name order (ties in a ranking stay stable)."""
    query = select(Initiative)
    if filters.initiatives:
        keys = [inventory.name_key(n) for n in filters.initiatives]
        query = query.where(col(Initiative.name_key).in_(keys))
    for name in SCOPE_FIELDS:
        wanted = getattr(filters, name)
        if wanted:
            query = query.where(func.lower(getattr(Initiative, name)) == wanted.lower())
    if filters.outcome_units:
        query = query.where(col(Initiative.outcome_unit).in_(filters.outcome_units))
    if filters.among:
        name, values = filters.among
        lowered = [v.lower() for v in values]
        query = query.where(func.lower(getattr(Initiative, name)).in_(lowered))
    return list(session.exec(query.order_by(Initiative.name_key)))


def _visible(session: Session, viewer: Viewer, rows: list[Initiative]) -> list[Initiative]:
    if sees_portfolio(viewer):
        return rows
    delegates = inventory.delegates_by_initiative(session, [i.id for i in rows if i.id])
    return [
        i
        for i in rows
        if can_see_figures(viewer, owner_id=i.owner_id, delegates=delegates.get(i.id or 0, []))
    ]


def answer(session: Session, query: Query, *, viewer: Viewer, today: date, now: datetime) -> Answer:
    """The figure(s) a question asks for, from what the asker may see."""
    result = Answer(query=query, currency=ws.get(session, "currency"))
    result.extra["today"] = today
    if query.period.first_day <= today <= query.period.last_day:
        result.extra["so_far"] = today  # the period is not over: figures are to date
    if query.measure == "status" and query.status == "stage":
        rows = _matching(session, query.filters)
        result.rows = [
            Row(i.name, note=i.department) for i in sorted(rows, key=lambda i: i.name_key)
        ]
        return result  # the inventory is visible to everyone, without figures
    matching = _matching(session, query.filters)
    visible = _visible(session, viewer, matching)
    if query.filters.initiatives and len(visible) < len(matching):
        result.hidden = True
        return result
    if not sees_portfolio(viewer):
        if not visible:
            result.nothing_visible = True
            return result
        result.scoped_to_own = len(visible) < len(matching) or not query.filters.initiatives
    result.initiative_ids = ids_of(visible)
    if sees_portfolio(viewer):
        visible = _whole(visible, query.filters)
    handler = {
        "status": status,
        "budget_use": budget_use,
        "forecast": forecast,
    }.get(query.measure)
    if handler is not None:
        handler(session, result, visible, today=today, now=now)
    elif query.measure == "spend":
        _spend(session, result, visible)
        if query.percent and not (query.group_by or query.top):
            result.extra["whole"] = _whole_spend(session, viewer, query)
    else:
        ratio_measure(session, result, visible)
    return result


def _whole(rows: list[Initiative], filters: Filters) -> Selection:
    selection = Selection(rows)
    # Names, or several values of one field (no single-value scope): the ids themselves.
    ids = ids_of(rows) if filters.initiatives or filters.among or filters.outcome_units else None
    fields = {name: getattr(filters, name) for name in SCOPE_FIELDS}
    selection.scope = Scope(initiative_ids=ids, **fields)
    return selection


def _whole_spend(session: Session, viewer: Viewer, query: Query) -> int:
    """All the spend the asker may see in the period, every category: what a share of it
    ("what % of our spend is OpenAI") is a share of."""
    everything = _visible(session, viewer, _matching(session, Filters()))
    if sees_portfolio(viewer):
        everything = _whole(everything, Filters())
    return spend_of(session, everything, query.period, None).total_micros


def _spend(session: Session, result: Answer, rows: list[Initiative]) -> None:
    q = result.query
    first, last = figures.bounds(q.period)
    scope = scope_of(rows, q.filters.category)
    total = figures.spend(session, scope=scope, first=first, last=last)
    result.value, result.sources, result.bases = total.total_micros, total.sources, total.bases
    if q.compare_to is not None:
        before = spend_of(session, rows, q.compare_to, q.filters.category)
        result.compare_value = before.total_micros
        result.extra["compare_empty"] = not before.has_data  # nothing recorded then
    if q.group_by or q.top:
        group = q.group_by or "initiative"
        labelled = _spend_groups(session, rows, scope, q.period, group)
        if q.compare_to is not None and group != "month":
            # Each group against the earlier period too (groups gone since show as 0).
            before = {
                r.label: r.value for r in _spend_groups(session, rows, scope, q.compare_to, group)
            }
            now = {r.label for r in labelled}
            labelled += [Row(label, 0) for label in before if label not in now]
            for row in labelled:
                row.extra = before.get(row.label, 0)
        result.rows = ranked(labelled, q)
    # The trend ends with the current month: months to come would read as a collapse.
    trend_last = min(last, Month.of(result.extra.get("today") or last).start)  # type: ignore[arg-type]
    trend_first = Month.of(trend_last).shift(-(TREND_MONTHS - 1))
    by_month = figures.spend(
        session, scope=scope, first=trend_first.start, last=trend_last
    ).by_month
    result.trend = [
        (trend_first.shift(i), by_month.get(trend_first.shift(i).start, 0))
        for i in range(TREND_MONTHS)
    ]


def _spend_groups(
    session: Session, rows: list[Initiative], scope: Scope, period: Period, group: str
) -> list[Row]:
    """Spend over `period` per group (months in calendar order)."""
    first, last = figures.bounds(period)
    if group in SCOPE_FIELDS:
        # One total per initiative, grouped here: no join over every month and category.
        per = figures.total_by_initiative(session, scope=scope, first=first, last=last)
        sums: dict[str, int] = {}
        for initiative in rows:
            if (initiative.id or 0) in per:
                key = str(getattr(initiative, group) or "(none)")
                sums[key] = sums.get(key, 0) + per[initiative.id or 0]
        return [Row(key, total) for key, total in sums.items()]
    parts = figures.spend_by(session, scope=scope, first=first, last=last, group=group)
    names = {i.id: i.name for i in rows}
    items = sorted(parts.items(), key=lambda kv: kv[0]) if group == "month" else parts.items()
    return [Row(_label(group, key, names), part.total_micros) for key, part in items]


def _label(group: str, key: object, names: dict[int | None, str]) -> str:
    if group == "initiative":
        return names.get(key, str(key))  # type: ignore[arg-type]
    if group == "month":
        return Month.of(key).label  # type: ignore[arg-type]
    return str(key or "(none)")
