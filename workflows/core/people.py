"""Who a Slack user id is, for words read outside Slack (files, the terminal), where
`<@U123>` does not turn into a name."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from storage.models import Person


def display_names(session: Session, user_ids: Iterable[str | None]) -> dict[str, str]:
    """{user id: the name people know them by} for the ids the bot has met; others left out."""
    wanted = sorted({u for u in user_ids if u})
    if not wanted:
        return {}
    people = session.exec(select(Person).where(col(Person.user_id).in_(wanted)))
    return {p.user_id: p.real_name or p.name for p in people if p.real_name or p.name}
