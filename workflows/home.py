"""What the App Home shows, as data: an owner's initiatives and a leader's portfolio.

No Slack here (bot.views.home lays it out). Figures come from the figures engine for the
current fiscal quarter of the workspace; who may see what is the caller's business:
`owner_home` holds only the initiatives the person owns or helps with, `portfolio_home`
holds every figure and is for leaders and admins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from storage.models import (
    Alert,
    AlertStatus,
    CycleStatus,
    Delegate,
    Initiative,
    OutcomeRecord,
    RequestStatus,
    ReviewCycle,
    ReviewRequest,
    Stage,
)
from workflows.core import settings as ws
from workflows.core.hours import local_date
from workflows.core.periods import Quarter
from workflows.figures import figures
from workflows.figures.costs import add_months
from workflows.figures.figures import Scope
from workflows.reviews import chasing, review
from workflows.reviews.rules import quarter_budget

TOP_SPENDERS = 5
NEWEST_ALERTS = 5
# Decided requests are closed.
OPEN_REQUEST_STATUSES = (RequestStatus.PENDING, RequestStatus.SUBMITTED)


def _percent(spent_micros: int, budget_micros: int | None) -> int | None:
    """Budget use in whole percent, rounded down like the alerts (None without a budget)."""
    if not budget_micros or budget_micros <= 0:
        return None
    return spent_micros * 100 // budget_micros


@dataclass(frozen=True)
class InitiativeLine:
    """One of the person's initiatives with this quarter's spend against its budget."""

    id: int
    name: str
    department: str
    stage: str
    owner_id: str
    is_owner: bool  # else a delegate
    spent_micros: int
    has_spend: bool
    budget_micros: int | None  # per quarter
    review_status: str | None  # pending | submitted while a review of it is open

    @property
    def percent(self) -> int | None:
        return _percent(self.spent_micros, self.budget_micros)

    @property
    def active(self) -> bool:
        return self.stage != Stage.RETIRED


@dataclass(frozen=True)
class OpenRequest:
    """A review request waiting on the person (not yet decided, in an open cycle)."""

    request_id: int
    initiative_id: int
    initiative_name: str
    period_label: str  # the quarter reviewed, e.g. "Q2 2026"
    off_cycle: bool
    status: str  # pending | submitted
    no_report: bool
    deadline: date
    snoozed_until: date | None  # the local date a snooze lasts until, while it lasts


@dataclass(frozen=True)
class AlertLine:
    """An open alert and the name of what it is about (initiative or department)."""

    alert: Alert
    name: str


@dataclass(frozen=True)
class OwnerHome:
    user_id: str
    quarter: Quarter
    next_review: date | None
    initiatives: list[InitiativeLine]
    requests: list[OpenRequest]
    alerts: list[AlertLine]


@dataclass(frozen=True)
class Spender:
    id: int
    name: str
    department: str
    spent_micros: int
    budget_micros: int | None

    @property
    def percent(self) -> int | None:
        return _percent(self.spent_micros, self.budget_micros)


@dataclass(frozen=True)
class ReviewProgress:
    """The current quarterly cycle: how many reported, wait, were decided, are late."""

    period_label: str
    open: bool
    deadline: date
    total: int
    reported: int
    waiting: int
    decided: int
    late: int


@dataclass(frozen=True)
class PortfolioHome:
    quarter: Quarter
    spent_micros: int
    budget_micros: int  # the quarterly budgets of every initiative not retired
    active: int  # initiatives not retired
    unbudgeted: int  # of those, how many have no budget
    value_micros: int  # value of the outcomes reported for the quarter
    value_per_ai_dollar: Decimal | None  # None when no outcomes are reported
    top: list[Spender]
    alerts_open: int
    alerts: list[AlertLine]
    review: ReviewProgress | None
    # Where the spend came from (as figures.Spend says it): billing, report, manual, import;
    # and how it counted: billing, reported, prorated.
    sources: set[str] = field(default_factory=set)
    bases: set[str] = field(default_factory=set)

    @property
    def percent(self) -> int | None:
        return _percent(self.spent_micros, self.budget_micros)


# ---- shared ----------------------------------------------------------------------------


def current_quarter(session: Session, today: date) -> Quarter:
    """The fiscal quarter `today` (the workspace's local date) falls in."""
    return ws.calendar(session).quarter_of(today)


def next_review(session: Session, *, now: datetime) -> date | None:
    """The local date the review schedule next opens a cycle (None if it never fires)."""
    cron, tz = chasing.schedule(session)
    try:
        trigger = CronTrigger.from_crontab(cron, timezone=tz)
    except (ValueError, KeyError):  # a bad expression or time zone: no date rather than a crash
        return None
    fire = trigger.get_next_fire_time(None, now)
    return local_date(fire, tz=tz) if fire is not None else None


def _local_date(session: Session, moment: datetime) -> date:
    _, tz = chasing.schedule(session)
    return local_date(moment, tz=tz)


def _quarter_label(session: Session, cycle: ReviewCycle) -> str:
    return ws.calendar(session).quarter_of(cycle.period_start).label


def _alert_lines(session: Session, alerts: list[Alert]) -> list[AlertLine]:
    ids = {a.initiative_id for a in alerts if a.initiative_id is not None}
    names: dict[int | None, str] = {}
    if ids:
        query = select(Initiative.id, Initiative.name).where(col(Initiative.id).in_(ids))
        names = {key: name for key, name in session.exec(query)}
    return [
        AlertLine(a, names.get(a.initiative_id, "") if a.initiative_id else a.department or "")
        for a in alerts
    ]


def _newest_open_alerts():  # type: ignore[no-untyped-def]
    return (
        select(Alert)
        .where(Alert.status == AlertStatus.OPEN)
        .order_by(col(Alert.created_at).desc(), col(Alert.id).desc())
    )


# ---- owners -------------------------------------------------------------------------------


def owner_home(session: Session, *, user_id: str, today: date, now: datetime) -> OwnerHome:
    """The initiatives `user_id` owns or helps with (name, stage, this quarter's spend
    against its budget), the review requests waiting on them and their open alerts."""
    quarter = current_quarter(session, today)
    helped = select(Delegate.initiative_id).where(Delegate.user_id == user_id)
    mine = list(
        session.exec(
            select(Initiative)
            .where(or_(Initiative.owner_id == user_id, col(Initiative.id).in_(helped)))
            .order_by(col(Initiative.stage) == Stage.RETIRED, Initiative.name_key)
        )
    )
    ids = [i.id for i in mine if i.id is not None]
    first, last = figures.bounds(quarter)
    spent = (
        figures.spend_by(
            session,
            scope=Scope(initiative_ids=tuple(ids)),
            first=first,
            last=last,
            group="initiative",
        )
        if ids
        else {}
    )
    requests = _open_requests(session, user_id=user_id, now=now)
    reviewing = _reviews_in_progress(session, ids)
    lines = [
        InitiativeLine(
            id=i.id or 0,
            name=i.name,
            department=i.department,
            stage=i.stage,
            owner_id=i.owner_id,
            is_owner=i.owner_id == user_id,
            spent_micros=spent[i.id].total_micros if i.id in spent else 0,
            has_spend=i.id in spent,
            budget_micros=quarter_budget(i.budget_micros, i.budget_period),
            review_status=reviewing.get(i.id or 0),
        )
        for i in mine
    ]
    alerts = (
        list(session.exec(_newest_open_alerts().where(col(Alert.initiative_id).in_(ids))))
        if ids
        else []
    )
    return OwnerHome(
        user_id=user_id,
        quarter=quarter,
        next_review=next_review(session, now=now) if any(i.active for i in lines) else None,
        initiatives=lines,
        requests=requests,
        alerts=_alert_lines(session, alerts),
    )


def _open_requests(session: Session, *, user_id: str, now: datetime) -> list[OpenRequest]:
    rows = session.exec(
        select(ReviewRequest, ReviewCycle, Initiative)
        .join(ReviewCycle, ReviewCycle.id == ReviewRequest.cycle_id)
        .join(Initiative, Initiative.id == ReviewRequest.initiative_id)
        .where(
            ReviewRequest.assignee_id == user_id,
            col(ReviewRequest.status).in_(OPEN_REQUEST_STATUSES),
            ReviewCycle.status == CycleStatus.OPEN,
        )
        .order_by(
            col(ReviewRequest.status) != RequestStatus.PENDING,
            ReviewCycle.deadline_at,
            Initiative.name_key,
        )
    )
    calendar = ws.calendar(session)
    _, tz = chasing.schedule(session)
    return [
        OpenRequest(
            request_id=r.id or 0,
            initiative_id=i.id or 0,
            initiative_name=i.name,
            period_label=calendar.quarter_of(c.period_start).label,
            off_cycle=c.kind != "quarterly",
            status=r.status,
            no_report=r.no_report,
            deadline=local_date(c.deadline_at, tz=tz),
            snoozed_until=local_date(r.snoozed_until, tz=tz)
            if r.snoozed_until and r.snoozed_until > now
            else None,
        )
        for r, c, i in rows
    ]


def _reviews_in_progress(session: Session, ids: list[int]) -> dict[int, str]:
    """Initiative id -> request status, for requests not yet decided in open cycles."""
    if not ids:
        return {}
    rows = session.exec(
        select(ReviewRequest.initiative_id, ReviewRequest.status)
        .join(ReviewCycle, ReviewCycle.id == ReviewRequest.cycle_id)
        .where(
            col(ReviewRequest.initiative_id).in_(ids),
            col(ReviewRequest.status).in_(OPEN_REQUEST_STATUSES),
            ReviewCycle.status == CycleStatus.OPEN,
        )
    )
    found: dict[int, str] = {}
    for initiative_id, status in rows:
        # pending wins: something is still asked of someone
        if found.get(initiative_id) != RequestStatus.PENDING:
            found[initiative_id] = status
    return found


# ---- leaders ------------------------------------------------------------------------------


def portfolio_home(session: Session, *, today: date, now: datetime) -> PortfolioHome:
    """The whole portfolio this quarter: spend against the sum of quarterly budgets,
    value per AI dollar, the top spenders, open alerts and the review cycle's progress."""
    quarter = current_quarter(session, today)
    first, last = figures.bounds(quarter)
    by_initiative = figures.spend_by(
        session, scope=Scope(), first=first, last=last, group="initiative"
    )
    spent = sum(s.total_micros for s in by_initiative.values())
    sources: set[str] = set()
    bases: set[str] = set()
    for s in by_initiative.values():
        sources |= s.sources
        bases |= s.bases

    budgets = list(
        session.exec(
            select(Initiative.budget_micros, Initiative.budget_period).where(
                Initiative.stage != Stage.RETIRED
            )
        )
    )
    quarterly = [quarter_budget(amount, period) for amount, period in budgets]
    budget = sum(b for b in quarterly if b)

    value = _reported_value(session, first=first, last=last)
    ratio = figures.value_per_ai_dollar(value, spent) if value is not None else None

    ranked = sorted(by_initiative.items(), key=lambda kv: (-kv[1].total_micros, kv[0]))
    ranked = [(k, s) for k, s in ranked if s.total_micros > 0][:TOP_SPENDERS]
    top: list[Spender] = []
    if ranked:
        found = {
            i.id: i
            for i in session.exec(
                select(Initiative).where(col(Initiative.id).in_([k for k, _ in ranked]))
            )
        }
        for key, s in ranked:
            i = found.get(key)  # type: ignore[call-overload]
            if i is not None:
                top.append(
                    Spender(
                        id=i.id or 0,
                        name=i.name,
                        department=i.department,
                        spent_micros=s.total_micros,
                        budget_micros=quarter_budget(i.budget_micros, i.budget_period),
                    )
                )

    alerts_open = session.exec(
        select(func.count()).select_from(Alert).where(Alert.status == AlertStatus.OPEN)
    ).one()
    newest = list(session.exec(_newest_open_alerts().limit(NEWEST_ALERTS)))
    return PortfolioHome(
        quarter=quarter,
        spent_micros=spent,
        budget_micros=budget,
        active=len(budgets),
        unbudgeted=sum(1 for b in quarterly if not b),
        value_micros=value or 0,
        value_per_ai_dollar=ratio,
        top=top,
        alerts_open=int(alerts_open),
        alerts=_alert_lines(session, newest),
        review=_progress(session),
        sources=sources,
        bases=bases,
    )


def _reported_value(session: Session, *, first: date, last: date) -> int | None:
    """The value of outcomes reported for the months first..last (None: none reported)."""
    ids = list(
        session.exec(
            select(OutcomeRecord.initiative_id)
            .where(
                OutcomeRecord.period_start >= add_months(first, -2),
                OutcomeRecord.period_start <= last,
            )
            .distinct()
        )
    )
    if not ids:
        return None
    found = figures.outcomes(session, initiative_ids=ids, first=first, last=last)
    reported = [o for o in found.values() if o.has_data]
    if not reported:
        return None
    return sum(o.value_micros for o in reported)


def _progress(session: Session) -> ReviewProgress | None:
    cycle = review.current_cycle(session)
    if cycle is None:
        return None
    state = chasing.status(session, cycle=cycle)
    return ReviewProgress(
        period_label=_quarter_label(session, cycle),
        open=cycle.status == CycleStatus.OPEN,
        deadline=_local_date(session, cycle.deadline_at),
        total=len(state.reported) + len(state.waiting) + len(state.decided),
        reported=len(state.reported),
        waiting=len(state.waiting),
        decided=len(state.decided),
        late=len(state.late),
    )
