"""What every listener shares: turning errors into friendly messages."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from templates import say
from workflows.core.errors import AigovError, Invalid

log = logging.getLogger("aigov.listeners")


def error_text(exc: AigovError) -> str:
    """The sentence for a domain error (templates/errors.j2)."""
    return say("errors.j2", exc.code, **exc.params)


def field_errors(
    exc: Invalid, *, fields: set[str] | None = None, fallback: str = "name"
) -> dict[str, str]:
    """Inline modal errors: {block_id: sentence}; unknown fields land on `fallback`."""
    errors: dict[str, str] = {}
    for field, problem in exc.problems.items():
        block = field if fields is None or field in fields else fallback
        text = say("errors.j2", "problem", problem.code, problem.params, plain=True)
        errors[block] = f"{errors[block]} {text}" if block in errors else text
    return errors


@contextmanager
def friendly(reply: Callable[[str], object]) -> Iterator[None]:
    """Run a listener body; domain errors become a reply, anything else a reference id."""
    try:
        yield
    except AigovError as exc:
        reply(error_text(exc))
    except Exception:
        ref = uuid.uuid4().hex[:8]
        log.exception("listener failed (ref %s)", ref)
        try:
            reply(say("errors.j2", "unexpected", ref))
        except Exception:
            log.exception("could not tell the user about ref %s", ref)
