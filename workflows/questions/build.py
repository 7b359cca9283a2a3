"""From what was read to the `Query`: measure, filters, grouping, ranking and periods."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from workflows.core.periods import FiscalCalendar, Month, Period, Quarter, resolve
from workflows.questions import lexicon as lx
from workflows.questions.grammar import Found
from workflows.questions.query import Filters, Query
from workflows.questions.when import OUTCOME_MEASURES, default_period, shift_back

MEASURE_PRIORITY = (
    "value_per_ai_dollar",
    "roi",
    "savings",
    "cost_per_outcome",
    "forecast",
    "budget_use",
    "outcomes",
    "value",
    "spend",
)
_RANK_ASC = re.compile(rf"(?:{lx.RANK_ASC})")
_RANK_JUDGE = re.compile(rf"(?:{lx.RANK_JUDGE})")


def _measure(found: Found) -> str:
    for measure in MEASURE_PRIORITY:
        if measure in found.measures:
            return measure
    return "outcomes" if found.weak_outcomes else "spend"


def build(found: Found, cal: FiscalCalendar, today: date) -> Query:
    """The query a question asks, with the documented defaults (see parse.py)."""
    measure = _measure(found)
    status = found.status
    if status == "over_budget" and "forecast" in found.measures:
        status = None
    elif status:
        measure = "status"
    filters, groups = _filters(found)
    if found.units and measure in OUTCOME_MEASURES and not filters.initiatives:
        filters = replace(filters, outcome_units=tuple(sorted(found.units)))
    stage_list = (
        not status
        and found.stages
        and len(set(found.stages)) == 1
        and not found.measures
        and not found.weak_outcomes
        and not found.rank
        and not found.groups
        and not found.categories
    )
    if stage_list:
        measure, status = "status", "stage"
    group_by = _group(found, groups)
    top, ascending = None, False
    if found.rank and measure != "status":
        cue, number = found.rank
        noun = found.rank_noun
        top = number or (1 if noun and not noun[1] else lx.DEFAULT_TOP)
        ascending = bool(_RANK_ASC.fullmatch(cue))
        if _RANK_JUDGE.fullmatch(cue):
            worse = cue in ("worst", "poorest", "weakest")
            ascending = worse != (measure in lx.COST_LIKE)
        group_by = group_by or (noun[0] if noun else "initiative")
    elif found.rank and status:
        top = found.rank[1]
    period, compare_to, explicit = _when(found, measure, status, cal, today)
    if measure == "forecast" and compare_to is None and _bare(found) and period.last_day < today:
        # "forecast december" (or "Q1") in November: the one to come, if it comes soon;
        # "forecast for Q3" just after Q3 ended: Q3 as it turned out
        coming = shift_back(cal, period, -12)
        if coming.start <= Month.of(today).shift(6):
            period = coming
    if measure == "spend" and period.start > Month.of(today) and compare_to is None:
        measure = "forecast"
    compare_to = _like_for_like(period, compare_to, today)
    # "which grew (fell) the most": ranked by the change since the period before
    by_change = bool(top and compare_to and found.compare_weak and measure == "spend")
    if by_change:
        ascending = found.falling
    return Query(
        measure=measure,
        period=period,
        filters=filters,
        group_by=group_by,
        top=top,
        ascending=ascending,
        compare_to=compare_to,
        by_change=by_change,
        status=status,
        chart=found.chart,
        share=found.share,
        percent=found.percent and measure == "spend",
        period_explicit=explicit,
    )


def _filters(found: Found) -> tuple[Filters, list[str]]:
    """Filters from the names (several of one kind, other than initiatives: a grouping)."""
    by_kind: dict[str, list[str]] = {}
    for _, _, match in sorted(found.names, key=lambda n: n[0]):
        values = by_kind.setdefault(match.kind, [])
        if match.names[0] not in values:
            values.append(match.names[0])
    groups: list[str] = []
    single: dict[str, str | None] = {}
    among: tuple[str, tuple[str, ...]] | None = None
    for kind, values in by_kind.items():
        if kind == "initiative":
            continue
        single[kind] = values[0] if len(values) == 1 else None
        if len(values) > 1:
            groups.append(kind)
            among = among or (kind, tuple(values))
    initiatives = tuple(by_kind.get("initiative", ()))
    if len(initiatives) > 1 and found.compare_at is not None:
        groups.append("initiative")
    categories = list(dict.fromkeys(found.categories))
    stages = list(dict.fromkeys(found.stages))
    if len(categories) > 1:
        groups.append("category")
    if len(stages) > 1:
        groups.append("stage")
        among = among or ("stage", tuple(stages))
    filters = Filters(
        initiatives=initiatives,
        department=single.get("department"),
        cost_center=single.get("cost_center"),
        provider=single.get("provider"),
        model=single.get("model"),
        stage=stages[0] if len(stages) == 1 else None,
        use_case=single.get("use_case"),
        category=categories[0] if len(categories) == 1 else None,
        among=among,
    )
    return filters, groups


def _group(found: Found, name_groups: list[str]) -> str | None:
    groups = [*found.groups, *name_groups]
    if not groups:
        return None
    return next((g for g in groups if g != "month"), groups[0])


def _when(
    found: Found, measure: str, status: str | None, cal: FiscalCalendar, today: date
) -> tuple[Period, Period | None, bool]:
    """The period, the period compared with, and whether the question named a period."""

    def default() -> Period:
        return default_period(measure, status, cal, today)

    mentions = found.periods
    if found.shift is not None:
        base = mentions[0][1] if mentions else None
        if base is None:
            unit = {12: "this year", 3: "this quarter", 1: "this month"}.get(found.shift)
            base = resolve(cal, unit, today=today) if unit else default()
        months = found.shift or base.n_months
        return base, shift_back(cal, base, months), True
    comparing = found.compare_at is not None or (found.compare_weak and len(mentions) > 1)
    if comparing and len(mentions) >= 2:
        (_, a, _, _), (_, b, b_text, _) = mentions[0], mentions[1]
        if lx.RELATIVE_BACK.get(b_text) == 12 and a.kind != "year":
            return a, shift_back(cal, a, 12), True
        later, earlier = (a, b) if (a.start, a.end) >= (b.start, b.end) else (b, a)
        if later == earlier:
            earlier = shift_back(cal, later, _step(later))
        return later, earlier, True
    if comparing and len(mentions) == 1 and found.compare_at is not None:
        first, period, text, before = mentions[0]
        if first > found.compare_at and before in lx.COMPARE_TARGET_BEFORE:
            back = lx.RELATIVE_BACK.get(text)
            base = shift_back(cal, period, -back) if back else default()
            return base, period, True
        return period, None, True
    if found.compare_weak and len(mentions) == 1 and not _several_named(found):
        # "did spend go up last month": against the one before; a span of months
        # ("since january") against the same months a year earlier
        period = mentions[0][1]
        back = _step(period)
        return period, shift_back(cal, period, back), True
    if len(mentions) == 2 and (inside := _within_year(cal, mentions)) is not None:
        return inside, None, True  # "Q1 ... last year": Q1 of last fiscal year
    if len(mentions) > 1:  # "Q2 and Q3": both
        first = min(m[1].start for m in mentions)
        return Period.span(first, max(m[1].end for m in mentions)), None, True
    if mentions:
        return mentions[0][1], None, True
    return default(), None, False


_BARE = re.compile(r"(?:q[1-4]|h[12]|[a-z]+)")  # a month, quarter or half with no year


def _bare(found: Found) -> bool:
    """The one period named carries no year ("december", "Q1"): past or to come is open."""
    return len(found.periods) == 1 and bool(_BARE.fullmatch(found.periods[0][2]))


def _step(period: Period) -> int:
    """How far back "the one before" is: a period's own length; a quarter, year or month
    to date steps a whole quarter, year or month (QTD against last QTD); another span of
    months steps a year."""
    if period.kind in ("month", "quarter", "half", "year"):
        return period.n_months
    label = period.label
    if label.endswith(" to date"):
        return 3 if label.startswith("Q") else 12 if label.startswith("FY") else 1
    return 12


def _like_for_like(period: Period, earlier: Period | None, today: date) -> Period | None:
    """A period still running against a whole earlier one of its length ("this quarter vs
    last quarter" in November): the earlier one's same months only (Jul-Aug for Oct-Nov),
    so the change is not a part against a whole."""
    if earlier is None or not period.first_day <= today <= period.last_day:
        return earlier
    if earlier.n_months != period.n_months or earlier.end >= period.start:
        return earlier
    months = Month.of(today).months_since(period.start) + 1
    if months >= period.n_months:
        return earlier
    end = earlier.start.shift(months - 1)
    first = "first month" if months == 1 else f"first {months} months"
    return Period(earlier.start, end, "range", f"{earlier.label}, {first}")


def _several_named(found: Found) -> bool:
    """Two or more names of one kind ("difference between OpenAI and Anthropic"): the
    comparison is between them, not with an earlier period."""
    kinds: dict[str, set[str]] = {}
    for _, _, match in found.names:
        kinds.setdefault(match.kind, set()).add(match.names[0])
    return any(len(names) > 1 for names in kinds.values())


def _within_year(
    cal: FiscalCalendar, mentions: list[tuple[int, Period, str, str]]
) -> Period | None:
    """A quarter, half or month named without a year, placed in the other mention's year."""
    years = [m for m in mentions if m[1].kind == "year"]
    parts = [m for m in mentions if m[1].kind in ("quarter", "half", "month")]
    if len(years) != 1 or len(parts) != 1 or re.search(r"[0-9]{4}", parts[0][2]):
        return None
    year, part = years[0][1], parts[0][1]
    fy = cal.fiscal_year(year.start)
    if isinstance(part, Quarter):
        return cal.quarter(fy, part.q)
    if part.kind == "half":
        return cal.half(fy, 1 if part.start == cal.year_start(cal.fiscal_year(part.start)) else 2)
    month = next(m for m in year.months() if m.month == part.start.month)
    return Period.month(month)
