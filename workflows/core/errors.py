"""The one exception tree of the domain.

    AigovError                 anything a person should be told about, kindly
    ├── NotFound               no such initiative (carries "did you mean" suggestions)
    ├── Forbidden              the asker's role does not allow it
    ├── Invalid                bad input: problems by field (modal block, CSV column)
    └── Conflict               the change clashes with stored state

Each carries a `code` and `params`; templates/errors.j2 turns them into sentences, so
listeners and the CLI render them the same way and never show a stack trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input field."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


class AigovError(Exception):
    """Base of every error a person should read."""

    code = "error"

    def __init__(self, **params: Any) -> None:
        super().__init__(self.code)
        self.params = params


class NotFound(AigovError):
    code = "not_found"

    def __init__(self, *, kind: str, query: str, suggestions: list[str] | None = None) -> None:
        super().__init__(kind=kind, query=query, suggestions=suggestions or [])


class Forbidden(AigovError):
    code = "forbidden"

    def __init__(self, *, action: str) -> None:
        super().__init__(action=action)


class Invalid(AigovError):
    code = "invalid"

    def __init__(self, problems: dict[str, Problem]) -> None:
        super().__init__(problems=problems)
        self.problems = problems


class Conflict(AigovError):
    code = "conflict"

    def __init__(self, *, reason: str, **params: Any) -> None:
        super().__init__(reason=reason, **params)
