"""Chasing a cycle along: opening it on schedule, reminders, escalation at the deadline.

`tick` is safe to run as often as wanted and from several processes: every effect is
keyed (outbox dedupe keys, a unique cycle per quarter), so running it twice does nothing
twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlmodel import Session, select

from storage.models import (
    CycleStatus,
    Initiative,
    JobRun,
    Person,
    RequestStatus,
    ReviewCycle,
    ReviewRequest,
    Stage,
)
from storage.upsert import upsert
from workflows.core import audit, outbox
from workflows.core import settings as ws
from workflows.core.hours import local_date, next_working_time
from workflows.core.periods import last_completed_quarter, review_cron_default
from workflows.reviews import review

REMINDER, ESCALATION = "review.reminder", "review.escalation"
SCHEDULE_JOB = "review_schedule"


def schedule(session: Session) -> tuple[str, str]:
    """The review schedule in force: (cron expression, time zone)."""
    cron = ws.get(session, "review_schedule") or review_cron_default(
        ws.get(session, "fiscal_year_start_month")
    )
    tz = ws.get(session, "review_timezone") or "UTC"
    return cron, tz


def due_quarter(session: Session, *, now: datetime, record: bool = True) -> object | None:
    """The quarter to open a cycle for, if the schedule fired since the last check.

    The first check ever only records the time: installing the bot mid-quarter does not
    open a cycle for a quarter long gone. A run missed while the bot was down is caught
    on the next check, once.
    """
    row = session.get(JobRun, SCHEDULE_JOB)
    last_run_at = row.last_run_at if row is not None else None
    if record:
        upsert(session, JobRun, {"name": SCHEDULE_JOB, "last_run_at": now}, keys=("name",))
    if last_run_at is None:
        return None
    cron, tz = schedule(session)
    trigger = CronTrigger.from_crontab(cron, timezone=tz)
    fire = trigger.get_next_fire_time(None, last_run_at)
    if fire is None or fire > now:
        return None
    return last_completed_quarter(ws.calendar(session), tz, fire)


def owners_to_check(session: Session) -> list[str]:
    """The owner of each initiative not retired: the people a cycle may ask, whom the
    Slack side looks up first so that owners who left are caught."""
    return list(session.exec(select(Initiative.owner_id).where(Initiative.stage != Stage.RETIRED)))


@dataclass
class TickResult:
    opened: list[str] = field(default_factory=list)
    reminders: int = 0
    escalated: list[str] = field(default_factory=list)


def tick(session: Session, *, now: datetime, leaders: list[str]) -> TickResult:
    """Open a due cycle, remind, escalate; returns what happened."""
    result = TickResult()
    quarter = due_quarter(session, now=now)
    if quarter is not None:
        opened = review.open_cycle(
            session, quarter=quarter, now=now, actor="schedule", leaders=leaders
        )  # type: ignore[arg-type]
        if opened.requests:
            result.opened.append(opened.cycle.quarter)
    for cycle in session.exec(select(ReviewCycle).where(ReviewCycle.status == CycleStatus.OPEN)):
        if now >= cycle.deadline_at:
            if escalate(session, cycle=cycle, now=now, leaders=leaders):
                result.escalated.append(cycle.quarter)
        else:
            result.reminders += remind(session, cycle=cycle, now=now)
    return result


def remind(session: Session, *, cycle: ReviewCycle, now: datetime) -> int:
    """A reminder in the prompt's thread to each assignee with open requests, every
    `reminder_days`; not while snoozed or away, and not right after a submission."""
    every = timedelta(days=ws.get(session, "reminder_days"))
    hours = ws.get(session, "working_hours")
    fallback = ws.default_text(session, "review_timezone") or "UTC"
    sent = 0
    by_assignee: dict[str, list[ReviewRequest]] = {}
    for request in session.exec(select(ReviewRequest).where(ReviewRequest.cycle_id == cycle.id)):
        by_assignee.setdefault(request.assignee_id, []).append(request)
    for assignee, requests in by_assignee.items():
        waiting = [
            r
            for r in requests
            if r.status == RequestStatus.PENDING and not (r.snoozed_until and r.snoozed_until > now)
        ]
        if not waiting:
            continue
        person = session.get(Person, assignee)
        if (
            person
            and person.away_until
            and person.away_until >= local_date(now, tz=person.tz, fallback_tz=fallback)
        ):
            continue
        prompt = outbox.sent_message(session, review.key(cycle.quarter, "prompt", assignee))
        contacts = [
            prompt.sent_at if prompt else None,
            *(r.last_contact_at for r in requests),
            *(r.submitted_at for r in requests),
        ]
        last = max((c for c in contacts if c is not None), default=None)
        if last is None or now - last < every:
            continue  # prompt not out yet, or heard from them recently
        number = max(r.reminders_sent for r in waiting) + 1
        outbox.enqueue(
            session,
            key=review.key(cycle.quarter, "reminder", assignee, number),
            kind=REMINDER,
            target=assignee,
            params={"cycle_id": cycle.id, "assignee": assignee, "number": number},
            thread_key=review.key(cycle.quarter, "prompt", assignee),
            now=now,
            available_at=next_working_time(
                now, tz=person.tz if person else None, hours=hours, fallback_tz=fallback
            ),
        )
        for request in waiting:
            request.reminders_sent, request.last_contact_at = number, now
        sent += 1
    return sent


def escalate(session: Session, *, cycle: ReviewCycle, now: datetime, leaders: list[str]) -> bool:
    """At the deadline: flag requests with no report, tell governance and department
    leaders, and put a card up for each so leaders can still decide. Once per cycle."""
    if cycle.escalated_at is not None:
        return False
    cycle.escalated_at = now
    late = list(
        session.exec(
            select(ReviewRequest, Initiative)
            .join(Initiative, Initiative.id == ReviewRequest.initiative_id)
            .where(
                ReviewRequest.cycle_id == cycle.id, ReviewRequest.status == RequestStatus.PENDING
            )
        )
    )
    for request, initiative in late:
        request.no_report = True
        result = review.recommendation_for(session, initiative=initiative, cycle=cycle)
        request.recommendation, request.rule = result.recommendation, result.rule
        review.send_card(session, cycle, request, now=now)
    audit.record(
        session,
        actor="schedule",
        action="cycle.escalate",
        entity="cycle",
        entity_id=cycle.quarter,
        after={"no_report": [r.id for r, _ in late]},
    )
    if not late:
        return True
    channel = ws.get(session, "governance_channel")
    if channel:
        outbox.enqueue(
            session,
            key=review.key(cycle.quarter, "escalation"),
            kind=ESCALATION,
            target=channel,
            params={"cycle_id": cycle.id, "department": None},
            now=now,
        )
    mapping = ws.get(session, "department_leaders")
    for department in sorted({i.department for _, i in late}):
        leader = next((u for d, u in mapping.items() if d.lower() == department.lower()), None)
        for user in [leader] if leader else leaders:
            outbox.enqueue(
                session,
                key=review.key(cycle.quarter, "escalation", department, user),
                kind=ESCALATION,
                target=user,
                params={"cycle_id": cycle.id, "department": department},
                now=now,
            )
    return True


@dataclass
class CycleProgress:
    cycle: ReviewCycle
    reported: list[tuple[ReviewRequest, Initiative]]
    waiting: list[tuple[ReviewRequest, Initiative]]
    decided: list[tuple[ReviewRequest, Initiative]]

    @property
    def late(self) -> list[tuple[ReviewRequest, Initiative]]:
        return [(r, i) for r, i in self.waiting if r.no_report]


def late_requests(
    session: Session, *, cycle_id: int, department: str | None = None
) -> list[tuple[ReviewRequest, Initiative]]:
    """The cycle's requests flagged "no report" (of one department, or all), by
    department and name: what an escalation lists."""
    rows = session.exec(
        select(ReviewRequest, Initiative)
        .join(Initiative, Initiative.id == ReviewRequest.initiative_id)
        .where(ReviewRequest.cycle_id == cycle_id, ReviewRequest.no_report)
        .order_by(Initiative.department, Initiative.name_key)
    )
    return [(r, i) for r, i in rows if department is None or i.department == department]


def status(session: Session, *, cycle: ReviewCycle) -> CycleProgress:
    rows = list(
        session.exec(
            select(ReviewRequest, Initiative)
            .join(Initiative, Initiative.id == ReviewRequest.initiative_id)
            .where(ReviewRequest.cycle_id == cycle.id)
            .order_by(Initiative.name_key)
        )
    )
    return CycleProgress(
        cycle=cycle,
        reported=[(r, i) for r, i in rows if r.status == RequestStatus.SUBMITTED],
        waiting=[(r, i) for r, i in rows if r.status == RequestStatus.PENDING],
        decided=[(r, i) for r, i in rows if r.status == RequestStatus.DECIDED],
    )
