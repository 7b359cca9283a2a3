"""`aigov import costs|outcomes FILE`: reported monthly figures from CSV.

bot/cli/imports.py declares the commands and imports this module only when one runs;
this module runs them (read, plan, apply, print), like `import inventory`. The domain
work is in workflows/figures/cost_imports.py.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from bot.cli.common import (
    PROGRESS_ABOVE_ROWS,
    check_budgets,
    cli_actor,
    cli_say,
    new_console,
    open_database,
    out,
    print_dry_run_summary,
    print_import_result,
    progress,
    read_csv,
    reject_rows,
)
from templates import say
from workflows.core.errors import AigovError
from workflows.core.money import format_money
from workflows.core.settings import get as settings_get
from workflows.figures.cost_imports import (
    FigureRow,
    FiguresPlan,
    Kind,
    apply_figures_import,
    plan_costs_import,
    plan_outcomes_import,
    read_costs,
    read_outcomes,
)


def run_figures_import(kind: Kind, file: Path, *, dry_run: bool, skip_bad: bool) -> None:
    console = new_console()
    path = str(file)
    read, plan_import = (
        (read_costs, plan_costs_import)
        if kind == "costs"
        else (read_outcomes, plan_outcomes_import)
    )
    table = read_csv(console, file, read)
    if table.problems:
        reject_rows(console, path, table.problems, [], good=0)
    show = len(table.rows) > PROGRESS_ABOVE_ROWS
    actor = cli_actor()
    db = open_database()
    try:
        with db.read() if dry_run else db.write() as session:
            currency = str(settings_get(session, "currency"))
            with progress("rows", len(table.rows), show=show) as tick:
                plan = plan_import(session, table, progress=tick)
            if dry_run:
                _print_figures_dry_run(console, plan, currency, skip_bad=skip_bad)
            if plan.rejected and not skip_bad:
                # raises: a write transaction rolls back
                reject_rows(console, path, plan.file_problems, plan.bad, good=len(plan.rows))
            if dry_run:
                return
            result = apply_figures_import(
                session, plan, actor=actor, skip_bad=skip_bad, origin=file.name
            )
            checked = check_budgets(session)
    except AigovError as exc:
        out(console, say("errors.j2", exc.code, plain=True, **exc.params))
        out(console, cli_say("nothing_imported"))
        raise click.exceptions.Exit(1) from exc
    finally:
        db.dispose()
    print_import_result(console, result)
    print_figure_totals(console, plan, currency)
    out(console, say("alerts.j2", "checked", len(checked.new), len(checked.resolved), plain=True))


def _figure_text(plan: FiguresPlan, row: FigureRow, currency: str) -> str:
    if plan.kind == "costs":
        return f"{row.category} {format_money(row.amount, currency)}"
    value = "" if row.value is None else f" ({format_money(row.value, currency)})"
    return f"{row.outcomes:,}{value}"


def _print_figures_dry_run(
    console: Console, plan: FiguresPlan, currency: str, *, skip_bad: bool
) -> None:
    for row in plan.rows:
        if row.action != "unchanged":
            what = _figure_text(plan, row, currency)
            month = row.month.strftime("%Y-%m")
            out(
                console,
                cli_say("planned_figure", row.line, row.initiative, row.action, month, what),
            )
    print_dry_run_summary(console, plan, skip_bad=skip_bad)
    if not plan.rejected or skip_bad:
        print_figure_totals(console, plan, currency)


def print_figure_totals(console: Console, plan: FiguresPlan, currency: str) -> None:
    totals = plan.totals()
    if not totals:
        return
    out(console, cli_say("totals_heading", plan.kind))
    for name, total in totals.items():
        shown = format_money(total, currency) if plan.kind == "costs" else f"{total:,}"
        out(console, cli_say("total_line", name, shown))
