"""The quarterly portfolio report: data, Markdown, HTML, CSV, Slack summary, chart, CLI."""

from __future__ import annotations

import csv
import io
import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from bot.cli.report import report as report_command
from bot.views.charts import spend_and_value_png
from bot.views.report import html, markdown, md_escape, summary_blocks
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Person, ReviewCycle, ReviewRequest
from workflows.core import settings
from workflows.core.access import Viewer
from workflows.core.periods import Quarter
from workflows.figures.costs import Figure, record_outcomes, record_reported
from workflows.inventory import inventory
from workflows.reviews.report import PortfolioReport, portfolio_report, report_csv

Q3, Q2 = date(2026, 7, 1), date(2026, 4, 1)
SCRIPT = "<script>alert(1)</script> & co"
LONG_AGO = datetime(2026, 1, 5, tzinfo=UTC)


def _at(day: int, month: int = 10) -> datetime:
    return datetime(2026, month, day, 9, tzinfo=UTC)


def _register(db: Database, name: str, department: str, stage: str, vpo: str = "") -> int:
    raw = {"name": name, "department": department, "owner": "U0OWNER", "stage": stage}
    if vpo:
        raw["value_per_outcome"] = vpo
    with db.write() as s:
        initiative = inventory.register(s, raw=raw, actor="test", resolve_user=lambda u: u)
        initiative.created_at = LONG_AGO
        return initiative.id or 0


def _figures(db: Database, iid: int, start: date, cost: dict[str, str], outcomes: int | None):
    with db.write() as s:
        figures = [Figure(iid, cat, "quarter", start, Decimal(v)) for cat, v in cost.items()]
        record_reported(s, figures, source="report", actor="U0OWNER")
        if outcomes is not None:
            record_outcomes(
                s,
                initiative_id=iid,
                kind="quarter",
                start=start,
                outcomes=outcomes,
                value=None,
                source="report",
                actor="U0OWNER",
            )


def build_portfolio(db: Database) -> dict[str, int]:
    """Eight initiatives with Q3 2026 (and some Q2) figures and a closed Q3 cycle."""
    ids = {
        "support": _register(db, "Support Assistant", "Support", "pilot", "10"),
        "doc": _register(db, "Doc Reader", "Finance", "production", "5"),
        "script": _register(db, SCRIPT, "Marketing", "pilot", "1"),
        "cmd": _register(db, "=cmd", "Marketing", "pilot", "1"),
        "fraud": _register(db, "Fraud Model", "Finance", "production", "2"),
        "email": _register(db, "Email Drafts", "Sales", "pilot", "1"),
        "translate": _register(db, "Translate", "Sales", "pilot", "1"),
        "old": _register(db, "Old Pilot", "Ops", "pilot"),
        "legacy": _register(db, "Legacy Bot", "Ops", "retired"),
    }
    _figures(db, ids["support"], Q3, {"inference": "1000", "oversight": "500"}, 600)
    _figures(db, ids["doc"], Q3, {"inference": "2000"}, 300)
    _figures(db, ids["script"], Q3, {"inference": "400"}, 1200)
    _figures(db, ids["cmd"], Q3, {"data": "300"}, None)
    _figures(db, ids["fraud"], Q3, {"infrastructure": "1000"}, 450)
    _figures(db, ids["email"], Q3, {"inference": "1000"}, 1500)
    _figures(db, ids["translate"], Q3, {"inference": "300"}, 30)
    _figures(db, ids["support"], Q2, {"inference": "1000"}, 210)
    _figures(db, ids["doc"], Q2, {"inference": "1000"}, 99)
    # Old Pilot was a pilot when Q3 began and is retired now: it stays in the Q3 report.
    with db.write() as s:
        inventory.update(
            s,
            initiative_id=ids["old"],
            raw={"stage": "retired"},
            viewer=Viewer("U0ADMIN", is_admin=True),
            resolve_user=lambda u: u,
        )
    with db.write() as s:
        cycle = ReviewCycle(
            quarter="2026Q3",
            period_start=Q3,
            period_end=date(2026, 9, 30),
            status="closed",
            opened_by="scheduler",
            opened_at=_at(5),
            deadline_at=_at(19),
            closed_at=_at(25),
        )
        s.add(cycle)
        s.flush()

        def request(key: str, status: str = "pending", **extra: object) -> None:
            s.add(
                ReviewRequest(
                    cycle_id=cycle.id or 0,
                    initiative_id=ids[key],
                    assignee_id="U0OWNER",
                    status=status,
                    **extra,  # type: ignore[arg-type]
                )
            )

        decided = {"status": "decided", "submitted_at": _at(10), "decided_by": "U0LEAD"}
        request("support", recommendation="scale", rule="scale", decision="scale", **decided)
        request("doc", recommendation="kill", rule="below_twice", decision="kill", **decided)
        request("fraud", recommendation="fix", rule="below_once", decision="continue", **decided)
        request(
            "script", "submitted", submitted_at=_at(12), recommendation="continue", rule="default"
        )
        request("email", "submitted", submitted_at=_at(20), recommendation="scale", rule="scale")
        request("cmd", no_report=True)
        request("translate")  # pending past the deadline, not (yet) flagged
    return ids


def _report(db: Database) -> PortfolioReport:
    with db.read() as s:
        quarter = Quarter.parse("2026Q3", settings.calendar(s))
        return portfolio_report(s, quarter=quarter, today=date(2026, 10, 26))


def test_portfolio_figures_decisions_and_late_reporters(db: Database) -> None:
    build_portfolio(db)
    report = _report(db)
    names = [r.name for r in report.rows]
    assert "Legacy Bot" not in names and "Old Pilot" in names
    assert len(report.rows) == 8
    assert report.quarter_code == "2026Q3" and report.quarter_label == "Q3 2026"
    assert report.period.startswith("Q3 2026, Jul 1") and report.previous_label == "Q2 2026"

    t = report.totals
    assert t.spend_micros == 6_500_000_000
    assert t.value_micros == 11_130_000_000
    assert t.value_per_ai_dollar == Decimal(11130) / Decimal(6500)
    assert (t.initiatives, t.with_outcomes) == (8, 6)
    assert t.spend_by_category["inference"] == 4_700_000_000
    assert sum(t.spend_by_category.values()) == t.spend_micros

    rows = {r.name: r for r in report.rows}
    support = rows["Support Assistant"]
    assert support.value_per_ai_dollar == 4
    assert support.previous_value_per_ai_dollar == Decimal("2.1") and support.trend == "up"
    assert support.cost_per_outcome == Decimal("2.5") and support.outcomes == 600
    assert rows["Doc Reader"].trend == "up" and rows["Doc Reader"].stage == "production"
    assert rows["=cmd"].value_per_ai_dollar is None and rows["=cmd"].outcomes is None
    assert rows["Old Pilot"].stage == "retired" and not rows["Old Pilot"].requested

    assert [r.name for r in report.top] == ["Support Assistant", SCRIPT, "Email Drafts"]
    assert [r.name for r in report.bottom] == ["Translate", "Doc Reader", "Fraud Model"]
    assert report.decisions == {"continue": 1, "scale": 1, "fix": 0, "kill": 1}
    assert report.undecided == 4
    assert [r.name for r in report.late] == ["Email Drafts", "=cmd", "Translate"]
    assert rows["Email Drafts"].reported and not rows["Translate"].reported
    assert rows["Doc Reader"].decision == "kill" and rows["Doc Reader"].decided_by == "U0LEAD"
    assert rows["Doc Reader"].rule == "below_twice"
    assert report.spend_by_department == [
        ("Finance", 3_000_000_000),
        ("Support", 1_500_000_000),
        ("Sales", 1_300_000_000),
        ("Marketing", 700_000_000),
        ("Ops", 0),
    ]
    assert report.cycle is not None
    assert (report.cycle.requests, report.cycle.reported, report.cycle.decided) == (7, 5, 3)
    assert report.cycle.deadline_on == date(2026, 10, 19)
    assert report.sources == ("report",) and report.bases == ("prorated",)


def test_before_the_deadline_nobody_pending_is_late(db: Database) -> None:
    build_portfolio(db)
    with db.read() as s:
        quarter = Quarter.parse("Q3 2026", settings.calendar(s))
        report = portfolio_report(s, quarter=quarter, today=date(2026, 10, 19))
    assert [r.name for r in report.late] == ["Email Drafts", "=cmd"]


def test_a_quarter_without_cycle_or_figures(db: Database) -> None:
    build_portfolio(db)
    with db.read() as s:
        quarter = Quarter.parse("2026Q4", settings.calendar(s))
        report = portfolio_report(s, quarter=quarter, today=date(2027, 1, 10))
    assert report.cycle is None and report.late == [] and report.top == []
    assert report.totals.spend_micros == 0 and report.totals.value_per_ai_dollar is None
    assert "Legacy Bot" not in [r.name for r in report.rows]
    assert "No review cycle" in markdown(report)
    assert spend_and_value_png(report).startswith(b"\x89PNG\r\n\x1a\n")


def test_markdown_and_html_show_the_figures_and_escape_names(db: Database) -> None:
    build_portfolio(db)
    report = _report(db)
    text = markdown(report)
    for needle in ("# AI portfolio report: Q3 2026", "$6,500.00", "$11,130.00", "1.71", "4"):
        assert needle in text
    assert "Support Assistant" in text and "Email Drafts" in text
    assert md_escape(SCRIPT) in text and SCRIPT not in text
    assert "| Kill | 1 |" in text and "no report" in text
    page = html(report)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "$6,500.00" in page and "$11,130.00" in page and "1.71" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "<script>" not in page
    assert "Late reporters" in page and "Email Drafts" in page


def test_report_files_name_the_people_the_bot_knows(db: Database) -> None:
    """Files show no Slack mentions: a known owner reads as a name, an unknown id stays."""
    build_portfolio(db)
    with db.write() as s:
        s.add(Person(user_id="U0OWNER", name="olive", real_name="Olive <b>Owner</b>"))
    report = _report(db)
    assert report.people == {"U0OWNER": "Olive <b>Owner</b>"}
    text = markdown(report)
    assert "@Olive \\<b\\>Owner\\</b\\>" in text and "@U0OWNER" not in text
    assert "by @U0LEAD" in text  # never looked up: the id, as before
    page = html(report)
    assert "@Olive &lt;b&gt;Owner&lt;/b&gt;" in page and "<b>" not in page
    assert "<@U0OWNER>" in flat_summary(report)  # Slack turns a mention into a name itself


def flat_summary(report: PortfolioReport) -> str:
    return str(summary_blocks(report, report.currency))


def test_csv_is_formula_safe_with_numeric_numbers(db: Database) -> None:
    build_portfolio(db)
    report = _report(db)
    stream = io.StringIO()
    assert report_csv(report, stream) == 8
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    by_name = {r["initiative"]: r for r in rows}
    assert "'=cmd" in by_name and "=cmd" not in by_name
    support = by_name["Support Assistant"]
    assert support["spend"] == "1500" and support["value"] == "6000"
    assert (
        support["value_per_ai_dollar"] == "4" and support["previous_value_per_ai_dollar"] == "2.1"
    )
    assert support["cost_per_outcome"] == "2.5" and support["decision"] == "scale"
    assert by_name["'=cmd"]["late"] == "yes" and by_name["'=cmd"]["value"] == ""
    assert by_name["Old Pilot"]["reported"] == ""
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "@")), cell


def test_slack_summary_is_escaped_and_within_limits(db: Database) -> None:
    build_portfolio(db)
    report = _report(db)
    blocks = summary_blocks(report, "USD")
    assert 3 < len(blocks) <= 50
    assert blocks[0]["type"] == "header" and "Q3 2026" in blocks[0]["text"]["text"]
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(t) <= 3000 for t in texts)
    joined = "\n".join(texts)
    assert "$6,500.00" in joined and "1.71" in joined
    assert "&lt;script&gt;" in joined and "<script>" not in joined
    assert "Kill: 1" in joined and "<@U0OWNER>" in joined and "Translate" in joined


def test_slack_summary_of_a_large_portfolio_stays_within_limits(db: Database) -> None:
    ids = [
        _register(db, f"<!channel> & bot {i:03d} " + "x" * 80, f"D{i}", "pilot") for i in range(60)
    ]
    with db.write() as s:
        cycle = ReviewCycle(
            quarter="2026Q3",
            period_start=Q3,
            period_end=date(2026, 9, 30),
            opened_by="t",
            opened_at=_at(5),
            deadline_at=_at(19),
        )
        s.add(cycle)
        s.flush()
        for iid in ids:
            s.add(ReviewRequest(cycle_id=cycle.id or 0, initiative_id=iid, assignee_id="U0X"))
    report = _report(db)
    assert len(report.late) == 60
    blocks = summary_blocks(report, "USD")
    assert len(blocks) <= 50
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
            assert "<!channel>" not in block["text"]["text"]
    png = spend_and_value_png(report)
    assert png.startswith(b"\x89PNG") and len(png) > 1024


def test_chart_is_a_png(db: Database) -> None:
    build_portfolio(db)
    png = spend_and_value_png(_report(db))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1024


def _cli_env(path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "AIGOV_"))}
    env["AIGOV_DATABASE_URL"] = f"sqlite:///{path}"
    return env


def test_cli_prints_markdown_and_refuses_a_bad_quarter(tmp_path: Path) -> None:
    path = tmp_path / "cli.db"
    database = Database(f"sqlite:///{path}")
    upgrade(database)
    build_portfolio(database)
    database.dispose()
    env = _cli_env(path)
    runner = CliRunner()

    result = runner.invoke(report_command, ["--quarter", "2026Q3"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# AI portfolio report: Q3 2026")
    assert "$6,500.00" in result.output and "Support Assistant" in result.output

    bad = runner.invoke(report_command, ["--quarter", "2026Q5"], env=env)
    assert bad.exit_code != 0
    lines = bad.output.strip().splitlines()
    assert len(lines) == 1 and "2026Q5" in lines[0] and "Traceback" not in bad.output

    out, chart = tmp_path / "r.csv", tmp_path / "r.png"
    args = ["--quarter", "Q3 2026", "--format", "csv", "--output", str(out), "--chart", str(chart)]
    written = runner.invoke(report_command, args, env=env)
    assert written.exit_code == 0, written.output
    assert out.read_text(encoding="utf-8").startswith("quarter,initiative,")
    assert chart.read_bytes().startswith(b"\x89PNG")

    default = runner.invoke(report_command, [], env=env)  # the last completed quarter
    assert default.exit_code == 0 and default.output.startswith("# AI portfolio report: Q")

    page = runner.invoke(report_command, ["--quarter", "2026-Q3", "--format", "html"], env=env)
    assert page.exit_code == 0 and "&lt;script&gt;" in page.output
