"""Answers about where things stand today: budget use in each budget's current period,
the run-rate forecast, and status lists (over budget, not reported)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from storage.models import Initiative, ReviewRequest, Stage
from workflows.budgets import alerts
from workflows.core import settings as ws
from workflows.core.periods import Month, Period
from workflows.figures import figures
from workflows.questions.result import Answer, Row, ids_of, part_of, ranked, scope_of, spend_of
from workflows.reviews import review


def budget_use(
    session: Session, result: Answer, rows: list[Initiative], *, today: date, now: datetime
) -> None:
    """Each initiative's spend in its budget's current period against the budget."""
    calendar = ws.calendar(session)
    total_spent = total_budget = 0
    budgeted = [i for i in rows if i.stage != Stage.RETIRED and i.budget_micros and i.budget_period]
    # One query per kind of budget period (month, quarter, year), not one per initiative.
    spent_in: dict[str, dict[int, int]] = {}
    periods: dict[str, Period] = {}
    for kind in sorted({i.budget_period or "" for i in budgeted}):
        period = alerts.budget_period(calendar, kind, today)
        upto = Period(period.start, min(period.end, Month.of(today)), period.kind, period.label)
        first, last = figures.bounds(upto)
        spent_in[kind] = figures.total_by_initiative(
            session, scope=scope_of(rows), first=first, last=last
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


def forecast(
    session: Session, result: Answer, rows: list[Initiative], *, today: date, now: datetime
) -> None:
    """Run rate to the end of the period (calendar-true); a period wholly to come at this
    fiscal year's daily run rate; a past period is its actual spend."""
    period, category = result.query.period, result.query.filters.category
    spent = spend_of(session, rows, period, category)
    result.sources, result.bases = spent.sources, spent.bases
    if period.last_day < today:
        result.value, result.extra["actual"] = spent.total_micros, True
        return
    future = period.first_day > today
    ytd = ws.calendar(session).year_to_date(today)
    elapsed = (today - ytd.first_day).days + 1

    def projected(part: list[Initiative]) -> tuple[int, int, bool]:
        """(projection, spent so far or in the year to date, has data) for some initiatives."""
        if future:  # nothing of the period is spent yet: the year so far sets the rate
            so_far = spend_of(session, part, ytd, category)
            value = (so_far.total_micros * period.days + elapsed // 2) // elapsed
            return value, so_far.total_micros, so_far.has_data
        so_far = spend_of(session, part, period, category)
        value, _ = alerts.run_rate(
            so_far.total_micros, first=period.first_day, last=period.last_day, today=today
        )
        return value, so_far.total_micros, so_far.has_data

    result.value, result.compare_value, _ = projected(rows)
    if future:
        ytd_spend = spend_of(session, rows, ytd, category)
        result.sources, result.bases = ytd_spend.sources, ytd_spend.bases
        result.extra.update({"future": True, "basis": ytd, "elapsed": elapsed})
    else:
        days_in = (today - period.first_day).days + 1
        result.extra.update({"elapsed": days_in, "days": period.days})
    result.extra["budget"] = _budget_for(rows, period)
    group = result.query.group_by
    if group and group not in ("month", "category"):
        buckets: dict[str, list[Initiative]] = {}
        for i in rows:
            key = i.name if group == "initiative" else str(getattr(i, group, "") or "(none)")
            buckets.setdefault(key, []).append(i)
        out = []
        for key, members in buckets.items():
            value, _, has_data = projected(part_of(rows, members, group, key))
            if has_data:
                out.append(Row(key, value))
        result.rows = ranked(out, result.query)


def _budget_for(rows: list[Initiative], period: Period) -> int | None:
    """The initiatives' budgets over `period`, pro rata by month."""
    per_month = {"month": Decimal(1), "quarter": Decimal(1) / 3, "year": Decimal(1) / 12}
    budgeted = [i for i in rows if i.budget_micros and i.budget_period and i.stage != Stage.RETIRED]
    total = sum(
        (Decimal(i.budget_micros or 0) * per_month[i.budget_period or "month"] for i in budgeted),
        Decimal(0),
    )
    return int(total * period.n_months) if total else None


def status(
    session: Session, result: Answer, rows: list[Initiative], *, today: date, now: datetime
) -> None:
    q = result.query
    if q.status == "over_budget":
        as_of = min(today, q.period.last_day) if q.period_explicit else today
        budget_use(session, result, rows, today=as_of, now=now)
        if q.filters.initiatives:  # "is the copy writer over budget?": yes or no, with figures
            result.extra["named"] = True
            return
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
    ids = set(ids_of(rows))
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
