"""Budgets: per initiative and per department, set by admins and leaders, audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from storage.models import BUDGET_PERIODS, DepartmentBudget, Initiative
from workflows.core import audit
from workflows.core import settings as ws
from workflows.core.access import Viewer, may_set_budget
from workflows.core.errors import Forbidden, Invalid, Problem
from workflows.core.money import MoneyError, parse_amount, to_micros
from workflows.inventory import inventory
from workflows.inventory.fields import name_key


@dataclass(frozen=True)
class BudgetChange:
    """A budget just set: what it is now, and whose it is (None: a department's)."""

    name: str
    micros: int
    period: str
    currency: str
    owner_id: str | None = None

    @classmethod
    def of(cls, initiative: Initiative, micros: int, period: str, currency: str) -> BudgetChange:
        return cls(initiative.name, micros, period, currency, initiative.owner_id)


def parse(amount_text: str, period_text: str, *, currency: str) -> tuple[int, str]:
    """(micro-units, period) from what someone typed; Invalid says what is wrong."""
    problems = {}
    micros = 0
    try:
        micros = to_micros(parse_amount(amount_text, currency=currency))
    except MoneyError as exc:
        problems["budget_amount"] = Problem(f"money_{exc.reason}", {"value": amount_text})
    period = period_text.strip().lower()
    if period not in BUDGET_PERIODS:
        problems["budget_period"] = Problem(
            "bad_choice", {"value": period_text, "allowed": BUDGET_PERIODS}
        )
    if problems:
        raise Invalid(problems)
    return micros, period


def _check(viewer: Viewer) -> None:
    if not may_set_budget(viewer):
        raise Forbidden(action="budget")


def set_initiative_budget(
    session: Session,
    *,
    initiative: Initiative,
    viewer: Viewer,
    micros: int,
    period: str,
    thresholds: str | None = None,
    now: datetime,
) -> bool:
    """Change an initiative's budget (and optionally its alert thresholds); True if changed."""
    _check(viewer)
    if thresholds is not None:
        thresholds = ",".join(str(t) for t in ws.parse("alert_thresholds", thresholds))
    before = {
        "budget_micros": initiative.budget_micros,
        "budget_period": initiative.budget_period,
        "alert_thresholds": initiative.alert_thresholds,
    }
    initiative.budget_micros, initiative.budget_period = micros, period
    if thresholds is not None:
        initiative.alert_thresholds = thresholds
    after = {
        "budget_micros": micros,
        "budget_period": period,
        "alert_thresholds": initiative.alert_thresholds,
    }
    if before == after:
        return False
    initiative.updated_at = now
    audit.record(
        session,
        actor=viewer.user_id,
        action="initiative.budget",
        entity="initiative",
        entity_id=initiative.id,
        before=before,
        after=after,
    )
    return True


def set_department_budget(
    session: Session, *, department: str, viewer: Viewer, micros: int, period: str, now: datetime
) -> DepartmentBudget:
    _check(viewer)
    key = name_key(department)
    row = session.get(DepartmentBudget, key)
    before = (
        None
        if row is None
        else {"budget_micros": row.budget_micros, "budget_period": row.budget_period}
    )
    if row is None:
        row = DepartmentBudget(
            department_key=key,
            department=department.strip(),
            budget_micros=micros,
            budget_period=period,
            updated_by=viewer.user_id,
            updated_at=now,
        )
        session.add(row)
    else:
        row.budget_micros, row.budget_period, row.updated_by, row.updated_at = (
            micros,
            period,
            viewer.user_id,
            now,
        )
    audit.record(
        session,
        actor=viewer.user_id,
        action="department.budget",
        entity="department",
        entity_id=key,
        before=before,
        after={"budget_micros": micros, "budget_period": period},
    )
    return row


def set_budget(
    session: Session,
    *,
    viewer: Viewer,
    amount_text: str,
    period_text: str,
    now: datetime,
    initiative_query: str = "",
    department: str | None = None,
) -> BudgetChange:
    """Set the budget of a department (when named) or of the initiative `initiative_query`
    finds, from what someone typed."""
    currency = ws.get(session, "currency")
    micros, period = parse(amount_text, period_text, currency=currency)
    if department is not None:
        set_department_budget(
            session, department=department, viewer=viewer, micros=micros, period=period, now=now
        )
        return BudgetChange(department, micros, period, currency)
    initiative = inventory.find(session, query=initiative_query)
    set_initiative_budget(
        session, initiative=initiative, viewer=viewer, micros=micros, period=period, now=now
    )
    return BudgetChange.of(initiative, micros, period, currency)
