"""The call log every emulator request lands in, and the wait_for tests block on."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

DUMP_LAST = 15
DUMP_ARGS_CHARS = 240


@dataclass
class Call:
    """One request the emulator answered: a Web API method, or "response_url"."""

    method: str
    args: dict[str, Any]
    response: dict[str, Any]
    status: int = 200
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    def summary(self) -> str:
        outcome = "ok" if self.ok else f"error={self.response.get('error')}"
        args = json.dumps(self.args, default=str, ensure_ascii=False)
        if len(args) > DUMP_ARGS_CHARS:
            args = args[:DUMP_ARGS_CHARS] + "…"
        return f"{self.method} [{self.status} {outcome}] {args}"


class CallLog:
    """Thread-safe list of calls; the condition doubles as the emulator's state lock.

    Sharing one re-entrant lock for state and log means a test that waits for a call
    also sees the state that call produced.
    """

    def __init__(self) -> None:
        self.cond = threading.Condition(threading.RLock())
        self.calls: list[Call] = []

    def append(self, call: Call) -> None:
        with self.cond:
            self.calls.append(call)
            self.cond.notify_all()

    def of(self, method: str) -> list[Call]:
        with self.cond:
            return [c for c in self.calls if c.method == method]

    def clear(self) -> None:
        with self.cond:
            self.calls.clear()

    def wait_for(self, predicate: Callable[[list[Call]], T], *, timeout: float = 5.0) -> T:
        """Block until predicate(calls) is truthy and return it; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                result = predicate(list(self.calls))
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._timeout_message(timeout))
                self.cond.wait(remaining)

    def _timeout_message(self, timeout: float) -> str:
        recent = self.calls[-DUMP_LAST:]
        lines = [
            f"wait_for: condition not met within {timeout:.1f}s; "
            f"{len(self.calls)} calls recorded, last {len(recent)}:"
        ]
        lines += [f"  {c.summary()}" for c in recent] or ["  (no calls)"]
        return "\n".join(lines)
