"""`aigov cycle open|status|close`: review cycles from the command line.

They write the cycle, its requests and the outbox rows; with SLACK_BOT_TOKEN they also
send what is due, without it `aigov serve` sends it later (nothing here needs Slack).
The runtime (slack_sdk), the database and workflows/reviews load inside the commands,
so `aigov --help` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from bot.cli.common import cli_say, load_settings, open_database
from templates import say

if TYPE_CHECKING:
    from bot.runtime import Runtime

TEMPLATE = "review.j2"


def _runtime() -> Runtime:
    """The runtime; without SLACK_BOT_TOKEN it never calls Slack (the directory answers
    from its cache) and what it queues waits in the outbox for `aigov serve`."""
    from bot.people import Directory
    from bot.runtime import Runtime, web_client

    settings = load_settings()
    db = open_database(settings)
    rt = Runtime(settings=settings, db=db, client=web_client(settings))
    if not settings.slack_bot_token:
        rt.directory = Directory(client=None, db=db)
    return rt


def _has_slack(rt: Runtime) -> bool:
    return bool(rt.settings.slack_bot_token)


def _leader_groups(rt: Runtime) -> list[str]:
    """Leaders given as user groups: only Slack can say who is in them."""
    from workflows.core import settings as ws

    with rt.db.read() as session:
        configured = [*rt.settings.leaders, *ws.get(session, "leaders")]
    return [entry for entry in configured if entry.startswith("S")]


def _flush(rt: Runtime) -> int:
    """Send what is due now (a running `aigov serve` would too; sending is safe twice over)."""
    sent = 0
    while handled := rt.sender.run_once():
        sent += handled
    return sent


@click.group("cycle")
def cycle_group() -> None:
    """Quarterly review cycles."""


@cycle_group.command("open")
@click.option(
    "--quarter",
    "quarter_text",
    default=None,
    help="e.g. 2026Q3 (default: the last completed fiscal quarter).",
)
@click.option(
    "--now",
    "deliver_now",
    is_flag=True,
    help="Send prompts at once, not in each owner's working hours.",
)
@click.option("--as", "actor", default="cli", help="Who opens it (for the audit log).")
def cycle_open(quarter_text: str | None, deliver_now: bool, actor: str) -> None:
    """Open the review of a quarter and prompt every owner (once)."""
    from bot.schedule.cycles import default_quarter, open_now
    from workflows.core import settings as ws
    from workflows.core.periods import PeriodError, Quarter

    rt = _runtime()
    try:
        if quarter_text:
            with rt.db.read() as session:
                quarter = Quarter.parse(quarter_text, ws.calendar(session))
        else:
            quarter = default_quarter(rt)
    except PeriodError:
        raise click.ClickException(
            say("report.j2", "bad_quarter", quarter_text, plain=True)
        ) from None
    opened = open_now(rt, quarter=quarter, actor=actor, deliver_now=deliver_now)
    click.echo(say(TEMPLATE, "opened", quarter.label, opened.requests, opened.prompts, plain=True))
    if _has_slack(rt):
        _flush(rt)
    elif opened.requests:
        groups = bool(_leader_groups(rt))
        click.echo(cli_say("cycle_open_offline", opened.prompts, groups, deliver_now))
    rt.db.dispose()


@cycle_group.command("status")
def cycle_status() -> None:
    """Who has reported, who is late, what is decided."""
    from workflows.core import settings as ws
    from workflows.reviews import chasing, review

    db = open_database()
    with db.read() as session:
        cycle = review.current_cycle(session)
        if cycle is None:
            click.echo(say(TEMPLATE, "no_cycle", plain=True))
            return
        status = chasing.status(session, cycle=cycle)
        period = ws.calendar(session).quarter_of(cycle.period_start).describe()
        click.echo(say(TEMPLATE, "status", status, period, plain=True))
    db.dispose()


@cycle_group.command("close")
@click.option("--as", "actor", default="cli", help="Who closes it (for the audit log).")
def cycle_close(actor: str) -> None:
    """End the open cycle now and send the portfolio report to the leadership channel."""
    from storage.models import CycleStatus
    from workflows.reviews import review

    rt = _runtime()
    with rt.db.write() as session:
        cycle = review.current_cycle(session)
        if cycle is None or cycle.status != CycleStatus.OPEN:
            click.echo(say(TEMPLATE, "no_cycle", plain=True))
            return
        review.close(session, cycle=cycle, now=rt.now(), actor=actor)
        code = cycle.quarter
    click.echo(say(TEMPLATE, "closed", code, plain=True))
    if _has_slack(rt):
        _flush(rt)
    else:
        click.echo(cli_say("cycle_close_offline"))
    rt.db.dispose()
