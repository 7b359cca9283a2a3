"""The `aigov` command line."""

from __future__ import annotations

import logging
import sys

import click
from pydantic import ValidationError

from bot.config import Settings
from bot.logs import configure_logging
from templates import say

TEMPLATE = "cli.j2"


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise click.ClickException(f"{first.get('loc', ['?'])[0]}: {first.get('msg')}") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
def main(verbose: bool) -> None:
    """aigov: govern the company's AI portfolio from Slack."""
    configure_logging(logging.DEBUG if verbose else logging.INFO)


@main.command()
@click.option("--port", default=3000, show_default=True, help="HTTP port for /slack/events.")
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option(
    "--socket-mode", is_flag=True, help="Connect over Socket Mode (needs SLACK_APP_TOKEN)."
)
def serve(port: int, host: str, socket_mode: bool) -> None:
    """Run the bot."""
    settings = _settings()
    missing = settings.missing_for_serve(socket_mode=socket_mode)
    if missing:
        raise click.ClickException(say("serve.j2", "missing", missing, plain=True))
    from bot.run import run

    run(settings, host=host, port=port, socket_mode=socket_mode)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply schema migrations."""
    from storage.db import Database
    from storage.migrate import pending, upgrade

    database = Database(_settings().database_url)
    todo = pending(database)
    upgrade(database)
    click.echo(say("serve.j2", "migrated", todo, plain=True))


@main.group()
def settings() -> None:
    """Read or change workspace settings."""


@settings.command("show")
def settings_show() -> None:
    """Every setting with its value."""
    from bot.cli.io import open_database
    from workflows.core import settings as ws

    database = open_database()
    with database.read() as session:
        rows = ws.show_all(session)
    from rich.console import Console
    from rich.table import Table

    table = Table("setting", "value", "")
    for key, value, default in rows:
        table.add_row(key, value, "default" if default else "")
    Console().print(table)


@settings.command("set")
@click.argument("key")
@click.argument("value")
@click.option("--as", "actor", default="cli", help="Who makes the change (for the audit log).")
def settings_set(key: str, value: str, actor: str) -> None:
    """Change a setting (validated and audited; no restart needed)."""
    from bot.cli.io import open_database
    from workflows.core import settings as ws
    from workflows.core.errors import Invalid

    database = open_database()
    try:
        with database.write() as session:
            ws.put(session, key=key, text=value, actor=actor, source="cli")
            shown = dict((k, v) for k, v, _ in ws.show_all(session))[key]
    except Invalid as exc:
        problem = next(iter(exc.problems.values()))
        click.echo(say("errors.j2", "problem", problem.code, problem.params, plain=True), err=True)
        sys.exit(2)
    click.echo(say("serve.j2", "setting_saved", key, shown, plain=True))


@main.command()
@click.option(
    "--keep", type=click.Path(), default=None, help="Keep the demo database at this path."
)
def demo(keep: str | None) -> None:
    """The offline story: a sample portfolio against the built-in Slack emulator."""
    from bot.offline.demo.play import run_demo

    run_demo(keep=keep)


@main.command()
@click.option(
    "--user", "user_id", default="U0ADMIN", show_default=True, help="Who you are in the workspace."
)
@click.option("--database", default=None, help="Database URL (default: a fresh demo workspace).")
def console(user_id: str, database: str | None) -> None:
    """Talk to the bot as a workspace user, in the terminal."""
    from bot.offline.console import run_console

    run_console(user_id=user_id, database_url=database)


def _register_io() -> None:
    from bot.cli.alerts import alerts_group
    from bot.cli.ask import ask_command
    from bot.cli.cycle import cycle_group
    from bot.cli.focus import focus_group
    from bot.cli.io import export_group, import_group
    from bot.cli.report import report

    main.add_command(import_group, "import")
    main.add_command(export_group, "export")
    main.add_command(focus_group, "focus")
    main.add_command(report, "report")
    main.add_command(cycle_group, "cycle")
    main.add_command(alerts_group, "alerts")
    main.add_command(ask_command, "ask")


_register_io()
