"""`aigov report [--quarter 2026Q3] [--format md|html|csv] [--output FILE] [--chart FILE.png]`.

The data comes from workflows/reviews/report.py, the words from templates/report*.j2;
both, and matplotlib for the chart, load inside the command so `aigov --help` stays
light.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import open_database
from templates import say

if TYPE_CHECKING:
    from workflows.reviews.report import PortfolioReport

TEMPLATE = "report.j2"


def _help(key: str) -> str:
    return say(TEMPLATE, "help", key, plain=True)


def _load(quarter_text: str | None) -> PortfolioReport:
    from storage.models import utcnow
    from workflows.core import settings
    from workflows.core.periods import PeriodError, Quarter, last_completed_quarter, today_in
    from workflows.reviews.report import portfolio_report, workspace_timezone

    database = open_database()
    try:
        with database.read() as session:
            calendar = settings.calendar(session)
            tz = workspace_timezone(session)
            now = utcnow()
            if quarter_text is None:
                quarter = last_completed_quarter(calendar, tz, now)
            else:
                try:
                    quarter = Quarter.parse(quarter_text, calendar)
                except PeriodError:
                    raise click.ClickException(
                        say(TEMPLATE, "bad_quarter", quarter_text, plain=True)
                    ) from None
            return portfolio_report(session, quarter=quarter, today=today_in(tz, now))
    finally:
        database.dispose()


def _text(report: PortfolioReport, fmt: str) -> str:
    if fmt == "csv":
        from workflows.reviews.report import report_csv

        buffer = io.StringIO()
        report_csv(report, buffer)
        return buffer.getvalue()
    from bot.views.report import html, markdown

    return html(report) if fmt == "html" else markdown(report)


@click.command("report", help=_help("command"))
@click.option("--quarter", "quarter_text", default=None, metavar="QUARTER", help=_help("quarter"))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "csv"]),
    default="md",
    show_default=True,
    help=_help("format"),
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help=_help("output")
)
@click.option(
    "--chart", type=click.Path(dir_okay=False, path_type=Path), default=None, help=_help("chart")
)
def report(quarter_text: str | None, fmt: str, output: Path | None, chart: Path | None) -> None:
    """The portfolio report of a fiscal quarter."""
    data = _load(quarter_text)
    text = _text(data, fmt)
    try:
        if output is None:
            click.echo(text, nl=False)
        else:
            # newline="": the CSV writer's \r\n line ends stay as they are
            with output.open("w", encoding="utf-8", newline="") as stream:
                stream.write(text)
        if chart is not None:
            from bot.views.charts import spend_and_value_png

            chart.write_bytes(spend_and_value_png(data))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise click.ClickException(
            say(TEMPLATE, "cannot_write", exc.filename, reason, plain=True)
        ) from None
    # With the report on standard output, confirmations go to standard error.
    err = output is None
    if output is not None:
        click.echo(say(TEMPLATE, "written", "report", data.quarter_label, output, plain=True))
    if chart is not None:
        click.echo(
            say(TEMPLATE, "written", "chart", data.quarter_label, chart, plain=True), err=err
        )
