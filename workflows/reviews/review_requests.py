"""What owners and leaders do with a review request besides reporting and deciding:
hand it to someone else, snooze it, mark themselves away, or open an off-cycle review."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, select

from storage.models import (
    CycleStatus,
    Initiative,
    Person,
    RequestStatus,
    ReviewCycle,
    ReviewRequest,
)
from storage.upsert import insert_ignore
from workflows.core import audit, outbox
from workflows.core import settings as ws
from workflows.core.access import Viewer, may_open_review
from workflows.core.errors import Forbidden, NotFound
from workflows.core.hours import zone
from workflows.core.periods import Quarter
from workflows.reviews.review import (
    DELEGATED,
    get_request,
    key,
    may_report,
    open_request,
    open_requests_for,
    working_time,
)


def delegate(
    session: Session, *, request_id: int, viewer: Viewer, to_user: str, now: datetime
) -> ReviewRequest:
    """Hand the request to someone else, who gets their own prompt."""
    request, cycle, _initiative = open_request(session, request_id, viewer)
    before = request.assignee_id
    request.assignee_id, request.reminders_sent, request.last_contact_at = to_user, 0, None
    audit.record(
        session,
        actor=viewer.user_id,
        action="review.delegate",
        entity="review_request",
        entity_id=request.id,
        before={"assignee": before},
        after={"assignee": to_user},
    )
    outbox.enqueue(
        session,
        key=key(cycle.quarter, "delegated", request.id, to_user),
        kind=DELEGATED,
        target=to_user,
        params={"request_id": request.id, "by": viewer.user_id},
        now=now,
        available_at=working_time(session, to_user, now),
    )
    return request


def snooze(session: Session, *, request_ids: list[int], viewer: Viewer, until: datetime) -> None:
    for request_id in request_ids:
        request, _cycle, initiative = get_request(session, request_id)
        if not may_report(session, viewer, request, initiative):
            raise Forbidden(action="report")
        request.snoozed_until = until
        audit.record(
            session,
            actor=viewer.user_id,
            action="review.snooze",
            entity="review_request",
            entity_id=request.id,
            after={"until": until.isoformat()},
        )


def snooze_mine(
    session: Session, *, cycle_id: int, viewer: Viewer, until: datetime | date, fallback_tz: str
) -> datetime:
    """Snooze the viewer's pending requests of one cycle until a moment, or until the start
    of a day in their own time zone; returns the moment in that zone (for their reply)."""
    user_id = viewer.user_id
    person = session.get(Person, user_id)
    local = zone((person.tz if person else None) or fallback_tz, "UTC")
    if not isinstance(until, datetime):
        until = datetime.combine(until, time(0), local).astimezone(UTC)
    rows = open_requests_for(session, cycle_id=cycle_id, assignee=user_id)
    if not rows:  # not asked in this review (a forwarded or forged button): say so
        raise Forbidden(action="snooze")
    pending = [r.id or 0 for r, _ in rows if r.status == RequestStatus.PENDING]
    snooze(session, request_ids=pending, viewer=viewer, until=until)
    return until.astimezone(local)


def set_away(session: Session, *, user_id: str, until: date | None) -> None:
    person = session.get(Person, user_id)
    if person is None:
        person = Person(user_id=user_id)
        session.add(person)
    person.away_until = until
    audit.record(
        session,
        actor=user_id,
        action="person.away",
        entity="person",
        entity_id=user_id,
        after={"away_until": until.isoformat() if until else None},
    )


def open_off_cycle(
    session: Session, *, initiative_id: int, viewer: Viewer, quarter: Quarter, now: datetime
) -> ReviewRequest:
    """An off-cycle review of one initiative (from a budget alert): the owner is asked
    for the quarter's figures so far, and leaders decide as in any review."""
    if not may_open_review(viewer):
        raise Forbidden(action="open_review")
    code = f"{quarter.code}-off"
    values = {
        "quarter": code,
        "kind": "off_cycle",
        "period_start": quarter.first_day,
        "period_end": quarter.last_day,
        "status": CycleStatus.OPEN,
        "opened_by": viewer.user_id,
        "opened_at": now,
        "deadline_at": now + timedelta(days=ws.get(session, "response_days")),
    }
    insert_ignore(session, ReviewCycle, values, keys=("quarter",))
    cycle = session.exec(select(ReviewCycle).where(ReviewCycle.quarter == code)).one()
    if cycle.status == CycleStatus.CLOSED:
        # another off-cycle review this quarter
        cycle.status, cycle.closed_at = CycleStatus.OPEN, None
    initiative = session.get(Initiative, initiative_id)
    if initiative is None:
        raise NotFound(kind="initiative", query=f"#{initiative_id}")
    request = session.exec(
        select(ReviewRequest).where(
            ReviewRequest.cycle_id == cycle.id, ReviewRequest.initiative_id == initiative_id
        )
    ).first()
    if request is None:
        request = ReviewRequest(
            cycle_id=cycle.id, initiative_id=initiative_id, assignee_id=initiative.owner_id
        )
        session.add(request)
        session.flush()
        audit.record(
            session,
            actor=viewer.user_id,
            action="review.off_cycle",
            entity="review_request",
            entity_id=request.id,
            after={"initiative": initiative.name, "quarter": code},
        )
        outbox.enqueue(
            session,
            key=key(code, "offcycle", request.id),
            kind=DELEGATED,
            target=initiative.owner_id,
            params={"request_id": request.id, "by": viewer.user_id},
            now=now,
            available_at=working_time(session, initiative.owner_id, now),
        )
    return request
