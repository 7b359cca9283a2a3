"""What every `aigov` command shares: settings, the database, the actor, and printing.

`aigov --help` imports every command module to show its one-line help, so this module
(like each command module) imports only click and templates at the top; SQLAlchemy,
pydantic-settings, rich and slack_sdk are imported inside the function that needs them.
Every sentence comes from templates/cli.j2 and templates/errors.j2.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from templates import say, tables

if TYPE_CHECKING:
    from rich.console import Console

    from bot.config import Settings
    from storage.db import Database
    from workflows.budgets.alerts import CheckResult
    from workflows.core.errors import Problem
    from workflows.inventory.imports import BadRow

T = TypeVar("T")
TEMPLATE = "cli.j2"
PROGRESS_ABOVE_ROWS = 500


def help_text(key: str) -> str:
    """A command's or option's help, from the HELP table of templates/cli.j2."""
    return str(tables(TEMPLATE).HELP[key])


def cli_say(macro: str, *args: Any, **kwargs: Any) -> str:
    """A sentence of templates/cli.j2, as plain text."""
    return say(TEMPLATE, macro, *args, plain=True, **kwargs)


def load_settings() -> Settings:
    """The process settings; a bad variable is one line, never a traceback."""
    from pydantic import ValidationError

    from bot.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise click.ClickException(f"{first.get('loc', ['?'])[0]}: {first.get('msg')}") from None


def open_database(settings: Settings | None = None) -> Database:
    """The configured database, migrated to the latest schema."""
    from bot.config import Settings
    from storage.db import Database
    from storage.migrate import upgrade_if_needed

    settings = settings or Settings()
    db = Database(settings.database_url, setting_defaults=settings.setting_defaults())
    upgrade_if_needed(db)
    return db


def cli_actor() -> str:
    """Who ran the command, for `created_by` and the audit log."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = ""
    return f"cli:{user}"[:32] if user else "cli"


def check_budgets(
    session: Any, settings: Settings | None = None, *, now: Any = None
) -> CheckResult:
    """New cost data arrived: check budgets in the same transaction (alerts are queued
    in the outbox; a running `aigov serve` sends them)."""
    from bot.config import Settings
    from storage.models import utcnow
    from workflows.budgets import alerts
    from workflows.core.periods import today_in

    now = now or utcnow()
    return alerts.check(session, today=today_in((settings or Settings()).timezone, now), now=now)


# --- output --------------------------------------------------------------------------


def new_console(*, stderr: bool = False) -> Console:
    """A rich console for a command's lines (stderr: for progress and side notes)."""
    from rich.console import Console

    # soft_wrap: a long "line N: column: reason" stays one line when piped or captured.
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def out(console: Console, text: str) -> None:
    """One line exactly as written: no markup, no emoji codes."""
    console.print(text, markup=False, emoji=False)


def read_csv(console: Console, file: Path, read: Callable[[Any], T]) -> T:
    """Read a CSV file (a UTF-8 BOM is dropped) with `read`, and say how many rows were
    read; a file that cannot be opened is one line and exit code 1."""
    path = str(file)
    try:
        with file.open(encoding="utf-8-sig", newline="") as stream:
            table = read(stream)
    except OSError as exc:
        out(console, cli_say("unreadable", path, exc.strerror or str(exc)))
        raise click.exceptions.Exit(1) from exc
    rows, problems = table.rows, table.problems  # type: ignore[attr-defined]
    if rows or not problems:
        out(console, cli_say("rows_read", path, len(rows)))
    return table


@contextmanager
def progress(label: str, total: int, *, show: bool) -> Iterator[Callable[[int], None] | None]:
    """A transient progress bar on stderr (None when hidden: small inputs stay quiet)."""
    if not show or total == 0:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=new_console(stderr=True), transient=True) as bar:
        task = bar.add_task(str(tables(TEMPLATE).PROGRESS[label]), total=total)
        yield lambda n: bar.advance(task, n)


def reason(problem: Problem) -> str:
    """One problem as a sentence."""
    return say("errors.j2", "problem", problem.code, problem.params, plain=True)


def print_bad_rows(console: Console, rows: list[BadRow]) -> None:
    """Each problem of each bad row: "line N: column: reason"."""
    for row in rows:
        for column, problem in row.problems.items():
            out(console, cli_say("bad_row", row.line, column, reason(problem)))


def reject_rows(
    console: Console, path: str, file_problems: list[Problem], bad: list[BadRow], *, good: int
) -> NoReturn:
    """Print every problem, say nothing was imported, and exit with status 1."""
    for problem in file_problems:
        out(console, cli_say("file_problem", path, reason(problem)))
    if bad:
        print_bad_rows(console, bad)
        out(console, cli_say("rejected", len(bad), good))
    out(console, cli_say("nothing_imported"))
    raise click.exceptions.Exit(1)


def print_import_result(console: Console, result: Any) -> None:
    """The rows skipped (with --skip-bad) and the counts of an applied import."""
    if result.bad:
        out(console, cli_say("skipped_heading", len(result.bad)))
        print_bad_rows(console, result.bad)
    summary = cli_say(
        "import_summary",
        result.rows_read,
        result.created,
        result.updated,
        result.unchanged,
        result.skipped,
    )
    out(console, summary)


def print_dry_run_summary(console: Console, plan: Any, *, skip_bad: bool) -> None:
    """The end of every dry run: the bad rows being skipped, then the counts."""
    if plan.bad and skip_bad:
        out(console, cli_say("skipped_heading", len(plan.bad)))
        print_bad_rows(console, plan.bad)
    summary = cli_say(
        "dry_run_summary",
        plan.rows_read,
        plan.count("create"),
        plan.count("update"),
        plan.count("unchanged"),
        len(plan.bad),
        plan.rejected and not skip_bad,
    )
    out(console, summary)
