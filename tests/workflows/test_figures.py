"""The figures engine on a real database: precedence, proration, derived measures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from storage.db import Database
from storage.models import AuditEntry, Initiative, MonthlyCost
from workflows.core.periods import FiscalCalendar
from workflows.figures import figures
from workflows.figures.costs import (
    BillingLine,
    Figure,
    record_billing,
    record_outcomes,
    record_reported,
)
from workflows.figures.figures import Scope
from workflows.inventory import inventory

JUL, AUG, SEP = date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)


def _initiative(db: Database, name: str, department: str = "Support", **extra: str) -> int:
    raw = {"name": name, "department": department, "owner": "U0OWNER", "stage": "pilot", **extra}
    with db.write() as s:
        return inventory.register(s, raw=raw, actor="test", resolve_user=lambda u: u).id  # type: ignore[return-value]


def _billing(
    key: str, iid: int, month: date, dollars: str, category: str = "inference"
) -> BillingLine:
    micros = int(Decimal(dollars) * 1_000_000)
    return BillingLine(
        key=key, initiative_id=iid, category=category, month=month, amount_micros=micros, origin="t"
    )


def test_billing_wins_over_reported_per_category_and_month(db: Database) -> None:
    iid = _initiative(db, "Support Bot")
    with db.write() as s:
        record_reported(
            s,
            [Figure(iid, "inference", "month", JUL, Decimal("900"))],
            source="report",
            actor="U0OWNER",
        )
        record_reported(
            s,
            [Figure(iid, "oversight", "month", JUL, Decimal("300"))],
            source="report",
            actor="U0OWNER",
        )
        record_billing(
            s,
            [_billing("a", iid, JUL, "1000.25"), _billing("b", iid, JUL, "0.000001")],
            actor="import",
        )
    with db.read() as s:
        total = figures.spend(s, scope=Scope(), first=JUL, last=JUL)
        rows = {r.category: r for r in s.exec(select(MonthlyCost))}
    # inference: billing (1000.250001) replaces the reported 900; oversight stays reported.
    assert total.total == Decimal("1300.250001")
    assert total.by_category == {"inference": 1_000_250_001, "oversight": 300_000_000}
    assert total.bases == {"billing", "reported"} and total.sources == {"billing", "report"}
    assert rows["inference"].reported_micros == 900_000_000  # kept for the reported-vs-billed gap


def test_a_quarter_figure_counts_a_third_per_month_and_adds_up(db: Database) -> None:
    iid = _initiative(db, "Doc Reader")
    with db.write() as s:
        record_reported(
            s, [Figure(iid, "data", "quarter", JUL, Decimal("100.00"))], source="report", actor="x"
        )
        record_billing(s, [_billing("k1", iid, AUG, "50", category="data")], actor="import")
    with db.read() as s:
        jul = figures.spend(s, scope=Scope(), first=JUL, last=JUL)
        aug = figures.spend(s, scope=Scope(), first=AUG, last=AUG)
        quarter = figures.spend(s, scope=Scope(), first=JUL, last=SEP)
    assert jul.total == Decimal("33.333334") and jul.bases == {"prorated"}
    assert aug.total == Decimal("50") and aug.bases == {"billing"}
    assert quarter.total == Decimal("33.333334") + Decimal("50") + Decimal("33.333333")


def test_reporting_again_replaces_and_is_audited_and_idempotent(db: Database) -> None:
    iid = _initiative(db, "Copy Writer", department="Marketing")
    figure = Figure(iid, "inference", "month", SEP, Decimal("10"))
    with db.write() as s:
        assert record_reported(s, [figure], source="report", actor="a") == 1
    with db.write() as s:
        assert record_reported(s, [figure], source="report", actor="a") == 0
    with db.write() as s:
        record_reported(
            s, [Figure(iid, "inference", "month", SEP, Decimal("12"))], source="manual", actor="b"
        )
    with db.read() as s:
        assert figures.spend(s, scope=Scope(), first=SEP, last=SEP).total == Decimal("12")
        entries = s.exec(select(AuditEntry).where(AuditEntry.action == "cost.report")).all()
    assert [e.after["amount_micros"] for e in entries] == [10_000_000, 12_000_000]


def test_billing_lines_are_deduplicated_by_row_identity(db: Database) -> None:
    iid = _initiative(db, "Search")
    lines = [_billing("row-1", iid, JUL, "5"), _billing("row-2", iid, JUL, "7")]
    with db.write() as s:
        assert record_billing(s, lines, actor="import") == 2
    with db.write() as s:  # an overlapping later export repeats row-2 and adds row-3
        assert record_billing(s, [lines[1], _billing("row-3", iid, JUL, "1")], actor="import") == 1
    with db.read() as s:
        assert figures.spend(s, scope=Scope(), first=JUL, last=JUL).total == Decimal("13")


def test_spend_by_department_and_scope_filters(db: Database) -> None:
    a = _initiative(db, "A", department="Support", provider="OpenAI")
    b = _initiative(db, "B", department="Marketing", provider="Anthropic")
    with db.write() as s:
        record_reported(
            s,
            [
                Figure(a, "inference", "month", JUL, Decimal("1")),
                Figure(b, "inference", "month", JUL, Decimal("2")),
            ],
            source="import",
            actor="x",
        )
    with db.read() as s:
        by_dept = figures.spend_by(s, scope=Scope(), first=JUL, last=SEP, group="department")
        openai = figures.spend(s, scope=Scope(provider="openai"), first=JUL, last=SEP)
    assert {k: v.total for k, v in by_dept.items()} == {
        "Support": Decimal(1),
        "Marketing": Decimal(2),
    }
    assert openai.total == Decimal(1)


def test_outcomes_and_derived_measures(db: Database) -> None:
    iid = _initiative(db, "Tickets", value_per_outcome="4.50", baseline_cost_per_outcome="6")
    with db.write() as s:
        record_reported(
            s,
            [Figure(iid, "inference", "quarter", JUL, Decimal("3000"))],
            source="report",
            actor="o",
        )
        record_outcomes(
            s,
            initiative_id=iid,
            kind="quarter",
            start=JUL,
            outcomes=1500,
            value=None,
            source="report",
            actor="o",
        )
    with db.read() as s:
        cost = figures.spend(s, scope=Scope(initiative_ids=(iid,)), first=JUL, last=SEP)
        out = figures.outcomes(s, initiative_ids=[iid], first=JUL, last=SEP)[iid]
        one_month = figures.outcomes(s, initiative_ids=[iid], first=AUG, last=AUG)[iid]
    assert out.count == 1500 and out.value_micros == 6750 * 1_000_000
    assert one_month.count == 500 and one_month.prorated
    assert figures.cost_per_outcome(cost.total_micros, out.count) == Decimal(2)
    assert figures.value_per_ai_dollar(out.value_micros, cost.total_micros) == Decimal("2.25")
    assert figures.roi(out.value_micros, cost.total_micros) == Decimal("1.25")
    assert figures.savings(6_000_000, cost.total_micros, out.count) == Decimal(6000)


@pytest.mark.parametrize(
    ("cost", "count", "expected"),
    [(1_000_000, Decimal(0), None), (0, Decimal(5), Decimal(0))],
)
def test_no_outcomes_is_an_answer_not_an_error(
    cost: int, count: Decimal, expected: Decimal | None
) -> None:
    assert figures.cost_per_outcome(cost, count) == expected
    assert figures.value_per_ai_dollar(5, 0) is None and figures.roi(5, 0) is None


def test_projected_annual_cost_matches_the_seed_example() -> None:
    assert figures.projected_annual_cost(Decimal("0.002"), per_day=Decimal(200_000)) == Decimal(
        146_000
    )


def test_the_reported_vs_billed_gap_counts_only_where_both_cover_the_same_cell(
    db: Database,
) -> None:
    iid = _initiative(db, "Gap")
    with db.write() as s:
        record_billing(s, [_billing("g1", iid, JUL, "100")], actor="import")
        record_reported(
            s, [Figure(iid, "oversight", "month", JUL, Decimal("50"))], source="report", actor="o"
        )
    with db.read() as s:
        quarter = FiscalCalendar(1).quarter(2026, 3)
        initiative = s.get(Initiative, iid)
        assert figures.summarize(s, initiative=initiative, period=quarter).gap_micros is None
    with db.write() as s:  # now a reported inference figure overlaps the billed one
        record_reported(
            s, [Figure(iid, "inference", "month", JUL, Decimal("90"))], source="report", actor="o"
        )
    with db.read() as s:
        initiative = s.get(Initiative, iid)
        assert figures.summarize(s, initiative=initiative, period=quarter).gap_micros == -10_000_000


def test_thirds_of_a_quarter_value_add_back_up(db: Database) -> None:
    iid = _initiative(db, "Thirds", value_per_outcome="1")
    with db.write() as s:
        record_outcomes(
            s,
            initiative_id=iid,
            kind="quarter",
            start=JUL,
            outcomes=10,
            value=None,
            source="report",
            actor="o",
        )
    with db.read() as s:
        whole = figures.outcomes(s, initiative_ids=[iid], first=JUL, last=SEP)[iid]
        parts = [
            figures.outcomes(s, initiative_ids=[iid], first=m, last=m)[iid] for m in (JUL, AUG, SEP)
        ]
    assert whole.value_micros == 10_000_000 and whole.count == 10
    assert sum(p.value_micros for p in parts) == 10_000_000
