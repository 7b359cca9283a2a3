"""What owners and leaders do with a review request besides reporting and deciding:
hand it to someone else, snooze it, mark themselves away, or open an off-cycle review."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from storage.models import Initiative, Person, ReviewCycle, ReviewRequest
from storage.upsert import insert_ignore
from workflows.core import audit, outbox
from workflows.core import settings as ws
from workflows.core.access import Viewer, may_decide
from workflows.core.errors import Forbidden, NotFound
from workflows.core.periods import Quarter
from workflows.reviews.review import (
    DELEGATED,
    get_request,
    key,
    may_report,
    open_request,
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
    if not may_decide(viewer):
        raise Forbidden(action="decide")
    code = f"{quarter.code}-off"
    values = {
        "quarter": code,
        "kind": "off_cycle",
        "period_start": quarter.first_day,
        "period_end": quarter.last_day,
        "status": "open",
        "opened_by": viewer.user_id,
        "opened_at": now,
        "deadline_at": now + timedelta(days=ws.get(session, "response_days")),
    }
    insert_ignore(session, ReviewCycle, values, keys=("quarter",))
    cycle = session.exec(select(ReviewCycle).where(ReviewCycle.quarter == code)).one()
    if cycle.status == "closed":
        cycle.status, cycle.closed_at = "open", None  # another off-cycle review this quarter
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
