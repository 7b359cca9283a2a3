"""Charts as PNG bytes (matplotlib, headless).

Amounts are exact Decimals everywhere else; they become floats only here, as bar
lengths in pixels. Labels are formatted from the exact values.
"""

from __future__ import annotations

import io
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from babel.numbers import format_currency

from templates import environment, say
from workflows.core.money import MICROS
from workflows.reviews.report import PortfolioReport

TOP = 15
NAME_CHARS = 40
DPI = 100  # pixels per inch of figure: 1,000 pixels wide
_SPEND_COLOR = "#4a6fa5"
_VALUE_COLOR = "#6fb07f"


def _words() -> dict[str, str]:
    return dict(environment(plain=True).get_template("report.j2").module.CHART)


def _label(name: str, *, limit: int = NAME_CHARS) -> str:
    """A label: short, and never read as matplotlib mathtext (`$...$`)."""
    text = " ".join(name.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("$", r"\$")


def _tick(amount: float, currency: str, *, small: bool) -> str:
    """An axis tick: whole currency units ($12,000), or cents on a small scale ($2.50)."""
    value = Decimal(str(float(amount)))
    value = value.quantize(Decimal("0.01") if small else Decimal(1), rounding=ROUND_HALF_EVEN)
    pattern = "¤#,##0.00" if small else "¤#,##0"
    text = format_currency(
        value if value else Decimal(0),  # no "-$0"
        currency,
        format=pattern,
        locale="en_US",
        currency_digits=False,
    )
    return text.replace("$", r"\$")


def _bars(report: PortfolioReport, other: str) -> tuple[list[str], list[int], list[int]]:
    """(labels, spend micros, value micros): the top initiatives by spend, the rest as Other."""
    rows = sorted(report.rows, key=lambda r: (-r.spend_micros, r.name.casefold()))
    shown, rest = rows[:TOP], rows[TOP:]
    labels = [_label(r.name) for r in shown]
    spend = [r.spend_micros for r in shown]
    value = [r.value_micros or 0 for r in shown]
    if rest:
        labels.append(_label(other.format(count=len(rest))))
        spend.append(sum(r.spend_micros for r in rest))
        value.append(sum(r.value_micros or 0 for r in rest))
    return labels, spend, value


def spend_and_value_png(report: PortfolioReport, *, dpi: int = DPI) -> bytes:
    """A horizontal grouped bar chart of spend and value by initiative, as PNG bytes
    (`dpi` above DPI: the same chart in more pixels, for a page that is printed)."""
    import matplotlib

    matplotlib.use("Agg")  # headless, set before anything draws
    # The Figure API, not pyplot: no global figure state, safe in the bot's threads.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    words = _words()
    labels, spend, value = _bars(report, words["other"])
    height = max(3.0, 1.2 + 0.45 * max(len(labels), 1))
    fig = Figure(figsize=(10, height), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_title(_label(words["title"].format(quarter=report.quarter_label), limit=120))
    if labels:
        positions = list(range(len(labels)))
        bar = 0.4
        ax.barh(
            [p - bar / 2 for p in positions],
            [m / MICROS for m in spend],
            height=bar,
            label=words["spend"],
            color=_SPEND_COLOR,
        )
        ax.barh(
            [p + bar / 2 for p in positions],
            [m / MICROS for m in value],
            height=bar,
            label=words["value"],
            color=_VALUE_COLOR,
        )
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()  # the biggest spender on top
        ax.legend(loc="best")
    else:
        ax.set_yticks([])
        ax.text(0.5, 0.5, words["empty"], ha="center", va="center", transform=ax.transAxes)
    small = max([*spend, *value, 0]) < 100 * MICROS
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda x, _pos: _tick(x, report.currency, small=small))
    )
    ax.grid(axis="x", color="#e8e8e8")
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def answer_png(answer: Any) -> bytes | None:
    """A chart for an answer: bars for a table, a line for a trend; None if nothing to draw."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    rows = [(r.label, r.value) for r in answer.rows if isinstance(r.value, int | Decimal)]
    trend = [(m.label, v) for m, v in answer.trend]
    money = answer.query.measure in (
        "spend",
        "value",
        "forecast",
        "savings",
        "budget_use",
        "cost_per_outcome",
    )
    scale = 1_000_000 if money else 1
    figure = Figure(figsize=(8, 4.5), dpi=100)
    axes = figure.add_subplot()
    compared = answer.query.compare_to is not None and any(r.extra is not None for r in answer.rows)
    if rows and compared:
        _paired_bars(axes, answer, scale)
    elif rows:
        labels = [_label(label) for label, _ in rows][:20][::-1]
        values = [float(v) / scale for _, v in rows][:20][::-1]  # floats only as bar lengths
        axes.barh(labels, values, color="#457b9d")
    elif trend:
        axes.plot(
            [label for label, _ in trend],
            [v / scale for _, v in trend],
            marker="o",
            color="#457b9d",
        )
    else:
        return None
    axes.set_title(say("answers.j2", "chart_title", answer, plain=True).replace("$", r"\$"))
    axes.grid(axis="x" if rows else "y", alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _paired_bars(axes: Any, answer: Any, scale: int) -> None:
    """Each group's bar beside its bar for the period compared with (lighter), with a legend."""
    rows = answer.rows[:20][::-1]
    places = list(range(len(rows)))
    now = [float(r.value or 0) / scale for r in rows]  # floats only as bar lengths
    before = [float(r.extra or 0) / scale for r in rows]
    axes.barh([p + 0.2 for p in places], now, height=0.4, color="#457b9d")
    axes.barh([p - 0.2 for p in places], before, height=0.4, color="#a8dadc")
    axes.set_yticks(places, [_label(r.label) for r in rows])
    axes.legend([answer.query.period.label, answer.query.compare_to.label], loc="lower right")
