"""The fiscal calendar: months, quarters, years, time zones and relative period words."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from hypothesis import given
from hypothesis import strategies as st

from workflows.core.periods import (
    FiscalCalendar,
    Month,
    Period,
    PeriodError,
    Quarter,
    current_month,
    current_quarter,
    last_completed_quarter,
    parse_month,
    quarter_months_after,
    quarter_start_months,
    resolve,
    review_cron_default,
    today_in,
)

JAN, APR, JUL, OCT = (FiscalCalendar(m) for m in (1, 4, 7, 10))


def m(text: str) -> Month:
    return parse_month(text)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- Month -------------------------------------------------------------------------------


def test_month_basics() -> None:
    sep = Month(2026, 9)
    assert (sep.start, sep.end, sep.days) == (date(2026, 9, 1), date(2026, 9, 30), 30)
    assert (sep.label, sep.iso, str(sep)) == ("Sep 2026", "2026-09", "2026-09")
    assert Month(2026, 2).days == 28 and Month(2028, 2).end == date(2028, 2, 29)
    assert sep.shift(4) == sep + 4 == Month(2027, 1)
    assert sep.shift(-9) == sep - 9 == Month(2025, 12)
    assert Month(2026, 12) < Month(2027, 1) < Month(2027, 2)
    assert Month(2027, 1).months_since(Month(2025, 12)) == 13
    assert Month.of(date(2026, 9, 30)) == sep == Month.of(datetime(2026, 9, 1, 5))


@pytest.mark.parametrize("year, month", [(2026, 13), (2026, 0), (0, 1), (10000, 1), (2026, True)])
def test_month_rejects_out_of_range(year: int, month: int) -> None:
    with pytest.raises(PeriodError):
        Month(year, month)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-09", Month(2026, 9)),
        ("0001-01", Month(1, 1)),
        ("9999-12", Month(9999, 12)),
        # Decision: surrounding whitespace (a padded CSV cell) is ignored.
        ("2026-09 ", Month(2026, 9)),
        ("  2026-09\t", Month(2026, 9)),
    ],
)
def test_parse_month_good(text: str, expected: Month) -> None:
    assert parse_month(text) == expected


@pytest.mark.parametrize(
    "text, reason",
    [
        ("2026-13", "bad_month"),
        ("2026-00", "bad_month"),
        ("0000-01", "bad_year"),
        ("2026-9", "bad_format"),
        ("２０２６-09", "bad_format"),
        ("2026-０9", "bad_format"),
        ("26-09", "bad_format"),
        ("2026/09", "bad_format"),
        ("2026-09-01", "bad_format"),
        ("2026 -09", "bad_format"),
        ("+2026-09", "bad_format"),
        ("Sep 2026", "bad_format"),
        ("", "bad_format"),
    ],
)
def test_parse_month_bad(text: str, reason: str) -> None:
    with pytest.raises(PeriodError) as err:
        parse_month(text)
    assert err.value.reason == reason
    assert isinstance(err.value, ValueError)


# --- Fiscal years and quarters -----------------------------------------------------------


@pytest.mark.parametrize(
    "start, month, fy, q",
    [
        (1, "2026-01", 2026, 1),
        (1, "2026-03", 2026, 1),
        (1, "2026-04", 2026, 2),
        (1, "2026-09", 2026, 3),
        (1, "2026-12", 2026, 4),
        (4, "2026-03", 2026, 4),
        (4, "2026-04", 2027, 1),
        (4, "2026-09", 2027, 2),
        (4, "2026-12", 2027, 3),
        (4, "2027-01", 2027, 4),
        (7, "2025-07", 2026, 1),
        (7, "2026-06", 2026, 4),
        (7, "2026-07", 2027, 1),
        (7, "2026-10", 2027, 2),
        (7, "2027-01", 2027, 3),
        (10, "2025-10", 2026, 1),
        (10, "2025-12", 2026, 1),
        (10, "2026-01", 2026, 2),
        (10, "2026-09", 2026, 4),
        (10, "2026-10", 2027, 1),
    ],
)
def test_fiscal_year_and_quarter_of_month(start: int, month: str, fy: int, q: int) -> None:
    cal = FiscalCalendar(start)
    assert cal.fiscal_year(m(month)) == fy
    quarter = cal.quarter_of(m(month))
    assert (quarter.fy, quarter.q, quarter.kind) == (fy, q, "quarter")
    assert quarter.contains(m(month))
    assert cal.fiscal_year(m(month).start) == fy  # a date works too


@pytest.mark.parametrize(
    "start, fy, q, first, last, described",
    [
        (1, 2026, 1, "2026-01-01", "2026-03-31", "Q1 2026, Jan 1 – Mar 31, 2026"),
        (1, 2026, 3, "2026-07-01", "2026-09-30", "Q3 2026, Jul 1 – Sep 30, 2026"),
        (4, 2027, 1, "2026-04-01", "2026-06-30", "Q1 2027, Apr 1 – Jun 30, 2026"),
        (4, 2027, 4, "2027-01-01", "2027-03-31", "Q4 2027, Jan 1 – Mar 31, 2027"),
        (7, 2027, 1, "2026-07-01", "2026-09-30", "Q1 2027, Jul 1 – Sep 30, 2026"),
        (7, 2026, 3, "2026-01-01", "2026-03-31", "Q3 2026, Jan 1 – Mar 31, 2026"),
        (10, 2026, 1, "2025-10-01", "2025-12-31", "Q1 2026, Oct 1 – Dec 31, 2025"),
        (10, 2026, 4, "2026-07-01", "2026-09-30", "Q4 2026, Jul 1 – Sep 30, 2026"),
        (11, 2026, 1, "2025-11-01", "2026-01-31", "Q1 2026, Nov 1, 2025 – Jan 31, 2026"),
    ],
)
def test_quarter_boundaries(
    start: int, fy: int, q: int, first: str, last: str, described: str
) -> None:
    quarter = FiscalCalendar(start).quarter(fy, q)
    assert quarter.first_day == date.fromisoformat(first)
    assert quarter.last_day == date.fromisoformat(last)
    assert quarter.describe() == described
    assert quarter.label == f"Q{q} {fy}" and quarter.code == f"{fy}Q{q}"
    assert len(quarter.months()) == 3


@pytest.mark.parametrize(
    "start, fy, described",
    [
        (1, 2026, "FY2026, Jan 1 – Dec 31, 2026"),
        (4, 2026, "FY2026, Apr 1, 2025 – Mar 31, 2026"),
        (7, 2026, "FY2026, Jul 1, 2025 – Jun 30, 2026"),
        (7, 2027, "FY2027, Jul 1, 2026 – Jun 30, 2027"),
        (10, 2026, "FY2026, Oct 1, 2025 – Sep 30, 2026"),
    ],
)
def test_fiscal_year_named_by_the_year_it_ends(start: int, fy: int, described: str) -> None:
    year = FiscalCalendar(start).year(fy)
    assert (year.kind, year.label, year.describe()) == ("year", f"FY{fy}", described)
    assert year.last_day.year == fy and len(year.months()) == 12


@pytest.mark.parametrize(
    "start, fy, h, described",
    [
        (1, 2026, 2, "H2 2026, Jul 1 – Dec 31, 2026"),
        (4, 2026, 2, "H2 2026, Oct 1, 2025 – Mar 31, 2026"),
        (7, 2026, 1, "H1 2026, Jul 1 – Dec 31, 2025"),
        (7, 2026, 2, "H2 2026, Jan 1 – Jun 30, 2026"),
        (10, 2026, 1, "H1 2026, Oct 1, 2025 – Mar 31, 2026"),
    ],
)
def test_halves(start: int, fy: int, h: int, described: str) -> None:
    half = FiscalCalendar(start).half(fy, h)
    assert (half.kind, half.describe(), len(half.months())) == ("half", described, 6)


def test_period_days_and_bounds() -> None:
    assert JAN.year(2028).days == 366 and JAN.quarter(2028, 1).days == 91
    assert Period.month(Month(2026, 9)).describe() == "Sep 2026, Sep 1 – Sep 30, 2026"
    assert Period.span(Month(2026, 6), Month(2026, 8)).label == "Jun 2026 – Aug 2026"
    assert Period.span(Month(2026, 6), Month(2026, 6)).kind == "month"
    assert JUL.year(2027).contains(date(2027, 6, 30)) and not JUL.year(2027).contains(
        date(2027, 7, 1)
    )
    with pytest.raises(PeriodError, match="start_after_end"):
        Period(Month(2026, 9), Month(2026, 8))
    with pytest.raises(PeriodError):
        Period(Month(2026, 9), Month(2026, 9), "week")


@pytest.mark.parametrize("bad", [0, 13, -1, True, 1.0])
def test_calendar_rejects_bad_start_month(bad: object) -> None:
    with pytest.raises(PeriodError, match="bad_start_month"):
        FiscalCalendar(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("fy, q", [(2026, 0), (2026, 5)])
def test_calendar_rejects_bad_quarter(fy: int, q: int) -> None:
    with pytest.raises(PeriodError, match="bad_quarter"):
        JAN.quarter(fy, q)


def test_quarter_previous_next_wrap_fiscal_years() -> None:
    assert JAN.quarter(2026, 1).previous() == JAN.quarter(2025, 4)
    assert JUL.quarter(2026, 4).next() == JUL.quarter(2027, 1)
    assert JUL.quarter(2027, 1).first_day == date(2026, 7, 1)
    assert sorted([JAN.quarter(2026, 2), JAN.quarter(2025, 4)])[0] == JAN.quarter(2025, 4)


@pytest.mark.parametrize(
    "text",
    [
        "2026Q3",
        "Q3 2026",
        "q3-2026",
        "2026-Q3",
        "2026-q3",
        " 2026q3 ",
        "2026 Q3",
        "Q3-2026",
        "FY2026 Q3",
        "Q3 FY2026",
        "q32026",
    ],
)
def test_quarter_parse_good(text: str) -> None:
    assert Quarter.parse(text, JAN) == JAN.quarter(2026, 3)


def test_quarter_parse_uses_the_calendar() -> None:
    quarter = Quarter.parse("2027Q1", JUL)
    assert (quarter.first_day, quarter.last_day) == (date(2026, 7, 1), date(2026, 9, 30))
    assert Quarter.parse(quarter.code, JUL) == quarter


@pytest.mark.parametrize(
    "text",
    [
        "2026Q5",
        "2026Q0",
        "Q0 2026",
        "2026Q",
        "Q3",
        "Q3 26",
        "26Q3",
        "２０２６Q3",
        "Q３ 2026",
        "2026 Q3 x",
        "Q3  2026",
        "",
        "2026_Q3",
        "Q3/2026",
        "2026-Q3-1",
        "2026--Q3",
        "third quarter 2026",
    ],
)
def test_quarter_parse_bad(text: str) -> None:
    with pytest.raises(PeriodError) as err:
        Quarter.parse(text, JAN)
    assert err.value.reason == "bad_quarter"


# --- Time zones --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tz, now, local",
    [
        ("Asia/Tokyo", "2026-09-30T23:30", "2026-10-01"),
        ("America/Los_Angeles", "2026-09-30T23:30", "2026-09-30"),
        ("Asia/Tokyo", "2026-09-30T14:59", "2026-09-30"),
        ("Asia/Tokyo", "2026-09-30T15:00", "2026-10-01"),
        ("America/Los_Angeles", "2026-10-01T06:59", "2026-09-30"),
        ("America/Los_Angeles", "2026-10-01T07:00", "2026-10-01"),
        ("America/Los_Angeles", "2026-01-01T07:59", "2025-12-31"),  # PST, UTC-8
        ("America/Los_Angeles", "2026-01-01T08:00", "2026-01-01"),
        ("UTC", "2026-09-30T23:59", "2026-09-30"),
    ],
)
def test_today_in_both_sides_of_midnight(tz: str, now: str, local: str) -> None:
    assert today_in(tz, utc(now)) == date.fromisoformat(local)


def test_the_quarter_depends_on_the_workspace_time_zone() -> None:
    now = utc("2026-09-30T23:30")
    assert current_month("Asia/Tokyo", now) == Month(2026, 10)
    assert current_quarter(JAN, "Asia/Tokyo", now).code == "2026Q4"
    assert current_quarter(JAN, "America/Los_Angeles", now).code == "2026Q3"
    assert last_completed_quarter(JAN, "Asia/Tokyo", now).code == "2026Q3"
    assert last_completed_quarter(JAN, "America/Los_Angeles", now).code == "2026Q2"
    new_year = utc("2026-01-01T07:59")
    assert current_quarter(JAN, "America/Los_Angeles", new_year).code == "2025Q4"
    assert last_completed_quarter(JUL, "Asia/Tokyo", utc("2026-06-30T15:00")).code == "2026Q4"


def test_today_in_accepts_any_aware_instant_and_rejects_bad_input() -> None:
    tokyo_noon = datetime(2026, 10, 1, 0, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert today_in("America/Los_Angeles", tokyo_noon) == date(2026, 9, 30)
    with pytest.raises(PeriodError, match="naive_datetime"):
        today_in("UTC", datetime(2026, 9, 30, 23, 30))
    for tz in ("Mars/Olympus_Mons", "", "../etc/passwd"):
        with pytest.raises(PeriodError, match="unknown_timezone"):
            today_in(tz, utc("2026-09-30T23:30"))


# --- Review schedule ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, cron",
    [
        (1, "0 9 1-7 1,4,7,10 mon"),
        (4, "0 9 1-7 1,4,7,10 mon"),
        (7, "0 9 1-7 1,4,7,10 mon"),
        (10, "0 9 1-7 1,4,7,10 mon"),
        (2, "0 9 1-7 2,5,8,11 mon"),
        (11, "0 9 1-7 2,5,8,11 mon"),
        (12, "0 9 1-7 3,6,9,12 mon"),
    ],
)
def test_review_cron_default(start: int, cron: str) -> None:
    assert review_cron_default(start) == cron


def test_review_cron_rejects_bad_start_month() -> None:
    with pytest.raises(PeriodError):
        review_cron_default(13)


def test_apscheduler_reads_the_default_as_first_monday_after_quarter_end() -> None:
    zone = ZoneInfo("America/Los_Angeles")
    trigger = CronTrigger.from_crontab(review_cron_default(7), timezone=zone)
    fire = trigger.get_next_fire_time(None, datetime(2026, 6, 30, 18, tzinfo=zone))
    seen = []
    for _ in range(8):
        seen.append(fire)
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    assert [f.date() for f in seen[:3]] == [date(2026, 7, 6), date(2026, 10, 5), date(2027, 1, 4)]
    for f in seen:  # day-of-month AND day-of-week: one Monday in days 1-7, at 09:00 local
        assert f.weekday() == 0 and f.day <= 7 and (f.hour, f.minute) == (9, 0)
        assert f.month in quarter_start_months(7)
    assert len({(f.year, f.month) for f in seen}) == len(seen)
    # When the 1st is itself a Monday (Jun 1, 2026), that is the day.
    trigger = CronTrigger.from_crontab(review_cron_default(3), timezone="UTC")
    first = trigger.get_next_fire_time(None, utc("2026-05-20T00:00"))
    assert first == utc("2026-06-01T09:00")


def test_quarter_months_after() -> None:
    assert quarter_months_after(JAN, JAN.quarter(2026, 3)) == [
        m("2026-10"),
        m("2026-11"),
        m("2026-12"),
    ]
    assert quarter_months_after(JUL, JUL.quarter(2026, 4)) == JUL.quarter(2027, 1).months()


# --- Relative resolution -----------------------------------------------------------------

SEP15, JAN10, FEB3, DEC5 = date(2026, 9, 15), date(2026, 1, 10), date(2026, 2, 3), date(2026, 12, 5)
JUL1, MAR31, OCT1 = date(2026, 7, 1), date(2026, 3, 31), date(2026, 10, 1)


@pytest.mark.parametrize(
    "cal, today, expr, kind, label, span",
    [
        # January fiscal year, mid-September 2026.
        (JAN, SEP15, "this month", "month", "Sep 2026", "2026-09..2026-09"),
        (JAN, SEP15, "last month", "month", "Aug 2026", "2026-08..2026-08"),
        (JAN, SEP15, "next month", "month", "Oct 2026", "2026-10..2026-10"),
        (JAN, SEP15, "this quarter", "quarter", "Q3 2026", "2026-07..2026-09"),
        (JAN, SEP15, "last quarter", "quarter", "Q2 2026", "2026-04..2026-06"),
        (JAN, SEP15, "next quarter", "quarter", "Q4 2026", "2026-10..2026-12"),
        (JAN, SEP15, "this year", "year", "FY2026", "2026-01..2026-12"),
        (JAN, SEP15, "this fiscal year", "year", "FY2026", "2026-01..2026-12"),
        (JAN, SEP15, "last year", "year", "FY2025", "2025-01..2025-12"),
        (JAN, SEP15, "ytd", "range", "FY2026 to date", "2026-01..2026-09"),
        (JAN, SEP15, "year to date", "range", "FY2026 to date", "2026-01..2026-09"),
        (JAN, SEP15, "q3", "quarter", "Q3 2026", "2026-07..2026-09"),
        (JAN, SEP15, "q4", "quarter", "Q4 2026", "2026-10..2026-12"),
        (JAN, SEP15, "q3 2025", "quarter", "Q3 2025", "2025-07..2025-09"),
        (JAN, SEP15, "2026Q1", "quarter", "Q1 2026", "2026-01..2026-03"),
        (JAN, SEP15, "fy2026", "year", "FY2026", "2026-01..2026-12"),
        (JAN, SEP15, "fy 2025", "year", "FY2025", "2025-01..2025-12"),
        (JAN, SEP15, "FY25", "year", "FY2025", "2025-01..2025-12"),
        (JAN, SEP15, "2026", "year", "FY2026", "2026-01..2026-12"),
        (JAN, SEP15, "h1", "half", "H1 2026", "2026-01..2026-06"),
        (JAN, SEP15, "h2 2025", "half", "H2 2025", "2025-07..2025-12"),
        (JAN, SEP15, "june", "month", "Jun 2026", "2026-06..2026-06"),
        (JAN, SEP15, "jun", "month", "Jun 2026", "2026-06..2026-06"),
        (JAN, SEP15, "september", "month", "Sep 2026", "2026-09..2026-09"),
        (JAN, SEP15, "october", "month", "Oct 2025", "2025-10..2025-10"),
        (JAN, SEP15, "sept", "month", "Sep 2026", "2026-09..2026-09"),
        (JAN, SEP15, "sep 2026", "month", "Sep 2026", "2026-09..2026-09"),
        (JAN, SEP15, "December 2027", "month", "Dec 2027", "2027-12..2027-12"),
        (JAN, SEP15, "2026-09", "month", "Sep 2026", "2026-09..2026-09"),
        (JAN, SEP15, "since june", "range", "Jun 2026 – Sep 2026", "2026-06..2026-09"),
        (JAN, SEP15, "since september", "month", "Sep 2026", "2026-09..2026-09"),
        (JAN, SEP15, "since q2", "range", "Apr 2026 – Sep 2026", "2026-04..2026-09"),
        (JAN, SEP15, "between march and may", "range", "Mar 2026 – May 2026", "2026-03..2026-05"),
        (JAN, SEP15, "from march to may 2025", "range", "Mar 2025 – May 2025", "2025-03..2025-05"),
        (JAN, SEP15, "from march 2025 to may", "range", "Mar 2025 – May 2025", "2025-03..2025-05"),
        (JAN, SEP15, "from q1 to q2", "range", "Jan 2026 – Jun 2026", "2026-01..2026-06"),
        (JAN, SEP15, "jun 2026 - aug 2026", "range", "Jun 2026 – Aug 2026", "2026-06..2026-08"),
        (
            JAN,
            SEP15,
            "last 90 days",
            "range",
            "Jun 2026 – Sep 2026 (the last 90 days, in whole months)",
            "2026-06..2026-09",
        ),
        (
            JAN,
            SEP15,
            "last 30 days",
            "range",
            "Aug 2026 – Sep 2026 (the last 30 days, in whole months)",
            "2026-08..2026-09",
        ),
        (
            JAN,
            SEP15,
            "last 15 days",
            "month",
            "Sep 2026 (the last 15 days, in whole months)",
            "2026-09..2026-09",
        ),
        (
            JAN,
            SEP15,
            "past 2 weeks",
            "month",
            "Sep 2026 (the last 2 weeks, in whole months)",
            "2026-09..2026-09",
        ),
        (JAN, SEP15, "last 3 months", "range", "Jul 2026 – Sep 2026", "2026-07..2026-09"),
        (JAN, SEP15, "last 12 months", "range", "Oct 2025 – Sep 2026", "2025-10..2026-09"),
        (JAN, SEP15, "last 1 month", "month", "Sep 2026", "2026-09..2026-09"),
        # Case and spacing.
        (JAN, SEP15, "  Last   QUARTER ", "quarter", "Q2 2026", "2026-04..2026-06"),
        (JAN, SEP15, "Q3  2026", "quarter", "Q3 2026", "2026-07..2026-09"),
        (JAN, SEP15, "Since  JUNE", "range", "Jun 2026 – Sep 2026", "2026-06..2026-09"),
        (JAN, SEP15, "YTD", "range", "FY2026 to date", "2026-01..2026-09"),
        # July fiscal year, same day: FY2027 Q1.
        (JUL, SEP15, "this quarter", "quarter", "Q1 2027", "2026-07..2026-09"),
        (JUL, SEP15, "last quarter", "quarter", "Q4 2026", "2026-04..2026-06"),
        (JUL, SEP15, "this year", "year", "FY2027", "2026-07..2027-06"),
        (JUL, SEP15, "last year", "year", "FY2026", "2025-07..2026-06"),
        (JUL, SEP15, "ytd", "range", "FY2027 to date", "2026-07..2026-09"),
        (JUL, SEP15, "q3", "quarter", "Q3 2027", "2027-01..2027-03"),
        (JUL, SEP15, "q3 2026", "quarter", "Q3 2026", "2026-01..2026-03"),
        (JUL, SEP15, "2026", "year", "FY2026", "2025-07..2026-06"),
        (JUL, SEP15, "h1", "half", "H1 2027", "2026-07..2026-12"),
        (JUL, SEP15, "h2 2026", "half", "H2 2026", "2026-01..2026-06"),
        # April and October fiscal years.
        (APR, MAR31, "this quarter", "quarter", "Q4 2026", "2026-01..2026-03"),
        (APR, MAR31, "next quarter", "quarter", "Q1 2027", "2026-04..2026-06"),
        (APR, MAR31, "ytd", "range", "FY2026 to date", "2025-04..2026-03"),
        (OCT, OCT1, "this year", "year", "FY2027", "2026-10..2027-09"),
        (OCT, OCT1, "last year", "year", "FY2026", "2025-10..2026-09"),
        (OCT, OCT1, "ytd", "range", "FY2027 to date", "2026-10..2026-10"),
        (OCT, OCT1, "q2", "quarter", "Q2 2027", "2027-01..2027-03"),
        # Year wrapping.
        (JAN, JAN10, "last quarter", "quarter", "Q4 2025", "2025-10..2025-12"),
        (JAN, JAN10, "last month", "month", "Dec 2025", "2025-12..2025-12"),
        (JAN, JAN10, "december", "month", "Dec 2025", "2025-12..2025-12"),
        (JAN, JAN10, "ytd", "range", "FY2026 to date", "2026-01..2026-01"),
        (JAN, JAN10, "last 3 months", "range", "Nov 2025 – Jan 2026", "2025-11..2026-01"),
        (JAN, FEB3, "since november", "range", "Nov 2025 – Feb 2026", "2025-11..2026-02"),
        (
            JAN,
            FEB3,
            "between november and january",
            "range",
            "Nov 2025 – Jan 2026",
            "2025-11..2026-01",
        ),
        (
            JAN,
            FEB3,
            "from november to february 2026",
            "range",
            "Nov 2025 – Feb 2026",
            "2025-11..2026-02",
        ),
        (
            JAN,
            DEC5,
            "between november and january",
            "range",
            "Nov 2025 – Jan 2026",
            "2025-11..2026-01",
        ),
        (JUL, JUL1, "last quarter", "quarter", "Q4 2026", "2026-04..2026-06"),
        (JUL, JUL1, "since june", "range", "Jun 2026 – Jul 2026", "2026-06..2026-07"),
    ],
)
def test_resolve(
    cal: FiscalCalendar, today: date, expr: str, kind: str, label: str, span: str
) -> None:
    period = resolve(cal, expr, today=today)
    first, last = span.split("..")
    assert (period.kind, period.label) == (kind, label)
    assert (period.start, period.end) == (m(first), m(last))


def test_resolve_describes_explicitly() -> None:
    assert resolve(JAN, "last quarter", today=SEP15).describe() == "Q2 2026, Apr 1 – Jun 30, 2026"
    assert resolve(JUL, "this year", today=SEP15).describe() == "FY2027, Jul 1, 2026 – Jun 30, 2027"
    assert resolve(JAN, "ytd", today=SEP15).describe() == "FY2026 to date, Jan 1 – Sep 30, 2026"


@pytest.mark.parametrize(
    "expr, reason",
    [
        ("", "unknown_period"),
        ("   ", "unknown_period"),
        ("yesterday", "unknown_period"),
        ("q5", "unknown_period"),
        ("last fortnight", "unknown_period"),
        ("fy", "unknown_period"),
        ("junes", "unknown_period"),
        ("between march", "unknown_period"),
        ("since", "unknown_period"),
        ("since tomorrow", "unknown_period"),
        ("q3 ２０２６", "unknown_period"),
        ("last -3 months", "unknown_period"),
        ("2026-13", "bad_month"),
        ("last 0 days", "bad_count"),
        ("last 999999 days", "bad_count"),
        ("since december 2026", "start_after_end"),
        ("from may 2026 to march 2026", "start_after_end"),
    ],
)
def test_resolve_rejects(expr: str, reason: str) -> None:
    with pytest.raises(PeriodError) as err:
        resolve(JAN, expr, today=SEP15)
    assert err.value.reason == reason


# --- Properties --------------------------------------------------------------------------

months = st.builds(Month, st.integers(1000, 8999), st.integers(1, 12))
calendars = st.builds(FiscalCalendar, st.integers(1, 12))


@given(calendars, months)
def test_every_month_is_in_exactly_one_fiscal_quarter(cal: FiscalCalendar, month: Month) -> None:
    quarter = cal.quarter_of(month)
    assert month in quarter.months() and quarter.contains(month)
    fy = cal.fiscal_year(month)
    nearby = [q for y in (fy - 1, fy, fy + 1) for q in cal.quarters(y)]
    assert sum(q.contains(month) for q in nearby) == 1
    assert cal.year(fy).contains(month)


@given(calendars, months)
def test_next_and_previous_are_inverse(cal: FiscalCalendar, month: Month) -> None:
    quarter = cal.quarter_of(month)
    assert quarter.next().previous() == quarter == quarter.previous().next()
    assert quarter.next().start == quarter.end.shift(1)
    assert quarter.next() == cal.quarter_of(quarter.end.shift(1))
    assert Quarter.parse(quarter.code, cal) == quarter


@given(calendars, st.integers(2, 9998))
def test_four_quarters_partition_the_fiscal_year(cal: FiscalCalendar, fy: int) -> None:
    quarters = cal.quarters(fy)
    joined = [month for q in quarters for month in q.months()]
    assert joined == cal.year(fy).months()
    assert len(set(joined)) == 12
    assert all(cal.fiscal_year(month) == fy for month in joined)
    assert [q.q for q in quarters] == [1, 2, 3, 4]
    halves = cal.half(fy, 1).months() + cal.half(fy, 2).months()
    assert halves == joined


@given(months, st.integers(-1000, 1000))
def test_month_arithmetic_round_trips(month: Month, n: int) -> None:
    assert month.shift(n).shift(-n) == month
    assert month.shift(n).months_since(month) == n
    assert parse_month(month.iso) == month


@given(calendars, st.dates(date(2000, 1, 1), date(2100, 12, 31)), st.integers(1, 120))
def test_last_n_months_always_ends_now(cal: FiscalCalendar, today: date, n: int) -> None:
    period = resolve(cal, f"last {n} months", today=today)
    assert len(period.months()) == n and period.end == Month.of(today)
    assert resolve(cal, "ytd", today=today).end == Month.of(today)
    assert resolve(cal, "last quarter", today=today).end < Month.of(today)
