"""Quarterly continue-or-kill reviews: opening a cycle, reports, decisions.

Every message goes through the outbox in the same transaction as the change behind it,
under a key that names what it is (`review:2026Q3:prompt:U123`), so a crash, a retry or
a second process never sends it twice. Chasing (reminders, escalation, closing) lives
in workflows.reviews.chasing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, col, select

from storage.models import (
    DECISIONS,
    CycleStatus,
    Decision,
    Initiative,
    Person,
    RequestStatus,
    ReviewCycle,
    ReviewRequest,
    Stage,
)
from storage.upsert import insert_ignore
from workflows.core import audit, outbox
from workflows.core import settings as ws
from workflows.core.access import Viewer, can_edit, may_decide
from workflows.core.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from workflows.core.hours import next_working_time
from workflows.core.periods import Quarter
from workflows.figures import figures
from workflows.figures.entries import (
    EnteredFigures,
    billed_values,
    entered_values,
    on_behalf_of,
    record_entry,
    record_on_behalf,
)
from workflows.inventory import inventory
from workflows.reviews import rules

# Outbox message kinds (bot.outbox.sender renders each).
PROMPT, ORPHAN, CARD, SUBMITTED, DECIDED, DELEGATED = (
    "review.prompt",
    "review.orphan",
    "review.card",
    "review.submitted",
    "review.decided",
    "review.delegated",
)
REPORT, REPORT_FILE = "review.report", "review.report_file"


def key(code: str, *parts: object) -> str:
    return ":".join(["review", code, *(str(p) for p in parts)])


@dataclass(frozen=True)
class Opened:
    cycle: ReviewCycle
    requests: int
    prompts: int


def open_cycle(
    session: Session,
    *,
    quarter: Quarter,
    now: datetime,
    actor: str,
    leaders: list[str],
    deliver_now: bool = False,
) -> Opened:
    """Open the review of `quarter` (once: opening it again changes nothing)."""
    days = ws.get(session, "response_days")
    values = {
        "quarter": quarter.code,
        "period_start": quarter.first_day,
        "period_end": quarter.last_day,
        "status": CycleStatus.OPEN,
        "opened_by": actor,
        "opened_at": now,
        "deadline_at": now + timedelta(days=days),
    }
    fresh = insert_ignore(session, ReviewCycle, values, keys=("quarter",))
    cycle = session.exec(select(ReviewCycle).where(ReviewCycle.quarter == quarter.code)).one()
    if not fresh:
        return Opened(cycle, 0, 0)
    audit.record(
        session,
        actor=actor,
        action="cycle.open",
        entity="cycle",
        entity_id=quarter.code,
        after={"deadline_at": cycle.deadline_at.isoformat()},
    )
    initiatives = list(
        session.exec(
            select(Initiative).where(Initiative.stage != Stage.RETIRED).order_by(Initiative.id)
        )
    )
    people = {
        p.user_id: p
        for p in session.exec(
            select(Person).where(col(Person.user_id).in_({i.owner_id for i in initiatives}))
        )
    }
    assignees: dict[str, None] = {}  # in order of first appearance
    for initiative in initiatives:
        owner = people.get(initiative.owner_id)
        gone = owner is not None and owner.deactivated
        assignee = (
            _department_leader(session, initiative.department, leaders)
            if gone
            else initiative.owner_id
        )
        request = ReviewRequest(
            cycle_id=cycle.id,
            initiative_id=initiative.id,
            assignee_id=assignee or initiative.owner_id,
        )
        session.add(request)
        session.flush()
        if gone:
            _orphaned(session, cycle, request, initiative, now=now)
        assignees[request.assignee_id] = None
    for assignee in assignees:
        due = now if deliver_now else working_time(session, assignee, now)
        outbox.enqueue(
            session,
            key=key(cycle.quarter, "prompt", assignee),
            kind=PROMPT,
            target=assignee,
            params={"cycle_id": cycle.id, "assignee": assignee},
            now=now,
            available_at=due,
        )
    return Opened(cycle, len(initiatives), len(assignees))


def _department_leader(session: Session, department: str, leaders: list[str]) -> str | None:
    mapping = {k.lower(): v for k, v in ws.get(session, "department_leaders").items()}
    return mapping.get(department.lower()) or (leaders[0] if leaders else None)


def _orphaned(
    session: Session,
    cycle: ReviewCycle,
    request: ReviewRequest,
    initiative: Initiative,
    *,
    now: datetime,
) -> None:
    """The owner has left: the department's leader is asked, and governance is told."""
    channel = ws.get(session, "governance_channel")
    if channel:
        outbox.enqueue(
            session,
            key=key(cycle.quarter, "orphan", request.id),
            kind=ORPHAN,
            target=channel,
            params={"request_id": request.id},
            now=now,
        )
    audit.record(
        session,
        actor="aigov",
        action="review.reassign",
        entity="review_request",
        entity_id=request.id,
        before={"assignee": initiative.owner_id},
        after={"assignee": request.assignee_id},
    )


def working_time(session: Session, user_id: str, now: datetime) -> datetime:
    person = session.get(Person, user_id)
    return next_working_time(
        now,
        tz=person.tz if person else None,
        hours=ws.get(session, "working_hours"),
        fallback_tz=ws.default_text(session, "review_timezone") or "UTC",
    )


def get_cycle(session: Session, cycle_id: int) -> ReviewCycle:
    cycle = session.get(ReviewCycle, cycle_id)
    if cycle is None:
        raise NotFound(kind="review cycle", query=f"#{cycle_id}")
    return cycle


def get_request(session: Session, request_id: int) -> tuple[ReviewRequest, ReviewCycle, Initiative]:
    request = session.get(ReviewRequest, request_id)
    if request is None:
        raise NotFound(kind="review request", query=f"#{request_id}")
    cycle = session.get(ReviewCycle, request.cycle_id)
    initiative = session.get(Initiative, request.initiative_id)
    assert cycle is not None and initiative is not None
    return request, cycle, initiative


def open_request(
    session: Session, request_id: int, viewer: Viewer
) -> tuple[ReviewRequest, ReviewCycle, Initiative]:
    """A request the viewer may still act on: theirs to report, and not yet decided."""
    request, cycle, initiative = get_request(session, request_id)
    if not may_report(session, viewer, request, initiative):
        raise Forbidden(action="report")
    if request.status == RequestStatus.DECIDED:
        raise Conflict(reason="decided")
    return request, cycle, initiative


def may_report(
    session: Session, viewer: Viewer, request: ReviewRequest, initiative: Initiative
) -> bool:
    delegates = inventory.delegates_of(session, initiative.id)
    return viewer.user_id == request.assignee_id or can_edit(
        viewer, owner_id=initiative.owner_id, delegates=delegates
    )


def submit(
    session: Session,
    *,
    request_id: int,
    viewer: Viewer,
    entry: EnteredFigures,
    owner_recommendation: str | None,
    now: datetime,
) -> ReviewRequest:
    """Store the quarter's figures and compute the recommendation; amend until decided."""
    request, cycle, initiative = open_request(session, request_id, viewer)
    if owner_recommendation is not None and owner_recommendation not in DECISIONS:
        raise Invalid(
            {
                "owner_recommendation": Problem(
                    "bad_choice", {"value": owner_recommendation, "allowed": DECISIONS}
                )
            }
        )
    record_entry(
        session,
        initiative=initiative,
        kind="quarter",
        start=cycle.period_start,
        entry=entry,
        actor=viewer.user_id,
        source="report",
        origin=f"review {cycle.quarter}",
    )
    first = request.version == 0
    behalf = _reporting_for(session, viewer, request, initiative)
    if behalf is not None:
        record_on_behalf(
            session, initiative=initiative, actor=viewer.user_id, owner=behalf, period=cycle.quarter
        )
    request.status, request.submitted_by, request.submitted_at = (
        RequestStatus.SUBMITTED,
        viewer.user_id,
        now,
    )
    request.on_behalf_of = behalf
    request.version += 1
    request.no_report = False
    request.notes, request.owner_recommendation = entry.note, owner_recommendation
    result = recommendation_for(session, initiative=initiative, cycle=cycle)
    request.recommendation, request.rule = result.recommendation, result.rule
    audit.record(
        session,
        actor=viewer.user_id,
        action="review.submit",
        entity="review_request",
        entity_id=request.id,
        after={
            "version": request.version,
            "costs": {k: str(v) for k, v in entry.costs.items()},
            "outcomes": entry.outcomes,
            "recommendation": request.recommendation,
            "rule": request.rule,
            **({"reported_by": viewer.user_id, "on_behalf_of": behalf} if behalf else {}),
        },
    )
    send_card(session, cycle, request, now=now, first=first)
    refresh_prompt(session, cycle, request.assignee_id, f"{request.id}:v{request.version}", now=now)
    # The one who reported hears it is in; so does the owner an admin reported for.
    for target in (viewer.user_id, *([behalf] if behalf else [])):
        suffix = "" if target == viewer.user_id else f":{target}"
        outbox.enqueue(
            session,
            key=key(cycle.quarter, "submitted", request.id, f"v{request.version}{suffix}"),
            kind=SUBMITTED,
            target=target,
            params={"request_id": request.id, "version": request.version},
            now=now,
        )
    return request


def _reporting_for(
    session: Session, viewer: Viewer, request: ReviewRequest, initiative: Initiative
) -> str | None:
    """Whom an admin reports for (the one asked), or None when the one asked (or the
    owner, or a delegate) reports."""
    if viewer.user_id == request.assignee_id:
        return None
    if on_behalf_of(session, viewer=viewer, initiative=initiative) is None:
        return None
    return request.assignee_id


def send_card(
    session: Session,
    cycle: ReviewCycle,
    request: ReviewRequest,
    *,
    now: datetime,
    first: bool = True,
    suffix: str = "",
) -> None:
    """The review card in the governance channel: posted once, then edited in place."""
    channel = ws.get(session, "governance_channel")
    if not channel:
        return
    card = key(cycle.quarter, "card", request.id)
    if first and outbox.by_key(session, card) is None:
        outbox.enqueue(
            session, key=card, kind=CARD, target=channel, params={"request_id": request.id}, now=now
        )
    else:
        outbox.enqueue(
            session,
            key=f"{card}:{suffix or f'v{request.version}'}",
            kind=CARD,
            target=channel,
            params={"request_id": request.id},
            update_key=card,
            now=now,
        )


def refresh_prompt(
    session: Session, cycle: ReviewCycle, assignee: str, suffix: str, *, now: datetime
) -> None:
    """Edit the assignee's prompt so its lines show what is reported and decided."""
    prompt = key(cycle.quarter, "prompt", assignee)
    if outbox.by_key(session, prompt) is not None:
        outbox.enqueue(
            session,
            key=f"{prompt}:after:{suffix}",
            kind=PROMPT,
            target=assignee,
            update_key=prompt,
            params={"cycle_id": cycle.id, "assignee": assignee},
            now=now,
        )


def recommendation_for(
    session: Session, *, initiative: Initiative, cycle: ReviewCycle
) -> rules.Recommendation:
    quarter = ws.calendar(session).quarter_of(cycle.period_start)
    now_figures = figures.summarize(session, initiative=initiative, period=quarter)
    before = figures.summarize(session, initiative=initiative, period=quarter.previous())
    outcomes = now_figures.outcomes.count if now_figures.outcomes.has_data else None
    facts = rules.Facts(
        stage=initiative.stage,
        outcomes=outcomes,
        value_per_ai_dollar=now_figures.value_per_ai_dollar,
        previous_value_per_ai_dollar=before.value_per_ai_dollar,
        spend_micros=now_figures.spend.total_micros,
        budget_micros=rules.quarter_budget(initiative.budget_micros, initiative.budget_period),
        monthly_outcomes=(outcomes / 3) if outcomes is not None else None,
        min_monthly_outcomes=initiative.min_monthly_outcomes,
    )
    thresholds = rules.Thresholds(
        Decimal(ws.get(session, "rule_kill_below")), Decimal(ws.get(session, "rule_scale_at"))
    )
    return rules.recommend(facts, thresholds)


def decide(
    session: Session,
    *,
    request_id: int,
    viewer: Viewer,
    decision: str,
    rationale: str,
    now: datetime,
) -> ReviewRequest:
    """A leader's decision: kill retires the initiative, scale moves a pilot to production."""
    if not may_decide(viewer):
        raise Forbidden(action="decide")
    if decision not in DECISIONS:
        raise Invalid(
            {"decision": Problem("bad_choice", {"value": decision, "allowed": DECISIONS})}
        )
    request, cycle, initiative = get_request(session, request_id)
    if request.status == RequestStatus.DECIDED:
        raise Conflict(reason="decided")
    request.status, request.decision, request.decided_by, request.decided_at = (
        RequestStatus.DECIDED,
        decision,
        viewer.user_id,
        now,
    )
    request.rationale = rationale.strip()[:3000]
    before_stage = initiative.stage
    if decision == Decision.KILL:
        initiative.stage = Stage.RETIRED
    elif decision == Decision.SCALE and initiative.stage == Stage.PILOT:
        initiative.stage = Stage.PRODUCTION
    audit.record(
        session,
        actor=viewer.user_id,
        action="review.decide",
        entity="review_request",
        entity_id=request.id,
        after={"decision": decision, "rationale": request.rationale},
    )
    if initiative.stage != before_stage:
        audit.record(
            session,
            actor=viewer.user_id,
            action="initiative.edit",
            entity="initiative",
            entity_id=initiative.id,
            before={"stage": before_stage},
            after={"stage": initiative.stage},
            source="review",
        )
    send_card(session, cycle, request, now=now, first=False, suffix="decided")
    refresh_prompt(session, cycle, request.assignee_id, f"{request.id}:decided", now=now)
    outbox.enqueue(
        session,
        key=key(cycle.quarter, "decision", request.id),
        kind=DECIDED,
        target=initiative.owner_id,
        params={"request_id": request.id},
        now=now,
    )
    session.flush()
    if all(
        r.status == RequestStatus.DECIDED
        for r in session.exec(select(ReviewRequest).where(ReviewRequest.cycle_id == cycle.id))
    ):
        close(session, cycle=cycle, now=now, actor=viewer.user_id)
    return request


def close(session: Session, *, cycle: ReviewCycle, now: datetime, actor: str) -> None:
    """End the cycle and send the portfolio report to the leadership channel (once)."""
    if cycle.status == CycleStatus.CLOSED:
        return
    cycle.status, cycle.closed_at = CycleStatus.CLOSED, now
    audit.record(
        session, actor=actor, action="cycle.close", entity="cycle", entity_id=cycle.quarter
    )
    channel = ws.get(session, "leadership_channel")
    if channel:
        summary = key(cycle.quarter, "report")
        outbox.enqueue(
            session,
            key=summary,
            kind=REPORT,
            target=channel,
            params={"cycle_id": cycle.id},
            now=now,
        )
        for part in ("chart", "markdown"):
            outbox.enqueue(
                session,
                key=f"{summary}:{part}",
                kind=REPORT_FILE,
                target=channel,
                thread_key=summary,
                params={"cycle_id": cycle.id, "part": part},
                now=now,
            )


def open_requests_for(
    session: Session, *, cycle_id: int, assignee: str
) -> list[tuple[ReviewRequest, Initiative]]:
    query = (
        select(ReviewRequest, Initiative)
        .join(Initiative, Initiative.id == ReviewRequest.initiative_id)
        .where(ReviewRequest.cycle_id == cycle_id, ReviewRequest.assignee_id == assignee)
        .order_by(Initiative.name_key)
    )
    return list(session.exec(query))


def current_cycle(session: Session) -> ReviewCycle | None:
    """The open quarterly cycle, else the most recent one."""
    query = (
        select(ReviewCycle)
        .where(ReviewCycle.kind == "quarterly")
        .order_by(col(ReviewCycle.status) == CycleStatus.CLOSED, col(ReviewCycle.opened_at).desc())
    )
    return session.exec(query).first()


def cycle_of(session: Session, *, first: date, last: date) -> ReviewCycle | None:
    """The latest quarterly cycle reviewing a quarter that starts within first..last."""
    query = (
        select(ReviewCycle)
        .where(
            ReviewCycle.kind == "quarterly",
            col(ReviewCycle.period_start) >= first,
            col(ReviewCycle.period_start) <= last,
        )
        .order_by(col(ReviewCycle.period_start).desc())
    )
    return session.exec(query).first()


@dataclass(frozen=True)
class ReportForm:
    """What the report modal shows for one request."""

    request: ReviewRequest
    initiative: Initiative
    period: str  # "Q3 2026, Jul 1 – Sep 30, 2026"
    values: dict[str, str]  # the inputs' starting text
    hints: dict[str, str]  # last quarter's figures, shown under the inputs
    billed: bool  # whether the costs start from what was billed


def report_form(session: Session, *, request_id: int, viewer: Viewer) -> ReportForm:
    """The first report starts from the quarter's billed costs, an amendment from what
    was reported; last quarter's report is the hint (Forbidden or Conflict as `open_request`)."""
    request, cycle, initiative = open_request(session, request_id, viewer)
    quarter = ws.calendar(session).quarter_of(cycle.period_start)
    iid = initiative.id or 0
    billed = billed_values(session, initiative_id=iid, period=quarter)
    entered = entered_values(session, initiative_id=iid, kind="quarter", start=quarter.first_day)
    hints = entered_values(
        session, initiative_id=iid, kind="quarter", start=quarter.previous().first_day
    )
    values = entered if request.version else billed
    return ReportForm(request, initiative, quarter.describe(), values, hints, bool(billed))


def to_decide(
    session: Session, *, request_id: int, viewer: Viewer
) -> tuple[ReviewRequest, Initiative]:
    """The request a leader is about to decide (Forbidden for anyone `may_decide` refuses:
    admins too, who configure but do not decide)."""
    if not may_decide(viewer):
        raise Forbidden(action="decide")
    request, _cycle, initiative = get_request(session, request_id)
    return request, initiative
