"""A fixture portfolio with round numbers, for the answer-level evaluation set.

Seven initiatives in five departments, with monthly and quarterly cost figures from Jan 2025
to Nov 2026 (some billing lines overriding reported figures, some quarter figures prorated),
monthly and quarterly outcomes, and a review cycle of Q3 2026 with some reports missing.
Every figure is listed below so tests/answers_eval.yaml can compute its answers by hand.

Effective spend per month (what counts: billing, else a monthly report, else a third of a
quarter report; the first month of a quarter takes the remainder of the thirds):

  Customer Support Assistant (CSA)  Support / CC-100 / OpenAI gpt-4o / production
      2025 every month        3,000  inference reported monthly (import)
      2026 Jan-Jun            5,000  inference 4,000 + oversight 1,000 (import)
      2026 Jul-Nov            5,500  inference billed 4,500 (two lines 3,000 + 1,500, over a
                                     reported 4,000) + oversight 1,000 (import)
      budget 6,000 a month; value $6.60 and baseline $8 per ticket resolved
      tickets: 2025 1,000 a month; 2026 Jan-Jun 1,250 a month; Jul 625, Aug 1,375,
      Sep 1,000, Oct 1,100 (monthly)

  Invoice Extraction (INV)  Finance / CC-200 / Anthropic claude-sonnet / production
      delegate U0DELEGATE
      2025 every quarter      9,000  inference reported per quarter (3,000 a month)
      2026 Q1 12,000 (4,000/month), Q2 15,000 (5,000/month), Q3 18,000 (6,000/month)
      2026 Aug inference billed 7,000 (over the quarter's third of 6,000)
      2026 Sep data billed 2,000
      -> Jul 6,000, Aug 7,000, Sep 8,000; Q3 21,000
      2026 Oct 6,000, Nov 6,000 inference reported monthly (manual)
      budget 30,000 a quarter; value $3 and baseline $2.50 per invoice processed
      invoices: 2025 6,000 every quarter; 2026 Q1 8,000, Q2 10,000, Q3 10,500 (quarterly);
      Oct 3,000 (monthly)

  Expense Auditor (EXP)  Finance / CC-200 / Google gemini-pro / pilot
      2026 Q2 inference 10,000 reported per quarter (import): Apr 3,333.333334,
      May 3,333.333333, Jun 3,333.333333
      2026 Jul-Nov            5,000  inference 4,000 (manual) + infrastructure billed 1,000
      budget 9,000 a quarter; value $12 per expense report checked; no baseline
      reports checked: Q2 900 (quarterly: 300 a month); Q3 1,800 (quarterly) with Sep's own
      figure 300 (so Jul 600, Aug 600, Sep 300 = 1,500); Oct 500 (monthly)

  Campaign Copy Writer (COPY)  Marketing / CC-300 / Anthropic claude-haiku / pilot
      2025 Jul-Dec            1,000  inference (import)
      2026 Jan-Sep            2,000  inference 1,500 + data 500 (import)
      2026 Oct-Nov            2,500  inference billed 2,000 (over a reported 1,500) + data 500
      budget 2,000 a month; value $150 and baseline $250 per campaign brief
      briefs: Jul 20, Aug 20, Sep 20 (Sep valued by the owner at $3,450 instead of 20 x 150)

  Contract Review (CON)  Legal / CC-200 / OpenAI gpt-4o / production
      2025 every month        5,000  inference 2,000 + oversight 3,000 (import)
      2026 Jan-Nov            6,000  inference 2,000 + oversight 4,000 (import)
      budget 60,000 a year; value $400 and baseline $500 per contract reviewed
      contracts: 2025 60 every quarter; 2026 Q1 60, Q2 75 (quarterly); Q3 90 (submitted
      through the Q3 2026 review)

  HR Policy Bot (HR)  HR / CC-300 / Google gemini-pro / paused
      2025 every month, 2026 Jan-Jun   500  inference (import); nothing since July 2026
      budget 1,000 a month; value $4 per question answered; no baseline
      questions: 2026 Jan-Jun 250 a month

  Legacy Chatbot (LEG)  Support / CC-100 / OpenAI gpt-4o / retired
      2025 Jan-Jun              800  inference (import)
      budget 1,000 a month; no outcomes

Use cases: Customer service (CSA, LEG), Document processing (INV, EXP, CON), Content
generation (COPY), Employee questions (HR).

Review cycle Q3 2026, opened 2026-10-05: CSA and INV marked submitted, CON submitted through
`review.submit`; COPY, EXP and HR pending (HR flagged as not reporting).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import Session, select

from storage.models import ReviewRequest
from workflows.core.access import Viewer
from workflows.core.periods import FiscalCalendar
from workflows.figures.costs import (
    BillingLine,
    Figure,
    record_billing,
    record_outcomes,
    record_reported,
)
from workflows.figures.entries import EnteredFigures
from workflows.inventory import inventory
from workflows.reviews import review

TODAY = date(2026, 11, 16)
NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)

ADMIN, LEADER, MEMBER = "U0ADMIN", "U0LEADER", "U0MEMBER"
SUPPORT, FINANCE, MARKETING, LEGAL, HR = "U0SUPPORT", "U0FINANCE", "U0MARKETING", "U0LEGAL", "U0HR"
DELEGATE = "U0DELEGATE"

VIEWERS = {
    "admin": Viewer(ADMIN, is_admin=True),
    "leader": Viewer(LEADER, is_leader=True),
    "member": Viewer(MEMBER),
    "support_owner": Viewer(SUPPORT),
    "finance_owner": Viewer(FINANCE),
    "marketing_owner": Viewer(MARKETING),
    "legal_owner": Viewer(LEGAL),
    "hr_owner": Viewer(HR),
    "delegate": Viewer(DELEGATE),
}

INITIATIVES = {
    "CSA": {
        "name": "Customer Support Assistant",
        "department": "Support",
        "cost_center": "CC-100",
        "owner": SUPPORT,
        "stage": "production",
        "use_case": "Customer service",
        "provider": "OpenAI",
        "model": "gpt-4o",
        "budget_amount": "6000",
        "budget_period": "month",
        "outcome_unit": "ticket resolved",
        "value_per_outcome": "6.60",
        "baseline_cost_per_outcome": "8",
    },
    "INV": {
        "name": "Invoice Extraction",
        "department": "Finance",
        "cost_center": "CC-200",
        "owner": FINANCE,
        "stage": "production",
        "use_case": "Document processing",
        "provider": "Anthropic",
        "model": "claude-sonnet",
        "budget_amount": "30000",
        "budget_period": "quarter",
        "outcome_unit": "invoice processed",
        "value_per_outcome": "3",
        "baseline_cost_per_outcome": "2.50",
    },
    "EXP": {
        "name": "Expense Auditor",
        "department": "Finance",
        "cost_center": "CC-200",
        "owner": FINANCE,
        "stage": "pilot",
        "use_case": "Document processing",
        "provider": "Google",
        "model": "gemini-pro",
        "budget_amount": "9000",
        "budget_period": "quarter",
        "outcome_unit": "expense report checked",
        "value_per_outcome": "12",
    },
    "COPY": {
        "name": "Campaign Copy Writer",
        "department": "Marketing",
        "cost_center": "CC-300",
        "owner": MARKETING,
        "stage": "pilot",
        "use_case": "Content generation",
        "provider": "Anthropic",
        "model": "claude-haiku",
        "budget_amount": "2000",
        "budget_period": "month",
        "outcome_unit": "campaign brief",
        "value_per_outcome": "150",
        "baseline_cost_per_outcome": "250",
    },
    "CON": {
        "name": "Contract Review",
        "department": "Legal",
        "cost_center": "CC-200",
        "owner": LEGAL,
        "stage": "production",
        "use_case": "Document processing",
        "provider": "OpenAI",
        "model": "gpt-4o",
        "budget_amount": "60000",
        "budget_period": "year",
        "outcome_unit": "contract reviewed",
        "value_per_outcome": "400",
        "baseline_cost_per_outcome": "500",
    },
    "HR": {
        "name": "HR Policy Bot",
        "department": "HR",
        "cost_center": "CC-300",
        "owner": HR,
        "stage": "paused",
        "use_case": "Employee questions",
        "provider": "Google",
        "model": "gemini-pro",
        "budget_amount": "1000",
        "budget_period": "month",
        "outcome_unit": "question answered",
        "value_per_outcome": "4",
    },
    "LEG": {
        "name": "Legacy Chatbot",
        "department": "Support",
        "cost_center": "CC-100",
        "owner": SUPPORT,
        "stage": "retired",
        "use_case": "Customer service",
        "provider": "OpenAI",
        "model": "gpt-4o",
        "budget_amount": "1000",
        "budget_period": "month",
    },
}
DELEGATES = {"INV": [DELEGATE]}


def _months(year: int, first: int, last: int) -> list[date]:
    return [date(year, m, 1) for m in range(first, last + 1)]


def _quarters(year: int) -> list[date]:
    return [date(year, m, 1) for m in (1, 4, 7, 10)]


def build(session: Session) -> dict[str, int]:
    """Register the portfolio and record its figures; returns initiative ids by short name."""
    ids: dict[str, int] = {}
    for short, raw in INITIATIVES.items():
        initiative = inventory.register(
            session,
            raw=raw,
            actor="fixture",
            resolve_user=lambda u: u,
            delegates=DELEGATES.get(short, []),
        )
        ids[short] = initiative.id or 0
    _costs(session, ids)
    _outcomes(session, ids)
    _review(session, ids)
    return ids


def _report(session: Session, figures: list[Figure], source: str) -> None:
    record_reported(session, figures, source=source, actor="fixture")


def _costs(session: Session, ids: dict[str, int]) -> None:
    csa, inv, exp, copy, con, hr, leg = (
        ids[k] for k in ("CSA", "INV", "EXP", "COPY", "CON", "HR", "LEG")
    )
    d = Decimal
    month = "month"
    figures: list[Figure] = []
    # Customer Support Assistant
    figures += [Figure(csa, "inference", month, m, d(3000)) for m in _months(2025, 1, 12)]
    figures += [Figure(csa, "inference", month, m, d(4000)) for m in _months(2026, 1, 11)]
    figures += [Figure(csa, "oversight", month, m, d(1000)) for m in _months(2026, 1, 11)]
    # Campaign Copy Writer
    figures += [Figure(copy, "inference", month, m, d(1000)) for m in _months(2025, 7, 12)]
    figures += [Figure(copy, "inference", month, m, d(1500)) for m in _months(2026, 1, 11)]
    figures += [Figure(copy, "data", month, m, d(500)) for m in _months(2026, 1, 11)]
    # Contract Review
    figures += [Figure(con, "inference", month, m, d(2000)) for m in _months(2025, 1, 12)]
    figures += [Figure(con, "oversight", month, m, d(3000)) for m in _months(2025, 1, 12)]
    figures += [Figure(con, "inference", month, m, d(2000)) for m in _months(2026, 1, 11)]
    figures += [Figure(con, "oversight", month, m, d(4000)) for m in _months(2026, 1, 11)]
    # HR Policy Bot, Legacy Chatbot
    figures += [Figure(hr, "inference", month, m, d(500)) for m in _months(2025, 1, 12)]
    figures += [Figure(hr, "inference", month, m, d(500)) for m in _months(2026, 1, 6)]
    figures += [Figure(leg, "inference", month, m, d(800)) for m in _months(2025, 1, 6)]
    # Expense Auditor: a quarter figure for Q2 2026 (thirds), then monthly
    figures.append(Figure(exp, "inference", "quarter", date(2026, 4, 1), d(10000)))
    _report(session, figures, "import")

    # Invoice Extraction: quarter figures through the reviews, then monthly entries
    quarterly = [Figure(inv, "inference", "quarter", q, d(9000)) for q in _quarters(2025)]
    quarterly += [
        Figure(inv, "inference", "quarter", date(2026, 1, 1), d(12000)),
        Figure(inv, "inference", "quarter", date(2026, 4, 1), d(15000)),
        Figure(inv, "inference", "quarter", date(2026, 7, 1), d(18000)),
    ]
    _report(session, quarterly, "report")
    manual = [Figure(inv, "inference", month, m, d(6000)) for m in _months(2026, 10, 11)]
    manual += [Figure(exp, "inference", month, m, d(4000)) for m in _months(2026, 7, 11)]
    _report(session, manual, "manual")

    def line(key: str, initiative: int, category: str, day: date, dollars: int) -> BillingLine:
        return BillingLine(key, initiative, category, day, dollars * 1_000_000, "fixture.csv")

    lines = []
    for m in _months(2026, 7, 11):
        lines.append(line(f"csa-a-{m}", csa, "inference", m, 3000))
        lines.append(line(f"csa-b-{m}", csa, "inference", m, 1500))
        lines.append(line(f"exp-{m}", exp, "infrastructure", m, 1000))
    for m in _months(2026, 10, 11):
        lines.append(line(f"copy-{m}", copy, "inference", m, 2000))
    lines.append(line("inv-aug", inv, "inference", date(2026, 8, 1), 7000))
    lines.append(line("inv-sep-data", inv, "data", date(2026, 9, 1), 2000))
    record_billing(session, lines, actor="fixture", now=NOW)


def _outcome(
    session: Session, initiative: int, kind: str, start: date, count: int, value: str | None = None
) -> None:
    record_outcomes(
        session,
        initiative_id=initiative,
        kind=kind,
        start=start,
        outcomes=count,
        value=None if value is None else Decimal(value),
        source="import",
        actor="fixture",
    )


def _outcomes(session: Session, ids: dict[str, int]) -> None:
    csa, inv, exp, copy, con, hr = (ids[k] for k in ("CSA", "INV", "EXP", "COPY", "CON", "HR"))
    for m in _months(2025, 1, 12):
        _outcome(session, csa, "month", m, 1000)
    for m in _months(2026, 1, 6):
        _outcome(session, csa, "month", m, 1250)
        _outcome(session, hr, "month", m, 250)
    for m, count in zip(_months(2026, 7, 10), (625, 1375, 1000, 1100), strict=True):
        _outcome(session, csa, "month", m, count)
    for q in _quarters(2025):
        _outcome(session, inv, "quarter", q, 6000)
        _outcome(session, con, "quarter", q, 60)
    for q, count in zip(_quarters(2026)[:3], (8000, 10000, 10500), strict=True):
        _outcome(session, inv, "quarter", q, count)
    _outcome(session, inv, "month", date(2026, 10, 1), 3000)
    _outcome(session, exp, "quarter", date(2026, 4, 1), 900)
    _outcome(session, exp, "quarter", date(2026, 7, 1), 1800)
    _outcome(session, exp, "month", date(2026, 9, 1), 300)
    _outcome(session, exp, "month", date(2026, 10, 1), 500)
    _outcome(session, copy, "month", date(2026, 7, 1), 20)
    _outcome(session, copy, "month", date(2026, 8, 1), 20)
    _outcome(session, copy, "month", date(2026, 9, 1), 20, "3450")
    _outcome(session, con, "quarter", date(2026, 1, 1), 60)
    _outcome(session, con, "quarter", date(2026, 4, 1), 75)


def _review(session: Session, ids: dict[str, int]) -> None:
    """The Q3 2026 review: CSA and INV submitted, CON through `review.submit`, the rest pending."""
    opened_at = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
    opened = review.open_cycle(
        session,
        quarter=FiscalCalendar(1).quarter(2026, 3),
        now=opened_at,
        actor="fixture",
        leaders=[LEADER],
    )
    requests = {
        r.initiative_id: r
        for r in session.exec(
            select(ReviewRequest).where(ReviewRequest.cycle_id == opened.cycle.id)
        )
    }
    for short in ("CSA", "INV"):
        request = requests[ids[short]]
        request.status, request.submitted_by, request.version = "submitted", request.assignee_id, 1
        request.submitted_at = opened_at
    requests[ids["HR"]].no_report = True
    session.flush()
    review.submit(
        session,
        request_id=requests[ids["CON"]].id or 0,
        viewer=Viewer(LEGAL),
        entry=EnteredFigures(costs={}, outcomes=90, outcome_value=None, note=""),
        owner_recommendation="continue",
        now=datetime(2026, 10, 9, 10, 0, tzinfo=UTC),
    )
