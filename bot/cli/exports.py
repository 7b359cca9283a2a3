"""`aigov export inventory|costs [--format ...] [--output FILE]`.

The domain work is in workflows/figures/exports.py (imported inside the commands, so
`aigov --help` stays light); this module only opens the database and the file.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from bot.cli.common import cli_say, help_text, new_console, open_database, out


@click.group("export", help=help_text("export"))
def export_group() -> None:
    pass


def _export_options(formats: list[str]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """--format and --output, the same on every export command."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        output = click.option(
            "--output",
            "-o",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help=help_text("output"),
        )
        fmt = click.option(
            "--format",
            "fmt",
            type=click.Choice(formats),
            default="csv",
            show_default=True,
            help=help_text("format"),
        )
        return fmt(output(command))

    return decorate


def _export(fmt: str, output: Path | None, write: Callable[..., int], done: str) -> None:
    """To stdout, or to a file written beside `output` and renamed (never half a file)."""
    db = open_database()
    try:
        with db.read() as session:
            if output is None:
                write(session, format=fmt, stream=sys.stdout)
                sys.stdout.flush()
                return
            count = _export_to_file(session, fmt, output, write)
    finally:
        db.dispose()
    out(new_console(stderr=True), cli_say(done, count, str(output)))


@export_group.command("inventory", help=help_text("export_inventory"))
@_export_options(["csv", "json"])
def export_inventory_command(fmt: str, output: Path | None) -> None:
    from workflows.figures.exports import export_inventory

    _export(fmt, output, export_inventory, "exported")


@export_group.command("costs", help=help_text("export_costs"))
@_export_options(["csv", "json", "focus"])
def export_costs_command(fmt: str, output: Path | None) -> None:
    from workflows.figures.exports import export_costs

    _export(fmt, output, export_costs, "exported_costs")


def _export_to_file(session: Any, fmt: str, output: Path, write: Callable[..., int]) -> int:
    """Write next to `output`, then rename: a failed export never leaves half a file."""
    # A BOM makes Excel read UTF-8 CSV correctly; the importer drops it again.
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    directory = output.resolve().parent
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as stream:
            count = write(session, format=fmt, stream=stream)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count
