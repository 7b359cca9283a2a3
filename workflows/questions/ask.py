"""One call from a question's text to its answer, for Slack, the console and the CLI."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, select

from storage.models import Initiative
from workflows.core import settings as ws
from workflows.core.access import Viewer
from workflows.questions.answer import Answer, answer
from workflows.questions.parse import parse
from workflows.questions.query import Ambiguous, Query, Unknown
from workflows.questions.vocabulary import Vocabulary


def vocabulary(session: Session) -> Vocabulary:
    """The names questions may use, from the inventory."""
    columns = (
        Initiative.name,
        Initiative.department,
        Initiative.cost_center,
        Initiative.provider,
        Initiative.model,
        Initiative.use_case,
        Initiative.outcome_unit,
    )
    rows = list(session.exec(select(*columns)))

    def distinct(index: int) -> tuple[str, ...]:
        return tuple(sorted({r[index] for r in rows if r[index]}))

    return Vocabulary(
        initiatives=distinct(0),
        departments=distinct(1),
        cost_centers=distinct(2),
        providers=distinct(3),
        models=distinct(4),
        use_cases=distinct(5),
        outcome_units=distinct(6),
    )


def ask(
    session: Session, text: str, *, viewer: Viewer, today: date, now: datetime
) -> Answer | Unknown | Ambiguous:
    """Parse `text` against the inventory's names and answer it as `viewer` may see it."""
    parsed = parse(text, vocabulary=vocabulary(session), calendar=ws.calendar(session), today=today)
    if isinstance(parsed, Query):
        return answer(session, parsed, viewer=viewer, today=today, now=now)
    return parsed
