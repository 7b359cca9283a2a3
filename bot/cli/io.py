"""`aigov import inventory|costs|outcomes|focus FILE` and `aigov export inventory|costs`.

bot/cli.py mounts them: `main.add_command(import_group, "import")` and
`main.add_command(export_group, "export")`. The domain work is in workflows/imports.py,
workflows/cost_imports.py, workflows/focus.py and workflows/exports.py; `import costs`
and `import outcomes` run in bot/cli_costs.py, `import focus` in bot/cli_focus.py. This
module only opens files, the database and Slack, and prints. Every sentence comes from
templates/cli.j2 and templates/errors.j2.
"""

from __future__ import annotations

import getpass
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlalchemy import func
from sqlmodel import select

from bot.config import Settings
from bot.people import Directory
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Person, utcnow
from templates import say, tables
from workflows.core.errors import AigovError, Problem
from workflows.figures.exports import export_costs, export_inventory
from workflows.inventory.fields import MONEY_FIELDS, UserResolver
from workflows.inventory.imports import (
    BadRow,
    ImportPlan,
    apply_inventory_import,
    plan_inventory_import,
    read_inventory,
)

TEMPLATE = "cli.j2"
PROGRESS_ABOVE_ROWS = 500
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")
# Model attributes back to the CSV column a person wrote.
_COLUMN_OF = {
    "owner_id": "owner",
    "budget_micros": "budget_amount",
    **{attr: column for column, attr in MONEY_FIELDS.items()},
}


def _help(key: str) -> str:
    return str(tables(TEMPLATE).HELP[key])


def _say(macro: str, *args: Any, **kwargs: Any) -> str:
    return say(TEMPLATE, macro, *args, plain=True, **kwargs)


def open_database(settings: Settings | None = None) -> Database:
    """The configured database, migrated to the latest schema."""
    settings = settings or Settings()
    db = Database(settings.database_url, setting_defaults=settings.setting_defaults())
    upgrade(db)
    return db


def offline_resolver(db: Database) -> UserResolver:
    """Without a Slack token: well-formed user ids as they are, emails from `person`."""

    def resolve(text: str) -> str | None:
        value = text.strip()
        with db.read() as session:
            if _USER_ID.match(value):
                person = session.get(Person, value)
                return None if person is not None and person.deactivated else value
            if "@" not in value:
                return None
            query = select(Person).where(func.lower(Person.email) == value.lower())
            person = session.exec(query).first()
        return person.user_id if person is not None and not person.deactivated else None

    return resolve


def slack_resolver(settings: Settings, db: Database) -> UserResolver:
    """Slack's directory (users.info, users.lookupByEmail) when a token is set."""
    if not settings.slack_bot_token:
        return offline_resolver(db)
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=5))
    return Directory(client=client, db=db).resolve


def cli_actor() -> str:
    """Who ran the command, for `created_by` and the audit log."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = ""
    return f"cli:{user}"[:32] if user else "cli"


# --- output --------------------------------------------------------------------------


def _console(*, stderr: bool = False) -> Console:
    # soft_wrap: a long "line N: column: reason" stays one line when piped or captured.
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def print_import_result(console: Console, result: Any) -> None:
    """The rows skipped (with --skip-bad) and the counts of an applied import."""
    if result.bad:
        out(console, _say("skipped_heading", len(result.bad)))
        _print_bad_rows(console, result.bad)
    summary = _say(
        "import_summary",
        result.rows_read,
        result.created,
        result.updated,
        result.unchanged,
        result.skipped,
    )
    out(console, summary)


def out(console: Console, text: str) -> None:
    console.print(text, markup=False, emoji=False)


@contextmanager
def _progress(label: str, total: int, *, show: bool) -> Iterator[Callable[[int], None] | None]:
    if not show or total == 0:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=_console(stderr=True), transient=True) as bar:
        task = bar.add_task(str(tables(TEMPLATE).PROGRESS[label]), total=total)
        yield lambda n: bar.advance(task, n)


def reason(problem: Problem) -> str:
    """One problem as a sentence."""
    return say("errors.j2", "problem", problem.code, problem.params, plain=True)


def _print_bad_rows(console: Console, rows: list[BadRow]) -> None:
    for row in rows:
        for column, problem in row.problems.items():
            out(console, _say("bad_row", row.line, column, reason(problem)))


def _reject(console: Console, path: str, plan: ImportPlan) -> None:
    reject_rows(console, path, plan.file_problems, plan.bad, good=len(plan.rows))


def reject_rows(
    console: Console, path: str, file_problems: list[Problem], bad: list[BadRow], *, good: int
) -> NoReturn:
    """Print every problem, say nothing was imported, and exit with status 1."""
    for problem in file_problems:
        out(console, _say("file_problem", path, reason(problem)))
    if bad:
        _print_bad_rows(console, bad)
        out(console, _say("rejected", len(bad), good))
    out(console, _say("nothing_imported"))
    raise click.exceptions.Exit(1)


def _print_dry_run(console: Console, plan: ImportPlan, *, skip_bad: bool) -> None:
    for row in plan.rows:
        if row.action != "unchanged":
            columns = sorted({_COLUMN_OF.get(attr, attr) for attr in row.changes})
            out(console, _say("planned_row", row.line, row.name, row.action, columns))
    print_dry_run_summary(console, plan, skip_bad=skip_bad)


def print_dry_run_summary(console: Console, plan: Any, *, skip_bad: bool) -> None:
    """The end of every dry run: the bad rows being skipped, then the counts."""
    if plan.bad and skip_bad:
        out(console, _say("skipped_heading", len(plan.bad)))
        _print_bad_rows(console, plan.bad)
    summary = _say(
        "dry_run_summary",
        plan.rows_read,
        plan.count("create"),
        plan.count("update"),
        plan.count("unchanged"),
        len(plan.bad),
        plan.rejected and not skip_bad,
    )
    out(console, summary)


# --- import --------------------------------------------------------------------------


@click.group("import", help=_help("import"))
def import_group() -> None:
    pass


@import_group.command("inventory", help=_help("import_inventory"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help=_help("dry_run"))
@click.option("--skip-bad", is_flag=True, help=_help("skip_bad"))
def import_inventory(file: Path, dry_run: bool, skip_bad: bool) -> None:
    console = _console()
    path = str(file)
    try:
        with file.open(encoding="utf-8-sig", newline="") as stream:
            inventory = read_inventory(stream)
    except OSError as exc:
        out(console, _say("unreadable", path, exc.strerror or str(exc)))
        raise click.exceptions.Exit(1) from exc
    if inventory.rows or not inventory.problems:
        out(console, _say("rows_read", path, len(inventory.rows)))
    actor = cli_actor()
    if inventory.problems:
        plan = ImportPlan(actor, len(inventory.rows), inventory.columns, inventory.problems)
        _reject(console, path, plan)
    show = len(inventory.rows) > PROGRESS_ABOVE_ROWS
    settings = Settings()
    db = open_database(settings)
    try:
        owners = _resolve_owners(console, settings, db, inventory.owner_values(), show=show)
        if dry_run:
            with db.read() as session, _progress("rows", len(inventory.rows), show=show) as tick:
                plan = plan_inventory_import(
                    session, inventory, resolve_user=owners.get, actor=actor, progress=tick
                )
            _print_dry_run(console, plan, skip_bad=skip_bad)
            if plan.rejected and not skip_bad:
                _reject(console, path, plan)
            return
        with db.write() as session:
            with _progress("rows", len(inventory.rows), show=show) as tick:
                plan = plan_inventory_import(
                    session, inventory, resolve_user=owners.get, actor=actor, progress=tick
                )
            if plan.rejected and not skip_bad:
                _reject(console, path, plan)  # raises: the transaction rolls back
            result = apply_inventory_import(session, plan, actor=actor, skip_bad=skip_bad)
    except AigovError as exc:
        out(console, say("errors.j2", exc.code, plain=True, **exc.params))
        out(console, _say("nothing_imported"))
        raise click.exceptions.Exit(1) from exc
    finally:
        db.dispose()
    print_import_result(console, result)


def _resolve_owners(
    console: Console, settings: Settings, db: Database, values: list[str], *, show: bool
) -> dict[str, str | None]:
    """Every distinct owner, looked up before the write transaction opens.

    The directory caches people in the database through its own sessions; doing that
    while the import holds SQLite's write lock would wait on itself.
    """
    resolve = slack_resolver(settings, db)
    owners: dict[str, str | None] = {}
    try:
        with _progress("owners", len(values), show=show) as tick:
            for value in values:
                owners[value] = resolve(value)
                if tick is not None:
                    tick(1)
    except SlackApiError as exc:
        out(console, _say("slack_error", exc.response.get("error") or "error"))
        out(console, _say("nothing_imported"))
        raise click.exceptions.Exit(1) from exc
    return owners


# --- costs, outcomes, focus -----------------------------------------------------------


@import_group.command("costs", help=_help("import_costs"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help=_help("dry_run"))
@click.option("--skip-bad", is_flag=True, help=_help("skip_bad"))
def import_costs(file: Path, dry_run: bool, skip_bad: bool) -> None:
    from bot.cli.costs import run_figures_import

    run_figures_import("costs", file, dry_run=dry_run, skip_bad=skip_bad)


@import_group.command("outcomes", help=_help("import_outcomes"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help=_help("dry_run"))
@click.option("--skip-bad", is_flag=True, help=_help("skip_bad"))
def import_outcomes(file: Path, dry_run: bool, skip_bad: bool) -> None:
    from bot.cli.costs import run_figures_import

    run_figures_import("outcomes", file, dry_run=dry_run, skip_bad=skip_bad)


@import_group.command("focus", help=_help("import_focus"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help=_help("dry_run"))
@click.option("--skip-bad", is_flag=True, help=_help("skip_bad"))
@click.option(
    "--cost-column",
    type=click.Choice(["BilledCost", "EffectiveCost"], case_sensitive=False),
    default="BilledCost",
    show_default=True,
    help=_help("cost_column"),
)
@click.option("--tag-key", default="aigov-initiative", show_default=True, help=_help("tag_key"))
def import_focus(file: Path, dry_run: bool, skip_bad: bool, cost_column: str, tag_key: str) -> None:
    from bot.cli.focus import run_focus_import

    run_focus_import(
        file, dry_run=dry_run, skip_bad=skip_bad, cost_column=cost_column, tag_key=tag_key
    )


# --- export --------------------------------------------------------------------------


@click.group("export", help=_help("export"))
def export_group() -> None:
    pass


def _export_options(formats: list[str]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """--format and --output, the same on every export command."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        output = click.option(
            "--output",
            "-o",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help=_help("output"),
        )
        fmt = click.option(
            "--format",
            "fmt",
            type=click.Choice(formats),
            default="csv",
            show_default=True,
            help=_help("format"),
        )
        return fmt(output(command))

    return decorate


def _export(fmt: str, output: Path | None, write: Callable[..., int], done: str) -> None:
    """To stdout, or to a file written beside `output` and renamed (never half a file)."""
    db = open_database()
    try:
        with db.read() as session:
            if output is None:
                write(session, format=fmt, stream=sys.stdout)
                sys.stdout.flush()
                return
            count = _export_to_file(session, fmt, output, write)
    finally:
        db.dispose()
    out(_console(stderr=True), _say(done, count, str(output)))


@export_group.command("inventory", help=_help("export_inventory"))
@_export_options(["csv", "json"])
def export_inventory_command(fmt: str, output: Path | None) -> None:
    _export(fmt, output, export_inventory, "exported")


@export_group.command("costs", help=_help("export_costs"))
@_export_options(["csv", "json", "focus"])
def export_costs_command(fmt: str, output: Path | None) -> None:
    _export(fmt, output, export_costs, "exported_costs")


def _export_to_file(session: Any, fmt: str, output: Path, write: Callable[..., int]) -> int:
    """Write next to `output`, then rename: a failed export never leaves half a file."""
    # A BOM makes Excel read UTF-8 CSV correctly; the importer drops it again.
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    directory = output.resolve().parent
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as stream:
            count = write(session, format=fmt, stream=stream)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


def check_budgets(session: Any, settings: Settings | None = None, *, now: Any = None) -> Any:
    """New cost data arrived: check budgets in the same transaction (alerts are queued
    in the outbox; a running `aigov serve` sends them)."""
    from workflows.budgets import alerts
    from workflows.core.periods import today_in

    now = now or utcnow()
    return alerts.check(session, today=today_in((settings or Settings()).timezone, now), now=now)
