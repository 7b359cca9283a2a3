"""The fiscal calendar: months, quarters, halves, fiscal years and relative period words."""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workflows.core.errors import PeriodError  # raised here; imported from here too

# Fixed English names: calendar.month_abbr follows the process locale.
_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FULL = "january february march april may june july august september october november december"
MONTH_NAMES: dict[str, int] = {
    **{name: i + 1 for i, name in enumerate(_FULL.split())},
    **{abbr.lower(): i + 1 for i, abbr in enumerate(_ABBR)},
    "sept": 9,
}
KINDS = ("month", "quarter", "half", "year", "range")
DASH = " – "

# ASCII digits only ([0-9], never \d, which also matches "２０２６").
_ISO_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_QUARTER = re.compile(r"(?:fy ?)?([0-9]{4})[ -]?q([1-4])|q([1-4])[ -]?(?:fy ?)?([0-9]{4})")
_HALF = re.compile(r"h([12])(?:[ -]?(?:fy ?)?([0-9]{4}))?|(?:fy ?)?([0-9]{4})[ -]?h([12])")
_FY = re.compile(r"(?:fy ?-?)?([0-9]{4})|fy ?-?([0-9]{2})")
_MONTH_WORD = re.compile(r"([a-z]+)(?: ([0-9]{4}))?")
_LAST_N = re.compile(r"(?:the )?(?:last|past|previous|trailing) ([0-9]{1,6}) (day|week|month)s?")
_SINCE = re.compile(r"since (.+)")
_SPAN = re.compile(r"(?:between|from) (.+?) (?:and|to|through|thru|until|till|-|–) (.+)")
_NOW = frozenset({"now", "today", "date", "present", "the present", "this month", "current"})
_SPAN_BARE = re.compile(r"(.+?) (?:to|through|thru|until|till|-|–) (.+)")


def _is_int(value: object) -> bool:
    """True for a real int (bool excluded)."""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, order=True)
class Month:
    """One calendar month; ordered by (year, month)."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not _is_int(self.year) or not 1 <= self.year <= 9999:
            raise PeriodError("bad_year", str(self.year))
        if not _is_int(self.month) or not 1 <= self.month <= 12:
            raise PeriodError("bad_month", str(self.month))

    @classmethod
    def of(cls, day: date) -> Month:
        """The month a date (or datetime) falls in."""
        return cls(day.year, day.month)

    @property
    def days(self) -> int:
        """Number of days in the month."""
        return _calendar.monthrange(self.year, self.month)[1]

    @property
    def start(self) -> date:
        """First day of the month."""
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        """Last day of the month."""
        return date(self.year, self.month, self.days)

    @property
    def label(self) -> str:
        """Human label, e.g. 'Sep 2026'."""
        return f"{_ABBR[self.month - 1]} {self.year}"

    @property
    def iso(self) -> str:
        """Storage form, e.g. '2026-09'."""
        return f"{self.year:04d}-{self.month:02d}"

    def shift(self, n: int) -> Month:
        """The month n months later (earlier when n < 0)."""
        year, month0 = divmod(self.year * 12 + self.month - 1 + n, 12)
        return Month(year, month0 + 1)

    def __add__(self, n: int) -> Month:
        """Month + n months."""
        return self.shift(n) if _is_int(n) else NotImplemented

    def __sub__(self, n: int) -> Month:
        """Month - n months."""
        return self.shift(-n) if _is_int(n) else NotImplemented

    def months_since(self, other: Month) -> int:
        """Number of months from other to self (negative when other is later)."""
        return (self.year - other.year) * 12 + self.month - other.month

    def __str__(self) -> str:
        """The ISO form '2026-09'."""
        return self.iso


def parse_month(text: str) -> Month:
    """Parse 'YYYY-MM' strictly (ASCII digits, month 01-12; surrounding whitespace ignored)."""
    match = _ISO_MONTH.fullmatch(text.strip())
    if match is None:
        raise PeriodError("bad_format", text)
    return Month(int(match[1]), int(match[2]))


def _as_month(value: Month | date) -> Month:
    """Accept a Month or a date."""
    return value if isinstance(value, Month) else Month.of(value)


def _day(d: date, with_year: bool) -> str:
    """'Jul 1' or 'Jul 1, 2026'."""
    text = f"{_ABBR[d.month - 1]} {d.day}"
    return f"{text}, {d.year}" if with_year else text


@dataclass(frozen=True)
class Period:
    """A run of whole months, start to end inclusive."""

    start: Month
    end: Month
    kind: str = "range"
    label: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.start, Month) or not isinstance(self.end, Month):
            raise PeriodError("bad_bounds")
        if self.end < self.start:
            raise PeriodError("start_after_end", f"{self.start.iso}..{self.end.iso}")
        if self.kind not in KINDS:
            raise PeriodError("bad_kind", self.kind)
        if not self.label:
            text = self.start.label
            if self.end != self.start:
                text += DASH + self.end.label
            object.__setattr__(self, "label", text)

    @classmethod
    def month(cls, month: Month) -> Period:
        """The period of a single month."""
        return cls(month, month, "month")

    @classmethod
    def span(cls, start: Month, end: Month, label: str = "") -> Period:
        """A range of months (kind 'month' when it is a single month)."""
        if start == end and not label:
            return cls.month(start)
        return cls(start, end, "range", label)

    def months(self) -> list[Month]:
        """Every month in the period, in order."""
        return [self.start.shift(i) for i in range(self.n_months)]

    @property
    def n_months(self) -> int:
        """How many months the period covers."""
        return self.end.months_since(self.start) + 1

    @property
    def first_day(self) -> date:
        """First day of the period."""
        return self.start.start

    @property
    def last_day(self) -> date:
        """Last day of the period."""
        return self.end.end

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.last_day - self.first_day).days + 1

    def contains(self, month: Month | date) -> bool:
        """True when the month (or the date's month) lies in the period."""
        return self.start <= _as_month(month) <= self.end

    def describe(self) -> str:
        """Explicit resolution, e.g. 'Q3 2026, Jul 1 – Sep 30, 2026'."""
        first, last = self.first_day, self.last_day
        if first.year == last.year:
            return f"{self.label}, {_day(first, False)}{DASH}{_day(last, True)}"
        return f"{self.label}, {_day(first, True)}{DASH}{_day(last, True)}"

    def __str__(self) -> str:
        """The label."""
        return self.label


@dataclass(frozen=True, order=True, kw_only=True)
class Quarter(Period):
    """A fiscal quarter: q (1-4) of fiscal year fy."""

    fy: int
    q: int

    def __post_init__(self) -> None:
        if not _is_int(self.q) or not 1 <= self.q <= 4:
            raise PeriodError("bad_quarter", str(self.q))
        if not _is_int(self.fy):
            raise PeriodError("bad_year", str(self.fy))
        if isinstance(self.start, Month) and self.end != self.start.shift(2):
            raise PeriodError("bad_bounds", f"{self.start.iso}..{self.end.iso}")
        object.__setattr__(self, "kind", "quarter")
        object.__setattr__(self, "label", f"Q{self.q} {self.fy}")
        super().__post_init__()

    @property
    def code(self) -> str:
        """Compact code, e.g. '2026Q3'."""
        return f"{self.fy:04d}Q{self.q}"

    def next(self) -> Quarter:
        """The following fiscal quarter."""
        fy, q = (self.fy + 1, 1) if self.q == 4 else (self.fy, self.q + 1)
        return Quarter(start=self.start.shift(3), end=self.end.shift(3), fy=fy, q=q)

    def previous(self) -> Quarter:
        """The preceding fiscal quarter."""
        fy, q = (self.fy - 1, 4) if self.q == 1 else (self.fy, self.q - 1)
        return Quarter(start=self.start.shift(-3), end=self.end.shift(-3), fy=fy, q=q)

    @classmethod
    def parse(cls, text: str, calendar: FiscalCalendar) -> Quarter:
        """Parse '2026Q3', 'Q3 2026', 'q3-2026' or '2026-Q3' (fiscal year numbering)."""
        match = _QUARTER.fullmatch(text.strip().lower())
        if match is None:
            raise PeriodError("bad_quarter", text)
        fy, q = (match[1], match[2]) if match[1] else (match[4], match[3])
        return calendar.quarter(int(fy), int(q))


@dataclass(frozen=True)
class FiscalCalendar:
    """Fiscal years starting in `start_month`, named by the calendar year they end in."""

    start_month: int = 1

    def __post_init__(self) -> None:
        if not _is_int(self.start_month) or not 1 <= self.start_month <= 12:
            raise PeriodError("bad_start_month", str(self.start_month))

    def year_start(self, fy: int) -> Month:
        """First month of fiscal year fy."""
        return Month(fy, (self.start_month - 2) % 12 + 1).shift(-11)

    def _offset(self, month: Month) -> int:
        """Months since the start of the month's fiscal year (0-11)."""
        return (month.month - self.start_month) % 12

    def fiscal_year(self, month: Month | date) -> int:
        """The fiscal year a month belongs to."""
        month = _as_month(month)
        return month.shift(11 - self._offset(month)).year

    def quarter(self, fy: int, q: int) -> Quarter:
        """Quarter q (1-4) of fiscal year fy."""
        if not _is_int(q) or not 1 <= q <= 4:
            raise PeriodError("bad_quarter", str(q))
        start = self.year_start(fy).shift(3 * (q - 1))
        return Quarter(start=start, end=start.shift(2), fy=fy, q=q)

    def quarter_of(self, month: Month | date) -> Quarter:
        """The fiscal quarter a month belongs to."""
        month = _as_month(month)
        return self.quarter(self.fiscal_year(month), self._offset(month) // 3 + 1)

    def quarters(self, fy: int) -> list[Quarter]:
        """The four quarters of fiscal year fy."""
        return [self.quarter(fy, q) for q in (1, 2, 3, 4)]

    def year(self, fy: int) -> Period:
        """Fiscal year fy as a period, labelled 'FY2026'."""
        start = self.year_start(fy)
        return Period(start, start.shift(11), "year", f"FY{fy}")

    def half(self, fy: int, h: int) -> Period:
        """Half h (1-2) of fiscal year fy, labelled 'H1 2026'."""
        if not _is_int(h) or h not in (1, 2):
            raise PeriodError("bad_half", str(h))
        start = self.year_start(fy).shift(6 * (h - 1))
        return Period(start, start.shift(5), "half", f"H{h} {fy}")

    def year_to_date(self, month: Month | date) -> Period:
        """Fiscal year start through the given month."""
        month = _as_month(month)
        fy = self.fiscal_year(month)
        return Period(self.year_start(fy), month, "range", f"FY{fy} to date")


def today_in(tz: str, now: datetime) -> date:
    """The workspace-local date at the aware instant `now`."""
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise PeriodError("naive_datetime", repr(now))
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise PeriodError("unknown_timezone", str(tz)) from exc
    return now.astimezone(zone).date()


def current_month(tz: str, now: datetime) -> Month:
    """The workspace-local current month."""
    return Month.of(today_in(tz, now))


def current_quarter(calendar: FiscalCalendar, tz: str, now: datetime) -> Quarter:
    """The fiscal quarter the workspace-local date falls in."""
    return calendar.quarter_of(current_month(tz, now))


def last_completed_quarter(calendar: FiscalCalendar, tz: str, now: datetime) -> Quarter:
    """The most recent fiscal quarter that has fully ended."""
    return current_quarter(calendar, tz, now).previous()


def quarter_months_after(calendar: FiscalCalendar, quarter: Quarter) -> list[Month]:
    """The months of the fiscal quarter after `quarter`: when its review cycle runs."""
    return calendar.quarter_of(quarter.end.shift(1)).months()


def quarter_start_months(start_month: int) -> list[int]:
    """Calendar month numbers (sorted) on which fiscal quarters begin."""
    FiscalCalendar(start_month)
    return sorted((start_month - 1 + 3 * i) % 12 + 1 for i in range(4))


def review_cron_default(start_month: int) -> str:
    """Crontab for 09:00 on the first Monday after each fiscal quarter ends (APScheduler)."""
    months = ",".join(str(m) for m in quarter_start_months(start_month))
    return f"0 9 1-7 {months} mon"


def _normalize(expr: str) -> str:
    """Lower-case, commas dropped, runs of whitespace collapsed."""
    return " ".join(expr.replace(",", " ").lower().split())


def _nearest(month_no: int, anchor: Month, *, after: bool = False) -> Month:
    """The month named month_no closest to anchor, at or before it (or at or after it)."""
    candidate = Month(anchor.year, month_no)
    if after:
        return candidate if candidate >= anchor else candidate.shift(12)
    return candidate if candidate <= anchor else candidate.shift(-12)


_WORDS = {
    "this_month": "this month|current month|mtd|month to date",
    "last_month": "last month|previous month|prior month",
    "next_month": "next month",
    "this_quarter": "this quarter|current quarter",
    "last_quarter": "last quarter|previous quarter|prior quarter",
    "next_quarter": "next quarter",
    "qtd": "qtd|quarter to date",
    "this_year": "this year|this fiscal year|this fy|current year|current fiscal year",
    "last_year": "last year|last fiscal year|last fy|previous year|previous fiscal year|prior year",
    "next_year": "next year|next fiscal year|next fy",
    "ytd": "ytd|year to date|fiscal year to date|fytd",
}
_KEYWORDS = {phrase: key for key, phrases in _WORDS.items() for phrase in phrases.split("|")}


def _keyword(cal: FiscalCalendar, word: str, cur: Month) -> Period:
    """Resolve one of the fixed relative words."""
    fy = cal.fiscal_year(cur)
    quarter = cal.quarter_of(cur)
    table = {
        "this_month": lambda: Period.month(cur),
        "last_month": lambda: Period.month(cur.shift(-1)),
        "next_month": lambda: Period.month(cur.shift(1)),
        "this_quarter": lambda: quarter,
        "last_quarter": quarter.previous,
        "next_quarter": quarter.next,
        "qtd": lambda: Period(quarter.start, cur, "range", f"{quarter.label} to date"),
        "this_year": lambda: cal.year(fy),
        "last_year": lambda: cal.year(fy - 1),
        "next_year": lambda: cal.year(fy + 1),
        "ytd": lambda: cal.year_to_date(cur),
    }
    return table[word]()


def _simple(cal: FiscalCalendar, text: str, cur: Month) -> Period:
    """Resolve a single period expression (no 'since', spans or 'last N')."""
    if text in _KEYWORDS:
        return _keyword(cal, _KEYWORDS[text], cur)
    if match := re.fullmatch(r"q([1-4])", text):
        return cal.quarter(cal.fiscal_year(cur), int(match[1]))
    if _QUARTER.fullmatch(text):
        return Quarter.parse(text, cal)
    if match := _HALF.fullmatch(text):
        h, fy = (match[1], match[2]) if match[1] else (match[4], match[3])
        return cal.half(int(fy) if fy else cal.fiscal_year(cur), int(h))
    if match := _FY.fullmatch(text):
        return cal.year(int(match[1]) if match[1] else 2000 + int(match[2]))
    if _ISO_MONTH.fullmatch(text):
        return Period.month(parse_month(text))
    if (match := _MONTH_WORD.fullmatch(text)) and match[1] in MONTH_NAMES:
        number = MONTH_NAMES[match[1]]
        if match[2]:
            return Period.month(Month(int(match[2]), number))
        return Period.month(_nearest(number, cur))
    raise PeriodError("unknown_period", text)


def _between(cal: FiscalCalendar, a: str, b: str, cur: Month) -> Period:
    """'from A to B': a bare month name takes its year from the other end."""
    a_no, b_no = MONTH_NAMES.get(a), MONTH_NAMES.get(b)
    if b_no is not None and a_no is None:
        start = _simple(cal, a, cur).start
        end = _nearest(b_no, start, after=True)
    else:
        end = _simple(cal, b, cur).end
        start = _nearest(a_no, end) if a_no is not None else _simple(cal, a, cur).start
    if start > end:
        raise PeriodError("start_after_end", f"{a} .. {b}")
    return Period.span(start, end)


def _last_n(count: int, unit: str, today: date) -> Period:
    """Whole months covering the last N days/weeks/months, ending with today's month."""
    if count < 1:
        raise PeriodError("bad_count", str(count))
    cur = Month.of(today)
    if unit == "month":
        return Period.span(cur.shift(-(count - 1)), cur)
    days = count * (7 if unit == "week" else 1)
    try:
        first = today - timedelta(days=days - 1)
    except OverflowError as exc:
        raise PeriodError("bad_count", str(count)) from exc
    # Figures are monthly: say that the days asked for are counted in whole months.
    span = Period.span(Month.of(first), cur)
    asked = f"the last {count} {unit}{'s' if count != 1 else ''}"
    return Period(span.start, span.end, span.kind, f"{span.label} ({asked}, in whole months)")


def resolve(calendar: FiscalCalendar, expr: str, *, today: date) -> Period:
    """Resolve a period expression ('last quarter', 'q3 2026', 'since june'...) at `today`."""
    text = _normalize(expr)
    cur = Month.of(today)
    if match := _LAST_N.fullmatch(text):
        return _last_n(int(match[1]), match[2], today)
    if text in _KEYWORDS:
        return _keyword(calendar, _KEYWORDS[text], cur)
    if match := _SINCE.fullmatch(text):
        start = _simple(calendar, match[1], cur).start
        if start > cur:
            raise PeriodError("start_after_end", text)
        return Period.span(start, cur)
    if match := _SPAN.fullmatch(text) or _SPAN_BARE.fullmatch(text):
        if match[2] in _NOW:  # "from july to now": since july
            return resolve(calendar, f"since {match[1]}", today=today)
        return _between(calendar, match[1], match[2], cur)
    return _simple(calendar, text, cur)
