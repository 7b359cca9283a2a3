"""Every table, in one place.

Money is stored as integer micro-units of the workspace currency (1 USD = 1,000,000):
exact on SQLite (whose NUMERIC is a float) and PostgreSQL alike, and fine enough for
sub-cent unit prices. Timestamps are timezone-aware UTC (SQLModel's UTCDateTime).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class Stage(StrEnum):
    PILOT = "pilot"
    PRODUCTION = "production"
    PAUSED = "paused"
    RETIRED = "retired"


STAGES = tuple(Stage)
BUDGET_PERIODS = ("month", "quarter", "year")


def utcnow() -> datetime:
    """Aware UTC now, the one form every timestamp column holds."""
    return datetime.now(UTC)


def _money(**kwargs: Any) -> Any:
    return Field(default=None, sa_column=Column(BigInteger, nullable=True), **kwargs)


class Initiative(SQLModel, table=True):
    """One AI initiative in the inventory."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    # casefolded, whitespace-collapsed name: uniqueness is case-insensitive.
    name_key: str = Field(max_length=120, unique=True)
    description: str = Field(default="", max_length=2000)
    department: str = Field(max_length=80, index=True)
    cost_center: str = Field(default="", max_length=80)
    owner_id: str = Field(max_length=32, index=True)
    stage: str = Field(default=Stage.PILOT, max_length=16, index=True)
    use_case: str = Field(default="", max_length=200)
    provider: str = Field(default="", max_length=80)
    model: str = Field(default="", max_length=80)
    launched_on: date | None = None
    budget_micros: int | None = _money()
    budget_period: str | None = Field(default=None, max_length=8)
    outcome_unit: str = Field(default="", max_length=80)
    value_per_outcome_micros: int | None = _money()
    baseline_cost_per_outcome_micros: int | None = _money()
    target_cost_per_outcome_micros: int | None = _money()
    min_monthly_outcomes: int | None = None
    # per-initiative budget alert thresholds ("50,90,100"); None: the workspace's
    alert_thresholds: str | None = Field(default=None, max_length=60)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Delegate(SQLModel, table=True):
    """A person who may act for an initiative's owner."""

    initiative_id: int = Field(foreign_key="initiative.id", primary_key=True, ondelete="CASCADE")
    user_id: str = Field(max_length=32, primary_key=True, index=True)


class Person(SQLModel, table=True):
    """What the bot knows of a workspace user (cached from users.info)."""

    user_id: str = Field(primary_key=True, max_length=32)
    name: str = Field(default="", max_length=120)
    real_name: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=254, index=True)
    tz: str | None = Field(default=None, max_length=64)
    deactivated: bool = False
    # "I'm away until": no review reminders before then
    away_until: date | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class Setting(SQLModel, table=True):
    """A workspace setting changed at run time (defaults live in code)."""

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=4000)
    updated_by: str = Field(max_length=32)
    updated_at: datetime = Field(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """Append-only: who changed what, with the values before and after."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=40)
    entity: str = Field(max_length=40)
    entity_id: str = Field(max_length=120)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    source: str = Field(default="slack", max_length=40)


class SlackEvent(SQLModel, table=True):
    """Event ids already handled: Slack redelivers events, Bolt does not dedupe."""

    __tablename__ = "slack_event"
    __table_args__ = (UniqueConstraint("event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=64)
    received_at: datetime = Field(default_factory=utcnow, index=True)


CATEGORIES = ("inference", "data", "oversight", "maintenance", "infrastructure", "other")
PERIOD_KINDS = ("month", "quarter")
# Where a figure came from. Billing imports win over everything reported by people.
COST_SOURCES = ("billing", "report", "manual", "import")


class CostRecord(SQLModel, table=True):
    """One cost figure: a billing line, or a figure someone reported for a period.

    `source_key` makes every write idempotent: a billing line's key is the identity of
    its row in the export, a reported figure's key is (initiative, category, period), so
    reporting again replaces the figure (the audit log keeps every version).
    """

    __tablename__ = "cost_record"
    __table_args__ = (
        UniqueConstraint("source_key"),
        Index("ix_cost_initiative_period", "initiative_id", "period_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", ondelete="CASCADE")
    category: str = Field(max_length=16)
    period_kind: str = Field(max_length=8)
    period_start: date
    amount_micros: int = Field(sa_column=Column(BigInteger, nullable=False))
    source: str = Field(max_length=16)
    source_key: str = Field(max_length=200)
    origin: str = Field(default="", max_length=300)
    note: str = Field(default="", max_length=500)
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = Field(default_factory=utcnow)


class MonthlyCost(SQLModel, table=True):
    """The figure that counts per (initiative, category, month), kept current on write.

    Billing first, then a figure reported for the month, then a third of a figure
    reported for the fiscal quarter. Every spend answer sums this table, so nothing is
    counted twice and large portfolios stay fast.
    """

    __tablename__ = "monthly_cost"
    # Covers every spend read (no table lookups), in the order answers group by (month,
    # category, basis, sources), so the database sums as it reads and sorts nothing.
    __table_args__ = (
        Index(
            "ix_monthly_cost_cover",
            "month",
            "category",
            "basis",
            "sources",
            "initiative_id",
            "amount_micros",
            "billed_micros",
            "reported_micros",
        ),
    )

    initiative_id: int = Field(foreign_key="initiative.id", primary_key=True, ondelete="CASCADE")
    category: str = Field(max_length=16, primary_key=True)
    month: date = Field(primary_key=True)
    amount_micros: int = Field(sa_column=Column(BigInteger, nullable=False))
    # billing | reported | prorated
    basis: str = Field(max_length=16)
    # the COST_SOURCES behind the figure, comma-separated
    sources: str = Field(max_length=60)
    billed_micros: int | None = _money()
    reported_micros: int | None = _money()


class OutcomeRecord(SQLModel, table=True):
    """Outcomes an owner reported for a month or a fiscal quarter (latest report wins)."""

    __tablename__ = "outcome_record"
    __table_args__ = (
        UniqueConstraint("source_key"),
        Index("ix_outcome_initiative_period", "initiative_id", "period_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", ondelete="CASCADE")
    period_kind: str = Field(max_length=8)
    period_start: date
    outcomes: int = Field(sa_column=Column(BigInteger, nullable=False))
    # the value the owner put on these outcomes; None means outcomes x value per outcome
    value_micros: int | None = _money()
    source: str = Field(max_length=16)
    source_key: str = Field(max_length=200)
    origin: str = Field(default="", max_length=300)
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = Field(default_factory=utcnow)


class FocusRule(SQLModel, table=True):
    """Maps FOCUS billing rows to an initiative (and a cost category)."""

    __tablename__ = "focus_rule"

    id: int | None = Field(default=None, primary_key=True)
    # tag | service | subaccount | resource_prefix
    match: str = Field(max_length=20)
    key: str = Field(default="", max_length=200)
    value: str = Field(max_length=500)
    initiative_id: int = Field(foreign_key="initiative.id", ondelete="CASCADE")
    category: str = Field(default="inference", max_length=16)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"


OUTBOX_STATUSES = tuple(OutboxStatus)


class OutboxMessage(SQLModel, table=True):
    """A message the bot intends to send, written in the same transaction as the change
    that calls for it. `dedupe_key` makes the intent unique; the sender claims rows with
    a lease, so several processes never send the same row twice."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key"),
        Index("ix_outbox_due", "status", "available_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200)
    # what to render at send time (bot.outbox.sender has one renderer per kind)
    kind: str = Field(max_length=60)
    # a user id (a DM), a channel id, or a setting name such as "governance_channel"
    target: str = Field(max_length=64)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # post as a reply in the thread of the message sent under this key
    thread_key: str | None = Field(default=None, max_length=200)
    # edit the message sent under this key instead of posting a new one
    update_key: str | None = Field(default=None, max_length=200)
    status: str = Field(default=OutboxStatus.PENDING, max_length=10)
    attempts: int = 0
    available_at: datetime = Field(default_factory=utcnow)
    # When it was first due: `available_at` moves with every retry, this does not, so
    # the give-up deadline (24 h) and the backlog's age count from here.
    due_at: datetime | None = None
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
    channel: str | None = Field(default=None, max_length=32)
    ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class Lease(SQLModel, table=True):
    """A named lease: one process at a time holds it (e.g. the scheduler's)."""

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=64)
    expires_at: datetime


class Decision(StrEnum):
    """What a leader decides in a review (and what the rules recommend)."""

    CONTINUE = "continue"
    SCALE = "scale"
    FIX = "fix"
    KILL = "kill"


DECISIONS = tuple(Decision)


class CycleStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class RequestStatus(StrEnum):
    PENDING = "pending"
    SUBMITTED = "submitted"
    DECIDED = "decided"


REQUEST_STATUSES = tuple(RequestStatus)


class ReviewCycle(SQLModel, table=True):
    """One quarterly continue-or-kill review, of one fiscal quarter."""

    __tablename__ = "review_cycle"
    __table_args__ = (UniqueConstraint("quarter"),)

    id: int | None = Field(default=None, primary_key=True)
    quarter: str = Field(max_length=16)  # 2026Q3 (fiscal); off-cycle: 2026Q4-off
    # quarterly | off_cycle (opened from a budget alert for one initiative)
    kind: str = Field(default="quarterly", max_length=10)
    period_start: date
    period_end: date
    status: str = Field(default=CycleStatus.OPEN, max_length=10)
    opened_by: str = Field(max_length=64)
    opened_at: datetime
    deadline_at: datetime
    escalated_at: datetime | None = None
    closed_at: datetime | None = None


class ReviewRequest(SQLModel, table=True):
    """One initiative's review within a cycle: the ask, the answer, the decision."""

    __tablename__ = "review_request"
    __table_args__ = (UniqueConstraint("cycle_id", "initiative_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="review_cycle.id", ondelete="CASCADE", index=True)
    initiative_id: int = Field(foreign_key="initiative.id", ondelete="CASCADE", index=True)
    # who is asked: the owner, a delegate, or (owner gone) the department's leader
    assignee_id: str = Field(max_length=32, index=True)
    status: str = Field(default=RequestStatus.PENDING, max_length=10)
    no_report: bool = False
    snoozed_until: datetime | None = None
    reminders_sent: int = 0
    last_contact_at: datetime | None = None
    submitted_by: str | None = Field(default=None, max_length=32)
    # who was asked (the owner) when an admin reported for them; None when they did
    on_behalf_of: str | None = Field(default=None, max_length=32)
    submitted_at: datetime | None = None
    version: int = 0
    owner_recommendation: str | None = Field(default=None, max_length=10)
    notes: str = Field(default="", max_length=3000)
    recommendation: str | None = Field(default=None, max_length=10)
    rule: str | None = Field(default=None, max_length=40)
    decision: str | None = Field(default=None, max_length=10)
    decided_by: str | None = Field(default=None, max_length=32)
    decided_at: datetime | None = None
    rationale: str = Field(default="", max_length=3000)


class JobRun(SQLModel, table=True):
    """When a scheduled check last ran, so a run missed while down happens once on return."""

    __tablename__ = "job_run"

    name: str = Field(primary_key=True, max_length=64)
    last_run_at: datetime


ALERT_KINDS = ("threshold", "forecast", "spike", "stale")


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


ALERT_STATUSES = tuple(AlertStatus)


class DepartmentBudget(SQLModel, table=True):
    """An optional budget for a whole department."""

    __tablename__ = "department_budget"

    department_key: str = Field(primary_key=True, max_length=80)  # casefolded
    department: str = Field(max_length=80)
    budget_micros: int = Field(sa_column=Column(BigInteger, nullable=False))
    budget_period: str = Field(max_length=8)
    updated_by: str = Field(max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)


class Alert(SQLModel, table=True):
    """One budget alert: fires once per (scope, period, kind, threshold), whatever the
    number of checks, restarts or replicas; its state lives here."""

    __table_args__ = (
        UniqueConstraint("scope_key", "period_key", "kind", "threshold"),
        Index("ix_alert_status", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    scope_key: str = Field(max_length=100)  # initiative:12 | department:marketing
    initiative_id: int | None = Field(
        default=None, foreign_key="initiative.id", ondelete="CASCADE", index=True
    )
    department: str | None = Field(default=None, max_length=80)
    kind: str = Field(max_length=12)
    period_key: str = Field(max_length=24)  # 2026-09 | 2026Q3 | FY2026 | since:2026-09-03
    threshold: int = 0
    status: str = Field(default=AlertStatus.OPEN, max_length=12)
    # the figures the alert was raised with (money as integer micro-units)
    facts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    acknowledged_by: str | None = Field(default=None, max_length=32)
    acknowledged_at: datetime | None = None
    snoozed_until: datetime | None = None
    resolved_at: datetime | None = None
    resolved_reason: str | None = Field(default=None, max_length=40)
