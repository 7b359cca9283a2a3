"""`import costs` / `import outcomes` on SQLite and PostgreSQL: good rows, every bad row
with its line, --skip-bad, idempotent re-import, and billing-over-reported precedence."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import func, select

from bot.cli.exports import export_group
from bot.cli.imports import import_group
from storage.db import Database
from storage.migrate import upgrade
from storage.models import AuditEntry, CostRecord, OutcomeRecord
from workflows.figures import figures
from workflows.figures.cost_imports import (
    FiguresPlan,
    apply_figures_import,
    plan_costs_import,
    plan_outcomes_import,
    read_costs,
    read_outcomes,
)
from workflows.figures.exports import export_costs
from workflows.figures.figures import Scope
from workflows.figures.focus import apply_focus_import, plan_focus_import
from workflows.inventory import inventory
from workflows.inventory.imports import ROW, ImportRejected, ImportResult

ACTOR = "cli:test"
JUL, AUG, SEP = date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)


def _initiative(db: Database, name: str, department: str = "Support") -> int:
    raw = {"name": name, "department": department, "owner": "U0OWNER", "stage": "pilot"}
    with db.write() as s:
        created = inventory.register(s, raw=raw, actor="test", resolve_user=lambda u: u)
        return int(created.id or 0)


def _plan_costs(db: Database, text: str) -> FiguresPlan:
    with db.read() as s:
        return plan_costs_import(s, read_costs(io.StringIO(text)))


def _import_costs(db: Database, text: str, *, skip_bad: bool = False) -> ImportResult:
    with db.write() as s:
        plan = plan_costs_import(s, read_costs(io.StringIO(text)))
        return apply_figures_import(s, plan, actor=ACTOR, skip_bad=skip_bad, origin="t.csv")


def _import_outcomes(db: Database, text: str, *, skip_bad: bool = False) -> ImportResult:
    with db.write() as s:
        plan = plan_outcomes_import(s, read_outcomes(io.StringIO(text)))
        return apply_figures_import(s, plan, actor=ACTOR, skip_bad=skip_bad, origin="o.csv")


def _spend(db: Database, iid: int, first: date = JUL, last: date = SEP) -> figures.Spend:
    with db.read() as s:
        return figures.spend(s, scope=Scope(initiative_ids=(iid,)), first=first, last=last)


def _count(db: Database, model: type) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


GOOD = """initiative,month,category,amount,note
Support Bot,2026-07,inference,"1,200.50",July invoice
support bot,2026-08,Inference,$980,
#{doc},2026-07,oversight,0.002,per-document review
#{doc},2026-09,data,0,
"""


def test_costs_good_path(db: Database) -> None:
    bot = _initiative(db, "Support Bot")
    doc = _initiative(db, "Doc Extractor", "Finance")
    result = _import_costs(db, GOOD.format(doc=doc))
    assert (result.rows_read, result.created, result.updated, result.unchanged) == (4, 4, 0, 0)
    assert result.skipped == 0 and not result.bad
    spend = _spend(db, bot)
    assert spend.total == Decimal("2180.50")
    assert spend.by_month == {JUL: 1_200_500_000, AUG: 980_000_000}
    assert spend.bases == {"reported"} and spend.sources == {"import"}
    assert _spend(db, doc).by_category == {"oversight": 2_000, "data": 0}
    with db.read() as s:
        notes = {r.note for r in s.exec(select(CostRecord))}
        records = list(s.exec(select(CostRecord)))
    assert "July invoice" in notes and "per-document review" in notes
    assert {r.source for r in records} == {"import"}
    assert {r.period_kind for r in records} == {"month"}
    assert {r.origin for r in records} == {"t.csv"}
    assert _count(db, AuditEntry) >= 4 + 2  # two registrations, four figures


BAD = """initiative,month,category,amount
Suport Bot,2026-07,inference,10
Support Bot,2026-13,inference,10
Support Bot,2026-07,inference,NaN
Support Bot,2026-08,inference,1_000
Support Bot,2026-09,inference,١٢٣
Support Bot,2026-07,data,-5
Support Bot,2026-07,gpu,5
Support Bot,2026-07,oversight,0.0000001
Support Bot,2026-07,maintenance,100
"""


def test_bad_rows_reject_the_file_and_each_is_listed(db: Database) -> None:
    _initiative(db, "Support Bot")
    plan = _plan_costs(db, BAD)
    problems = {bad.line: bad.problems for bad in plan.bad}
    assert sorted(problems) == [2, 3, 4, 5, 6, 7, 8, 9]
    unknown = problems[2]["initiative"]
    assert unknown.code == "unknown_initiative"
    assert unknown.params["value"] == "Suport Bot"
    assert unknown.params["suggestions"][0] == "Support Bot"
    assert problems[3]["month"].code == "bad_month"
    assert problems[3]["month"].params == {"value": "2026-13"}
    assert problems[4]["amount"].code == "money_not_a_number"
    assert problems[5]["amount"].code == "money_not_a_number"
    assert problems[6]["amount"].code == "money_not_a_number"
    assert problems[6]["amount"].params == {"value": "١٢٣"}
    assert problems[7]["amount"].code == "money_negative"
    assert problems[8]["category"].code == "bad_choice"
    assert "inference" in problems[8]["category"].params["allowed"]
    assert problems[9]["amount"].code == "money_too_precise"
    assert [row.line for row in plan.rows] == [10]
    with pytest.raises(ImportRejected) as caught:
        _import_costs(db, BAD)
    assert [bad.line for bad in caught.value.bad_rows] == [2, 3, 4, 5, 6, 7, 8, 9]
    assert _count(db, CostRecord) == 0  # all or nothing: the good line 10 was not written


def test_skip_bad_imports_the_good_rows(db: Database) -> None:
    bot = _initiative(db, "Support Bot")
    result = _import_costs(db, BAD, skip_bad=True)
    assert (result.created, result.skipped) == (1, 8)
    assert [bad.line for bad in result.bad] == [2, 3, 4, 5, 6, 7, 8, 9]
    assert _spend(db, bot).by_category == {"maintenance": 100_000_000}


def test_reimport_changes_nothing(db: Database) -> None:
    _initiative(db, "Support Bot")
    doc = _initiative(db, "Doc Extractor", "Finance")
    text = GOOD.format(doc=doc)
    _import_costs(db, text)
    records, audits = _count(db, CostRecord), _count(db, AuditEntry)
    again = _import_costs(db, text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert (_count(db, CostRecord), _count(db, AuditEntry)) == (records, audits)
    changed = _import_costs(db, text.replace("$980", "990"))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 3)
    assert _count(db, CostRecord) == records


def test_the_same_figure_twice_in_a_file_points_at_the_other_line(db: Database) -> None:
    _initiative(db, "Support Bot")
    text = (
        "initiative,month,category,amount\nSupport Bot,2026-07,data,1\nsupport bot,2026-07,DATA,2\n"
    )
    plan = _plan_costs(db, text)
    assert not plan.rows
    lines = {bad.line: bad.problems[ROW] for bad in plan.bad}
    assert lines[2].code == lines[3].code == "duplicate_in_file"
    assert (lines[2].params["line"], lines[3].params["line"]) == (3, 2)


def test_file_problems_name_the_column(db: Database) -> None:
    plan = _plan_costs(db, "initiative,month,amount,colour\nX,2026-07,1,red\n")
    codes = {(p.code, p.params.get("column")) for p in plan.file_problems}
    assert ("missing_column", "category") in codes
    assert ("unknown_column", "colour") in codes
    with pytest.raises(ImportRejected), db.write() as s:
        apply_figures_import(s, plan, actor=ACTOR, skip_bad=True)


def test_outcomes_import(db: Database) -> None:
    bot = _initiative(db, "Support Bot")
    text = """initiative,month,outcomes,value
Support Bot,2026-07,"12,000",
Support Bot,2026-08,9000,"4,500.25"
Support Bot,2026-09,12.5,
Support Bot,2026-09,١٢,
Support Bot,2026-09,NaN,
Support Bot,2026-09,-3,
Nobody,2026-09,3,
"""
    with pytest.raises(ImportRejected) as caught:
        _import_outcomes(db, text)
    bad = {b.line: b.problems for b in caught.value.bad_rows}
    assert {line: p["outcomes"].code for line, p in bad.items() if "outcomes" in p} == {
        4: "bad_count",
        5: "bad_count",
        6: "bad_count",
        7: "bad_count",
    }
    assert bad[8]["initiative"].code == "unknown_initiative"
    assert _count(db, OutcomeRecord) == 0
    result = _import_outcomes(db, text, skip_bad=True)
    assert (result.created, result.skipped) == (2, 5)
    with db.read() as s:
        got = figures.outcomes(s, initiative_ids=[bot], first=JUL, last=AUG)[bot]
        records = {r.period_start: r for r in s.exec(select(OutcomeRecord))}
    assert got.count == 21_000
    assert records[AUG].value_micros == 4_500_250_000 and records[JUL].value_micros is None
    assert {r.source for r in records.values()} == {"import"}
    again = _import_outcomes(db, text, skip_bad=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_billing_and_a_costs_file_figure_count_once(db: Database) -> None:
    """The same initiative, category and month from a costs file and a FOCUS billing line:
    billing counts; another category from the costs file still counts."""
    bot = _initiative(db, "Support Bot")
    _import_costs(
        db,
        "initiative,month,category,amount\n"
        "Support Bot,2024-09,inference,500\nSupport Bot,2024-09,oversight,40\n",
    )
    focus = (
        "BilledCost,BillingCurrency,ChargePeriodStart,ServiceName,Tags\n"
        '12.3456785,USD,2024-09-18 22:00:00,Bedrock,"{""aigov-initiative"": ""support bot""}"\n'
        '0.0000015,USD,2024-09-19 22:00:00,Bedrock,"{""aigov-initiative"": ""Support Bot""}"\n'
    )
    with db.write() as s:
        plan = plan_focus_import(s, io.StringIO(focus), currency="USD")
        assert apply_focus_import(s, plan, actor=ACTOR).new == 2
    sep = date(2024, 9, 1)
    spend = _spend(db, bot, sep, sep)
    # 12.3456785 -> 12.345678 (half-even), 0.0000015 -> 0.000002: billing 12.34568
    assert spend.by_category == {"inference": 12_345_680, "oversight": 40_000_000}
    assert spend.total == Decimal("52.34568")
    assert spend.bases == {"billing", "reported"}
    assert spend.sources == {"billing", "import"}
    assert spend.reported_micros == 540_000_000  # what the owner said, for the review


def test_exported_csv_reimports_unchanged(db: Database) -> None:
    _initiative(db, "Support Bot")
    doc = _initiative(db, "=cmd|' /C calc'!A0", "Finance")
    _import_costs(db, GOOD.format(doc=doc))
    out = io.StringIO()
    with db.read() as s:
        assert export_costs(s, format="csv", stream=out) == 4
    text = out.getvalue()
    assert "'=cmd|' /C calc'!A0,2026-07,oversight,0.002,reported (import)" in text
    again = _import_costs(db, text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_cli_costs_import_prints_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path}/cli.db"
    database = Database(url)
    upgrade(database)
    doc = _initiative(database, "Doc Extractor", "Finance")
    _initiative(database, "Support Bot")
    database.dispose()
    path = tmp_path / "costs.csv"
    path.write_text("\ufeff" + GOOD.format(doc=doc), encoding="utf-8")
    env = {"AIGOV_DATABASE_URL": url, "SLACK_BOT_TOKEN": None}
    runner = CliRunner()
    dry = runner.invoke(import_group, ["costs", str(path), "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "Dry run: 4 rows read. It would create 4" in dry.output
    first = runner.invoke(import_group, ["costs", str(path)], env=env)
    assert first.exit_code == 0, first.output
    assert "4 created, 0 updated, 0 unchanged, 0 skipped" in first.output
    assert "Support Bot: $2,180.50" in first.output
    second = runner.invoke(import_group, ["costs", str(path)], env=env)
    assert "0 created, 0 updated, 4 unchanged" in second.output
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    rejected = runner.invoke(import_group, ["costs", str(bad)], env=env)
    assert rejected.exit_code == 1
    assert 'line 2: initiative: There is no initiative called "Suport Bot". Did you mean' in (
        rejected.output
    )
    assert "line 3: month:" in rejected.output and "Nothing was imported." in rejected.output
    exported = runner.invoke(export_group, ["costs", "--format", "json"], env=env)
    assert exported.exit_code == 0 and '"basis": "reported"' in exported.output
