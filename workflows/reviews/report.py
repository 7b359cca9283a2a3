"""The quarterly portfolio report: pure data (no Slack, no charts), and its CSV form.

`portfolio_report` gathers one fiscal quarter: a row per initiative that was not retired
when the quarter began (or that has a review request in the quarter's cycle, or figures
in the quarter), with its figures, last quarter's value per AI dollar for the trend, and
its review (recommendation, rule, decision, reported, late); then the portfolio totals,
spend by department and category, decisions by kind, the top and bottom initiatives by
value per AI dollar, the late reporters and the sources used. Money is int micro-units,
ratios and counts are Decimal. Words live in templates/report*.j2; the Slack summary is
bot/views/report.py and the chart bot/views/charts.py.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from storage.models import DECISIONS, AuditEntry, Initiative, ReviewCycle, ReviewRequest, Stage
from workflows.core import settings
from workflows.core.money import from_micros
from workflows.core.people import display_names
from workflows.core.periods import Quarter
from workflows.figures.exports import safe_cell
from workflows.figures.figures import (
    Outcomes,
    Scope,
    Spend,
    bounds,
    cost_per_outcome,
    outcomes,
    spend_by,
    value_per_ai_dollar,
)

TOP_N = 3
RATIO_PLACES = Decimal("0.0001")
MICRO = Decimal("0.000001")


@dataclass(frozen=True)
class CycleInfo:
    """The quarter's review cycle; dates are in the workspace time zone."""

    status: str  # open | closed
    opened_on: date
    deadline_on: date
    closed_on: date | None
    requests: int
    reported: int
    decided: int


@dataclass(frozen=True)
class ReportRow:
    """One initiative's quarter."""

    initiative_id: int
    name: str
    department: str
    stage: str  # the stage now (a kill decided in the cycle shows as retired)
    owner_id: str
    outcome_unit: str
    spend_micros: int
    outcomes: Decimal | None  # None: no outcomes reported for the quarter
    cost_per_outcome: Decimal | None  # currency units
    value_micros: int | None
    value_per_ai_dollar: Decimal | None
    previous_value_per_ai_dollar: Decimal | None
    requested: bool = False
    assignee_id: str | None = None
    status: str | None = None  # pending | submitted | decided
    recommendation: str | None = None
    rule: str | None = None
    decision: str | None = None
    decided_by: str | None = None
    reported: bool = False
    late: bool = False
    no_report: bool = False

    @property
    def trend(self) -> str | None:
        """up | down | flat against last quarter's value per AI dollar; None if unknown."""
        now, before = self.value_per_ai_dollar, self.previous_value_per_ai_dollar
        if now is None or before is None:
            return None
        now, before = now.quantize(Decimal("0.01")), before.quantize(Decimal("0.01"))
        return "up" if now > before else "down" if now < before else "flat"


@dataclass(frozen=True)
class Totals:
    spend_micros: int
    value_micros: int
    value_per_ai_dollar: Decimal | None  # all value / all spend, once anyone reported outcomes
    initiatives: int
    with_outcomes: int  # initiatives that reported outcomes for the quarter
    spend_by_category: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PortfolioReport:
    quarter_code: str  # 2026Q3
    quarter_label: str  # Q3 2026
    period: str  # Q3 2026, Jul 1 – Sep 30, 2026
    previous_label: str
    generated_on: date
    currency: str
    cycle: CycleInfo | None
    rows: list[ReportRow]  # by spend, highest first
    totals: Totals
    spend_by_department: list[tuple[str, int]]  # highest first
    decisions: dict[str, int]  # every kind in DECISIONS order, zeros included
    undecided: int  # requests without a decision
    top: list[ReportRow]
    bottom: list[ReportRow]
    late: list[ReportRow]
    sources: tuple[str, ...]  # billing, report, manual, import
    bases: tuple[str, ...]  # billing, reported, prorated
    # names of the owners, askees and deciders, for the report files (no mentions there)
    people: dict[str, str] = field(default_factory=dict)


def workspace_timezone(session: Session) -> str:
    """The workspace time zone (the review time zone setting, else UTC)."""
    return str(settings.get(session, "review_timezone") or "UTC")


def portfolio_report(session: Session, *, quarter: Quarter, today: date) -> PortfolioReport:
    """Everything the quarter's portfolio report shows."""
    zone = ZoneInfo(workspace_timezone(session))
    starts = datetime.combine(quarter.first_day, time(0), zone)
    ends = datetime.combine(quarter.last_day + timedelta(days=1), time(0), zone)
    cycle = session.exec(select(ReviewCycle).where(ReviewCycle.quarter == quarter.code)).first()
    requests: dict[int, ReviewRequest] = {}
    if cycle is not None:
        query = select(ReviewRequest).where(ReviewRequest.cycle_id == cycle.id)
        requests = {r.initiative_id: r for r in session.exec(query)}

    everyone = list(session.exec(select(Initiative)))
    ids = [i.id for i in everyone if i.id is not None]
    spends, done = _figures(session, ids, quarter)
    earlier_spends, earlier_done = _figures(session, ids, quarter.previous())
    stage_then = _stages_at(session, everyone, starts)

    rows: list[ReportRow] = []
    for initiative in everyone:
        iid = initiative.id or 0
        has_figures = iid in spends or done[iid].has_data
        existed = _aware(initiative.created_at) < ends
        if not (iid in requests or has_figures or (existed and stage_then[iid] != Stage.RETIRED)):
            continue
        deadline_on = cycle.deadline_at.astimezone(zone).date() if cycle else None
        rows.append(
            _row(
                initiative,
                spends.get(iid, Spend()),
                done[iid],
                _ratio(earlier_spends.get(iid, Spend()), earlier_done[iid]),
                requests.get(iid),
                deadline_on=deadline_on,
                deadline_at=cycle.deadline_at if cycle else None,
                today=today,
            )
        )
    rows.sort(key=lambda r: (-r.spend_micros, r.name.casefold(), r.initiative_id))
    report = _assemble(
        rows,
        [spends[r.initiative_id] for r in rows if r.initiative_id in spends],
        quarter=quarter,
        today=today,
        currency=str(settings.get(session, "currency")),
        cycle=_cycle_info(cycle, list(requests.values()), zone),
    )
    ids = [u for r in rows for u in (r.owner_id, r.assignee_id, r.decided_by)]
    return replace(report, people=display_names(session, ids))


def _figures(
    session: Session, ids: list[int], quarter: Quarter
) -> tuple[dict[int, Spend], dict[int, Outcomes]]:
    first, last = bounds(quarter)
    spends = spend_by(session, scope=Scope(), first=first, last=last, group="initiative")
    done = outcomes(session, initiative_ids=ids, first=first, last=last) if ids else {}
    return {int(str(k)): v for k, v in spends.items()}, done


def _ratio(spend: Spend, done: Outcomes) -> Decimal | None:
    if not done.has_data:
        return None
    return value_per_ai_dollar(done.value_micros, spend.total_micros)


def _aware(moment: datetime) -> datetime:
    """SQLite may hand back a naive UTC timestamp."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo("UTC"))


def _stages_at(session: Session, initiatives: list[Initiative], moment: datetime) -> dict[int, str]:
    """Each initiative's stage at `moment`: the `before` of its first stage change after
    then (from the audit log), else its stage now."""
    stages = {i.id or 0: i.stage for i in initiatives}
    query = (
        select(AuditEntry)
        .where(AuditEntry.entity == "initiative", col(AuditEntry.at) >= moment)
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
    )
    seen: set[int] = set()
    for entry in session.exec(query):
        if not entry.entity_id.isdigit() or int(entry.entity_id) in seen:
            continue
        if entry.before and "stage" in entry.before and int(entry.entity_id) in stages:
            stages[int(entry.entity_id)] = str(entry.before["stage"])
            seen.add(int(entry.entity_id))
    return stages


def _row(
    initiative: Initiative,
    spend: Spend,
    done: Outcomes,
    previous: Decimal | None,
    request: ReviewRequest | None,
    *,
    deadline_on: date | None,
    deadline_at: datetime | None,
    today: date,
) -> ReportRow:
    review: dict[str, object] = {}
    if request is not None:
        # Decided is not reported: leaders also decide requests that never got figures.
        reported = request.submitted_at is not None
        after_deadline = (
            request.submitted_at is not None
            and deadline_at is not None
            and _aware(request.submitted_at) > _aware(deadline_at)
        )
        overdue = not reported and deadline_on is not None and today > deadline_on
        review = {
            "requested": True,
            "assignee_id": request.assignee_id,
            "status": request.status,
            "recommendation": request.recommendation,
            "rule": request.rule,
            "decision": request.decision,
            "decided_by": request.decided_by,
            "reported": reported,
            "late": request.no_report or overdue or after_deadline,
            "no_report": request.no_report,
        }
    return ReportRow(
        initiative_id=initiative.id or 0,
        name=initiative.name,
        department=initiative.department,
        stage=initiative.stage,
        owner_id=initiative.owner_id,
        outcome_unit=initiative.outcome_unit,
        spend_micros=spend.total_micros,
        outcomes=done.count if done.has_data else None,
        cost_per_outcome=cost_per_outcome(spend.total_micros, done.count),
        value_micros=done.value_micros if done.has_data else None,
        value_per_ai_dollar=_ratio(spend, done),
        previous_value_per_ai_dollar=previous,
        **review,  # type: ignore[arg-type]
    )


def _cycle_info(
    cycle: ReviewCycle | None, requests: list[ReviewRequest], zone: ZoneInfo
) -> CycleInfo | None:
    if cycle is None:
        return None
    return CycleInfo(
        status=cycle.status,
        opened_on=_aware(cycle.opened_at).astimezone(zone).date(),
        deadline_on=_aware(cycle.deadline_at).astimezone(zone).date(),
        closed_on=_aware(cycle.closed_at).astimezone(zone).date() if cycle.closed_at else None,
        requests=len(requests),
        reported=sum(1 for r in requests if r.submitted_at is not None),
        decided=sum(1 for r in requests if r.decision),
    )


def _assemble(
    rows: list[ReportRow],
    spends: list[Spend],
    *,
    quarter: Quarter,
    today: date,
    currency: str,
    cycle: CycleInfo | None,
) -> PortfolioReport:
    spend_total = sum(r.spend_micros for r in rows)
    value_total = sum(r.value_micros or 0 for r in rows)
    with_outcomes = sum(1 for r in rows if r.outcomes is not None)
    by_category: Counter[str] = Counter()
    by_department: Counter[str] = Counter()
    for spend in spends:
        by_category.update(spend.by_category)
    for row in rows:
        by_department[row.department] += row.spend_micros
    decided = Counter(r.decision for r in rows if r.decision)
    ranked = sorted(
        (r for r in rows if r.value_per_ai_dollar is not None),
        key=lambda r: (-(r.value_per_ai_dollar or 0), r.name.casefold()),
    )
    top = ranked[:TOP_N]
    bottom = [r for r in reversed(ranked) if r not in top][:TOP_N]
    return PortfolioReport(
        quarter_code=quarter.code,
        quarter_label=quarter.label,
        period=quarter.describe(),
        previous_label=quarter.previous().label,
        generated_on=today,
        currency=currency,
        cycle=cycle,
        rows=rows,
        totals=Totals(
            spend_micros=spend_total,
            value_micros=value_total,
            value_per_ai_dollar=value_per_ai_dollar(value_total, spend_total)
            if with_outcomes
            else None,
            initiatives=len(rows),
            with_outcomes=with_outcomes,
            spend_by_category=dict(sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))),
        ),
        spend_by_department=sorted(by_department.items(), key=lambda kv: (-kv[1], kv[0])),
        decisions={kind: decided.get(kind, 0) for kind in DECISIONS},
        undecided=sum(1 for r in rows if r.requested and not r.decision),
        top=top,
        bottom=bottom,
        late=[r for r in rows if r.late],
        sources=tuple(sorted({s for spend in spends for s in spend.sources})),
        bases=tuple(sorted({b for spend in spends for b in spend.bases})),
    )


# --- CSV ---------------------------------------------------------------------------------

CSV_COLUMNS = (
    "quarter",
    "initiative",
    "department",
    "stage",
    "owner",
    "spend",
    "outcomes",
    "cost_per_outcome",
    "value",
    "value_per_ai_dollar",
    "previous_value_per_ai_dollar",
    "recommendation",
    "rule",
    "decision",
    "decided_by",
    "reported",
    "late",
)


def _plain_number(value: Decimal | None, places: Decimal = MICRO) -> str:
    """A number a spreadsheet reads as a number: no symbol, no separators, no exponent."""
    if value is None:
        return ""
    text = format(value.quantize(places), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def report_csv(report: PortfolioReport, stream: TextIO) -> int:
    """One row per initiative (text cells formula-safe, numbers numeric); returns the count."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in report.rows:
        requested = r.requested
        writer.writerow(
            [
                safe_cell(report.quarter_code),
                safe_cell(r.name),
                safe_cell(r.department),
                safe_cell(r.stage),
                safe_cell(r.owner_id),
                _plain_number(from_micros(r.spend_micros)),
                _plain_number(r.outcomes, Decimal("0.001")),
                _plain_number(r.cost_per_outcome),
                _plain_number(None if r.value_micros is None else from_micros(r.value_micros)),
                _plain_number(r.value_per_ai_dollar, RATIO_PLACES),
                _plain_number(r.previous_value_per_ai_dollar, RATIO_PLACES),
                safe_cell(r.recommendation or ""),
                safe_cell(r.rule or ""),
                safe_cell(r.decision or ""),
                safe_cell(r.decided_by or ""),
                ("yes" if r.reported else "no") if requested else "",
                ("yes" if r.late else "no") if requested else "",
            ]
        )
    return len(report.rows)
