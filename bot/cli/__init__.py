"""The `aigov` command line: `main` and where each command lives.

Each command group is its own module under bot/cli/, imported only when the command is
named (click's lazily loaded subcommands). `aigov --help` still imports every module to
show its one-line help, so command modules import only click and templates at the top
and load the database, Slack and the domain inside the command that runs.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

import click

from bot.logs import configure_logging

# Command name -> "module:attribute" of its click command or group.
COMMANDS: dict[str, str] = {
    "alerts": "bot.cli.alerts:alerts_group",
    "ask": "bot.cli.ask:ask_command",
    "console": "bot.cli.offline:console",
    "cycle": "bot.cli.cycle:cycle_group",
    "db": "bot.cli.serve:db",
    "demo": "bot.cli.offline:demo",
    "export": "bot.cli.exports:export_group",
    "focus": "bot.cli.focus:focus_group",
    "import": "bot.cli.imports:import_group",
    "report": "bot.cli.report:report",
    "serve": "bot.cli.serve:serve",
    "settings": "bot.cli.settings:settings_group",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported by name when first asked for."""

    def __init__(self, *args: Any, lazy_subcommands: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_subcommands = lazy_subcommands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_subcommands])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy_subcommands:
            return super().get_command(ctx, cmd_name)
        module, attr = self.lazy_subcommands[cmd_name].split(":")
        command = getattr(importlib.import_module(module), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.lazy_subcommands[cmd_name]} is not a click command")
        return command


@click.group(
    cls=LazyGroup,
    lazy_subcommands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
def main(verbose: bool) -> None:
    """aigov: govern the company's AI portfolio from Slack."""
    configure_logging(logging.DEBUG if verbose else logging.INFO)
