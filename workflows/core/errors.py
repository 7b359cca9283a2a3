"""The one exception tree of the domain.

    AigovError                     anything a person should be told about, kindly
    ├── NotFound                   no such initiative (carries "did you mean" suggestions)
    ├── Forbidden                  the asker's role does not allow it
    ├── Invalid                    bad input: problems by field (modal block, CSV column)
    ├── Conflict                   the change clashes with stored state
    ├── ImportRejected             a file with problems: nothing was imported
    ├── MoneyError   (ValueError)  text that is not an amount of money
    ├── PeriodError  (ValueError)  text or numbers that are not a period
    └── BadSetting   (ValueError)  a setting's text its parser refuses

Each carries a `code` and `params`; templates/errors.j2 turns them into sentences, so
listeners and the CLI render them the same way and never show a stack trace. The three
parse errors are ValueErrors too, so code that catches a bad value as ValueError keeps
working; callers usually turn them into a `Problem` of the field they came from
(`money_<reason>`, `bad_month`, `bad_setting`). A mistake in the code itself (an
unknown export format, an unknown group) stays a plain ValueError or RuntimeError: it is
a bug to log with a reference, not something to explain to the person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workflows.inventory.imports import BadRow


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


class ImportRejected(AigovError):
    """The file has problems, so nothing was imported."""

    code = "import_rejected"

    def __init__(self, *, file_problems: list[Problem], bad_rows: list[BadRow]) -> None:
        super().__init__(file_problems=file_problems, bad_rows=bad_rows)
        self.file_problems = file_problems
        self.bad_rows = bad_rows


class MoneyError(AigovError, ValueError):
    """Text that is not an amount of money; `reason` says why (`money_<reason>` is the
    field's problem code)."""

    code = "money"

    def __init__(self, reason: str, text: str = "") -> None:
        super().__init__(reason=reason, text=text)
        self.args = (reason,)  # str(exc) is the reason, as it always was
        self.reason = reason
        self.text = text


class PeriodError(AigovError, ValueError):
    """Text or numbers that are not a period; `reason` says why."""

    code = "period"

    def __init__(self, reason: str, text: str = "") -> None:
        super().__init__(reason=reason, text=text)
        self.args = (f"{reason}: {text!r}" if text else reason,)
        self.reason = reason
        self.text = text


class BadSetting(AigovError, ValueError):
    """A setting's text that its parser refuses; `settings.parse` turns it into `Invalid`
    naming the key, so a person reads what the setting allows."""

    code = "bad_setting"

    def __init__(self, *, key: str = "", value: str = "") -> None:
        super().__init__(key=key, value=value)
