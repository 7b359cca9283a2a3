"""Budget alerts through signed HTTP and the emulator: the notice and every button with
its authorisation, /aigov alerts and /aigov budget."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import select

from bot.offline.local import LocalWorkspace
from storage.models import Alert, Initiative, ReviewRequest
from tests.workspaces import support_assistant
from workflows.core import settings as ws_settings
from workflows.inventory import inventory

OWNER, LEAD, MEMBER, ADMIN = "U0SUPPORT", "U0LEAD", "U0MEMBER", "U0ADMIN"
GOVERN = "C0GOVERN"
NOW = datetime(2026, 9, 21, 15, 0, tzinfo=UTC)  # a Monday in Q3


@pytest.fixture
def ws(database_url: str) -> Iterator[LocalWorkspace]:
    with support_assistant(database_url, now=NOW) as workspace:
        yield workspace


def texts(messages: list[dict[str, Any]]) -> str:
    return json.dumps(messages, ensure_ascii=False)


def governance(ws: LocalWorkspace) -> list[dict[str, Any]]:
    return [m for m in ws.emulator.messages(GOVERN) if m.get("bot_id")]


def record(ws: LocalWorkspace, month: str, inference: str) -> None:
    """The owner records a month's cost from the card (new cost data: budgets are checked)."""
    ws.emulator.clear()
    ws.slack.command(OWNER, "show support assistant")
    card = ws.emulator.wait_for(lambda calls: [c for c in calls if c.method == "response_url"])[
        -1
    ].args
    ws.slack.click(
        OWNER,
        "figures.record_open",
        message={"blocks": card["blocks"], "ts": "1", "channel": "C0GENERAL"},
    )
    modal = ws.emulator.wait_for(lambda _: ws.emulator.open_views(OWNER))[-1]
    reply = ws.slack.submit(OWNER, modal, {"month": month, "cost_inference": inference})
    assert reply.status == 200 and not (reply.json or {}).get("errors")


def notice(ws: LocalWorkspace) -> dict[str, Any]:
    return ws.emulator.wait_for(
        lambda _: [m for m in governance(ws) if "budget alert" in texts([m])]
    )[-1]


def shown(ws: LocalWorkspace, user: str, post: dict[str, Any]) -> str:
    """What each Show figures of a figure-free notice answers `user`, only them (the
    channel rule: everyone is in the governance channel here, members too)."""
    buttons = [
        e
        for b in post["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "figures.show"
    ]
    assert buttons
    answers = [_answer(ws, user, post, button) for button in buttons]
    assert all(a["response_type"] == "ephemeral" for a in answers)
    return texts(answers)


def _answer(ws: LocalWorkspace, user: str, post: dict[str, Any], button: dict[str, Any]) -> Any:
    before = len(ws.emulator.calls_of("response_url"))
    ws.slack.click(user, button["action_id"], value=button["value"], message=post, channel_id=GOVERN)
    return ws.emulator.wait_for(lambda _: ws.emulator.calls_of("response_url")[before:])[-1].args


def told(ws: LocalWorkspace, user: str, words: str) -> list[dict[str, Any]]:
    """Wait for an ephemeral message to `user` saying `words` (older ones do not count)."""
    return ws.emulator.wait_for(
        lambda _: [m for m in ws.emulator.ephemerals(user) if words in m["text"]]
    )


def test_threshold_alert_notice_and_buttons(ws: LocalWorkspace) -> None:
    record(ws, "2026-07", "5,000")
    record(ws, "2026-08", "4,200")
    post = notice(ws)
    assert "$9,200.00" not in texts([post]) and "budget threshold crossed" in texts([post])
    figures = shown(ws, LEAD, post)
    assert "92% of the Q3 2026 budget used ($9,200.00 of $10,000.00), $800.00 left" in figures
    assert "may not see these figures" in shown(ws, MEMBER, post)
    assert "$9,200.00" not in shown(ws, MEMBER, post)
    dm = ws.emulator.wait_for(
        lambda _: [m for m in ws.emulator.messages_to(OWNER) if "budget alert" in texts([m])]
    )
    assert "92% of the Q3 2026 budget used" in texts(dm) and "Acknowledge" not in texts(dm)

    # A member may not acknowledge; the owner may, and the notice shows it.
    ack = ws.slack.find_button(post, text="Acknowledge")
    ws.slack.click(MEMBER, ack["action_id"], value=ack["value"], message=post, channel_id=GOVERN)
    assert told(ws, MEMBER, "Only the initiative's owner")
    ws.slack.click(OWNER, ack["action_id"], value=ack["value"], message=post, channel_id=GOVERN)
    updated = ws.emulator.wait_for(
        lambda _: [m for m in governance(ws) if "Acknowledged by <@U0SUPPORT>" in texts([m])]
    )
    assert updated[0]["ts"] == post["ts"]  # edited in place

    # The owner may not raise the budget; a leader may, and the alert resolves.
    raise_button = next(b for b in post["blocks"] if b["type"] == "actions")["elements"][2]
    ws.slack.click(
        OWNER,
        raise_button["action_id"],
        value=raise_button["value"],
        message=post,
        channel_id=GOVERN,
    )
    assert told(ws, OWNER, "Only admins and leaders can change budgets")
    ws.slack.click(
        LEAD,
        raise_button["action_id"],
        value=raise_button["value"],
        message=post,
        channel_id=GOVERN,
    )
    modal = ws.emulator.wait_for(lambda _: ws.emulator.open_views(LEAD))[-1]
    assert ws.slack.submit(LEAD, modal, {"budget_amount": "NaN"}).json["errors"]["budget_amount"]
    ok = ws.slack.submit(LEAD, ws.emulator.open_views(LEAD)[-1], {"budget_amount": "20,000"})
    assert ok.status == 200 and not (ok.json or {}).get("errors")
    ws.emulator.wait_for(
        lambda _: [m for m in governance(ws) if "Resolved: it no longer holds" in texts([m])]
    )
    with ws.db.read() as s:
        assert s.exec(select(Initiative)).one().budget_micros == 20_000_000_000
        assert {a.status for a in s.exec(select(Alert))} == {"resolved"}


def test_open_review_and_snooze(ws: LocalWorkspace) -> None:
    record(ws, "2026-07", "9,500")
    post = notice(ws)
    review = ws.slack.find_button(post, text="Open review")
    ws.slack.click(
        MEMBER, review["action_id"], value=review["value"], message=post, channel_id=GOVERN
    )
    assert told(ws, MEMBER, "Only leaders and admins can open a review")
    ws.slack.click(
        LEAD, review["action_id"], value=review["value"], message=post, channel_id=GOVERN
    )
    asked = ws.emulator.wait_for(
        lambda _: [
            m
            for m in ws.emulator.messages_to(OWNER)
            if "asked you to report the Q3 2026 figures" in texts([m])
        ]
    )
    assert "Report figures" in texts(asked)
    with ws.db.read() as s:
        assert len(s.exec(select(ReviewRequest)).all()) == 1
    snooze = ws.slack.find_button(post, text="Snooze a week")
    ws.slack.click(
        OWNER, snooze["action_id"], value=snooze["value"], message=post, channel_id=GOVERN
    )
    ws.emulator.wait_for(
        lambda _: [m for m in governance(ws) if "Snoozed until Sep 28" in texts([m])]
    )


def test_alerts_listing_and_budget_command_respect_roles(ws: LocalWorkspace) -> None:
    record(ws, "2026-07", "9,500")
    notice(ws)
    for user, sees in ((MEMBER, False), (OWNER, True), (LEAD, True)):
        ws.emulator.clear()
        ws.slack.command(user, "alerts")
        reply = ws.emulator.wait_for(
            lambda calls: [c for c in calls if c.method == "response_url"]
        )[-1]
        assert ("95% of the Q3 2026 budget used" in reply.args["text"]) is sees, user
    ws.emulator.clear()
    ws.slack.command(MEMBER, "budget Support Assistant 50000 quarter")
    reply = ws.emulator.wait_for(lambda calls: [c for c in calls if c.method == "response_url"])[-1]
    assert "Only admins and leaders can change budgets" in reply.args["text"]
    ws.emulator.clear()
    ws.slack.command(LEAD, "budget support assistant 50,000 quarter")
    reply = ws.emulator.wait_for(lambda calls: [c for c in calls if c.method == "response_url"])[-1]
    assert "set to $50,000.00 per quarter" in reply.args["text"]
    with ws.db.read() as s:
        assert {a.status for a in s.exec(select(Alert))} == {"resolved"}  # threshold and forecast
    ws.emulator.clear()
    ws.slack.command(LEAD, "budget department Support 1000 month")
    reply = ws.emulator.wait_for(lambda calls: [c for c in calls if c.method == "response_url"])[-1]
    assert "Budget of *Support* set to $1,000.00 per month" in reply.args["text"]


def test_a_restart_between_checks_sends_nothing_twice(database_url: str) -> None:
    def start() -> LocalWorkspace:
        return LocalWorkspace(database_url=database_url, migrate=False, now=lambda: NOW)

    with start() as first:
        with first.db.write() as s:
            ws_settings.put(s, key="governance_channel", text=GOVERN, actor=ADMIN)
            inventory.register(
                s,
                raw={
                    "name": "Doc Reader",
                    "department": "Legal",
                    "owner": OWNER,
                    "stage": "production",
                    "budget_amount": "1000",
                    "budget_period": "month",
                },
                actor=ADMIN,
                resolve_user=lambda u: u,
            )
            from workflows.figures.costs import Figure, record_reported

            doc = s.exec(select(Initiative)).one()
            record_reported(
                s,
                [Figure(doc.id, "inference", "month", date(2026, 9, 1), Decimal("950"))],
                source="import",
                actor="t",
            )
        from bot.schedule.alerting import check_now

        assert len(check_now(first.rt).new) == 2  # 80% and the forecast
        first.emulator.wait_for(
            lambda _: [m for m in governance(first) if "budget alert" in texts([m])]
        )
    with start() as second:  # a new process on the same database
        from bot.schedule.alerting import check_now

        assert check_now(second.rt).new == []
        assert second.emulator.calls_of("chat.postMessage") == []


def test_spike_and_stale_notices_read_plainly(ws: LocalWorkspace) -> None:
    from bot.schedule.alerting import check_now
    from workflows.figures.costs import BillingLine, record_billing

    with ws.db.write() as s:
        initiative = s.exec(select(Initiative)).one()
        initiative.stage = "production"
        lines = [
            BillingLine(f"m{m}", initiative.id, "inference", date(2026, m, 1), amount, "focus")
            for m, amount in (
                (5, 1_000_000_000),
                (6, 1_000_000_000),
                (7, 1_000_000_000),
                (8, 2_500_000_000),
            )
        ]
        record_billing(s, lines, actor="import", now=datetime(2026, 8, 31, tzinfo=UTC))
    kinds = sorted(a.kind for a in check_now(ws.rt).new)
    assert "spike" in kinds and "stale" in kinds
    post = notice(ws)
    assert "$2,500.00" not in texts([post])
    figures = shown(ws, OWNER, post)
    assert (
        "Aug 2026 spend jumped to $2,500.00, 2.5× the average of the three months before ($1,000.00)"
        in figures
    )
    assert "no billing data for 21 days (since Aug 31, 2026)" in figures
    snooze = ws.slack.find_button(post, text="Snooze a week")
    ws.slack.click(
        MEMBER, snooze["action_id"], value=snooze["value"], message=post, channel_id=GOVERN
    )
    assert told(ws, MEMBER, "Only the initiative's owner")


def test_an_admin_records_figures_on_behalf_of_the_owner(ws: LocalWorkspace) -> None:
    """Admins may edit any initiative, so may record its figures: the audit trail and
    both people say it was on behalf of the owner (issue 12)."""
    from storage.models import AuditEntry

    ws.slack.command(ADMIN, "show support assistant")
    card = ws.emulator.wait_for(lambda calls: [c for c in calls if c.method == "response_url"])[
        -1
    ].args
    ws.slack.click(
        ADMIN,
        "figures.record_open",
        message={"blocks": card["blocks"], "ts": "1", "channel": "C0GENERAL"},
    )
    modal = ws.emulator.wait_for(lambda _: ws.emulator.open_views(ADMIN))[-1]
    reply = ws.slack.submit(ADMIN, modal, {"month": "2026-08", "cost_inference": "1,000"})
    assert reply.status == 200 and not (reply.json or {}).get("errors")
    mine = ws.emulator.wait_for(
        lambda _: [m for m in ws.emulator.messages_to(ADMIN) if "Recorded" in m["text"]]
    )
    assert "on behalf of <@U0SUPPORT>" in mine[0]["text"]
    theirs = ws.emulator.wait_for(
        lambda _: [m for m in ws.emulator.messages_to(OWNER) if "on your behalf" in m["text"]]
    )
    assert (
        "<@U0ADMIN> recorded the Aug 2026 figures of *Support Assistant* on your behalf"
        in theirs[0]["text"]
    )
    with ws.db.read() as s:
        [entry] = s.exec(select(AuditEntry).where(AuditEntry.action == "figures.on_behalf")).all()
    assert (entry.actor, entry.after) == (
        ADMIN,
        {"reported_by": ADMIN, "on_behalf_of": OWNER, "period": "2026-08"},
    )
    # The owner recording his own figures is no one's behalf: no such entry, no notice.
    record(ws, "2026-07", "500")
    with ws.db.read() as s:
        assert len(s.exec(select(AuditEntry).where(AuditEntry.action == "figures.on_behalf")).all()) == 1
