"""`GET /healthz`: 200 while the database answers and the outbox is flowing; 503 with
the reason when the database is unreachable or a due message has waited too long
(Slack has been refusing it, or no sender is running)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text

from storage.db import Database
from workflows.core import outbox

log = logging.getLogger("aigov.health")
STALE = timedelta(minutes=10)


def check(db: Database, now: Callable[[], datetime]) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) for /healthz."""
    moment = now()
    try:
        with db.read() as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            backlog = outbox.backlog(session, now=moment)
    except Exception as exc:
        log.error("health check failed: %s", type(exc).__name__)
        return 503, {"ok": False, "reason": "database_unreachable", "database": "unreachable"}
    if backlog.oldest_due is not None and moment - backlog.oldest_due > STALE:
        waited = int((moment - backlog.oldest_due).total_seconds())
        return 503, {
            "ok": False,
            "reason": "outbox_stalled",
            "oldest_unsent_seconds": waited,
            "limit_seconds": int(STALE.total_seconds()),
            "backlog": backlog.unsent,
        }
    return 200, {"ok": True}
