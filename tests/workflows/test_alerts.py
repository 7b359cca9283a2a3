"""Budget alerts on a real database: kinds, once-only, grouping, resolution, replicas."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlmodel import select

from storage.db import Database
from storage.models import Alert, Initiative, OutboxMessage
from workflows.budgets import alerts, budgets
from workflows.core import settings as ws
from workflows.core.access import Viewer
from workflows.figures.costs import BillingLine, Figure, record_billing, record_reported
from workflows.inventory import inventory

LEADER = Viewer("U0LEAD", is_leader=True)


@pytest.mark.parametrize(
    ("first", "last", "today", "spent", "projected", "elapsed"),
    [
        (date(2026, 2, 1), date(2026, 2, 28), date(2026, 2, 14), 14_000, 28_000, 14),  # 28 days
        (date(2028, 2, 1), date(2028, 2, 29), date(2028, 2, 10), 10_000, 29_000, 10),  # leap year
        (date(2026, 4, 1), date(2026, 4, 30), date(2026, 4, 10), 10_000, 30_000, 10),  # 30 days
        (
            date(2026, 7, 1),
            date(2026, 7, 31),
            date(2026, 7, 31),
            31_000,
            31_000,
            31,
        ),  # 31, last day
        (
            date(2026, 7, 1),
            date(2026, 9, 30),
            date(2026, 8, 15),
            46_000,
            92_000,
            46,
        ),  # quarter, 92 days
        (
            date(2026, 4, 1),
            date(2027, 3, 31),
            date(2026, 4, 30),
            30_000,
            365_000,
            30,
        ),  # fiscal year
    ],
)
def test_run_rate_is_calendar_true(
    first: date, last: date, today: date, spent: int, projected: int, elapsed: int
) -> None:
    assert alerts.run_rate(spent, first=first, last=last, today=today) == (projected, elapsed)


def test_crossing_date() -> None:
    # $1,000 a day from Jul 1: a $10,000 budget is reached on Jul 10, $10,500 on Jul 11.
    assert alerts.crossing_date(10_000, 10_000, first=date(2026, 7, 1), elapsed=10) == date(
        2026, 7, 10
    )
    assert alerts.crossing_date(10_000, 10_500, first=date(2026, 7, 1), elapsed=10) == date(
        2026, 7, 11
    )
    assert alerts.crossing_date(0, 10_000, first=date(2026, 7, 1), elapsed=10) is None


def _setup(
    db: Database, *, budget: str = "10000", period: str = "quarter", stage: str = "pilot"
) -> int:
    with db.write() as s:
        ws.put(s, key="governance_channel", text="C0GOVERN", actor="t")
        raw = {
            "name": "Bot",
            "department": "Support",
            "owner": "U0OWNER",
            "stage": stage,
            "budget_amount": budget,
            "budget_period": period,
        }
        return inventory.register(s, raw=raw, actor="t", resolve_user=lambda u: u).id  # type: ignore[return-value]


def _spend(db: Database, iid: int, month: date, dollars: str, category: str = "inference") -> None:
    with db.write() as s:
        record_reported(
            s, [Figure(iid, category, "month", month, Decimal(dollars))], source="import", actor="t"
        )


def _check(db: Database, today: date) -> alerts.CheckResult:
    with db.write() as s:
        return alerts.check(s, today=today, now=datetime.combine(today, datetime.min.time(), UTC))


def _keys(db: Database) -> list[str]:
    with db.read() as s:
        return sorted(r.dedupe_key for r in s.exec(select(OutboxMessage)))


def test_thresholds_fire_once_each_and_a_new_period_starts_fresh(db: Database) -> None:
    iid = _setup(db)
    _spend(db, iid, date(2026, 7, 1), "5000")
    _spend(db, iid, date(2026, 8, 1), "4200")
    result = _check(db, date(2026, 9, 30))
    assert [(a.kind, a.threshold) for a in result.new] == [("threshold", 80)]
    facts = result.new[0].facts
    assert (facts["percent"], facts["spent"], facts["left"]) == (92, 9_200_000_000, 800_000_000)
    assert _check(db, date(2026, 9, 30)).new == []  # once
    _spend(db, iid, date(2026, 9, 1), "1000")  # now $10,200: over the budget
    assert [(a.kind, a.threshold) for a in _check(db, date(2026, 9, 30)).new] == [
        ("threshold", 100)
    ]
    # October is a new quarter: the Q3 alerts resolve, nothing new until Q4 spend arrives.
    result = _check(db, date(2026, 10, 2))
    assert result.new == [] and len(result.resolved) == 2
    _spend(db, iid, date(2026, 10, 1), "8500")
    fresh = _check(db, date(2026, 10, 2)).new  # 85% of Q4's budget; and 2.5x the months before
    assert sorted((a.kind, a.period_key) for a in fresh) == [
        ("spike", "2026-10"),
        ("threshold", "2026Q4"),
    ]


def test_forecast_says_by_how_much_and_when(db: Database) -> None:
    iid = _setup(db, budget="3000", period="month")
    _spend(db, iid, date(2026, 9, 1), "1500")  # $1,500 by Sep 10: $150 a day
    [alert] = _check(db, date(2026, 9, 10)).new
    assert alert.kind == "forecast" and alert.period_key == "2026-09"
    assert alert.facts["projected"] == 4_500_000_000 and alert.facts["over_by"] == 1_500_000_000
    assert alert.facts["crosses_on"] == "2026-09-20"


def test_raising_the_budget_resolves_what_no_longer_holds(db: Database) -> None:
    iid = _setup(db)
    _spend(db, iid, date(2026, 7, 1), "9000")
    assert len(_check(db, date(2026, 9, 30)).new) == 1
    with db.write() as s:
        initiative = s.get(Initiative, iid)
        budgets.set_initiative_budget(
            s,
            initiative=initiative,
            viewer=LEADER,
            micros=20_000_000_000,
            period="quarter",
            now=datetime(2026, 9, 30, tzinfo=UTC),
        )
    result = _check(db, date(2026, 9, 30))
    assert result.new == [] and [a.status for a in result.resolved] == ["resolved"]


def test_spike_and_stale(db: Database) -> None:
    iid = _setup(db, budget="1000000", stage="production")
    for month, dollars in ((5, "1000"), (6, "1100"), (7, "900")):
        _spend(db, iid, date(2026, month, 1), dollars)
    with db.write() as s:
        line = BillingLine("x1", iid, "inference", date(2026, 8, 1), 1_600_000_000, "focus")
        record_billing(s, [line], actor="import", now=datetime(2026, 8, 20, tzinfo=UTC))
        row = s.exec(select(Alert)).first()
    assert row is None
    with db.write() as s:
        result = alerts.check(s, today=date(2026, 8, 20), now=datetime(2026, 8, 20, tzinfo=UTC))
    [spike] = [a for a in result.new if a.kind == "spike"]
    assert spike.facts["ratio"] == "1.6" and spike.period_key == "2026-08"
    # Billing stopped: weeks after the last import the production initiative is stale.
    with db.write() as s:
        result = alerts.check(s, today=date(2026, 9, 5), now=datetime(2026, 9, 5, tzinfo=UTC))
    assert [a.kind for a in result.new] == ["stale"]


def test_one_import_is_one_message_per_recipient(db: Database) -> None:
    with db.write() as s:
        ws.put(s, key="governance_channel", text="C0GOVERN", actor="t")
        ids = [
            inventory.register(
                s,
                raw={
                    "name": n,
                    "department": "Support",
                    "owner": "U0OWNER",
                    "stage": "pilot",
                    "budget_amount": "100",
                    "budget_period": "quarter",
                },
                actor="t",
                resolve_user=lambda u: u,
            ).id
            for n in ("A", "B", "C")
        ]
        record_reported(
            s,
            [Figure(i, "inference", "month", date(2026, 7, 1), Decimal("150")) for i in ids],
            source="import",
            actor="t",
        )
    result = _check(db, date(2026, 9, 30))
    # 80% and 100% crossed at once for each of three: the 100% alert of each (the 80%
    # ones are stored, resolved as superseded, so they never fire later).
    assert [(a.threshold, a.status) for a in result.new] == [(100, "open")] * 3
    with db.read() as s:
        superseded = s.exec(select(Alert).where(Alert.threshold == 80)).all()
        assert [a.resolved_reason for a in superseded] == ["superseded"] * 3
    keys = _keys(db)
    assert len(keys) == 2 and keys[0].endswith(":U0OWNER") and keys[1].endswith(":governance")


def test_department_budgets(db: Database) -> None:
    iid = _setup(db, budget="1000000")
    with db.write() as s:
        budgets.set_department_budget(
            s,
            department="support",
            viewer=LEADER,
            micros=1_000_000_000,
            period="month",
            now=datetime(2026, 9, 1, tzinfo=UTC),
        )
    _spend(db, iid, date(2026, 9, 1), "950")
    [alert] = [a for a in _check(db, date(2026, 9, 30)).new if a.department]
    assert alert.scope_key == "department:support" and alert.threshold == 80


def test_replicas_checking_at_once_raise_each_alert_once(db: Database) -> None:
    iid = _setup(db)
    _spend(db, iid, date(2026, 7, 1), "11000")
    barrier = threading.Barrier(4)
    errors: list[Exception] = []

    def check() -> None:
        replica = Database(db.url)
        barrier.wait()
        try:
            with replica.write() as s:
                alerts.check(s, today=date(2026, 9, 30), now=datetime(2026, 9, 30, tzinfo=UTC))
        except Exception as exc:
            errors.append(exc)
        finally:
            replica.dispose()

    threads = [threading.Thread(target=check) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.read() as s:
        assert len(s.exec(select(Alert)).all()) == 2
    assert len(_keys(db)) == 2  # one DM, one governance post


def test_a_department_budget_alerts_once_per_threshold_and_names_it(db: Database) -> None:
    """Spend that passes 80% and 100% of a department's budget in one go is one alert
    (the 100% one) in one line naming its threshold; no check says it again (issue 12)."""
    from templates import say

    iid = _setup(db, budget="1000000")
    with db.write() as s:
        budgets.set_department_budget(
            s,
            department="Support",
            viewer=LEADER,
            micros=1_000_000_000,
            period="month",
            now=datetime(2026, 9, 1, tzinfo=UTC),
        )
    _spend(db, iid, date(2026, 9, 1), "1050")
    [alert] = _check(db, date(2026, 9, 30)).new
    assert (alert.scope_key, alert.threshold) == ("department:support", 100)
    line = say("alerts.j2", "line", alert, "Support", "USD")
    assert line == (
        ":warning: *Support* (department budget): 105% of the Sep 2026 budget used "
        "($1,050.00 of $1,000.00), $50.00 over (past the 100% threshold)."
    )
    for day in (30, 30):
        assert _check(db, date(2026, 9, day)).new == []
    with db.read() as s:
        rows = s.exec(select(Alert).where(Alert.scope_key == "department:support")).all()
    assert sorted((a.threshold, a.status) for a in rows) == [(80, "resolved"), (100, "open")]
    notices = [k for k in _keys(db) if k.endswith(":governance")]
    assert len(notices) == 1
