"""Period wordings around `workflows.core.periods.resolve`: normalising, spotting, defaults, shifts."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from datetime import date

from workflows.core.periods import MONTH_NAMES, FiscalCalendar, Month, Period, Quarter
from workflows.questions.lexicon import NUMBER_WORDS, word_list

OUTCOME_MEASURES = frozenset(
    {"cost_per_outcome", "value", "value_per_ai_dollar", "roi", "outcomes", "savings"}
)
_STARTS = frozenset(
    word_list(
        "this last past previous prior trailing current next the since between from ytd mtd qtd"
        " fytd year quarter month fiscal"
    )
)
_START_RX = re.compile(r"q[1-4].*|h[12].*|fy.*|[0-9]{4}(?:[-q].*)?")
_MONTHS = "|".join(sorted(MONTH_NAMES, key=len, reverse=True))
_NUMS = "|".join(NUMBER_WORDS)
_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
}
_DELTA = {"this": 0, "current": 0, "last": -1, "previous": -1, "prior": -1, "next": 1}


def _rx(body: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![^ ])(?:{body})(?![^ ])")


def _rewrite(
    written: list[str],
    low: list[str],
    pattern: re.Pattern[str],
    repl: Callable[[re.Match[str]], str],
) -> tuple[list[str], list[str]]:
    """Replace matches (on whole words) of the lower-cased words; the written words follow."""
    view = " ".join(low)
    starts, pos = [], 0
    for word in low:
        starts.append(pos)
        pos += len(word) + 1
    out_written: list[str] = []
    out_low: list[str] = []
    done = 0
    for match in pattern.finditer(view):
        if match.end() == match.start():
            continue
        first = bisect_right(starts, match.start()) - 1
        last = bisect_right(starts, match.end() - 1)
        if first < done:
            continue
        out_written += written[done:first]
        out_low += low[done:first]
        new = repl(match).split()
        out_written += new
        out_low += new
        done = last
    return out_written + written[done:], out_low + low[done:]


def _year(text: str) -> str:
    """'26' -> '2026'; four digits as they are."""
    return text if len(text) == 4 else f"20{text}"


def normalise_periods(
    written: list[str], low: list[str], cal: FiscalCalendar, today: date
) -> tuple[list[str], list[str]]:
    """'third quarter' -> 'q3', 'fy26' -> 'fy2026', 'q3 last year' -> 'q3 2025', 'ttm'..."""
    fy_now = cal.fiscal_year(today)

    def number(m: re.Match[str]) -> str:
        return m.group(0).replace(m["n"], str(NUMBER_WORDS[m["n"]]))

    def many(m: re.Match[str]) -> str:
        factor = 3 if m["unit"].startswith("quarter") else 12
        return f"last {int(m['count']) * factor} months"

    def of_year(m: re.Match[str]) -> str:
        return f"{m['p']} {fy_now + _DELTA[m['rel']]}"

    def month_of_year(m: re.Match[str]) -> str:  # the month in that fiscal year
        months = cal.year(fy_now + _DELTA[m["rel"]]).months()
        month = next(x for x in months if x.month == MONTH_NAMES[m["m"]])
        return f"{m['m']} {month.year}"

    rules: list[tuple[str, Callable[[re.Match[str]], str]]] = [
        (rf"(?:top|bottom|last|past|next|previous|trailing|first|the) (?P<n>{_NUMS})", number),
        (
            rf"(?P<n>{_NUMS})(?= (?:most|cheapest|biggest|largest|highest|lowest|least|smallest"
            r"|days?|weeks?|months?|quarters?|years?|initiatives?|departments?|providers?|models?)(?![^ ]))",
            number,
        ),
        (r"ttm|trailing (?:twelve|12) months", lambda m: "last 12 months"),
        (r"l(?P<c>[0-9]{1,2})m", lambda m: f"last {m['c']} months"),  # L3M, L12M
        # finance shorthand: 1H26, 2H 2026, 3Q26, Q3FY26, fiscal Q3
        (r"(?P<h>[12])h ?'?(?P<y>[0-9]{2}(?:[0-9]{2})?)", lambda m: f"h{m['h']} {_year(m['y'])}"),
        (r"(?P<q>[1-4])q ?'?(?P<y>[0-9]{2}(?:[0-9]{2})?)", lambda m: f"q{m['q']} {_year(m['y'])}"),
        (
            r"(?P<p>q[1-4]|h[12]) ?fy ?'?(?P<y>[0-9]{2}(?:[0-9]{2})?)",
            lambda m: f"{m['p']} fy{_year(m['y'])}",
        ),
        (r"fiscal (?P<p>q[1-4]|h[12])", lambda m: m["p"]),
        (
            r"(?:the )?(?:last|past|previous) week|(?:this|current) week|yesterday",
            lambda m: "last 7 days",
        ),
        (
            r"(?:the )?(?:last|past|previous|trailing) (?P<count>[0-9]{1,3}) (?P<unit>quarters?|years?)",
            many,
        ),
        (r"(?:the )?past year", lambda m: "last 12 months"),
        (r"(?:the )?past (?P<u>quarter|month)", lambda m: f"last {m['u']}"),
        (r"financial year", lambda m: "fiscal year"),
        (r"fiscal (?:year )?(?P<y>[0-9]{4})", lambda m: f"fy{m['y']}"),
        (r"fy ?(?P<y>[0-9]{2})(?![0-9])", lambda m: f"fy20{m['y']}"),
        (
            r"(?:the )?(?P<o>first|1st|second|2nd|third|3rd|fourth|4th) (?P<u>quarter|half)",
            lambda m: f"{m['u'][0]}{_ORDINALS[m['o']]}",
        ),
        (
            r"(?P<r>this|last|next|previous|current) (?:fiscal )?(?:q|qtr)",
            lambda m: f"{m['r']} quarter",
        ),
        (r"(?P<r>this|last|next|previous|current) fiscal quarter", lambda m: f"{m['r']} quarter"),
        (r"qtr", lambda m: "quarter"),
        (r"yr", lambda m: "year"),
        (
            r"(?P<p>q[1-4]|h[12]) (?:of |in )?(?:the )?(?P<rel>this|last|next|previous|current) (?:fiscal )?(?:year|fy)",
            of_year,
        ),
        (r"(?P<p>q[1-4]|h[12]) (?:of|in)(?= (?:fy ?)?[0-9]{4}(?![^ ]))", lambda m: m["p"]),
        (
            rf"(?P<m>{_MONTHS}) (?:of )?(?P<rel>this|last|next|previous) year",
            month_of_year,
        ),
        (rf"(?P<m>{_MONTHS}) (?:of|in) (?P<y>[0-9]{{4}})", lambda m: f"{m['m']} {m['y']}"),
        (
            r"(?:so far )?this (?:fiscal )?year so far|so far this (?:fiscal )?year|(?:the )?year so far"
            r"|this (?:fiscal )?year to date|since the (?:start|beginning) of (?:the|this) (?:fiscal )?year"
            r"|(?:fiscal )?year to date",
            lambda m: "ytd",
        ),
        (
            r"this quarter so far|so far this quarter|(?:the )?quarter so far|this quarter to date"
            r"|since the (?:start|beginning) of (?:the|this) quarter",
            lambda m: "qtd",
        ),
        (
            r"this month so far|so far this month|(?:the )?month so far|this month to date"
            r"|since the (?:start|beginning) of (?:the|this) month",
            lambda m: "mtd",
        ),
        (r"since the (?:start|beginning|end) of", lambda m: "since"),
        (
            r"the(?= (?:last|previous|prior|current|this|next) (?:month|quarter|year|fiscal year|fy)(?![^ ]))",
            lambda m: "",
        ),
    ]
    for body, repl in rules:
        written, low = _rewrite(written, low, _rx(body), repl)
    return written, low


def period_start(low: list[str], i: int) -> bool:
    """Whether a period phrase may start at word i."""
    word = low[i]
    if word == "may" and i + 1 < len(low) and low[i + 1] in ("i", "we", "you", "be"):
        return False
    return word in _STARTS or word in MONTH_NAMES or bool(_START_RX.fullmatch(word))


def default_period(measure: str, status: str | None, cal: FiscalCalendar, today: date) -> Period:
    """The period a question means when it names none (see parse's docstring)."""
    quarter = cal.quarter_of(Month.of(today))
    if measure == "status":
        return quarter.previous() if status == "not_reported" else quarter
    if measure == "forecast":
        return cal.year(cal.fiscal_year(today))
    if measure in OUTCOME_MEASURES:
        return quarter.previous()
    return quarter


def shift_back(cal: FiscalCalendar, period: Period, months: int) -> Period:
    """The same kind of period `months` earlier (later when negative), labelled alike."""
    start, end = period.start.shift(-months), period.end.shift(-months)
    if isinstance(period, Quarter) and months % 3 == 0:
        return cal.quarter_of(start)
    if period.kind == "year" and months % 12 == 0:
        return cal.year(cal.fiscal_year(start))
    if period.kind == "half" and months % 6 == 0:
        fy = cal.fiscal_year(start)
        return cal.half(fy, 1 if start == cal.year_start(fy) else 2)
    if period.kind == "month":
        return Period.month(start)
    label = period.label
    if label.endswith(" to date") and months % 12 == 0 and label.startswith("FY"):
        return Period(start, end, "range", f"FY{cal.fiscal_year(start)} to date")
    if label.endswith(" to date") and months % 3 == 0 and label.startswith("Q"):
        return Period(start, end, "range", f"{cal.quarter_of(start).label} to date")
    return Period.span(start, end)
