"""One exception tree: every exception the domain defines is an AigovError, each one's
`code` has its sentence in templates/errors.j2, and the parse errors are ValueErrors too."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import workflows
from templates import say
from workflows.core import money, periods, settings
from workflows.core.errors import (
    AigovError,
    BadSetting,
    Conflict,
    Forbidden,
    ImportRejected,
    Invalid,
    MoneyError,
    NotFound,
    PeriodError,
    Problem,
)
from workflows.inventory import imports


def _defined_exceptions() -> dict[str, type[BaseException]]:
    """Every exception class defined (not just imported) in a module of workflows/."""
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(workflows.__path__, prefix="workflows."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__ == module.__name__:
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return found


def test_every_exception_of_the_domain_is_an_aigov_error() -> None:
    found = _defined_exceptions()
    assert "workflows.core.errors.MoneyError" in found  # the walk reaches every module
    assert "workflows.core.errors.PeriodError" in found
    strays = sorted(name for name, cls in found.items() if not issubclass(cls, AigovError))
    assert strays == []


def test_the_old_import_paths_name_the_same_classes() -> None:
    assert money.MoneyError is MoneyError
    assert periods.PeriodError is PeriodError
    assert imports.ImportRejected is ImportRejected


def test_parse_errors_are_still_value_errors_with_the_same_text() -> None:
    with pytest.raises(ValueError) as caught:
        money.parse_amount("twelve")
    assert isinstance(caught.value, MoneyError) and isinstance(caught.value, AigovError)
    assert str(caught.value) == "not_a_number" and caught.value.reason == "not_a_number"
    with pytest.raises(ValueError, match="bad_format: 'Sept'") as period:
        periods.parse_month("Sept")
    assert isinstance(period.value, PeriodError) and period.value.text == "Sept"


def test_a_bad_setting_still_reads_as_what_the_setting_allows() -> None:
    with pytest.raises(Invalid) as caught:
        settings.parse("currency", "dollars")
    assert caught.value.problems == {
        "currency": Problem("bad_setting", {"key": "currency", "value": "dollars"})
    }


SAMPLES: tuple[AigovError, ...] = (
    NotFound(kind="initiative", query="Chatbot", suggestions=["Support chatbot"]),
    Forbidden(action="decide"),
    Invalid({"name": Problem("required")}),
    Conflict(reason="decided"),
    ImportRejected(file_problems=[Problem("empty_file")], bad_rows=[]),
    MoneyError("negative", "-5"),
    MoneyError("wrong_currency", "€5"),
    PeriodError("bad_quarter", "Q5 2026"),
    PeriodError("unknown_period", "someday"),
    PeriodError("bad_bounds"),
    BadSetting(),
    BadSetting(key="currency", value="dollars"),
)


@pytest.mark.parametrize("exc", SAMPLES, ids=lambda e: f"{type(e).__name__}-{e.params}")
@pytest.mark.parametrize("plain", [False, True])
def test_every_error_has_a_sentence(exc: AigovError, plain: bool) -> None:
    text = say("errors.j2", exc.code, plain=plain, **exc.params)
    # A sentence, not a problem code echoed back by a fallback branch.
    assert text.endswith((".", "?")) and " " in text


def test_every_error_class_has_a_sample() -> None:
    classes = {cls for cls in _defined_exceptions().values() if issubclass(cls, AigovError)}
    assert classes - {AigovError} <= {type(e) for e in SAMPLES}


def test_money_and_period_errors_say_what_was_wrong() -> None:
    assert say("errors.j2", "money", "negative", "-5") == "The amount can't be negative."
    assert say("errors.j2", "period", "bad_format", "Sept", plain=True) == (
        '"Sept" is not a month; use YYYY-MM, e.g. 2026-09.'
    )
