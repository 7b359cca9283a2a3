"""`aigov focus map add|list|remove`, and running `aigov import focus FILE` (declared in
bot/cli/imports.py).

The domain work is in workflows/figures/focus.py and workflows/figures/focus_rules.py
(imported inside the functions, so `aigov --help` stays light); every sentence comes
from templates/cli.j2 and templates/errors.j2.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import (
    check_budgets,
    cli_actor,
    cli_say,
    help_text,
    new_console,
    open_database,
    out,
    print_bad_rows,
    reason,
    reject_rows,
)
from templates import say, tables

if TYPE_CHECKING:
    from rich.console import Console

    from workflows.figures.focus import FocusPlan

# Files above this size (about 500 FOCUS rows) get a progress bar.
PROGRESS_ABOVE_BYTES = 512 * 1024


@contextmanager
def _byte_progress(total: int) -> Iterator[Callable[[int], None] | None]:
    if total <= PROGRESS_ABOVE_BYTES:
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn())
    with Progress(*columns, console=new_console(stderr=True), transient=True) as bar:
        task = bar.add_task(str(tables("cli.j2").PROGRESS["focus"]), total=total)
        yield lambda n: bar.advance(task, n)
        bar.update(task, completed=total)


def run_focus_import(
    file: Path, *, dry_run: bool, skip_bad: bool, cost_column: str, tag_key: str
) -> None:
    """Read, map and (unless a dry run) store a FOCUS export; print the summary.

    The file is read and mapped in a read transaction; only storing the new lines takes
    the write lock (on SQLite a long import must not block the running bot). Storing
    dedupes by row identity again, so a concurrent import of the same rows is harmless.
    """
    from workflows.core.errors import AigovError
    from workflows.core.settings import get as settings_get
    from workflows.figures.focus import apply_focus_import, plan_focus_import

    console = new_console()
    path = str(file)
    db = open_database()
    try:
        with (
            db.read() as session,
            file.open(encoding="utf-8-sig", newline="") as stream,
            _byte_progress(file.stat().st_size) as tick,
        ):
            currency = str(settings_get(session, "currency"))
            plan = plan_focus_import(
                session,
                stream,
                currency=currency,
                cost_column=cost_column,
                tag_key=tag_key,
                origin=file.name,
                progress=tick,
            )
        if plan.rows_read or not plan.file_problems:
            out(console, cli_say("rows_read", path, plan.rows_read))
        if plan.bad and skip_bad:
            out(console, cli_say("skipped_heading", len(plan.bad)))
            print_bad_rows(console, plan.bad)
        if plan.file_problems or (plan.bad and not skip_bad):
            good = plan.rows_read - len(plan.bad)
            reject_rows(console, path, plan.file_problems, plan.bad, good=good)
        if not dry_run:
            with db.write() as session:
                result = apply_focus_import(session, plan, actor=cli_actor(), skip_bad=skip_bad)
                checked = check_budgets(session)
                out(
                    console,
                    say(
                        "alerts.j2", "checked", len(checked.new), len(checked.resolved), plain=True
                    ),
                )
            plan.already = result.already  # what the write found, not the plan
    except OSError as exc:
        out(console, cli_say("unreadable", path, exc.strerror or str(exc)))
        raise click.exceptions.Exit(1) from exc
    except AigovError as exc:
        out(console, say("errors.j2", exc.code, plain=True, **exc.params))
        out(console, cli_say("nothing_imported"))
        raise click.exceptions.Exit(1) from exc
    finally:
        db.dispose()
    print_focus_summary(console, plan, currency, dry_run=dry_run, tag_key=tag_key)


def print_focus_summary(
    console: Console, plan: FocusPlan, currency: str, *, dry_run: bool, tag_key: str
) -> None:
    """The counts of a FOCUS import, its totals per initiative, and what did not map."""
    from workflows.core.money import format_money

    summary = cli_say(
        "focus_summary",
        plan.rows_read,
        plan.new,
        plan.already,
        len(plan.bad),
        plan.unmapped,
        dry_run,
    )
    out(console, summary)

    def money(micros: int) -> str:
        return format_money(micros, currency, micros=True)

    totals = plan.totals_by_name()
    if totals:
        out(console, cli_say("focus_totals_heading", plan.cost_column, currency))
        for name, micros in totals.items():
            out(console, cli_say("total_line", name, money(micros)))
    if plan.unmapped:
        services = [(name, money(micros)) for name, micros in plan.top_unmapped()]
        out(
            console, cli_say("focus_unmapped", plan.unmapped, money(plan.unmapped_micros), services)
        )
    if plan.already_differ:
        out(console, cli_say("focus_amounts_differ", plan.already_differ, plan.cost_column))
    if plan.unknown_tags:
        values = sorted(plan.unknown_tags.items(), key=lambda item: (-item[1], item[0]))[:5]
        out(console, cli_say("focus_unknown_tags", tag_key, values))


# --- aigov focus map ---------------------------------------------------------------------


@click.group("focus", help=help_text("focus"))
def focus_group() -> None:
    pass


@focus_group.group("map", help=help_text("focus_map"))
def map_group() -> None:
    pass


@map_group.command("add", help=help_text("focus_map_add"))
@click.option("--tag", "tag", default=None, metavar="KEY=VALUE", help=help_text("map_tag"))
@click.option("--service", default=None, metavar="NAME", help=help_text("map_service"))
@click.option("--subaccount", default=None, metavar="NAME", help=help_text("map_subaccount"))
@click.option(
    "--resource-prefix", default=None, metavar="PREFIX", help=help_text("map_resource_prefix")
)
@click.option("--initiative", required=True, metavar="NAME", help=help_text("map_initiative"))
@click.option("--category", default="inference", show_default=True, help=help_text("map_category"))
@click.option("--as", "actor", default=None, help=help_text("as_actor"))
def map_add(
    tag: str | None,
    service: str | None,
    subaccount: str | None,
    resource_prefix: str | None,
    initiative: str,
    category: str,
    actor: str | None,
) -> None:
    from workflows.figures.focus_rules import add_rule

    console = new_console()
    given = {
        "tag": tag,
        "service": service,
        "subaccount": subaccount,
        "resource_prefix": resource_prefix,
    }
    chosen = [(match, value) for match, value in given.items() if value is not None]
    if len(chosen) != 1:
        out(console, cli_say("map_needs_one"))
        raise click.exceptions.Exit(2)
    match, value = chosen[0]
    key = ""
    if match == "tag":
        key, sep, value = value.partition("=")
        if not sep or not key.strip() or not value.strip():
            out(console, cli_say("map_bad_tag", tag))
            raise click.exceptions.Exit(2)
    with _domain_errors(console):
        db = open_database()
        try:
            with db.write() as session:
                rule = add_rule(
                    session,
                    match=match,
                    key=key,
                    value=value,
                    initiative=initiative,
                    category=category,
                    actor=actor or cli_actor(),
                )
        finally:
            db.dispose()
    out(console, cli_say("rule_added", rule))


@map_group.command("list", help=help_text("focus_map_list"))
def map_list() -> None:
    from workflows.figures.focus_rules import list_rules

    console = new_console()
    db = open_database()
    try:
        with db.read() as session:
            rules = list_rules(session)
    finally:
        db.dispose()
    if not rules:
        out(console, cli_say("no_rules"))
    for rule in rules:
        out(console, cli_say("rule_line", rule))


@map_group.command("remove", help=help_text("focus_map_remove"))
@click.argument("rule_id", type=int, metavar="ID")
@click.option("--as", "actor", default=None, help=help_text("as_actor"))
def map_remove(rule_id: int, actor: str | None) -> None:
    from workflows.figures.focus_rules import remove_rule

    console = new_console()
    with _domain_errors(console):
        db = open_database()
        try:
            with db.write() as session:
                rule = remove_rule(session, rule_id=rule_id, actor=actor or cli_actor())
        finally:
            db.dispose()
    out(console, cli_say("rule_removed", rule))


@contextmanager
def _domain_errors(console: Console) -> Iterator[None]:
    """A domain error as sentences and exit status 1 (bad input: 2), never a traceback."""
    from workflows.core.errors import AigovError, Invalid

    try:
        yield
    except Invalid as exc:
        for column, problem in exc.problems.items():
            out(console, f"{column}: {reason(problem)}")
        raise click.exceptions.Exit(2) from exc
    except AigovError as exc:
        out(console, say("errors.j2", exc.code, plain=True, **exc.params))
        raise click.exceptions.Exit(1) from exc
