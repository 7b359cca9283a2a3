"""A question's words while it is being read: each step takes the words it understands."""

from __future__ import annotations

import re
from bisect import bisect_right


def rx(body: str) -> re.Pattern[str]:
    """A pattern matched on whole words of the sentence view."""
    return re.compile(rf"(?<![^ ])(?:{body})(?![^ ])")


def named(table: dict[str, str]) -> str:
    return "|".join(f"(?P<{name}>{pattern})" for name, pattern in table.items())


class Sentence:
    """The words of a question; each step takes (consumes) the words it understands."""

    def __init__(self, written: list[str], low: list[str]) -> None:
        self.written = written
        self.low = low
        self.used = [False] * len(low)

    def _view(self) -> tuple[str, list[int]]:
        parts, starts, pos = [], [], 0
        for word, used in zip(self.low, self.used, strict=True):
            part = "\x00" if used else word
            starts.append(pos)
            parts.append(part)
            pos += len(part) + 1
        return " ".join(parts), starts

    def take(
        self, pattern: re.Pattern[str], *, keep: bool = False
    ) -> list[tuple[int, re.Match[str]]]:
        """Every match of the pattern on free words (consumed unless `keep`), with its first word."""
        view, starts = self._view()
        found = []
        for match in pattern.finditer(view):
            if match.end() == match.start():
                continue
            first = bisect_right(starts, match.start()) - 1
            last = bisect_right(starts, match.end() - 1)
            found.append((first, match))
            if not keep:
                self.consume(first, last)
        return found

    def consume(self, start: int, end: int) -> None:
        for i in range(start, end):
            self.used[i] = True

    def free(self, start: int, end: int) -> bool:
        return end <= len(self.low) and not any(self.used[start:end])

    def runs(self) -> list[tuple[int, int]]:
        """Stretches of free words."""
        out, start = [], None
        for i, used in enumerate([*self.used, True]):
            if not used and start is None:
                start = i
            elif used and start is not None:
                out.append((start, i))
                start = None
        return out
