"""Working hours: when a prompt may reach someone (weekdays, in their own time zone)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(tz: str | None, fallback: str) -> ZoneInfo:
    for name in (tz, fallback, "UTC"):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def parse_hours(text: str) -> tuple[time, time]:
    start, end = text.split("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def next_working_time(
    now: datetime, *, tz: str | None, hours: str, fallback_tz: str = "UTC"
) -> datetime:
    """`now` if it falls in working hours on a weekday there, else the next start (UTC)."""
    place = zone(tz, fallback_tz)
    start, end = parse_hours(hours)
    local = now.astimezone(place)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        opens = datetime.combine(day, start, place)
        closes = datetime.combine(day, end, place)
        if offset == 0 and opens <= local < closes:
            return now
        if local < opens:
            return opens.astimezone(UTC)
    return now  # unreachable with a sane week; send rather than never


def local_date(now: datetime, *, tz: str | None, fallback_tz: str = "UTC") -> date:
    return now.astimezone(zone(tz, fallback_tz)).date()
