"""`aigov alerts check`: run the budget checks now."""

from __future__ import annotations

import click

from bot.cli.common import check_budgets, open_database
from templates import say


@click.group("alerts")
def alerts_group() -> None:
    """Budget alerts."""


@alerts_group.command("check")
def alerts_check() -> None:
    """Check every budget now; new alerts are sent (or queued for `aigov serve`)."""
    from bot.config import Settings

    settings = Settings()
    db = open_database(settings)
    with db.write() as session:
        result = check_budgets(session, settings)
    click.echo(say("alerts.j2", "checked", len(result.new), len(result.resolved), plain=True))
    if settings.slack_bot_token:
        from bot.runtime import Runtime, web_client

        rt = Runtime(settings=settings, db=db, client=web_client(settings))
        while rt.sender.run_once():
            pass
    db.dispose()
