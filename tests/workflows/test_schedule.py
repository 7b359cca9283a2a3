"""When cycles open: the cron schedule, a setting change without restart, a missed run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from apscheduler.util import ref_to_obj

from bot.runtime import Runtime
from bot.schedule import scheduler
from storage.db import Database
from storage.models import Initiative
from workflows.core import settings as ws
from workflows.reviews import chasing


def _due(db: Database, now: datetime) -> object | None:
    with db.write() as s:
        return chasing.due_quarter(s, now=now)


def test_the_default_schedule_is_the_first_monday_after_a_quarter(db: Database) -> None:
    with db.read() as s:
        assert chasing.schedule(s) == ("0 9 1-7 1,4,7,10 mon", "UTC")
    assert _due(db, datetime(2026, 10, 1, tzinfo=UTC)) is None  # the first check only records
    assert _due(db, datetime(2026, 10, 5, 8, 59, tzinfo=UTC)) is None
    quarter = _due(db, datetime(2026, 10, 5, 9, 1, tzinfo=UTC))
    assert quarter is not None and quarter.code == "2026Q3"  # type: ignore[attr-defined]
    assert _due(db, datetime(2026, 10, 5, 9, 2, tzinfo=UTC)) is None  # once


def test_a_run_missed_while_down_happens_once_on_return(db: Database) -> None:
    _due(db, datetime(2026, 9, 30, tzinfo=UTC))
    # Down from Sep 30 to Oct 20: the Oct 5 run was missed.
    quarter = _due(db, datetime(2026, 10, 20, 12, tzinfo=UTC))
    assert quarter is not None and quarter.code == "2026Q3"  # type: ignore[attr-defined]
    assert _due(db, datetime(2026, 10, 20, 12, 1, tzinfo=UTC)) is None


def test_a_schedule_change_takes_effect_at_the_next_check(db: Database) -> None:
    start = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    _due(db, start)
    with db.write() as s:
        ws.put(s, key="review_schedule", text="30 8 * * *", actor="U0ADMIN")
        ws.put(s, key="review_timezone", text="Europe/Berlin", actor="U0ADMIN")
    # 08:30 in Berlin is 07:30 UTC in November: the next one is on Nov 3.
    assert _due(db, start + timedelta(hours=2)) is None
    quarter = _due(db, datetime(2026, 11, 3, 7, 31, tzinfo=UTC))
    assert quarter is not None and quarter.code == "2026Q3"  # type: ignore[attr-defined]


def test_a_fiscal_year_from_april_moves_the_default(db: Database) -> None:
    with db.write() as s:
        ws.put(s, key="fiscal_year_start_month", text="4", actor="U0ADMIN")
    with db.read() as s:
        assert chasing.schedule(s)[0] == "0 9 1-7 1,4,7,10 mon"
    with db.write() as s:
        ws.put(s, key="fiscal_year_start_month", text="2", actor="U0ADMIN")
    with db.read() as s:
        assert chasing.schedule(s)[0] == "0 9 1-7 2,5,8,11 mon"


def test_every_scheduled_job_resolves_to_a_function() -> None:
    assert scheduler.JOBS
    for job_id, ref, seconds in scheduler.JOBS:
        assert callable(ref_to_obj(ref)), job_id
        assert ref.startswith("bot.schedule.jobs:") and seconds > 0


def test_a_renamed_job_fails_at_start_rather_than_being_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[Any] = []
    monkeypatch.setattr(
        scheduler, "JOBS", (*scheduler.JOBS, ("gone", "bot.schedule.jobs:no_such_job", 60))
    )
    monkeypatch.setattr(scheduler, "BackgroundScheduler", lambda **kw: started.append(kw))
    with pytest.raises(LookupError, match=r"bot\.schedule\.jobs:no_such_job"):
        scheduler.start_scheduler(cast(Runtime, object()))
    assert started == []  # nothing was scheduled, not even the jobs that resolve


def test_the_owners_to_look_up_before_a_cycle_leave_out_retired_initiatives(db: Database) -> None:
    with db.write() as s:
        for name, owner, stage in (
            ("Chatbot", "U0ALICE", "pilot"),
            ("Search", "U0BOB", "production"),
            ("Old OCR", "U0CAROL", "retired"),
            ("Triage", "U0ALICE", "paused"),
        ):
            s.add(
                Initiative(
                    name=name,
                    name_key=name.lower(),
                    department="Ops",
                    owner_id=owner,
                    stage=stage,
                    created_by="U0ADMIN",
                )
            )
    with db.read() as s:
        assert sorted(chasing.owners_to_check(s)) == ["U0ALICE", "U0ALICE", "U0BOB"]
