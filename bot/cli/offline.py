"""`aigov demo` and `aigov console`: the offline world (bot/offline/), loaded only when
one of them runs."""

from __future__ import annotations

import click


@click.command("demo")
@click.option(
    "--keep", type=click.Path(), default=None, help="Keep the demo database at this path."
)
def demo(keep: str | None) -> None:
    """The offline story: a sample portfolio against the built-in Slack emulator."""
    from bot.offline.demo.play import run_demo

    run_demo(keep=keep)


@click.command("console")
@click.option(
    "--user", "user_id", default="U0ADMIN", show_default=True, help="Who you are in the workspace."
)
@click.option("--database", default=None, help="Database URL (default: a fresh demo workspace).")
def console(user_id: str, database: str | None) -> None:
    """Talk to the bot as a workspace user, in the terminal."""
    from bot.offline.console import run_console

    run_console(user_id=user_id, database_url=database)
