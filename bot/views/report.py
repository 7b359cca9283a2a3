"""The portfolio report's views: the Block Kit summary for the leadership channel, and
the full report as Markdown or a standalone HTML page (the file posted with it).

The data is `workflows.reviews.report.PortfolioReport`; the words are templates/report.j2
(summary), templates/report.md.j2 and templates/report.html.j2.
"""

from __future__ import annotations

import base64
import re
import struct
from dataclasses import dataclass

from bot.outbox.message import File
from bot.views import blocks as bk
from bot.views import charts
from templates import people, render, render_html, say
from workflows.reviews.report import PortfolioReport

TEMPLATE = "report.j2"
# The HTML page's chart has twice the pixels it is shown at, so it stays sharp printed.
CHART_SCALE = 2
# Characters that start emphasis, code, links, table cells, raw HTML or entities in
# (CommonMark / GitHub) Markdown; a backslash makes each one literal.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def md_escape(value: object) -> str:
    """User text shown literally in Markdown: no emphasis, links, tables or raw HTML."""
    text = " ".join(str(value or "").split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown(report: PortfolioReport, currency: str | None = None) -> str:
    """The full report as Markdown."""
    with people(report.people):
        text = render(
            "report.md.j2",
            plain=True,
            report=report,
            currency=currency or report.currency,
            md=md_escape,
        )
    return text + "\n"


def markdown_file(report: PortfolioReport, currency: str | None = None) -> File:
    """The full report as a Markdown file (posted with the summary, or to who asked)."""
    return File(
        content=markdown(report, currency).encode("utf-8"),
        filename=f"aigov-report-{report.quarter_code}.md",
        title=say(TEMPLATE, "file_title", report.quarter_label, plain=True),
    )


def chart_file(report: PortfolioReport) -> File:
    """Spend and value per initiative as a PNG file."""
    return File(
        content=charts.spend_and_value_png(report),
        filename=f"aigov-{report.quarter_code}.png",
        title=say(TEMPLATE, "chart_title", report.quarter_label, plain=True),
    )


@dataclass(frozen=True)
class InlineImage:
    """A PNG inside the page itself (a data: URI), with its size in CSS pixels."""

    src: str
    width: int
    height: int


def inline_png(png: bytes, *, scale: int = 1) -> InlineImage:
    """`png` as a data: URI; `scale` pixels per CSS pixel (2: sharp on paper and retina)."""
    # The IHDR chunk right after the 8-byte signature: width and height, big-endian.
    width, height = struct.unpack(">II", png[16:24])
    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return InlineImage(src=src, width=width // scale, height=height // scale)


def html(report: PortfolioReport, currency: str | None = None) -> str:
    """The full report as a standalone HTML page (every value escaped): the chart inline,
    people by name, nothing loaded from anywhere, so it opens offline and prints as is."""
    png = charts.spend_and_value_png(report, dpi=charts.DPI * CHART_SCALE)
    image = inline_png(png, scale=CHART_SCALE)
    with people(report.people):
        page = render_html(
            "report.html.j2",
            report=report,
            currency=currency or report.currency,
            chart=image,
        )
    return page + "\n"


def _packed(text: str) -> list[bk.Block]:
    """Lines packed into as few sections as fit Slack's 3,000 characters."""
    return bk.sections(text.splitlines())


def summary_blocks(report: PortfolioReport, currency: str) -> list[bk.Block]:
    """A Block Kit summary: header, totals, departments, decisions, top and bottom, late
    reporters, sources. Lists are capped, so it stays far below 50 blocks."""
    blocks: list[bk.Block] = [
        bk.header(say(TEMPLATE, "title", report.quarter_label, plain=True)),
        bk.context(say(TEMPLATE, "summary_period", report)),
        *_packed(say(TEMPLATE, "summary_totals", report, currency)),
    ]
    if report.spend_by_department:
        blocks += _packed(say(TEMPLATE, "summary_departments", report, currency))
    blocks += [bk.divider(), *_packed(say(TEMPLATE, "summary_decisions", report))]
    top = say(TEMPLATE, "top_heading", plain=True)
    blocks += _packed(say(TEMPLATE, "summary_ranked", top, report.top, currency))
    if report.bottom:
        bottom = say(TEMPLATE, "bottom_heading", plain=True)
        blocks += _packed(say(TEMPLATE, "summary_ranked", bottom, report.bottom, currency))
    blocks += _packed(say(TEMPLATE, "summary_late", report))
    blocks.append(bk.context(say(TEMPLATE, "summary_sources", report)))
    return blocks[: bk.MESSAGE_BLOCKS]
