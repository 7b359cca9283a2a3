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
from workflows.core import audit
from workflows.core.access import Viewer, can_edit, reports_on_behalf
from workflows.core.errors import Forbidden, Invalid, NotFound, Problem
from workflows.core.money import MICROS, MoneyError, from_micros, parse_amount
from workflows.figures import figures as spend
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


def on_behalf_of(session: Session, *, viewer: Viewer, initiative: Initiative) -> str | None:
    """The owner an admin reports for (None: the viewer reports as owner or delegate)."""
    delegates = inventory.delegates_of(session, initiative.id)
    if reports_on_behalf(viewer, owner_id=initiative.owner_id, delegates=delegates):
        return initiative.owner_id
    return None


def record_on_behalf(
    session: Session, *, initiative: Initiative, actor: str, owner: str, period: str
) -> None:
    """The audit entry that says an admin, not the owner, entered these figures."""
    audit.record(
        session,
        actor=actor,
        action="figures.on_behalf",
        entity="initiative",
        entity_id=initiative.id,
        after={"reported_by": actor, "on_behalf_of": owner, "period": period},
    )


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


def reportable(session: Session, *, initiative_id: int, viewer: Viewer) -> Initiative:
    """The initiative whose figures the viewer is about to record (Forbidden if not theirs)."""
    initiative = session.get(Initiative, initiative_id)
    if initiative is None:
        raise NotFound(kind="initiative", query=f"#{initiative_id}")
    check_may_report(session, viewer=viewer, initiative=initiative)
    return initiative


@dataclass(frozen=True)
class Recorded:
    """A month's figures recorded: whose, whether anything changed, and the owner an
    admin recorded them for (None when the owner or a delegate did)."""

    initiative: Initiative
    changed: bool
    on_behalf_of: str | None = None


def record_month(
    session: Session, *, initiative_id: int, viewer: Viewer, start: date, entry: EnteredFigures
) -> Recorded:
    """A month's figures typed into the record-figures modal."""
    initiative = reportable(session, initiative_id=initiative_id, viewer=viewer)
    changed = record_entry(
        session,
        initiative=initiative,
        kind="month",
        start=start,
        entry=entry,
        actor=viewer.user_id,
        source="manual",
        origin="record figures",
    )
    owner = on_behalf_of(session, viewer=viewer, initiative=initiative)
    if owner is not None and changed:
        period = start.strftime("%Y-%m")
        record_on_behalf(
            session, initiative=initiative, actor=viewer.user_id, owner=owner, period=period
        )
    return Recorded(initiative, changed, owner if changed else None)


def billed_values(session: Session, *, initiative_id: int, period: object) -> dict[str, str]:
    """What was billed in `period` per category, as form text (a review report's prefill)."""
    first, last = spend.bounds(period)
    by_category = spend.spend_by(
        session,
        scope=spend.Scope(initiative_ids=(initiative_id,)),
        first=first,
        last=last,
        group="category",
    )
    # To the cent: the billed figure counts anyway; the prefill is a starting point.
    cents = {c: round(s.billed_micros, -4) for c, s in by_category.items() if s.billed_micros}
    return {str(c): as_text(micros) for c, micros in cents.items()}
