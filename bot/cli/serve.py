"""`aigov serve` and `aigov db upgrade`.

Bolt, the database and the scheduler load inside the commands (bot/run.py has them), so
listing `aigov --help` stays light.
"""

from __future__ import annotations

import click

from bot.cli.common import load_settings
from templates import say


@click.command("serve")
@click.option("--port", default=3000, show_default=True, help="HTTP port for /slack/events.")
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option(
    "--socket-mode", is_flag=True, help="Connect over Socket Mode (needs SLACK_APP_TOKEN)."
)
def serve(port: int, host: str, socket_mode: bool) -> None:
    """Run the bot."""
    settings = load_settings()
    missing = settings.missing_for_serve(socket_mode=socket_mode)
    if missing:
        raise click.ClickException(say("serve.j2", "missing", missing, plain=True))
    from bot.run import run

    run(settings, host=host, port=port, socket_mode=socket_mode)


@click.group("db")
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply schema migrations."""
    from storage.db import Database
    from storage.migrate import pending, upgrade

    database = Database(load_settings().database_url)
    todo = pending(database)
    upgrade(database)
    click.echo(say("serve.j2", "migrated", todo, plain=True))
