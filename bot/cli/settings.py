"""`aigov settings show|set`: the workspace settings an admin changes at run time.

The rules (names, validation, the audit log) are in workflows/core/settings.py,
imported inside the commands so `aigov --help` stays light.
"""

from __future__ import annotations

import sys

import click

from bot.cli.common import open_database
from templates import say


@click.group("settings")
def settings_group() -> None:
    """Read or change workspace settings."""


@settings_group.command("show")
def settings_show() -> None:
    """Every setting with its value."""
    from rich.console import Console
    from rich.table import Table

    from workflows.core import settings as ws

    database = open_database()
    with database.read() as session:
        rows = ws.show_all(session)
    table = Table("setting", "value", "")
    for key, value, default in rows:
        table.add_row(key, value, "default" if default else "")
    Console().print(table)


@settings_group.command("set")
@click.argument("key")
@click.argument("value")
@click.option("--as", "actor", default="cli", help="Who makes the change (for the audit log).")
def settings_set(key: str, value: str, actor: str) -> None:
    """Change a setting (validated and audited; no restart needed)."""
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
