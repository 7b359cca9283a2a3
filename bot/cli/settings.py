"""`aigov settings show|set`: the workspace settings an admin changes at run time.

The rules (names, validation, the audit log) are in workflows/core/settings.py,
imported inside the commands so `aigov --help` stays light.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from bot.cli.common import open_database
from templates import say

if TYPE_CHECKING:
    from bot.config import Settings
    from storage.db import Database


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
    if key == "governance_channel" and value:
        warning = channel_warning(database, value)
        if warning:
            click.echo(warning, err=True)


def channel_warning(database: Database, channel: str) -> str:
    """A warning when the channel has members who may not see every figure (the
    channel rule); a note when Slack cannot be asked; nothing when all may see them."""
    from bot.cli.common import load_settings

    settings = load_settings()
    counted = _count_barred(database, settings, channel) if settings.slack_bot_token else None
    if counted is None:
        return say("serve.j2", "channel_unchecked", channel, plain=True)
    barred, total = counted
    return say("serve.j2", "channel_warning", channel, barred, total, plain=True) if barred else ""


def _count_barred(database: Database, settings: Settings, channel: str) -> tuple[int, int] | None:
    """(members who do not see the whole portfolio, members), None if Slack would not say."""
    from bot.audience import Audience
    from bot.people import Directory
    from bot.runtime import web_client
    from workflows.core.access import Viewer, viewer_for

    client = web_client(settings)
    directory = Directory(client=client, db=database)

    def viewer(user_id: str) -> Viewer:
        with database.read() as session:
            return viewer_for(
                session,
                user_id,
                env_admins=settings.admins,
                env_leaders=settings.leaders,
                group_members=directory.group_members,
            )

    try:  # any failure to reach Slack (network, auth) means "could not check"
        bot = client.auth_test().get("user_id")
        audience = Audience(client=client, viewer=viewer, bot_user_id=lambda: bot)
        members = audience.members(channel)
        barred = audience.not_all_figures(channel)
    except Exception:
        return None
    if members is None or barred is None:
        return None
    return barred, len(members)
