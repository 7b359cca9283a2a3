"""Workspace settings kept in the database: typed, validated, audited.

Defaults live here; a stored row overrides its default. A bad value raises `Invalid`
with the key, so the message can say what is allowed (templates/settings.j2).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, select

from storage.models import Setting, utcnow
from workflows.core import audit
from workflows.core.errors import BadSetting, Invalid, Problem
from workflows.core.periods import FiscalCalendar

_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,30}$")
_PERSON_OR_GROUP = re.compile(r"^[UWS][A-Z0-9]{2,30}$")
_PERSON = re.compile(r"^[UW][A-Z0-9]{2,30}$")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_DECIMAL = re.compile(r"^\d+(\.\d+)?$")
_INT = re.compile(r"^\d{1,6}$")


def _channel(text: str) -> str:
    text = text.strip()
    if text and not _CHANNEL.match(text):
        raise BadSetting
    return text


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        text = text.strip()
        if not text.isascii() or not _INT.match(text) or not low <= int(text) <= high:
            raise BadSetting
        return int(text)

    return parse


def _cron(text: str) -> str:
    from apscheduler.triggers.cron import CronTrigger

    text = " ".join(text.split())
    if text == "":
        return text
    try:
        CronTrigger.from_crontab(text, timezone="UTC")
    except (ValueError, TypeError) as exc:
        raise BadSetting from exc
    return text


def _timezone(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadSetting from exc
    return text


def _hours(text: str) -> str:
    match = _HOURS.match(text.strip())
    if not match or match.group(1, 2) >= match.group(3, 4):
        raise BadSetting
    return text.strip()


def _currency(text: str) -> str:
    text = text.strip().upper()
    if not (len(text) == 3 and text.isascii() and text.isalpha()):
        raise BadSetting
    return text


def _thresholds(text: str) -> list[int]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts or not all(p.isascii() and p.isdigit() and 0 < int(p) <= 1000 for p in parts):
        raise BadSetting
    return sorted({int(p) for p in parts})


def _factor(text: str) -> Decimal:
    text = text.strip()
    if not text.isascii() or not _DECIMAL.match(text) or Decimal(text) <= 1:
        raise BadSetting
    return Decimal(text)


def _ratio(text: str) -> Decimal:
    text = text.strip()
    if not text.isascii() or not _DECIMAL.match(text) or Decimal(text) > 1000:
        raise BadSetting
    return Decimal(text)


def _ids(pattern: re.Pattern[str]) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        ids = [p.strip() for p in text.split(",") if p.strip()]
        if not all(pattern.match(i) for i in ids):
            raise BadSetting
        return ids

    return parse


def _department_leaders(text: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in (p.strip() for p in text.split(",") if p.strip()):
        department, _, user = pair.partition("=")
        if not department.strip() or not _PERSON.match(user.strip()):
            raise BadSetting
        mapping[department.strip()] = user.strip()
    return mapping


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    return str(value)


@dataclass(frozen=True)
class SettingSpec:
    key: str
    default: str
    parse: Callable[[str], Any]


SPECS: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in (
        SettingSpec("governance_channel", "", _channel),
        SettingSpec("leadership_channel", "", _channel),
        # Empty means the default: 09:00 on the first Monday after each fiscal quarter.
        SettingSpec("review_schedule", "", _cron),
        SettingSpec("review_timezone", "", _timezone),
        SettingSpec("response_days", "14", _int_between(1, 90)),
        SettingSpec("reminder_days", "3", _int_between(1, 30)),
        SettingSpec("working_hours", "09:00-17:00", _hours),
        SettingSpec("fiscal_year_start_month", "1", _int_between(1, 12)),
        SettingSpec("currency", "USD", _currency),
        SettingSpec("alert_thresholds", "80,100", _thresholds),
        SettingSpec("spike_factor", "1.5", _factor),
        SettingSpec("stale_days", "7", _int_between(1, 365)),
        SettingSpec("admins", "", _ids(_PERSON_OR_GROUP)),
        SettingSpec("leaders", "", _ids(_PERSON_OR_GROUP)),
        SettingSpec("department_leaders", "", _department_leaders),
        # Review recommendation thresholds (value per AI dollar), see workflows.reviews.rules.
        SettingSpec("rule_kill_below", "1", _ratio),
        SettingSpec("rule_scale_at", "2", _ratio),
    )
}


def _spec(key: str) -> SettingSpec:
    try:
        return SPECS[key]
    except KeyError:
        raise Invalid(
            {"key": Problem("unknown_setting", {"key": key, "keys": list(SPECS)})}
        ) from None


def parse(key: str, text: str) -> Any:
    """The typed value of `text` for `key`, or `Invalid` saying what is allowed."""
    spec = _spec(key)
    try:
        return spec.parse(text)
    except BadSetting:
        raise Invalid({key: Problem("bad_setting", {"key": key, "value": text})}) from None


def get(session: Session, key: str) -> Any:
    """The typed current value of a setting."""
    row = session.get(Setting, key)
    return parse(key, row.value if row is not None else default_text(session, key))


def default_text(session: Session, key: str) -> str:
    """The value a setting has when nobody set it: the environment's, else the built-in."""
    return session.info.get("setting_defaults", {}).get(key) or _spec(key).default


def calendar(session: Session) -> FiscalCalendar:
    """The workspace's fiscal calendar."""
    return FiscalCalendar(get(session, "fiscal_year_start_month"))


def show_all(session: Session) -> list[tuple[str, str, bool]]:
    """(key, value as text, whether it is the default) for every setting."""
    stored = {row.key: row.value for row in session.exec(select(Setting)).all()}
    return [(key, _show(get(session, key)), key not in stored) for key in SPECS]


def put(session: Session, *, key: str, text: str, actor: str, source: str = "slack") -> Any:
    """Validate and store a setting, with an audit entry; returns the typed value."""
    value = parse(key, text)
    canonical = _show(value)
    row = session.get(Setting, key)
    before = None if row is None else {"value": row.value}
    if row is None:
        row = Setting(key=key, value=canonical, updated_by=actor)
        session.add(row)
    else:
        row.value, row.updated_by, row.updated_at = canonical, actor, utcnow()
    audit.record(
        session,
        actor=actor,
        action="setting.change",
        entity="setting",
        entity_id=key,
        before=before,
        after={"value": canonical},
        source=source,
    )
    return value


def reset(session: Session, *, key: str, actor: str, source: str = "slack") -> None:
    """Back to the default (the environment's or the built-in), audited."""
    _spec(key)
    row = session.get(Setting, key)
    if row is None:
        return
    audit.record(
        session,
        actor=actor,
        action="setting.reset",
        entity="setting",
        entity_id=key,
        before={"value": row.value},
        after=None,
        source=source,
    )
    session.delete(row)


def save_all(session: Session, *, wanted: dict[str, str], actor: str) -> list[tuple[str, str]]:
    """A form of settings (the admin modal): every field validated first, all problems
    at once, then what changed stored (an empty field goes back to its default).
    Returns (key, text now in effect) for each change."""
    problems: dict[str, Problem] = {}
    for key, text in wanted.items():
        try:
            parse(key, text or default_text(session, key))
        except Invalid as exc:
            problems.update(exc.problems)
    if problems:
        raise Invalid(problems)
    current = {key: text for key, text, _ in show_all(session)}
    changes = []
    for key, text in wanted.items():
        if text == current[key]:
            continue
        if text or not default_text(session, key):
            put(session, key=key, text=text, actor=actor)
        else:
            reset(session, key=key, actor=actor)
        changes.append((key, text or default_text(session, key)))
    return changes
