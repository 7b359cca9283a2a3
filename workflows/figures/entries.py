"""Figures that people enter: parsing a form, checking who may, and recording it.

Used by the record-figures modal (a month, source "manual") and, later, by review
answers (a fiscal quarter, source "report").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from storage.models import CATEGORIES, CostRecord, Initiative, OutcomeRecord
from workflows.core.access import Viewer, can_edit
from workflows.core.errors import Forbidden, Invalid, Problem
from workflows.core.money import MICROS, MoneyError, from_micros, parse_amount
from workflows.figures.costs import Figure, record_outcomes, record_reported
from workflows.inventory import inventory

_COUNT = re.compile(r"^\d{1,3}(,\d{3})+$|^\d{1,15}$")


@dataclass(frozen=True)
class EnteredFigures:
    """What a person entered for one period: costs by category, outcomes, their value."""

    costs: dict[str, Decimal]
    outcomes: int | None
    outcome_value: Decimal | None
    note: str


def parse_entry(raw: Mapping[str, str | None], *, currency: str = "USD") -> EnteredFigures:
    """Parse `cost_<category>`, `outcomes`, `outcome_value`, `note`; Invalid lists every problem."""
    problems: dict[str, Problem] = {}
    costs: dict[str, Decimal] = {}
    for category in CATEGORIES:
        key = f"cost_{category}"
        text = (raw.get(key) or "").strip()
        if text:
            try:
                costs[category] = parse_amount(text, currency=currency)
            except MoneyError as exc:
                problems[key] = Problem(f"money_{exc.reason}", {"value": text})
    outcomes = None
    text = (raw.get("outcomes") or "").strip()
    if text:
        if text.isascii() and _COUNT.match(text):
            outcomes = int(text.replace(",", ""))
        else:
            problems["outcomes"] = Problem("bad_count", {"value": text})
    value = None
    text = (raw.get("outcome_value") or "").strip()
    if text:
        try:
            value = parse_amount(text, currency=currency)
        except MoneyError as exc:
            problems["outcome_value"] = Problem(f"money_{exc.reason}", {"value": text})
        if outcomes is None and "outcomes" not in problems:
            problems["outcomes"] = Problem("value_needs_outcomes")
    if problems:
        raise Invalid(problems)
    return EnteredFigures(
        costs=costs, outcomes=outcomes, outcome_value=value, note=(raw.get("note") or "").strip()
    )


def check_may_report(session: Session, *, viewer: Viewer, initiative: Initiative) -> None:
    delegates = inventory.delegates_of(session, initiative.id)
    if not can_edit(viewer, owner_id=initiative.owner_id, delegates=delegates):
        raise Forbidden(action="report")


def record_entry(
    session: Session,
    *,
    initiative: Initiative,
    kind: str,
    start: date,
    entry: EnteredFigures,
    actor: str,
    source: str,
    origin: str = "",
) -> bool:
    """Store entered figures; returns whether anything changed."""
    iid = initiative.id or 0
    figures = [
        Figure(iid, category, kind, start, amount) for category, amount in entry.costs.items()
    ]
    changed = (
        record_reported(
            session, figures, source=source, actor=actor, origin=origin, note=entry.note
        )
        > 0
    )
    if entry.outcomes is not None:
        changed |= record_outcomes(
            session,
            initiative_id=iid,
            kind=kind,
            start=start,
            outcomes=entry.outcomes,
            value=entry.outcome_value,
            source=source,
            actor=actor,
            origin=origin,
        )
    return changed


def entered_values(
    session: Session, *, initiative_id: int, kind: str, start: date
) -> dict[str, str]:
    """What was entered before for this period, as form text (for prefilling)."""
    values: dict[str, str] = {}
    query = select(CostRecord).where(
        CostRecord.initiative_id == initiative_id,
        CostRecord.period_kind == kind,
        CostRecord.period_start == start,
        CostRecord.source != "billing",
    )
    for row in session.exec(query):
        values[row.category] = as_text(row.amount_micros)
    outcome = session.exec(
        select(OutcomeRecord).where(
            OutcomeRecord.initiative_id == initiative_id,
            OutcomeRecord.period_kind == kind,
            OutcomeRecord.period_start == start,
        )
    ).first()
    if outcome is not None:
        values["outcomes"] = str(outcome.outcomes)
        if outcome.value_micros is not None:
            values["outcome_value"] = as_text(outcome.value_micros)
    return values


def as_text(micros: int) -> str:
    """Micro-units as form text: '1200.50', or every digit below a cent ('0.002')."""
    amount = from_micros(micros)
    return format(
        amount.quantize(Decimal("0.01")) if micros % (MICROS // 100) == 0 else amount.normalize(),
        "f",
    )
