"""INSERT ... ON CONFLICT for SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel


def _insert(session: Session, model: type[SQLModel]) -> Any:
    dialect = session.get_bind().dialect.name
    table = model.__table__  # type: ignore[attr-defined]
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def upsert(
    session: Session, model: type[SQLModel], values: dict[str, Any], *, keys: tuple[str, ...]
) -> None:
    """Insert a row, or update it when a row with the same `keys` exists (race-free)."""
    statement = _insert(session, model).values(**values)
    changes = {k: v for k, v in values.items() if k not in keys}
    session.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=changes))


def insert_ignore(
    session: Session, model: type[SQLModel], values: dict[str, Any], *, keys: tuple[str, ...]
) -> bool:
    """Insert a row unless one with the same `keys` exists; True when inserted."""
    table = model.__table__  # type: ignore[attr-defined]
    statement = (
        _insert(session, model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(keys))
        # rowcount is unreliable here across drivers; RETURNING says what happened.
        .returning(table.c[keys[0]])
    )
    return session.execute(statement).first() is not None
