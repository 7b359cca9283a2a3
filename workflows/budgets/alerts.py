"""Budget alerts: thresholds, run-rate forecasts, spikes and stale billing data.

`check` works out what holds now, stores each new alert once (a unique row per scope,
period, kind and threshold, so restarts, replicas and re-imports never repeat one),
resolves open alerts that no longer hold (a raised budget, a corrected figure, a period
that ended), and queues one message per recipient for everything new in this check.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import (
    Alert,
    AlertStatus,
    CostRecord,
    DepartmentBudget,
    FocusRule,
    Initiative,
    Stage,
)
from storage.upsert import insert_ignore
from workflows.budgets import budgets
from workflows.core import audit, outbox
from workflows.core import settings as ws
from workflows.core.access import (
    Viewer,
    can_see_figures,
    is_steward,
    may_set_budget,
    sees_portfolio,
)
from workflows.core.errors import Forbidden, Invalid, NotFound
from workflows.core.periods import FiscalCalendar, Month, Period
from workflows.figures import figures
from workflows.figures.figures import Scope
from workflows.inventory import inventory
from workflows.reviews import review_requests

NOTICE = "alerts.notice"
MIN_FORECAST_DAYS = 7  # a run rate from fewer days says little


@dataclass(frozen=True)
class Finding:
    scope_key: str
    kind: str
    period_key: str
    threshold: int
    facts: dict[str, Any]
    initiative_id: int | None = None
    department: str | None = None


def budget_period(calendar: FiscalCalendar, period: str, today: date) -> Period:
    """The month, fiscal quarter or fiscal year a budget of `period` covers today."""
    if period == "month":
        return Period.month(Month.of(today))
    if period == "quarter":
        return calendar.quarter_of(today)
    return calendar.year(calendar.fiscal_year(today))


def _period_key(period: Period, kind: str) -> str:
    if kind == "month":
        return period.start.iso
    return getattr(period, "code", None) or period.label.replace(" ", "")


def run_rate(spent: int, *, first: date, last: date, today: date) -> tuple[int, int]:
    """(projected spend for the whole period, days elapsed), calendar-true: real month
    lengths, fiscal quarters and years. `today` counts as elapsed."""
    elapsed = (min(today, last) - first).days + 1
    total = (last - first).days + 1
    return (spent * total + elapsed // 2) // elapsed, elapsed


def crossing_date(spent: int, budget: int, *, first: date, elapsed: int) -> date | None:
    """The day the run rate reaches the budget (None without spending)."""
    if spent <= 0:
        return None
    days = -(-budget * elapsed // spent)  # ceiling: the first whole day at or past it
    return first + timedelta(days=days - 1)


def _thresholds(text: str | None, default: list[int]) -> list[int]:
    if not text:
        return default
    try:
        return ws.parse("alert_thresholds", text)
    except Invalid:
        return default


def _budget_findings(
    *,
    scope_key: str,
    spent: int,
    budget: int,
    period: Period,
    kind: str,
    today: date,
    thresholds: list[int],
    initiative_id: int | None = None,
    department: str | None = None,
) -> list[Finding]:
    key = _period_key(period, kind)
    facts = {
        "spent": spent,
        "budget": budget,
        "left": budget - spent,
        "period_kind": kind,
        "period_label": period.label,
        "period": period.describe(),
        "percent": spent * 100 // budget if budget else 0,
    }
    found = [
        Finding(scope_key, "threshold", key, t, facts, initiative_id, department)
        for t in thresholds
        if budget > 0 and spent * 100 >= budget * t
    ]
    projected, elapsed = run_rate(spent, first=period.first_day, last=period.last_day, today=today)
    enough = elapsed >= min(MIN_FORECAST_DAYS, period.days)
    if budget > 0 and enough and spent < budget < projected:
        cross = crossing_date(spent, budget, first=period.first_day, elapsed=elapsed)
        found.append(
            Finding(
                scope_key,
                "forecast",
                key,
                0,
                {
                    **facts,
                    "projected": projected,
                    "over_by": projected - budget,
                    "crosses_on": cross.isoformat() if cross else None,
                },
                initiative_id,
                department,
            )
        )
    return found


def findings(session: Session, *, today: date, now: datetime) -> list[Finding]:
    """Every alert condition that holds now."""
    calendar = ws.calendar(session)
    default = ws.get(session, "alert_thresholds")
    active = list(
        session.exec(select(Initiative).where(col(Initiative.stage).in_(inventory.ACTIVE_STAGES)))
    )
    found: list[Finding] = []
    for initiative in active:
        scope_key = f"initiative:{initiative.id}"
        if initiative.budget_micros and initiative.budget_period:
            period = budget_period(calendar, initiative.budget_period, today)
            spent = _spent(session, Scope(initiative_ids=(initiative.id or 0,)), period)
            found += _budget_findings(
                scope_key=scope_key,
                spent=spent,
                budget=initiative.budget_micros,
                period=period,
                kind=initiative.budget_period,
                today=today,
                thresholds=_thresholds(initiative.alert_thresholds, default),
                initiative_id=initiative.id,
            )
        found += _spike(session, initiative, today=today, factor=ws.get(session, "spike_factor"))
        found += _stale(session, initiative, now=now, days=ws.get(session, "stale_days"))
    for budget in session.exec(select(DepartmentBudget)):
        period = budget_period(calendar, budget.budget_period, today)
        spent = _spent(session, Scope(department=budget.department), period)
        found += _budget_findings(
            scope_key=f"department:{budget.department_key}",
            spent=spent,
            budget=budget.budget_micros,
            period=period,
            kind=budget.budget_period,
            today=today,
            thresholds=default,
            department=budget.department,
        )
    return found


def _spent(session: Session, scope: Scope, period: Period) -> int:
    first, last = figures.bounds(period)
    return figures.spend(session, scope=scope, first=first, last=last).total_micros


def _spike(session: Session, initiative: Initiative, *, today: date, factor: Any) -> list[Finding]:
    """This month (so far) or last month above `factor` x the three months before it."""
    current = Month.of(today)
    first = current.shift(-4)
    by_month = figures.spend(
        session,
        scope=Scope(initiative_ids=(initiative.id or 0,)),
        first=first.start,
        last=current.start,
    ).by_month
    found = []
    for month in (current.shift(-1), current):
        before = [by_month.get(month.shift(-i).start) for i in (1, 2, 3)]
        spent = by_month.get(month.start)
        if spent is None or any(b is None for b in before):
            continue
        average = sum(before) // 3  # type: ignore[arg-type]
        if average > 0 and spent > average * factor:
            facts = {
                "spent": spent,
                "average": average,
                "factor": str(factor),
                "month": month.label,
                "ratio": f"{spent / average:.1f}",
            }
            found.append(
                Finding(f"initiative:{initiative.id}", "spike", month.iso, 0, facts, initiative.id)
            )
    return found


def _stale(session: Session, initiative: Initiative, *, now: datetime, days: int) -> list[Finding]:
    """A production initiative fed by billing data that has stopped arriving."""
    if initiative.stage != Stage.PRODUCTION:
        return []
    last = session.exec(
        select(func.max(CostRecord.recorded_at)).where(
            CostRecord.initiative_id == initiative.id, CostRecord.source == "billing"
        )
    ).one()
    mapped = session.exec(
        select(FocusRule.id).where(FocusRule.initiative_id == initiative.id)
    ).first()
    if last is None and mapped is None:
        return []  # never fed by billing: nothing to go stale
    since = last or initiative.created_at
    if now - since < timedelta(days=days):
        return []
    facts = {"since": since.date().isoformat(), "days": (now - since).days}
    return [
        Finding(
            f"initiative:{initiative.id}",
            "stale",
            f"since:{since.date().isoformat()}",
            0,
            facts,
            initiative.id,
        )
    ]


@dataclass
class CheckResult:
    new: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)


def check(session: Session, *, today: date, now: datetime) -> CheckResult:
    """Store new alerts once, resolve those that no longer hold, queue the messages."""
    result = CheckResult()
    holding = findings(session, today=today, now=now)
    for f in holding:
        values = {
            "scope_key": f.scope_key,
            "initiative_id": f.initiative_id,
            "department": f.department,
            "kind": f.kind,
            "period_key": f.period_key,
            "threshold": f.threshold,
            "status": AlertStatus.OPEN,
            "facts": f.facts,
            "created_at": now,
        }
        if insert_ignore(
            session, Alert, values, keys=("scope_key", "period_key", "kind", "threshold")
        ):
            alert = _find(session, f)
            if alert is not None:
                result.new.append(alert)
    result.new = _supersede(result.new, now=now)
    current = {(f.scope_key, f.period_key, f.kind, f.threshold) for f in holding}
    for alert in session.exec(select(Alert).where(Alert.status != AlertStatus.RESOLVED)):
        if (alert.scope_key, alert.period_key, alert.kind, alert.threshold) in current:
            continue
        if alert.kind == "spike":
            continue  # a spike is an event that happened; it stays until acknowledged
        alert.status, alert.resolved_at, alert.resolved_reason = AlertStatus.RESOLVED, now, "no_longer_holds"
        result.resolved.append(alert)
    _wake_snoozed(session, now=now)
    refresh_after_check(session, result.resolved, now=now)
    if result.new:
        _notify(session, result.new, now=now)
    return result


def _supersede(new: list[Alert], *, now: datetime) -> list[Alert]:
    """Thresholds of one budget and period crossed in the same check (80% and 100% at
    once) are one alert, the highest: the lower ones are stored, so they never fire
    later, but resolved as superseded rather than said twice in near-identical lines."""
    highest: dict[tuple[str, str], int] = {}
    for alert in new:
        if alert.kind == "threshold":
            scope = (alert.scope_key, alert.period_key)
            highest[scope] = max(highest.get(scope, 0), alert.threshold)
    kept = []
    for alert in new:
        top = highest.get((alert.scope_key, alert.period_key))
        if alert.kind == "threshold" and top is not None and alert.threshold < top:
            alert.status, alert.resolved_at, alert.resolved_reason = (
                AlertStatus.RESOLVED,
                now,
                "superseded",
            )
        else:
            kept.append(alert)
    return kept


def _find(session: Session, f: Finding) -> Alert | None:
    return session.exec(
        select(Alert).where(
            Alert.scope_key == f.scope_key,
            Alert.period_key == f.period_key,
            Alert.kind == f.kind,
            Alert.threshold == f.threshold,
        )
    ).first()


def _wake_snoozed(session: Session, *, now: datetime) -> None:
    """A snooze that ran out: the alert is open again, and said once more."""
    for alert in session.exec(select(Alert).where(Alert.status == AlertStatus.SNOOZED)):
        if alert.snoozed_until and alert.snoozed_until <= now:
            alert.status = AlertStatus.OPEN
            _notify(
                session, [alert], now=now, suffix=f"awake:{alert.snoozed_until.date().isoformat()}"
            )


def batch_key(alerts: list[Alert]) -> str:
    ids = ",".join(str(a.id) for a in sorted(alerts, key=lambda a: a.id or 0))
    return hashlib.sha1(ids.encode()).hexdigest()[:16]


def _notify(session: Session, alerts: list[Alert], *, now: datetime, suffix: str = "") -> None:
    """One message per recipient for everything new: the owner (or department leader)
    by DM, and the governance channel with the buttons."""
    batch = batch_key(alerts) + (f":{suffix}" if suffix else "")
    recipients: dict[str, list[int]] = {}
    leaders = ws.get(session, "department_leaders")
    for alert in alerts:
        if alert.initiative_id is not None:
            initiative = session.get(Initiative, alert.initiative_id)
            who = initiative.owner_id if initiative else None
        else:
            who = next(
                (u for d, u in leaders.items() if d.lower() == (alert.department or "").lower()),
                None,
            )
        if who:
            recipients.setdefault(who, []).append(alert.id or 0)
    for user, ids in recipients.items():
        outbox.enqueue(
            session,
            key=f"alerts:{batch}:{user}",
            kind=NOTICE,
            target=user,
            params={"alert_ids": ids, "buttons": False},
            now=now,
        )
    channel = ws.get(session, "governance_channel")
    if channel:
        outbox.enqueue(
            session,
            key=governance_key(batch),
            kind=NOTICE,
            target=channel,
            params={"alert_ids": [a.id for a in alerts], "buttons": True},
            now=now,
        )
        for alert in alerts:
            facts = dict(alert.facts)
            facts["notice"] = governance_key(batch)
            alert.facts = facts  # where to edit when someone acts on it


def governance_key(batch: str) -> str:
    return f"alerts:{batch}:governance"


def visible_alerts(session: Session, *, initiative_ids: set[int] | None) -> list[Alert]:
    """Open, acknowledged and snoozed alerts; None means every one."""
    query = select(Alert).where(Alert.status != AlertStatus.RESOLVED).order_by(col(Alert.created_at).desc())
    alerts = list(session.exec(query))
    if initiative_ids is None:
        return alerts
    return [a for a in alerts if a.initiative_id in initiative_ids]


def get_alert(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(kind="alert", query=f"#{alert_id}")
    return alert


def may_handle(session: Session, viewer: Viewer, alert: Alert) -> bool:
    """Acknowledge and snooze: whoever may set budgets handles every alert (a
    department's too), an initiative's owner and delegates handle its own."""
    if may_set_budget(viewer):
        return True
    initiative = session.get(Initiative, alert.initiative_id) if alert.initiative_id else None
    if initiative is None:
        return False
    return is_steward(
        viewer,
        owner_id=initiative.owner_id,
        delegates=inventory.delegates_of(session, initiative.id),
    )


def _refresh_notice(session: Session, alert: Alert, suffix: str, *, now: datetime) -> None:
    notice = alert.facts.get("notice")
    if notice and outbox.by_key(session, notice) is not None:
        row = outbox.by_key(session, notice)
        outbox.enqueue(
            session,
            key=f"{notice}:{suffix}",
            kind=NOTICE,
            target=row.target if row else "",
            params=row.params if row else {},
            update_key=notice,
            now=now,
        )


def acknowledge(session: Session, *, alert_id: int, viewer: Viewer, now: datetime) -> Alert:
    alert = get_alert(session, alert_id)
    if not may_handle(session, viewer, alert):
        raise Forbidden(action="acknowledge")
    if alert.status in (AlertStatus.OPEN, AlertStatus.SNOOZED):
        alert.status, alert.acknowledged_by, alert.acknowledged_at = (
            AlertStatus.ACKNOWLEDGED,
            viewer.user_id,
            now,
        )
        audit.record(
            session,
            actor=viewer.user_id,
            action="alert.acknowledge",
            entity="alert",
            entity_id=alert.id,
        )
        _refresh_notice(session, alert, f"ack:{alert.id}", now=now)
    return alert


def snooze(
    session: Session, *, alert_id: int, viewer: Viewer, until: datetime, now: datetime
) -> Alert:
    alert = get_alert(session, alert_id)
    if not may_handle(session, viewer, alert):
        raise Forbidden(action="acknowledge")
    if alert.status != AlertStatus.RESOLVED:
        alert.status, alert.snoozed_until = AlertStatus.SNOOZED, until
        audit.record(
            session,
            actor=viewer.user_id,
            action="alert.snooze",
            entity="alert",
            entity_id=alert.id,
            after={"until": until.isoformat()},
        )
        _refresh_notice(session, alert, f"snooze:{alert.id}:{until.date().isoformat()}", now=now)
    return alert


def refresh_after_check(session: Session, resolved: list[Alert], *, now: datetime) -> None:
    """Edit governance notices whose alerts were just resolved."""
    for alert in resolved:
        _refresh_notice(session, alert, f"resolved:{alert.id}", now=now)


def named(session: Session, alerts: list[Alert]) -> list[tuple[Alert, str]]:
    """Each alert with what it is about: its initiative's name, or its department."""
    ids = {a.initiative_id for a in alerts if a.initiative_id is not None}
    query = select(Initiative.id, Initiative.name).where(col(Initiative.id).in_(ids))
    names: dict[int | None, str] = dict(session.exec(query).all()) if ids else {}
    return [(a, names.get(a.initiative_id) or a.department or "") for a in alerts]


def notice_rows(session: Session, alert_ids: list[int]) -> list[tuple[Alert, str]]:
    """The alerts of a notice that still exist, in its order, with their names."""
    found = [session.get(Alert, alert_id) for alert_id in alert_ids]
    return named(session, [a for a in found if a is not None])


@dataclass(frozen=True)
class Visible:
    """The unresolved alerts someone may see, newest first, with their names."""

    alerts: list[tuple[Alert, str]]
    scoped: bool  # only their own initiatives' (they do not see the portfolio)


def visible_to(session: Session, *, viewer: Viewer) -> Visible:
    """`/aigov alerts`: everything for those who see the portfolio, else the alerts of
    the initiatives whose figures the viewer may see."""
    if sees_portfolio(viewer):
        return Visible(named(session, visible_alerts(session, initiative_ids=None)), False)
    rows = inventory.list_initiatives(session)
    delegates = inventory.delegates_by_initiative(session, [i.id for i in rows if i.id])
    mine = {
        i.id
        for i in rows
        if i.id and can_see_figures(viewer, owner_id=i.owner_id, delegates=delegates[i.id])
    }
    return Visible(named(session, visible_alerts(session, initiative_ids=mine)), True)


@dataclass(frozen=True)
class AlertBudget:
    """An alert and the budget of its initiative (None: no budget, or no initiative)."""

    alert: Alert
    micros: int | None
    period: str | None


def budget_of(session: Session, *, alert_id: int) -> AlertBudget:
    """What the Raise budget modal starts from."""
    alert = get_alert(session, alert_id)
    initiative = session.get(Initiative, alert.initiative_id) if alert.initiative_id else None
    if initiative is None:
        return AlertBudget(alert, None, None)
    return AlertBudget(alert, initiative.budget_micros, initiative.budget_period)


def raise_budget(
    session: Session,
    *,
    alert_id: int,
    viewer: Viewer,
    amount_text: str,
    period_text: str,
    now: datetime,
) -> budgets.BudgetChange:
    """The Raise budget modal: a new budget for the alert's initiative (admins, leaders).
    The alerts it resolves are resolved by the next check."""
    currency = ws.get(session, "currency")
    micros, period = budgets.parse(amount_text, period_text, currency=currency)
    alert = get_alert(session, alert_id)
    initiative = session.get(Initiative, alert.initiative_id) if alert.initiative_id else None
    if initiative is None:
        raise NotFound(kind="initiative", query=f"#{alert.initiative_id}")
    budgets.set_initiative_budget(
        session, initiative=initiative, viewer=viewer, micros=micros, period=period, now=now
    )
    return budgets.BudgetChange.of(initiative, micros, period, currency)


def open_review(
    session: Session, *, alert_id: int, viewer: Viewer, today: date, now: datetime
) -> str:
    """An off-cycle review of the alert's initiative (leaders, admins); its name."""
    alert = get_alert(session, alert_id)
    request = review_requests.open_off_cycle(
        session,
        initiative_id=alert.initiative_id or 0,
        viewer=viewer,
        quarter=ws.calendar(session).quarter_of(today),
        now=now,
    )
    initiative = session.get(Initiative, request.initiative_id)
    return initiative.name if initiative else ""
