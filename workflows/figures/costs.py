"""Writing cost and outcome figures, and keeping the monthly rollup current.

Per initiative, category and month exactly one figure counts (spec, "Money and
periods"): the billing import's sum if there is one, else a figure reported for that
month, else a third of a figure reported for the fiscal quarter. `refresh_months`
recomputes that for every month a write touched, in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session, col, delete, select

from storage.models import CATEGORIES, CostRecord, MonthlyCost, OutcomeRecord, utcnow
from storage.upsert import upsert
from workflows.core import audit
from workflows.core.errors import Invalid, Problem
from workflows.core.money import to_micros

REPORTED_SOURCES = ("report", "manual", "import")
MonthKey = tuple[int, str, date]


def add_months(day: date, n: int) -> date:
    """The first of the month `n` months after `day`'s month."""
    index = day.year * 12 + day.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_of(kind: str, start: date) -> list[date]:
    return [start] if kind == "month" else [add_months(start, i) for i in range(3)]


@dataclass(frozen=True)
class Figure:
    """A figure to record: `kind` is month or quarter, `start` the period's first day."""

    initiative_id: int
    category: str
    kind: str
    start: date
    amount: Decimal


def reported_key(initiative_id: int, category: str, kind: str, start: date) -> str:
    return f"reported:{initiative_id}:{category}:{kind}:{start.isoformat()}"


def record_reported(
    session: Session,
    figures: Iterable[Figure],
    *,
    source: str,
    actor: str,
    origin: str = "",
    note: str = "",
) -> int:
    """Store reported figures (owner report, manual entry, costs import); returns how
    many changed. Reporting the same figure again changes nothing."""
    if source not in REPORTED_SOURCES:
        raise ValueError(source)
    touched: set[MonthKey] = set()
    changed = 0
    for figure in figures:
        if figure.category not in CATEGORIES:
            raise Invalid(
                {
                    "category": Problem(
                        "bad_choice", {"value": figure.category, "allowed": CATEGORIES}
                    )
                }
            )
        key = reported_key(figure.initiative_id, figure.category, figure.kind, figure.start)
        micros = to_micros(figure.amount)
        row = session.exec(select(CostRecord).where(CostRecord.source_key == key)).first()
        if row is not None and (row.amount_micros, row.source, row.note) == (micros, source, note):
            continue
        before = None if row is None else {"amount_micros": row.amount_micros, "source": row.source}
        if row is None:
            row = CostRecord(
                initiative_id=figure.initiative_id,
                category=figure.category,
                period_kind=figure.kind,
                period_start=figure.start,
                amount_micros=micros,
                source=source,
                source_key=key,
                origin=origin,
                note=note,
                recorded_by=actor,
            )
            session.add(row)
        else:
            row.amount_micros, row.source, row.origin, row.note = micros, source, origin, note
            row.recorded_by, row.recorded_at = actor, utcnow()
        audit.record(
            session,
            actor=actor,
            action="cost.report",
            entity="cost",
            entity_id=key,
            before=before,
            after={"amount_micros": micros, "source": source},
            source=source,
        )
        touched |= {
            (figure.initiative_id, figure.category, m) for m in months_of(figure.kind, figure.start)
        }
        changed += 1
    session.flush()
    refresh_months(session, touched)
    return changed


@dataclass(frozen=True)
class BillingLine:
    """One billing row mapped to an initiative; `key` is the row's identity in the export."""

    key: str
    initiative_id: int
    category: str
    month: date
    amount_micros: int
    origin: str


def record_billing(
    session: Session, lines: Iterable[BillingLine], *, actor: str, now: datetime | None = None
) -> int:
    """Store billing lines not seen before (by row identity); returns how many were new."""
    lines = list(lines)
    if not lines:
        return 0
    keys = [f"billing:{line.key}" for line in lines]
    seen: set[str] = set()
    for chunk in _chunks(keys, 500):
        seen |= set(
            session.exec(select(CostRecord.source_key).where(col(CostRecord.source_key).in_(chunk)))
        )
    touched: set[MonthKey] = set()
    new = 0
    for line, key in zip(lines, keys, strict=True):
        if key in seen:
            continue
        seen.add(key)
        session.add(
            CostRecord(
                initiative_id=line.initiative_id,
                category=line.category,
                period_kind="month",
                period_start=line.month,
                amount_micros=line.amount_micros,
                source="billing",
                source_key=key,
                origin=line.origin,
                recorded_by=actor,
                recorded_at=now or utcnow(),
            )
        )
        touched.add((line.initiative_id, line.category, line.month))
        new += 1
    session.flush()
    refresh_months(session, touched)
    return new


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def refresh_months(session: Session, keys: set[MonthKey]) -> None:
    """Recompute the figure that counts for each (initiative, category, month)."""
    by_initiative: dict[int, set[MonthKey]] = defaultdict(set)
    for key in keys:
        by_initiative[key[0]].add(key)
    for initiative_id, wanted in by_initiative.items():
        _refresh_initiative(session, initiative_id, wanted)


def _refresh_initiative(session: Session, initiative_id: int, wanted: set[MonthKey]) -> None:
    first = min(m for _, _, m in wanted)
    last = max(m for _, _, m in wanted)
    query = select(CostRecord).where(
        CostRecord.initiative_id == initiative_id,
        CostRecord.period_start >= add_months(first, -2),
        CostRecord.period_start <= last,
    )
    records = list(session.exec(query))
    for _, category, month in sorted(wanted):
        _store(
            session, initiative_id, category, month, [r for r in records if r.category == category]
        )


def _store(
    session: Session, initiative_id: int, category: str, month: date, records: list[CostRecord]
) -> None:
    billed = [r for r in records if r.source == "billing" and r.period_start == month]
    monthly = [
        r
        for r in records
        if r.source != "billing" and r.period_kind == "month" and r.period_start == month
    ]
    quarterly = [
        r
        for r in records
        if r.period_kind == "quarter" and month in months_of("quarter", r.period_start)
    ]
    reported, reported_sources, prorated = None, set(), False
    if monthly:
        reported, reported_sources = monthly[0].amount_micros, {monthly[0].source}
    elif quarterly:
        q = quarterly[0]
        reported, reported_sources, prorated = (
            third(q.amount_micros, q.period_start, month),
            {q.source},
            True,
        )
    billed_total = sum(r.amount_micros for r in billed) if billed else None
    key = {"initiative_id": initiative_id, "category": category, "month": month}
    if billed_total is None and reported is None:
        session.exec(delete(MonthlyCost).filter_by(**key))  # type: ignore[call-overload]
        return
    if billed_total is not None:
        amount, basis, sources = billed_total, "billing", {"billing"}
    else:
        amount, basis = reported or 0, "prorated" if prorated else "reported"
        sources = reported_sources
    row = {
        **key,
        "amount_micros": amount,
        "basis": basis,
        "sources": ",".join(sorted(sources)),
        "billed_micros": billed_total,
        "reported_micros": reported,
    }
    # An upsert, not delete-then-insert: two writers refreshing the same month must
    # not collide on the primary key.
    upsert(session, MonthlyCost, row, keys=("initiative_id", "category", "month"))


def third(total: int, quarter_start: date, month: date) -> int:
    """A month's third of a quarter figure; the first month takes the remainder, so the
    three months add up to the quarter exactly."""
    share, remainder = divmod(total, 3)
    return share + (remainder if month == quarter_start else 0)


def record_outcomes(
    session: Session,
    *,
    initiative_id: int,
    kind: str,
    start: date,
    outcomes: int,
    value: Decimal | None,
    source: str,
    actor: str,
    origin: str = "",
) -> bool:
    """Store reported outcomes for a month or quarter; returns whether anything changed."""
    key = f"outcomes:{initiative_id}:{kind}:{start.isoformat()}"
    value_micros = None if value is None else to_micros(value)
    row = session.exec(select(OutcomeRecord).where(OutcomeRecord.source_key == key)).first()
    if row is not None and (row.outcomes, row.value_micros) == (outcomes, value_micros):
        return False
    before = None if row is None else {"outcomes": row.outcomes, "value_micros": row.value_micros}
    if row is None:
        row = OutcomeRecord(
            initiative_id=initiative_id,
            period_kind=kind,
            period_start=start,
            outcomes=outcomes,
            value_micros=value_micros,
            source=source,
            source_key=key,
            origin=origin,
            recorded_by=actor,
        )
        session.add(row)
    else:
        row.outcomes, row.value_micros, row.source, row.origin = (
            outcomes,
            value_micros,
            source,
            origin,
        )
        row.recorded_by, row.recorded_at = actor, utcnow()
    audit.record(
        session,
        actor=actor,
        action="outcomes.report",
        entity="outcomes",
        entity_id=key,
        before=before,
        after={"outcomes": outcomes, "value_micros": value_micros},
        source=source,
    )
    session.flush()
    return True
