"""`aigov import inventory|costs|outcomes|focus FILE`.

`import inventory` runs here; `import costs` and `import outcomes` run in
bot/cli/costs.py, `import focus` in bot/cli/focus.py. The domain work is in
workflows/inventory/imports.py, workflows/figures/cost_imports.py and
workflows/figures/focus.py; this module only opens files, the database and Slack, and
prints. Every sentence comes from templates/cli.j2 and templates/errors.j2.

Light at import time (`aigov --help` loads it): the domain, the database and slack_sdk
are imported inside the commands.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import (
    PROGRESS_ABOVE_ROWS,
    cli_actor,
    cli_say,
    help_text,
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

if TYPE_CHECKING:
    from rich.console import Console

    from bot.config import Settings
    from storage.db import Database
    from workflows.inventory.fields import UserResolver
    from workflows.inventory.imports import ImportPlan

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")


def offline_resolver(db: Database) -> UserResolver:
    """Without a Slack token: well-formed user ids as they are, emails from `person`."""
    from sqlalchemy import func
    from sqlmodel import select

    from storage.models import Person

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
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    from bot.people import Directory

    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=5))
    return Directory(client=client, db=db).resolve


def _column_of(attr: str) -> str:
    """A model attribute back to the CSV column a person wrote."""
    from workflows.inventory.fields import MONEY_FIELDS

    columns = {
        "owner_id": "owner",
        "budget_micros": "budget_amount",
        **{field: column for column, field in MONEY_FIELDS.items()},
    }
    return columns.get(attr, attr)


def _reject(console: Console, path: str, plan: ImportPlan) -> None:
    reject_rows(console, path, plan.file_problems, plan.bad, good=len(plan.rows))


def _print_dry_run(console: Console, plan: ImportPlan, *, skip_bad: bool) -> None:
    for row in plan.rows:
        if row.action != "unchanged":
            columns = sorted({_column_of(attr) for attr in row.changes})
            out(console, cli_say("planned_row", row.line, row.name, row.action, columns))
    print_dry_run_summary(console, plan, skip_bad=skip_bad)


@click.group("import", help=help_text("import"))
def import_group() -> None:
    pass


@import_group.command("inventory", help=help_text("import_inventory"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help=help_text("dry_run"))
@click.option("--skip-bad", is_flag=True, help=help_text("skip_bad"))
def import_inventory(file: Path, dry_run: bool, skip_bad: bool) -> None:
    from bot.config import Settings
    from workflows.core.errors import AigovError
    from workflows.inventory.imports import (
        ImportPlan,
        apply_inventory_import,
        plan_inventory_import,
        read_inventory,
    )

    console = new_console()
    path = str(file)
    inventory = read_csv(console, file, read_inventory)
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
            with db.read() as session, progress("rows", len(inventory.rows), show=show) as tick:
                plan = plan_inventory_import(
                    session, inventory, resolve_user=owners.get, actor=actor, progress=tick
                )
            _print_dry_run(console, plan, skip_bad=skip_bad)
            if plan.rejected and not skip_bad:
                _reject(console, path, plan)
            return
        with db.write() as session:
            with progress("rows", len(inventory.rows), show=show) as tick:
                plan = plan_inventory_import(
                    session, inventory, resolve_user=owners.get, actor=actor, progress=tick
                )
            if plan.rejected and not skip_bad:
                _reject(console, path, plan)  # raises: the transaction rolls back
            result = apply_inventory_import(session, plan, actor=actor, skip_bad=skip_bad)
    except AigovError as exc:
        out(console, say("errors.j2", exc.code, plain=True, **exc.params))
        out(console, cli_say("nothing_imported"))
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
    from slack_sdk.errors import SlackApiError

    resolve = slack_resolver(settings, db)
    owners: dict[str, str | None] = {}
    try:
        with progress("owners", len(values), show=show) as tick:
            for value in values:
                owners[value] = resolve(value)
                if tick is not None:
                    tick(1)
    except SlackApiError as exc:
        out(console, cli_say("slack_error", exc.response.get("error") or "error"))
        out(console, cli_say("nothing_imported"))
        raise click.exceptions.Exit(1) from exc
    return owners


# --- costs, outcomes, focus: declared here, run in bot/cli/costs.py and bot/cli/focus.py


@import_group.command("costs", help=help_text("import_costs"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help=help_text("dry_run"))
@click.option("--skip-bad", is_flag=True, help=help_text("skip_bad"))
def import_costs(file: Path, dry_run: bool, skip_bad: bool) -> None:
    from bot.cli.costs import run_figures_import

    run_figures_import("costs", file, dry_run=dry_run, skip_bad=skip_bad)


@import_group.command("outcomes", help=help_text("import_outcomes"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help=help_text("dry_run"))
@click.option("--skip-bad", is_flag=True, help=help_text("skip_bad"))
def import_outcomes(file: Path, dry_run: bool, skip_bad: bool) -> None:
    from bot.cli.costs import run_figures_import

    run_figures_import("outcomes", file, dry_run=dry_run, skip_bad=skip_bad)


@import_group.command("focus", help=help_text("import_focus"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help=help_text("dry_run"))
@click.option("--skip-bad", is_flag=True, help=help_text("skip_bad"))
@click.option(
    "--cost-column",
    type=click.Choice(["BilledCost", "EffectiveCost"], case_sensitive=False),
    default="BilledCost",
    show_default=True,
    help=help_text("cost_column"),
)
@click.option("--tag-key", default="aigov-initiative", show_default=True, help=help_text("tag_key"))
def import_focus(file: Path, dry_run: bool, skip_bad: bool, cost_column: str, tag_key: str) -> None:
    from bot.cli.focus import run_focus_import

    run_focus_import(
        file, dry_run=dry_run, skip_bad=skip_bad, cost_column=cost_column, tag_key=tag_key
    )
