"""Answering a parsed question from the figures engine, scoped to what the asker may see."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session, col, func, select

from storage.models import Initiative, ReviewRequest
from workflows import alerts, figures, inventory, review
from workflows import settings as ws
from workflows.access import Viewer, can_see_figures
from workflows.figures import Scope, Spend
from workflows.periods import Month, Period
from workflows.questions.query import Filters, Query

TREND_MONTHS = 6
MONEY_MEASURES = ("spend", "value", "forecast", "savings", "budget_use", "cost_per_outcome")
_SCOPE_FIELDS = ("department", "cost_center", "provider", "model", "stage", "use_case")


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


def _matching(session: Session, filters: Filters) -> list[Initiative]:
    """The initiatives a question is about, in name order (ties in a ranking stay stable)."""
    query = select(Initiative)
    if filters.initiatives:
        keys = [inventory.name_key(n) for n in filters.initiatives]
        query = query.where(col(Initiative.name_key).in_(keys))
    for name in _SCOPE_FIELDS:
        wanted = getattr(filters, name)
        if wanted:
            query = query.where(func.lower(getattr(Initiative, name)) == wanted.lower())
    if filters.among:
        name, values = filters.among
        lowered = [v.lower() for v in values]
        query = query.where(func.lower(getattr(Initiative, name)).in_(lowered))
    return list(session.exec(query.order_by(Initiative.name_key)))


def _visible(session: Session, viewer: Viewer, rows: list[Initiative]) -> list[Initiative]:
    if viewer.sees_all_figures:
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
    if not viewer.sees_all_figures:
        if not visible:
            result.nothing_visible = True
            return result
        result.scoped_to_own = len(visible) < len(matching) or not query.filters.initiatives
    result.initiative_ids = _ids(visible)
    if viewer.sees_all_figures:
        visible = _whole(visible, query.filters)
    handler = {
        "status": _status,
        "budget_use": _budget_use,
        "forecast": _forecast,
    }.get(query.measure)
    if handler is not None:
        handler(session, result, visible, today=today, now=now)
    elif query.measure == "spend":
        _spend(session, result, visible)
    else:
        _ratio_measure(session, result, visible)
    return result


def _ids(rows: list[Initiative]) -> tuple[int, ...]:
    return tuple(i.id or 0 for i in rows)


class Selection(list[Initiative]):
    """Initiatives an answer covers; when they are all those matching the question for
    someone who sees everything, also the same set as a SQL scope, so a portfolio of
    thousands is never sent to the database as a list of ids."""

    scope: Scope | None = None


def _whole(rows: list[Initiative], filters: Filters) -> Selection:
    selection = Selection(rows)
    # Names, or several values of one field (no single-value scope): the ids themselves.
    ids = _ids(rows) if filters.initiatives or filters.among else None
    fields = {name: getattr(filters, name) for name in _SCOPE_FIELDS}
    selection.scope = Scope(initiative_ids=ids, **fields)
    return selection


def _part(rows: list[Initiative], members: list[Initiative], group: str, key: str) -> Selection:
    """A group of a selection: still a SQL scope where the group is a scope field."""
    part = Selection(members)
    base = getattr(rows, "scope", None)
    if base is not None and group in _SCOPE_FIELDS and key != "(none)":
        part.scope = replace(base, **{group: key})
    return part


def _scope(rows: list[Initiative], category: str | None = None) -> Scope:
    base = getattr(rows, "scope", None)
    if base is not None:
        return replace(base, category=category)
    return Scope(initiative_ids=_ids(rows), category=category)


def _spend_of(
    session: Session, rows: list[Initiative], period: Period, category: str | None
) -> Spend:
    first, last = figures.bounds(period)
    return figures.spend(session, scope=_scope(rows, category), first=first, last=last)


def _spend(session: Session, result: Answer, rows: list[Initiative]) -> None:
    q = result.query
    first, last = figures.bounds(q.period)
    scope = _scope(rows, q.filters.category)
    total = figures.spend(session, scope=scope, first=first, last=last)
    result.value, result.sources, result.bases = total.total_micros, total.sources, total.bases
    if q.compare_to is not None:
        result.compare_value = _spend_of(
            session, rows, q.compare_to, q.filters.category
        ).total_micros
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
        result.rows = _ranked(labelled, q)
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
    if group in _SCOPE_FIELDS:
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


def _ranked(rows: list[Row], q: Query) -> list[Row]:
    if q.group_by == "month":
        return rows  # already in calendar order
    sign = 1 if q.ascending else -1

    def measured(r: Row) -> Decimal | int:  # "grew the most": the change, not the level
        return (r.value or 0) - (r.extra or 0) if q.by_change else (r.value or 0)

    if q.by_change:  # only those that moved the way asked about
        rows = [r for r in rows if sign * measured(r) < 0]
    ordered = sorted(rows, key=lambda r: (sign * measured(r), r.label))
    return ordered[: q.top] if q.top else ordered


Totals = list[tuple[Initiative, int, figures.Outcomes]]


def _totals(session: Session, rows: list[Initiative], period: Period) -> tuple[Totals, Spend]:
    """Each initiative's spend and outcomes over `period`, in two queries whatever the size."""
    first, last = figures.bounds(period)
    scope = _scope(rows)
    total = figures.spend(session, scope=scope, first=first, last=last)
    per = figures.total_by_initiative(session, scope=scope, first=first, last=last)
    done = figures.outcomes(session, scope=scope, first=first, last=last)
    items = [(i, per.get(i.id or 0, 0), done.get(i.id or 0, figures.Outcomes())) for i in rows]
    return items, total


def _measure_from(items: Totals, measure: str) -> Decimal | int | None:
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


def _measure_of(
    session: Session, rows: list[Initiative], period: Period, measure: str
) -> tuple[Decimal | int | None, Spend]:
    items, total = _totals(session, rows, period)
    return _measure_from(items, measure), total


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


def _ratio_measure(session: Session, result: Answer, rows: list[Initiative]) -> None:
    q = result.query
    items, spend = _totals(session, rows, q.period)
    result.value = _measure_from(items, q.measure)
    result.sources, result.bases = spend.sources, spend.bases
    result.extra["outcomes_from"] = _outcome_sources(items)
    units = {i.outcome_unit for i, _, o in items if o.has_data and i.outcome_unit}
    result.extra["unit"] = units.pop() if len(units) == 1 else None  # "ticket resolved"
    if q.compare_to is not None:
        result.compare_value, _ = _measure_of(session, rows, q.compare_to, q.measure)
    if q.group_by == "month":
        today = result.extra.get("today")
        months = [m for m in q.period.months() if today is None or m.start <= today]
        monthly = [
            Row(m.label, _measure_of(session, rows, Period.month(m), q.measure)[0]) for m in months
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
            Row(label, _measure_from(members, q.measure)) for label, members in buckets.items()
        ]
        result.rows = _ranked([r for r in labelled if r.value is not None], q)


def _budget_use(
    session: Session, result: Answer, rows: list[Initiative], *, today: date, now: datetime
) -> None:
    """Each initiative's spend in its budget's current period against the budget."""
    calendar = ws.calendar(session)
    total_spent = total_budget = 0
    budgeted = [i for i in rows if i.stage != "retired" and i.budget_micros and i.budget_period]
    # One query per kind of budget period (month, quarter, year), not one per initiative.
    spent_in: dict[str, dict[int, int]] = {}
    periods: dict[str, Period] = {}
    for kind in sorted({i.budget_period or "" for i in budgeted}):
        period = alerts.budget_period(calendar, kind, today)
        upto = Period(period.start, min(period.end, Month.of(today)), period.kind, period.label)
        first, last = figures.bounds(upto)
        spent_in[kind] = figures.total_by_initiative(
            session, scope=_scope(rows), first=first, last=last
        )
        periods[kind] = period
    for initiative in budgeted:  # a retired initiative has no budget to keep
        kind = initiative.budget_period or ""
        spent = spent_in[kind].get(initiative.id or 0, 0)
        result.rows.append(
            Row(initiative.name, spent, note=periods[kind].label, extra=initiative.budget_micros)
        )
        total_spent += spent
        total_budget += initiative.budget_micros or 0
    result.value, result.compare_value = total_spent, total_budget or None
    group = result.query.group_by
    if group and group not in ("initiative", "month", "category"):
        by_name = {i.name: str(getattr(i, group, "") or "(none)") for i in rows}
        merged: dict[str, Row] = {}
        for row in result.rows:
            key = by_name[row.label]
            # A group's budgets may run over different periods: name the period only if one.
            into = merged.setdefault(key, Row(key, 0, note=row.note, extra=0))
            into.note = into.note if into.note == row.note else ""
            into.value = (into.value or 0) + (row.value or 0)
            into.extra = (into.extra or 0) + (row.extra or 0)
        result.rows = list(merged.values())
    result.rows.sort(key=lambda r: -(r.value or 0) * 100 // max(int(r.extra or 1), 1))
    if result.query.top:
        result.rows = result.rows[: result.query.top]


def _forecast(
    session: Session, result: Answer, rows: list[Initiative], *, today: date, now: datetime
) -> None:
    """Run rate to the end of the period (calendar-true); a past period is its actual spend."""
    period = result.query.period
    spent = _spend_of(session, rows, period, result.query.filters.category)
    result.sources, result.bases = spent.sources, spent.bases
    if period.last_day < today:
        result.value, result.extra["actual"] = spent.total_micros, True
        return
    if period.first_day > today:
        result.value = _future(session, rows, period, result.query.filters.category, today)
        result.compare_value = spent.total_micros
        result.extra["budget"] = _budget_for(rows, period)
        return
    projected, elapsed = alerts.run_rate(
        spent.total_micros, first=period.first_day, last=period.last_day, today=today
    )
    result.value, result.compare_value = projected, spent.total_micros
    result.extra.update({"elapsed": elapsed, "days": period.days})
    result.extra["budget"] = _budget_for(rows, period)
    group = result.query.group_by
    if group and group not in ("month", "category"):
        buckets: dict[str, list[Initiative]] = {}
        for i in rows:
            key = i.name if group == "initiative" else str(getattr(i, group, "") or "(none)")
            buckets.setdefault(key, []).append(i)
        out = []
        for key, members in buckets.items():
            part = _spend_of(
                session, _part(rows, members, group, key), period, result.query.filters.category
            )
            if part.has_data:
                value, _ = alerts.run_rate(
                    part.total_micros, first=period.first_day, last=period.last_day, today=today
                )
                out.append(Row(key, value))
        result.rows = _ranked(out, result.query)


def _future(
    session: Session, rows: list[Initiative], period: Period, category: str | None, today: date
) -> int:
    """A period wholly to come: this fiscal year's daily run rate times its days."""
    ytd = ws.calendar(session).year_to_date(today)
    spent = _spend_of(session, rows, ytd, category).total_micros
    elapsed = (today - ytd.first_day).days + 1
    return (spent * period.days + elapsed // 2) // elapsed


def _budget_for(rows: list[Initiative], period: Period) -> int | None:
    """The initiatives' budgets over `period`, pro rata by month."""
    per_month = {"month": Decimal(1), "quarter": Decimal(1) / 3, "year": Decimal(1) / 12}
    budgeted = [i for i in rows if i.budget_micros and i.budget_period and i.stage != "retired"]
    total = sum(
        (Decimal(i.budget_micros or 0) * per_month[i.budget_period or "month"] for i in budgeted),
        Decimal(0),
    )
    return int(total * period.n_months) if total else None


def _status(
    session: Session, result: Answer, rows: list[Initiative], *, today: date, now: datetime
) -> None:
    q = result.query
    if q.status == "over_budget":
        as_of = min(today, q.period.last_day) if q.period_explicit else today
        _budget_use(session, result, rows, today=as_of, now=now)
        result.rows = [r for r in result.rows if r.extra and (r.value or 0) > r.extra]
        return
    # A named quarter means that quarter's review; otherwise the open (or latest) one.
    cycle = (
        review.cycle_of(session, first=q.period.first_day, last=q.period.last_day)
        if q.period_explicit
        else review.current_cycle(session)
    )
    result.extra["cycle"] = (
        ws.calendar(session).quarter_of(cycle.period_start).label if cycle else None
    )
    if cycle is None:
        result.extra["no_review_of"] = q.period.label if q.period_explicit else None
        return
    ids = set(_ids(rows))
    # Not reported: no figures submitted in this cycle, decided or not.
    pending = session.exec(
        select(ReviewRequest, Initiative)
        .join(Initiative, Initiative.id == ReviewRequest.initiative_id)
        .where(ReviewRequest.cycle_id == cycle.id, col(ReviewRequest.submitted_at).is_(None))
        .order_by(Initiative.name_key)
    )
    result.rows = [
        Row(i.name, note=r.assignee_id, extra=1 if r.no_report else 0)
        for r, i in pending
        if i.id in ids
    ]
    result.initiative_ids = ()  # names and people only: no figures in this answer
