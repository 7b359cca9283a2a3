"""The append-only audit log: who changed what, before and after."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, SQLModel

from storage.models import AuditEntry


def snapshot(row: SQLModel, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """A JSON-safe copy of a row's columns, for the before/after of an entry."""
    data = row.model_dump(exclude=set(exclude))
    return {key: _json_safe(value) for key, value in data.items()}


def _json_safe(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    source: str = "slack",
) -> AuditEntry:
    """Append one entry; only the fields that changed are kept for an update."""
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: before.get(k) for k in sorted(changed)}
        after = {k: after.get(k) for k in sorted(changed)}
    entry = AuditEntry(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
        source=source,
    )
    session.add(entry)
    return entry


@event.listens_for(OrmSession, "before_flush")
def _append_only(session: OrmSession, _context: Any, _instances: Any) -> None:
    # The log is evidence: the ORM refuses to change or delete an entry.
    for row in (*session.dirty, *session.deleted):
        if isinstance(row, AuditEntry):
            raise RuntimeError("the audit log is append-only")
