"""`import inventory` / `export inventory`: the workflow on SQLite and PostgreSQL, and the CLI."""

from __future__ import annotations

import csv
import io
import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, text
from sqlmodel import func, select

from bot.cli.common import reason
from bot.cli.exports import export_group
from bot.cli.imports import import_group
from storage.db import Database
from storage.migrate import upgrade
from storage.models import AuditEntry, Delegate, Initiative, Person
from templates import say
from tests import pg_server
from workflows.core.errors import Problem
from workflows.figures.exports import export_inventory, safe_cell, unescape_cell
from workflows.inventory.fields import COLUMNS
from workflows.inventory.imports import (
    ImportRejected,
    InventoryFile,
    apply_inventory_import,
    import_inventory,
    plan_inventory_import,
    read_inventory,
)

ACTOR = "U0ADMIN"
PEOPLE = {"U0ANA": "ana@example.com", "U0BEN": "ben@example.com", "U0GONE": "gone@example.com"}

GOOD = """name,department,owner,stage,budget_amount,budget_period,description
Support Assistant,Support,U0ANA,pilot,"10,000",quarter,Answers tickets
Doc Extractor,Finance,ana@example.com,production,0.002,month,
Copy Writer,Marketing,U0BEN,pilot,,,Drafts ads
"""


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_url(postgres_server: str) -> Iterator[str]:
    """A fresh PostgreSQL database for this module, dropped afterwards."""
    admin = psycopg.connect(postgres_server, autocommit=True)
    name = f"aigov_t_{secrets.token_hex(6)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = pg_server.database_url(postgres_server, name)
    try:
        db = Database(url)
        upgrade(db)
        db.dispose()
        yield url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path}/t.db")
        upgrade(database)
    else:
        database = Database(request.getfixturevalue("pg_url"))
        # The tables the migrations made (models being written elsewhere may have more).
        names = inspect(database.engine).get_table_names()
        tables = ", ".join(f'"{n}"' for n in names if n != "alembic_version")
        with database.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    with database.write() as session:
        for user_id, email in PEOPLE.items():
            session.add(Person(user_id=user_id, email=email, deactivated=user_id == "U0GONE"))
    yield database
    database.dispose()


def resolve(value: str) -> str | None:
    """A directory: known ids and emails of active people."""
    by_email = {email: user for user, email in PEOPLE.items() if user != "U0GONE"}
    if value in PEOPLE and value != "U0GONE":
        return value
    return by_email.get(value.lower())


def read(content: str) -> InventoryFile:
    return read_inventory(io.StringIO(content, newline=""))


def run_import(db: Database, content: str, *, skip_bad: bool = False):
    with db.write() as session:
        return import_inventory(
            session, read(content), resolve_user=resolve, actor=ACTOR, skip_bad=skip_bad
        )


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def initiative(db: Database, name: str) -> Initiative:
    with db.read() as session:
        return session.exec(select(Initiative).where(Initiative.name == name)).one()


def problems_of(plan) -> list[tuple[int, str, str]]:
    return [(b.line, f, p.code) for b in plan.bad for f, p in b.problems.items()]


# --- reading -------------------------------------------------------------------------


def test_header_is_trimmed_case_insensitive_and_bom_free() -> None:
    file = read("\ufeff Name ,DEPARTMENT,Owner , stage,Cost Center\nA,B,U0ANA,pilot,CC1\n")
    assert file.problems == []
    assert file.columns == ("name", "department", "owner", "stage", "cost_center")
    assert file.rows[0].cells["cost_center"] == "CC1"
    assert file.rows[0].line == 2


def test_unknown_missing_and_duplicate_columns_are_named() -> None:
    file = read("name,department,stage,colour,Stage\nA,B,pilot,red,pilot\n")
    found = {(p.code, p.params["column"]) for p in file.problems}
    assert found == {
        ("unknown_column", "colour"),
        ("duplicate_column", "stage"),
        ("missing_column", "owner"),
    }
    sentences = [reason(p) for p in file.problems]
    assert any('"colour"' in s for s in sentences)
    assert any('"owner"' in s for s in sentences)


def test_empty_file_is_a_problem() -> None:
    assert [p.code for p in read("").problems] == ["empty_file"]
    assert [p.code for p in read("\n ,\n").problems] == ["empty_file"]


def test_unreadable_files_are_file_problems() -> None:
    latin = io.TextIOWrapper(
        io.BytesIO(b"name,department,owner,stage\nCaf\xe9,Ops,U0ANA,pilot\n"),
        encoding="utf-8-sig",
        newline="",
    )
    assert [p.code for p in read_inventory(latin).problems] == ["not_utf8"]
    assert "UTF-8" in reason(Problem("not_utf8"))
    unclosed = read('name,department,owner,stage\nA,B,U0ANA,pilot\n"B,C,U0ANA,pilot\nD,E,F,G\n')
    assert [(p.code, p.params["detail"][:7]) for p in unclosed.problems] == [("not_csv", "line 3:")]


def test_multiline_quoted_description_keeps_line_numbers() -> None:
    content = (
        "name,department,owner,stage,description\n"
        'A,Support,U0ANA,pilot,"first line\nsecond line\nthird line"\n'
        "B,Support,U0ANA,bogus,\n"
        "\n"
        "C,Support,U0ANA,pilot,\n"
    )
    file = read(content)
    assert [r.line for r in file.rows] == [2, 5, 7]
    assert file.rows[0].cells["description"] == "first line\nsecond line\nthird line"


def test_extra_cells_are_a_row_problem(db: Database) -> None:
    content = "name,department,owner,stage\nA,Support,U0ANA,pilot,oops\n"
    with db.read() as session:
        plan = plan_inventory_import(session, read(content), resolve_user=resolve, actor=ACTOR)
    assert problems_of(plan) == [(2, "", "extra_cells")]
    assert "1 cell beyond" in reason(plan.bad[0].problems[""])


# --- importing -----------------------------------------------------------------------


def test_good_file_creates_rows_and_audit_entries(db: Database) -> None:
    result = run_import(db, GOOD)
    assert (result.rows_read, result.created, result.updated, result.unchanged) == (3, 3, 0, 0)
    support = initiative(db, "Support Assistant")
    assert support.budget_micros == 10_000 * 1_000_000
    assert support.budget_period == "quarter"
    assert support.created_by == ACTOR
    assert initiative(db, "Doc Extractor").owner_id == "U0ANA"
    assert initiative(db, "Doc Extractor").budget_micros == 2_000
    with db.read() as session:
        entries = session.exec(select(AuditEntry)).all()
    assert len(entries) == 3
    assert {(e.action, e.source, e.actor) for e in entries} == {
        ("initiative.register", "import", ACTOR)
    }


def test_bad_rows_import_nothing_and_are_listed_by_line(db: Database) -> None:
    content = (
        "name,department,owner,stage,budget_amount,budget_period\n"
        "Good One,Support,U0ANA,pilot,100,month\n"
        "Bad Stage,Support,U0ANA,experimental,,\n"
        "Bad Money,Support,U0ANA,pilot,1_000,month\n"
        "Bad Owner,Support,nobody@example.com,pilot,,\n"
        ",Support,U0ANA,pilot,,\n"
        "Good Two,Finance,ben@example.com,production,,\n"
    )
    calls: list[str] = []

    def counting(value: str) -> str | None:
        calls.append(value)
        return resolve(value)

    with db.write() as session:
        plan = plan_inventory_import(session, read(content), resolve_user=counting, actor=ACTOR)
        assert problems_of(plan) == [
            (3, "stage", "bad_choice"),
            (4, "budget_amount", "money_not_a_number"),
            (5, "owner", "unknown_user"),
            (6, "name", "required"),
        ]
        with pytest.raises(ImportRejected) as caught:
            apply_inventory_import(session, plan, actor=ACTOR)
    assert [b.line for b in caught.value.bad_rows] == [3, 4, 5, 6]
    assert caught.value.code == "import_rejected"
    assert sorted(calls) == ["U0ANA", "ben@example.com", "nobody@example.com"]  # once each
    assert count(db, Initiative) == 0
    assert count(db, AuditEntry) == 0
    assert "experimental" in reason(plan.bad[0].problems["stage"])
    assert "1_000" in reason(plan.bad[1].problems["budget_amount"])


def test_skip_bad_imports_the_good_rows(db: Database) -> None:
    content = GOOD + "Broken,Support,U0GONE,pilot,,,\n"
    result = run_import(db, content, skip_bad=True)
    assert (result.created, result.skipped) == (3, 1)
    assert [(b.line, list(b.problems)) for b in result.bad] == [(5, ["owner"])]
    assert count(db, Initiative) == 3


def test_duplicate_name_in_file_flags_both_lines(db: Database) -> None:
    content = "name,department,owner,stage\nBot,A,U0ANA,pilot\nbot ,B,U0ANA,pilot\n"
    with db.read() as session:
        plan = plan_inventory_import(session, read(content), resolve_user=resolve, actor=ACTOR)
    assert [(b.line, b.problems["name"].params["line"]) for b in plan.bad] == [(2, 3), (3, 2)]
    assert plan.count("create") == 0


def test_reimport_changes_nothing(db: Database) -> None:
    run_import(db, GOOD)
    audits = count(db, AuditEntry)
    result = run_import(db, GOOD)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert count(db, AuditEntry) == audits


def test_changed_row_updates_only_that(db: Database) -> None:
    run_import(db, GOOD)
    before = initiative(db, "Copy Writer")
    audits = count(db, AuditEntry)
    changed = GOOD.replace(
        "Copy Writer,Marketing,U0BEN,pilot", "copy writer,Marketing,U0BEN,paused"
    )
    with db.read() as session:
        plan = plan_inventory_import(session, read(changed), resolve_user=resolve, actor=ACTOR)
    updates = [r for r in plan.rows if r.action == "update"]
    assert [(r.line, sorted(r.changes)) for r in updates] == [(4, ["name", "stage"])]
    result = run_import(db, changed)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    after = initiative(db, "copy writer")
    assert (after.id, after.stage, after.description) == (before.id, "paused", "Drafts ads")
    with db.read() as session:
        entry = session.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert count(db, AuditEntry) == audits + 1
    assert (entry.action, entry.source, entry.entity_id) == (
        "initiative.edit",
        "import",
        str(before.id),
    )
    assert entry.before == {"name": "Copy Writer", "stage": "pilot"}
    assert entry.after == {"name": "copy writer", "stage": "paused"}


def test_columns_absent_from_the_file_are_left_alone(db: Database) -> None:
    run_import(db, GOOD)
    slim = "name,department,owner,stage,description\nSupport Assistant,Support,U0ANA,pilot,New\n"
    result = run_import(db, slim)
    assert (result.updated, result.unchanged) == (1, 0)
    support = initiative(db, "Support Assistant")
    assert (support.budget_micros, support.budget_period) == (10_000_000_000, "quarter")
    assert support.description == "New"


def test_file_problems_reject_even_with_skip_bad(db: Database) -> None:
    with db.write() as session:
        plan = plan_inventory_import(
            session, read("name,department,owner\nA,B,U0ANA\n"), resolve_user=resolve, actor=ACTOR
        )
        with pytest.raises(ImportRejected) as caught:
            apply_inventory_import(session, plan, actor=ACTOR, skip_bad=True)
    assert [p.params["column"] for p in caught.value.file_problems] == ["stage"]
    assert count(db, Initiative) == 0


# --- exporting -----------------------------------------------------------------------


def export(db: Database, fmt: str) -> str:
    out = io.StringIO(newline="")
    with db.read() as session:
        export_inventory(session, format=fmt, stream=out)  # type: ignore[arg-type]
    return out.getvalue()


TRICKY = (
    "name,department,owner,stage,description,budget_amount,budget_period,"
    "value_per_outcome,min_monthly_outcomes,launched_on\n"
    '"=HYPERLINK(""x"")",Support,U0ANA,pilot,"line one\nline two",0.002,month,4.5,1000,2026-01-15\n'
    "-5 discount,@Finance,U0BEN,production,+1 idea,,,,,\n"
    "''=already quoted,Ops,U0ANA,paused,,,,,,\n"
)


def test_export_is_spreadsheet_safe_and_numbers_stay_numbers(db: Database) -> None:
    run_import(db, TRICKY)
    rows = list(csv.DictReader(io.StringIO(export(db, "csv"), newline="")))
    assert list(rows[0]) == list(COLUMNS)
    by_name = {r["name"]: r for r in rows}
    assert set(by_name) == {'\'=HYPERLINK("x")', "'-5 discount", "''=already quoted"}
    hyperlink = by_name['\'=HYPERLINK("x")']
    assert hyperlink["budget_amount"] == "0.002"
    assert hyperlink["value_per_outcome"] == "4.5"
    assert hyperlink["min_monthly_outcomes"] == "1000"
    assert hyperlink["description"] == "line one\nline two"
    discount = by_name["'-5 discount"]
    assert (discount["department"], discount["description"]) == ("'@Finance", "'+1 idea")
    for row in rows:
        for cell in row.values():
            assert not cell or cell[0] not in "=+-@\t\r"


def test_export_then_import_is_unchanged(db: Database) -> None:
    run_import(db, GOOD)
    run_import(db, TRICKY)
    assert count(db, Initiative) == 6
    audits = count(db, AuditEntry)
    exported = export(db, "csv")
    with db.read() as session:
        plan = plan_inventory_import(session, read(exported), resolve_user=resolve, actor=ACTOR)
    assert plan.bad == []
    assert [r.action for r in plan.rows] == ["unchanged"] * 6
    run_import(db, exported)
    assert count(db, AuditEntry) == audits
    assert initiative(db, '=HYPERLINK("x")').description == "line one\nline two"
    assert initiative(db, "'=already quoted").stage == "paused"


def test_json_export(db: Database) -> None:
    run_import(db, GOOD)
    support = initiative(db, "Support Assistant")
    with db.write() as session:
        session.add(Delegate(initiative_id=support.id, user_id="U0BEN"))
    data = json.loads(export(db, "json"))
    assert [d["name"] for d in data] == ["Copy Writer", "Doc Extractor", "Support Assistant"]
    row = data[2]
    assert set(row) == {*COLUMNS, "delegates"}
    assert row["budget_amount"] == "10000"
    assert row["owner"] == "U0ANA"
    assert row["delegates"] == ["U0BEN"]
    assert data[1]["budget_amount"] == "0.002"
    assert data[0]["budget_amount"] is None
    assert data[0]["min_monthly_outcomes"] is None


def test_safe_cell_round_trips() -> None:
    for value in ["=1+1", "+x", "-5", "@a", "\tx", "\rx", "'=x", "''+y", "plain", "'plain", ""]:
        assert unescape_cell(safe_cell(value)) == value
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("'plain") == "'plain"
    assert unescape_cell("'plain") == "'plain"


# --- the CLI -------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[CliRunner, dict, str]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    url = f"sqlite:///{tmp_path}/cli.db"
    env = {"AIGOV_DATABASE_URL": url, "SLACK_BOT_TOKEN": None}
    database = Database(url)
    upgrade(database)
    with database.write() as session:
        session.add(Person(user_id="U0ANA", email="ana@example.com"))
    database.dispose()
    return CliRunner(), env, url


def test_cli_dry_run_writes_nothing(cli, tmp_path: Path) -> None:
    runner, env, url = cli
    path = tmp_path / "inv.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(import_group, ["inventory", str(path), "--dry-run"], env=env)
    assert result.exit_code == 0, result.output
    assert 'line 2: create "Support Assistant"' in result.output
    assert "It would create 3, update 0, leave 0 unchanged and skip 0." in result.output
    database = Database(url)
    assert count(database, Initiative) == 0
    database.dispose()


def test_cli_rejected_file_exits_1(cli, tmp_path: Path) -> None:
    runner, env, url = cli
    path = tmp_path / "inv.csv"
    path.write_text(GOOD + "Bad,Support,U0ANA,bogus,1_000,month,\n", encoding="utf-8")
    result = runner.invoke(import_group, ["inventory", str(path)], env=env)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    stage = say(
        "errors.j2",
        "problem",
        "bad_choice",
        {"value": "bogus", "allowed": ("pilot", "production", "paused", "retired")},
        plain=True,
    )
    assert f"line 5: stage: {stage}" in lines
    assert any(line.startswith("line 5: budget_amount: ") for line in lines)
    assert lines[-1] == "Nothing was imported."
    database = Database(url)
    assert count(database, Initiative) == 0
    database.dispose()
    unknown = tmp_path / "cols.csv"
    unknown.write_text("name,department,owner,stage,colour\n", encoding="utf-8")
    result = runner.invoke(import_group, ["inventory", str(unknown), "--skip-bad"], env=env)
    assert result.exit_code == 1
    assert 'Unknown column "colour"' in result.output


def test_cli_import_then_export_round_trip(cli, tmp_path: Path) -> None:
    runner, env, _url = cli
    path = tmp_path / "big.csv"
    rows = [f"Initiative {i},Dept {i % 7},U0ANA,pilot,{i}.5,month,-note {i}" for i in range(600)]
    path.write_text(GOOD.splitlines()[0] + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = runner.invoke(import_group, ["inventory", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert "600 created, 0 updated, 0 unchanged, 0 skipped" in result.output
    out = tmp_path / "export.csv"
    result = runner.invoke(export_group, ["inventory", "--output", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8-sig").count("'-note") == 600
    result = runner.invoke(import_group, ["inventory", str(out)], env=env)
    assert "0 created, 0 updated, 600 unchanged" in result.output
    result = runner.invoke(export_group, ["inventory", "--format", "json"], env=env)
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 600
