"""DMs and files a listener sends go through the outbox, once per Slack request: the
owner's "your budget was changed" DM after a leader raises it in the modal (even when
Slack delivers the same view_submission twice), and `/aigov report`'s two files."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlmodel import col, select

from bot.offline.local import LocalWorkspace
from storage.models import Initiative, OutboxMessage, OutboxStatus
from tests.test_alerts_slack import GOVERN, LEAD, NOW, OWNER, notice, record
from tests.workspaces import support_assistant

ADMIN = "U0ADMIN"
CHANGED = "set the budget of *Support Assistant* to $20,000.00 per quarter"


@pytest.fixture
def ws(database_url: str) -> Iterator[LocalWorkspace]:
    with support_assistant(database_url, now=NOW) as workspace:
        yield workspace


def settled(ws: LocalWorkspace, *, timeout: float = 10.0) -> None:
    """Wait until the outbox has nothing left to send (it sends in the background)."""
    busy = (OutboxStatus.PENDING, OutboxStatus.SENDING)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with ws.db.read() as s:
            if not s.exec(select(OutboxMessage).where(col(OutboxMessage.status).in_(busy))).first():
                return
        time.sleep(0.05)
    raise AssertionError("the outbox still has messages to send")


def messages_to(ws: LocalWorkspace, target: str, saying: str = "") -> list[OutboxMessage]:
    """The `message` rows (what listeners send) to `target`, with `saying` in the text."""
    with ws.db.read() as s:
        query = select(OutboxMessage).where(
            OutboxMessage.kind == "message", OutboxMessage.target == target
        )
        rows = s.exec(query.order_by(col(OutboxMessage.id)))
        return [r for r in rows if saying in r.params["text"]]


def test_the_owner_hears_of_a_raised_budget_once_through_the_outbox(ws: LocalWorkspace) -> None:
    record(ws, "2026-07", "9,500")
    post = notice(ws)
    button = ws.slack.find_button(post, text="Raise budget")
    ws.slack.click(
        LEAD, button["action_id"], value=button["value"], message=post, channel_id=GOVERN
    )
    modal = ws.emulator.wait_for(lambda _: ws.emulator.open_views(LEAD))[-1]
    for _ in range(2):  # the same view (id and hash) submitted again: a redelivery
        reply = ws.slack.submit(LEAD, modal, {"budget_amount": "20,000"})
        assert reply.status == 200 and not (reply.json or {}).get("errors")
    ws.emulator.wait_for(
        lambda _: [m for m in ws.emulator.messages_to(OWNER) if CHANGED in m.get("text", "")]
    )
    settled(ws)

    rows = messages_to(ws, OWNER, CHANGED)
    assert len(rows) == 1 and rows[0].status == OutboxStatus.SENT
    assert rows[0].params["text"].startswith(":moneybag: <@U0LEAD> set the budget")
    dms = [m for m in ws.emulator.messages_to(OWNER) if CHANGED in m.get("text", "")]
    assert len(dms) == 1 and dms[0].get("bot_id")
    # The leader's own confirmation is an outbox DM too, also sent once.
    mine = messages_to(ws, LEAD, "Budget of *Support Assistant* set to $20,000.00")
    assert len(mine) == 1
    told = [m for m in ws.emulator.messages_to(LEAD) if "Budget of *Support" in m.get("text", "")]
    assert len(told) == 1
    with ws.db.read() as s:
        assert s.exec(select(Initiative)).one().budget_micros == 20_000_000_000


def test_the_report_command_sends_its_two_files_through_the_outbox(ws: LocalWorkspace) -> None:
    """One DM with the Markdown report and its chart, as one outbox row."""
    ws.slack.command(LEAD, "report 2026Q3")
    summary = ws.emulator.wait_for(lambda calls: [c for c in calls if c.method == "response_url"])
    assert "Q3 2026" in summary[-1].args["text"]
    ws.emulator.wait_for(lambda calls: ws.emulator.calls_of("files.completeUploadExternal"))
    settled(ws)

    rows = messages_to(ws, LEAD)
    assert [r.status for r in rows] == [OutboxStatus.SENT]
    assert [(f["filename"], f["title"]) for f in rows[0].params["files"]] == [
        ("aigov-report-2026Q3.md", "aigov portfolio report, Q3 2026"),
        ("aigov-2026Q3.png", "Spend and value by initiative, Q3 2026"),
    ]
    assert len(ws.emulator.calls_of("files.completeUploadExternal")) == 1
    dm = ws.emulator.dm_channel(LEAD)
    files = sorted(
        (f["name"], f["title"]) for f in ws.emulator.files.values() if f["channel"] == dm
    )
    assert files == [
        ("aigov-2026Q3.png", "Spend and value by initiative, Q3 2026"),
        ("aigov-report-2026Q3.md", "aigov portfolio report, Q3 2026"),
    ]
    markdown = next(f for f in ws.emulator.files.values() if f["name"].endswith(".md"))
    assert markdown["bytes"].startswith(b"# AI portfolio report: Q3 2026")
