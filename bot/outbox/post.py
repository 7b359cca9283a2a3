"""Messages a listener sends (confirmations, answers, their charts) go through the
outbox like every other DM and channel post: written first under a dedupe key, then
sent once by the sender. The words are rendered when the listener runs, so the
`message` kind carries its text, blocks and file as they are."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Any

from bot.outbox.sender import Rendered
from storage.db import Database
from workflows.core import outbox

MESSAGE = "message"


def post(
    db: Database,
    *,
    key: str | None,
    target: str,
    text: str,
    now: datetime,
    blocks: list[dict[str, Any]] | None = None,
    thread_ts: str | None = None,
    file: bytes | None = None,
    filename: str = "",
    title: str = "",
) -> bool:
    """Queue a message to a user (a DM) or a channel; False when `key` was queued before
    (Slack redelivered the request that asked for it)."""
    params: dict[str, Any] = {"text": text, "blocks": blocks or [], "thread_ts": thread_ts}
    if file is not None:
        params |= {"file": base64.b64encode(file).decode(), "filename": filename, "title": title}
    with db.write() as session:
        return outbox.enqueue(
            session,
            key=f"msg:{key or uuid.uuid4().hex}"[:200],
            kind=MESSAGE,
            target=target,
            params=params,
            now=now,
        )


def render_message(_session: Any, params: dict[str, Any]) -> Rendered:
    """The `message` kind: sent as it was written."""
    file = params.get("file")
    return Rendered(
        text=params.get("text") or "",
        blocks=list(params.get("blocks") or []),
        file=base64.b64decode(file) if file else None,
        filename=params.get("filename") or "",
        title=params.get("title") or "",
        thread_ts=params.get("thread_ts"),
    )
