"""Messages a listener sends (confirmations, answers, their charts) go through the
outbox like every other DM and channel post: written first under a dedupe key, then
sent once by the sender. The words are rendered when the listener runs, so the
`message` kind carries its text, blocks and files as they are."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.outbox.message import File, Rendered
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
    files: Sequence[File] = (),
) -> bool:
    """Queue a message to a user (a DM) or a channel; False when `key` was queued before
    (Slack redelivered the request that asked for it)."""
    params: dict[str, Any] = {"text": text, "blocks": blocks or [], "thread_ts": thread_ts}
    if files:
        params["files"] = [
            {"content": base64.b64encode(f.content).decode(), "filename": f.filename, "title": f.title}
            for f in files
        ]
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
    files = [
        File(content=base64.b64decode(f["content"]), filename=f["filename"], title=f["title"])
        for f in params.get("files") or []
    ]
    return Rendered(
        text=params.get("text") or "",
        blocks=list(params.get("blocks") or []),
        files=files,
        thread_ts=params.get("thread_ts"),
    )
