"""`import focus` on SQLite and PostgreSQL: the shared FOCUS 1.0 sample (NULL strings, odd
tag keys, sub-cent amounts, an extra Id column) mapped by rules, exact per-row rounding,
idempotent and overlapping re-imports, bad rows with lines, mapping rules, exports."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import func, select

from bot.cli.focus import focus_group
from bot.cli.imports import import_group
from storage.db import Database
from storage.migrate import upgrade
from storage.models import AuditEntry, CostRecord, FocusRule
from workflows.core.errors import Invalid, NotFound
from workflows.figures import figures
from workflows.figures.exports import export_costs
from workflows.figures.focus import FocusPlan, FocusResult, apply_focus_import, plan_focus_import
from workflows.figures.focus_rules import add_rule, list_rules, remove_rule
from workflows.inventory import inventory
from workflows.inventory.imports import ImportRejected

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "data" / "focus" / "focus-1.0-sample.csv"
needs_sample = pytest.mark.skipif(not SAMPLE.exists(), reason=f"no FOCUS sample at {SAMPLE}")
ACTOR = "cli:test"
SEP24 = date(2024, 9, 1)
# application tag value -> (initiative, category)
APPS = {
    "BrightPathMatrix": ("Bright Path", "inference"),
    "ZoomMapMax": ("Zoom Map", "infrastructure"),
    "PrimeManagerDrive": ("Prime Manager", "data"),
}


def _initiative(db: Database, name: str, department: str = "Platform", provider: str = "") -> int:
    raw = {"name": name, "department": department, "owner": "U0OWNER", "stage": "pilot"}
    if provider:
        raw["provider"] = provider
    with db.write() as s:
        created = inventory.register(s, raw=raw, actor="test", resolve_user=lambda u: u)
        return int(created.id or 0)


def _portfolio(db: Database) -> dict[str, int]:
    ids = {name: _initiative(db, name) for name, _ in APPS.values()}
    with db.write() as s:
        for app, (name, category) in APPS.items():
            add_rule(
                s,
                match="tag",
                key="application",
                value=app,
                initiative=name,
                category=category,
                actor=ACTOR,
            )
    return ids


def _micros(text: str) -> int:
    return int((Decimal(text) * 1_000_000).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _sample_rows() -> list[dict[str, str]]:
    with SAMPLE.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _application(row: dict[str, str]) -> str | None:
    if row["Tags"] == "NULL":
        return None
    tags = {key.strip().lower(): value for key, value in json.loads(row["Tags"]).items()}
    return tags.get("application")


def _expected(rows: list[dict[str, str]], column: str = "BilledCost") -> dict[str, int]:
    """Independently: per initiative, the sum of each row's amount rounded to micros."""
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        app = _application(row)
        if app in APPS:
            totals[APPS[app][0]] += _micros(row[column])
    return dict(totals)


def _import(
    db: Database, stream: io.TextIOBase | io.StringIO, *, skip_bad: bool = False, **options: str
) -> tuple[FocusPlan, FocusResult]:
    with db.write() as s:
        plan = plan_focus_import(s, stream, currency="USD", origin="focus.csv", **options)
        return plan, apply_focus_import(s, plan, actor=ACTOR, skip_bad=skip_bad)


def _import_file(db: Database, path: Path, **options: str) -> tuple[FocusPlan, FocusResult]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return _import(db, stream, **options)


def _totals(db: Database, ids: dict[str, int]) -> dict[str, int]:
    with db.read() as s:
        by = figures.spend_by(s, scope=figures.Scope(), first=SEP24, last=SEP24, group="initiative")
    names = {iid: name for name, iid in ids.items()}
    return {names[iid]: spend.total_micros for iid, spend in by.items() if iid in names}


def _records(db: Database) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(CostRecord)).one())


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header, quoting=csv.QUOTE_NONNUMERIC)
        writer.writeheader()
        writer.writerows(rows)
    return path


# --- the shared sample -------------------------------------------------------------------


@needs_sample
def test_sample_with_application_rules(db: Database) -> None:
    ids = _portfolio(db)
    rows = _sample_rows()
    expected = _expected(rows)
    assert set(expected) == set(ids)
    plan, result = _import_file(db, SAMPLE)
    assert (plan.rows_read, len(plan.bad), plan.file_problems) == (1000, 0, [])
    mapped = sum(1 for row in rows if _application(row) in APPS)
    assert (result.new, result.already, len(plan.lines)) == (mapped, 0, mapped)
    assert _totals(db, ids) == expected
    assert plan.totals_by_name() == expected
    # the rule's category applies
    with db.read() as s:
        spend = figures.spend(
            s, scope=figures.Scope(initiative_ids=(ids["Zoom Map"],)), first=SEP24, last=SEP24
        )
    assert set(spend.by_category) == {"infrastructure"} and spend.sources == {"billing"}
    # unmapped rows are counted and summarised, not dropped
    unmapped = [row for row in rows if _application(row) not in APPS]
    assert plan.unmapped == len(unmapped) == 1000 - mapped
    assert plan.unmapped_micros == sum(_micros(row["BilledCost"]) for row in unmapped)
    by_service: dict[str, int] = defaultdict(int)
    for row in unmapped:
        by_service[row["ServiceName"]] += _micros(row["BilledCost"])
    top = sorted(((k, v) for k, v in by_service.items() if v), key=lambda kv: (-kv[1], kv[0]))
    assert plan.top_unmapped() == top[:5]


@needs_sample
def test_second_run_imports_nothing_new(db: Database) -> None:
    ids = _portfolio(db)
    _, first = _import_file(db, SAMPLE)
    records, totals = _records(db), _totals(db, ids)
    plan, second = _import_file(db, SAMPLE)
    assert (second.new, second.already) == (0, first.new)
    assert plan.already == first.new and plan.new == 0
    assert (_records(db), _totals(db, ids)) == (records, totals)


@needs_sample
def test_overlapping_exports_count_each_row_once(db: Database, tmp_path: Path) -> None:
    ids = _portfolio(db)
    rows = _sample_rows()
    header = list(rows[0])
    early = _write(tmp_path / "early.csv", header, rows[:600])
    later = _write(tmp_path / "later.csv", header, rows[400:])
    _, first = _import_file(db, early)
    _, second = _import_file(db, later)
    overlap = sum(1 for row in rows[400:600] if _application(row) in APPS)
    assert second.already == overlap
    assert first.new + second.new == sum(1 for row in rows if _application(row) in APPS)
    assert _totals(db, ids) == _expected(rows)


@needs_sample
def test_effective_cost_column(db: Database) -> None:
    ids = _portfolio(db)
    plan, _ = _import_file(db, SAMPLE, cost_column="EffectiveCost")
    assert plan.cost_column == "EffectiveCost"
    assert _totals(db, ids) == _expected(_sample_rows(), "EffectiveCost")


@needs_sample
def test_cli_import_focus_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path}/cli.db"
    database = Database(url)
    upgrade(database)
    _initiative(database, "Bright Path")
    database.dispose()
    env = {"AIGOV_DATABASE_URL": url, "SLACK_BOT_TOKEN": None}
    runner = CliRunner()
    args = ["map", "add", "--tag", "application=BrightPathMatrix", "--initiative", "bright path"]
    added = runner.invoke(focus_group, args, env=env)
    assert added.exit_code == 0, added.output
    assert "Added mapping rule 1: tag application=BrightPathMatrix -> Bright Path" in added.output
    listed = runner.invoke(focus_group, ["map", "list"], env=env)
    assert "1. tag application=BrightPathMatrix -> Bright Path (inference)" in listed.output
    rows = _sample_rows()
    mapped = sum(1 for row in rows if _application(row) == "BrightPathMatrix")
    total = (Decimal(_expected(rows)["Bright Path"]) / 1_000_000).quantize(Decimal("0.01"))
    first = runner.invoke(import_group, ["focus", str(SAMPLE)], env=env)
    assert first.exit_code == 0, first.output
    assert f"1,000 rows read, {mapped} new billing lines imported, 0 already imported" in (
        first.output
    )
    assert f"Bright Path: ${total}" in first.output
    assert f"{1000 - mapped} rows (" in first.output and "Top services:" in first.output
    second = runner.invoke(import_group, ["focus", str(SAMPLE)], env=env)
    assert second.exit_code == 0, second.output
    assert f"0 new billing lines imported, {mapped} already imported" in second.output
    assert f"Bright Path: ${total}" in second.output
    dry = runner.invoke(import_group, ["focus", str(SAMPLE), "--dry-run"], env=env)
    assert "Dry run: 1,000 rows read. It would import 0 new" in dry.output
    bad = runner.invoke(
        focus_group, ["map", "add", "--service", "X", "--initiative", "Brite"], env=env
    )
    assert bad.exit_code == 1 and "Did you mean *Bright Path*?" in bad.output
    none = runner.invoke(focus_group, ["map", "add", "--initiative", "Bright Path"], env=env)
    assert none.exit_code == 2
    removed = runner.invoke(focus_group, ["map", "remove", "1"], env=env)
    assert removed.exit_code == 0 and "Removed mapping rule 1" in removed.output


@needs_sample
def test_switching_cost_column_never_double_counts(db: Database) -> None:
    ids = _portfolio(db)
    _import_file(db, SAMPLE)
    plan, result = _import_file(db, SAMPLE, cost_column="EffectiveCost")
    rows = [row for row in _sample_rows() if _application(row) in APPS]
    differ = sum(1 for row in rows if _micros(row["BilledCost"]) != _micros(row["EffectiveCost"]))
    assert differ > 0
    assert (result.new, plan.already_differ) == (0, differ)
    assert _totals(db, ids) == _expected(_sample_rows())  # still the BilledCost figures


def test_cli_rejects_another_currency_with_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path}/cli.db"
    database = Database(url)
    upgrade(database)
    _initiative(database, "Support Bot")
    database.dispose()
    tag = '{"aigov-initiative": "Support Bot"}'
    path = tmp_path / "eur.csv"
    path.write_text(HEAD + _line("1", tags=tag) + _line("2", currency="EUR", tags=tag))
    env = {"AIGOV_DATABASE_URL": url, "SLACK_BOT_TOKEN": None}
    runner = CliRunner()
    result = runner.invoke(import_group, ["focus", str(path)], env=env)
    assert result.exit_code == 1
    assert "line 3: BillingCurrency: The charge is in EUR, but this workspace counts in USD" in (
        result.output
    )
    assert "Nothing was imported." in result.output
    skipped = runner.invoke(import_group, ["focus", str(path), "--skip-bad"], env=env)
    assert skipped.exit_code == 0, skipped.output
    assert "1 new billing line imported" in skipped.output
    assert "1 bad row skipped" in skipped.output and "Support Bot: $1.00" in skipped.output


# --- small files written here --------------------------------------------------------------

HEAD = "BilledCost,EffectiveCost,BillingCurrency,ChargePeriodStart,ServiceName,SubAccountName,ResourceId,Tags\n"


def _line(
    amount: str,
    *,
    when: str = "2024-09-18 22:00:00",
    currency: str = "USD",
    service: str = "Bedrock",
    sub: str = "NULL",
    resource: str = "NULL",
    tags: str = "NULL",
) -> str:
    quoted = '"' + tags.replace('"', '""') + '"' if tags != "NULL" else "NULL"
    return f"{amount},{amount},{currency},{when},{service},{sub},{resource},{quoted}\n"


def test_currency_mismatch_and_other_bad_rows_are_listed(db: Database) -> None:
    iid = _initiative(db, "Support Bot")
    tag = '{"aigov-initiative": "Support Bot"}'
    text = (
        HEAD
        + _line("1.5", tags=tag)
        + _line("2", currency="EUR", tags=tag)
        + _line("abc", tags=tag)
        + _line("NaN", tags=tag)
        + _line("1", when="18/09/2024", tags=tag)
        + _line("1", tags="{not json")
        + _line("1", when="NULL", tags=tag)
    )
    with pytest.raises(ImportRejected) as caught:
        _import(db, io.StringIO(text))
    bad = {row.line: row.problems for row in caught.value.bad_rows}
    assert sorted(bad) == [3, 4, 5, 6, 7, 8]
    assert bad[3]["BillingCurrency"].code == "currency_mismatch"
    assert bad[3]["BillingCurrency"].params == {"found": "EUR", "expected": "USD"}
    assert bad[4]["BilledCost"].code == bad[5]["BilledCost"].code == "money_not_a_number"
    assert bad[6]["ChargePeriodStart"].code == "bad_timestamp"
    assert bad[7]["Tags"].code == "bad_tags"
    assert bad[8]["ChargePeriodStart"].code == "required"
    assert _records(db) == 0
    _, result = _import(db, io.StringIO(text), skip_bad=True)
    assert (result.new, result.skipped) == (1, 6)
    assert _totals(db, {"Support Bot": iid}) == {"Support Bot": 1_500_000}


def test_missing_required_column_is_a_file_problem(db: Database) -> None:
    text = "BilledCost,BillingCurrency,Tags\n1,USD,NULL\n"
    with db.read() as s:
        plan = plan_focus_import(s, io.StringIO(text), currency="USD", cost_column="EffectiveCost")
    missing = {p.params["column"] for p in plan.file_problems if p.code == "missing_column"}
    assert missing == {"EffectiveCost", "ChargePeriodStart"}
    assert plan.lines == []


def test_sub_cent_amounts_and_timestamps_are_exact(db: Database) -> None:
    iid = _initiative(db, "Support Bot")
    tag = '{" AIGOV-Initiative ": "support bot"}'  # odd key: spaces and case
    amounts = [
        "0.0000004",
        "0.0000005",
        "0.0000015",
        "0.00000151",
        "0.123456789",
        "-2.6137",
        "0.00000080000",
    ]
    text = HEAD + "".join(_line(a, tags=tag, service=f"s{i}") for i, a in enumerate(amounts))
    # zones: UTC by default; an offset moves the charge to UTC's month
    text += _line("1", when="2024-09-30T23:30:00-02:00", tags=tag)  # 2024-10-01 01:30 UTC
    text += _line("1", when="2024-10-01T00:30:00+02:00", tags=tag)  # 2024-09-30 22:30 UTC
    text += _line("1", when="2024-09-05T10:00:00Z", tags=tag)
    plan, result = _import(db, io.StringIO(text))
    assert result.new == 10
    expected_sep = sum(_micros(a) for a in amounts) + 2_000_000
    assert [_micros(a) for a in amounts] == [0, 0, 2, 2, 123_457, -2_613_700, 1]
    with db.read() as s:
        scope = figures.Scope(initiative_ids=(iid,))
        sep = figures.spend(s, scope=scope, first=SEP24, last=SEP24)
        octo = figures.spend(s, scope=scope, first=date(2024, 10, 1), last=date(2024, 10, 1))
    assert sep.total_micros == expected_sep
    assert octo.total_micros == 1_000_000
    assert plan.totals == {iid: expected_sep + 1_000_000}


def test_identical_rows_in_one_file_both_count(db: Database) -> None:
    iid = _initiative(db, "Support Bot")
    tag = json.dumps({"aigov-initiative": f"#{iid}"})
    text = HEAD + _line("1.25", tags=tag) * 3
    plan, result = _import(db, io.StringIO(text))
    assert result.new == 3
    assert len({line.key for line in plan.lines}) == 3
    assert plan.lines[1].key == plan.lines[0].key + "#2"
    _, again = _import(db, io.StringIO(text))
    assert (again.new, again.already) == (0, 3)
    assert _totals(db, {"Support Bot": iid}) == {"Support Bot": 3_750_000}


def test_reordered_columns_are_the_same_rows(db: Database) -> None:
    iid = _initiative(db, "Support Bot")
    tag = '{"aigov-initiative": "Support Bot"}'
    text = HEAD + _line("1", tags=tag) + _line("2", tags=tag, service="Other")
    _import(db, io.StringIO(text))
    rows = list(csv.DictReader(io.StringIO(text)))
    reordered = io.StringIO()
    writer = csv.DictWriter(reordered, fieldnames=[*reversed(list(rows[0])), "x_New"])
    writer.writeheader()
    writer.writerows({**row, "x_New": "NULL"} for row in rows)
    _, again = _import(db, io.StringIO(reordered.getvalue()))
    assert (again.new, again.already) == (0, 2)
    assert _totals(db, {"Support Bot": iid}) == {"Support Bot": 3_000_000}


def test_rules_by_service_subaccount_prefix_in_id_order(db: Database) -> None:
    bot = _initiative(db, "Support Bot")
    docs = _initiative(db, "Doc Extractor")
    ads = _initiative(db, "Ad Writer")
    with db.write() as s:
        add_rule(s, match="service", value="Amazon Bedrock", initiative="Support Bot", actor=ACTOR)
        add_rule(
            s,
            match="subaccount",
            value="Finance",
            initiative=f"#{docs}",
            category="data",
            actor=ACTOR,
        )
        add_rule(
            s,
            match="resource_prefix",
            value="arn:aws:s3:::ads-",
            initiative="ad writer",
            category="infrastructure",
            actor=ACTOR,
        )
        add_rule(s, match="tag", key="Team", value="SUPPORT", initiative="Support Bot", actor=ACTOR)
    text = (
        HEAD
        + _line("1", service="Amazon Bedrock", sub="Finance")  # first rule wins: Support Bot
        + _line("2", sub="Finance")
        + _line("4", resource="arn:aws:s3:::ads-images")
        + _line("8", tags='{" team": "support"}')
        + _line("16", tags='{"aigov-initiative": "Ad Writer"}', sub="Finance")  # tag beats rules
        + _line("32", service="amazon bedrock")  # ServiceName must be equal: unmapped
        + _line("64", tags='{"aigov-initiative": "Nobody"}')  # names no initiative: unmapped
    )
    plan, _ = _import(db, io.StringIO(text))
    assert plan.totals == {bot: 9_000_000, docs: 2_000_000, ads: 20_000_000}
    assert (plan.unmapped, plan.unmapped_micros) == (2, 96_000_000)
    assert plan.unknown_tags == {"Nobody": 1}
    with db.read() as s:
        by = figures.spend_by(s, scope=figures.Scope(), first=SEP24, last=SEP24, group="category")
    assert {k: v.total_micros for k, v in by.items()} == {
        "inference": 25_000_000,
        "data": 2_000_000,
        "infrastructure": 4_000_000,
    }


def test_rule_management_is_validated_and_audited(db: Database) -> None:
    _initiative(db, "Support Bot")
    with db.write() as s:
        with pytest.raises(Invalid) as caught:
            add_rule(
                s, match="colour", value="x", initiative="Support Bot", category="gpu", actor=ACTOR
            )
        assert set(caught.value.problems) == {"match", "category"}
        with pytest.raises(Invalid) as caught:
            add_rule(s, match="tag", value="x", initiative="Support Bot", actor=ACTOR)
        assert caught.value.problems["key"].code == "required"
        with pytest.raises(NotFound) as missing:
            add_rule(s, match="service", value="x", initiative="Suport Bot", actor=ACTOR)
        assert missing.value.params["suggestions"] == ["Support Bot"]
        rule = add_rule(
            s, match="tag", key=" app ", value="Bot", initiative="support bot", actor=ACTOR
        )
        with pytest.raises(Invalid) as dup:
            add_rule(s, match="tag", key="APP", value="bot", initiative="Support Bot", actor=ACTOR)
        assert dup.value.problems["value"].params == {"id": rule.id}
    with db.read() as s:
        assert [(r.match, r.key, r.value, r.initiative) for r in list_rules(s)] == [
            ("tag", "app", "Bot", "Support Bot")
        ]
    with db.write() as s:
        remove_rule(s, rule_id=rule.id, actor=ACTOR)
        with pytest.raises(Invalid):
            remove_rule(s, rule_id=rule.id, actor=ACTOR)
    with db.read() as s:
        assert s.exec(select(FocusRule)).all() == []
        actions = [
            e.action for e in s.exec(select(AuditEntry).where(AuditEntry.entity == "focus_rule"))
        ]
    assert actions == ["focus_rule.add", "focus_rule.remove"]


# --- exports ---------------------------------------------------------------------------------


def test_exports_are_formula_safe(db: Database) -> None:
    evil = "=cmd|' /C calc'!A0"
    iid = _initiative(db, evil, department="+Ops", provider="@Vendor")
    tag = json.dumps({"aigov-initiative": f"#{iid}"})
    _import(db, io.StringIO(HEAD + _line("12.5", tags=tag) + _line("-20", tags=tag, service="x")))
    out = io.StringIO()
    with db.read() as s:
        assert export_costs(s, format="focus", stream=out) == 1
    (row,) = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["ServiceName"] == row["x_Initiative"] == "'" + evil
    assert row["x_Department"] == "'+Ops" and row["ProviderName"] == "'@Vendor"
    # numbers stay numbers (a net credit is negative, and still not text)
    assert row["BilledCost"] == row["EffectiveCost"] == row["ListCost"] == "-7.5"
    assert row["ContractedCost"] == "-7.5"
    assert (row["BillingPeriodStart"], row["BillingPeriodEnd"]) == (
        "2024-09-01 00:00:00",
        "2024-10-01 00:00:00",
    )
    assert row["ChargePeriodStart"] == "2024-09-01 00:00:00"
    assert row["ServiceCategory"] == "AI and Machine Learning"
    assert (row["ChargeCategory"], row["ChargeClass"], row["BillingCurrency"]) == (
        "Usage",
        "",
        "USD",
    )
    assert (row["x_CostCategory"], row["x_Source"]) == ("inference", "billing")
    out = io.StringIO()
    with db.read() as s:
        export_costs(s, format="csv", stream=out)
    (plain,) = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert plain == {
        "initiative": "'" + evil,
        "month": "2024-09",
        "category": "inference",
        "amount": "-7.5",
        "note": "billing",
    }
    out = io.StringIO()
    with db.read() as s:
        export_costs(s, format="json", stream=out)
    (obj,) = json.loads(out.getvalue())
    assert obj["initiative"] == evil and obj["basis"] == "billing" and obj["sources"] == ["billing"]
