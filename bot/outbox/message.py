"""What the outbox sender sends: text and blocks, or files to share (no Slack imports,
so views can build them cheaply)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class File:
    """A file to share in Slack: its bytes, name and title."""

    content: bytes
    filename: str
    title: str


@dataclass
class Rendered:
    """One message: text and blocks, or files (shared together, `text` as the comment)."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    files: list[File] = field(default_factory=list)
    # a reply in the thread of a message the bot did not send (a question asked there)
    thread_ts: str | None = None
