"""A whole review cycle through signed HTTP and the Slack emulator: prompts in working
hours, reporting and amending, the card, decisions, reminders, snoozing, escalation."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.ids import Action
from bot.offline.emulator.user import SlackUser
from bot.offline.local import SIGNING_SECRET, LocalWorkspace
from bot.schedule import cycles
from storage.models import (
    AuditEntry,
    Initiative,
    OutboxMessage,
    Person,
    ReviewCycle,
    ReviewRequest,
)
from workflows.core import settings as ws_settings
from workflows.core.periods import FiscalCalendar
from workflows.figures.costs import BillingLine, record_billing
from workflows.inventory import inventory
from workflows.reviews import chasing, review

GOVERN, LEADERS = "C0GOVERN", "C0LEADERS"
SUPPORT, MARKET, LEAD, ADMIN, MEMBER = "U0SUPPORT", "U0MARKET", "U0LEAD", "U0ADMIN", "U0MEMBER"
# Monday 2026-10-05 14:00 UTC: 09:00 in Chicago (sam), 07:00 in Los Angeles (maya).
START = datetime(2026, 10, 5, 14, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ws(database_url: str, clock: Clock) -> Iterator[LocalWorkspace]:
    with LocalWorkspace(database_url=database_url, migrate=False, now=clock) as workspace:
        with workspace.db.write() as s:
            ws_settings.put(s, key="governance_channel", text=GOVERN, actor=ADMIN)
            ws_settings.put(s, key="leadership_channel", text=LEADERS, actor=ADMIN)
            for raw in (
                {
                    "name": "Support Assistant",
                    "department": "Support",
                    "owner": SUPPORT,
                    "stage": "pilot",
                    "value_per_outcome": "4.50",
                    "min_monthly_outcomes": "500",
                    "budget_amount": "10000",
                    "budget_period": "quarter",
                    "outcome_unit": "ticket resolved",
                },
                {
                    "name": "Campaign Writer",
                    "department": "Marketing",
                    "owner": MARKET,
                    "stage": "pilot",
                },
                {"name": "Old Bot", "department": "IT", "owner": "U0GONE", "stage": "production"},
                {"name": "Sunset Tool", "department": "IT", "owner": SUPPORT, "stage": "retired"},
            ):
                inventory.register(s, raw=raw, actor=ADMIN, resolve_user=lambda u: u)
            support = s.exec(select(Initiative).where(Initiative.name == "Support Assistant")).one()
            lines = [
                BillingLine(
                    f"b{m}", support.id, "inference", date(2026, m, 1), 1_000_000_000, "focus"
                )
                for m in (7, 8, 9)
            ]
            record_billing(s, lines, actor="import")
        yield workspace


def posts(ws: LocalWorkspace, channel: str) -> list[dict[str, Any]]:
    return [m for m in ws.emulator.messages(channel) if m.get("bot_id")]


def dms(ws: LocalWorkspace, user: str) -> list[dict[str, Any]]:
    return [m for m in ws.emulator.messages_to(user) if m.get("bot_id")]


def wait(ws: LocalWorkspace, condition: Any) -> Any:
    return ws.emulator.wait_for(lambda _: condition())


def idle(ws: LocalWorkspace, clock: Clock) -> None:
    """Wait until every message due by now is sent, before the test moves the clock."""

    def done() -> bool:
        with ws.db.read() as s:
            rows = s.exec(
                select(OutboxMessage).where(OutboxMessage.status.in_(("pending", "sending")))
            )
            return all(r.available_at > clock() for r in rows)

    deadline = time.monotonic() + 5
    while not done():  # the database changes after the Slack call, so poll it
        assert time.monotonic() < deadline, "the outbox did not settle"
        time.sleep(0.02)


def texts(messages: list[dict[str, Any]]) -> str:
    return json.dumps(messages, ensure_ascii=False)


def shown(ws: LocalWorkspace, user: str, card: dict[str, Any]) -> str:
    """What Show figures on a figure-free card answers `user`, only them (the channel
    rule: everyone is in the governance channel here, members who see no figures too)."""
    button = ws.slack.find_button(card, text="Show figures")
    before = len(ws.emulator.calls_of("response_url"))
    ws.slack.click(user, button["action_id"], value=button["value"], message=card, channel_id=GOVERN)
    replies = ws.emulator.wait_for(lambda _: ws.emulator.calls_of("response_url")[before:])
    assert replies[-1].args["response_type"] == "ephemeral"
    return texts([replies[-1].args])


def start_cycle(ws: LocalWorkspace) -> str:
    before = len(ws.emulator.calls_of("response_url"))
    ws.slack.command(ADMIN, "review start")
    replies = ws.emulator.wait_for(lambda _: ws.emulator.calls_of("response_url")[before:])
    return replies[-1].args["text"]


def report(
    ws: LocalWorkspace, user: str, prompt: dict[str, Any], values: dict[str, Any], *, name: str
) -> Any:
    button = next(
        b["accessory"] for b in prompt["blocks"] if b.get("accessory") and name in b["text"]["text"]
    )
    ws.slack.click(user, button["action_id"], value=button["value"], message=prompt)
    modal = wait(ws, lambda: ws.emulator.open_views(user))[-1]
    return modal, ws.slack.submit(user, modal, values)


def test_a_whole_cycle(ws: LocalWorkspace, clock: Clock) -> None:
    # An admin opens the Q3 2026 review.
    assert "Opened the Q3 2026 review: 3 review requests, prompts to 3 people" in start_cycle(ws)
    # sam is in working hours (09:00 Chicago) and gets the prompt; maya (07:00 LA) not yet.
    prompt = wait(ws, lambda: dms(ws, SUPPORT))[0]
    assert "Q3 2026, Jul 1 – Sep 30, 2026" in texts([prompt]) and "Support Assistant" in texts(
        [prompt]
    )
    assert "Sunset Tool" not in texts([prompt])  # retired initiatives are not reviewed
    # The leaver's initiative went to a leader, and governance was told.
    wait(ws, lambda: dms(ws, LEAD))
    orphan = wait(
        ws, lambda: [m for m in posts(ws, GOVERN) if "has left the workspace" in m["text"]]
    )
    assert "Old Bot" in orphan[0]["text"]
    assert dms(ws, MARKET) == []
    clock.now = START + timedelta(hours=2)  # 09:00 in Los Angeles
    wait(ws, lambda: dms(ws, MARKET))
    idle(ws, clock)
    # Opening again sends nothing twice.
    assert "already open; nothing was sent again" in start_cycle(ws)

    # sam reports: billed inference is prefilled; he adds oversight and outcomes.
    modal, reply = report(
        ws,
        SUPPORT,
        prompt,
        {"cost_oversight": "300", "outcomes": "2,000", "owner_recommendation": "scale"},
        name="Support Assistant",
    )
    inference = next(b for b in modal["blocks"] if b.get("block_id") == "cost_inference")
    assert inference["element"]["initial_value"] == "3000.00"
    assert reply.status == 200 and not (reply.json or {}).get("errors")
    card = wait(
        ws, lambda: [m for m in posts(ws, GOVERN) if "Review: Support Assistant" in texts([m])]
    )[0]
    assert "$3,300.00" not in texts([card]) and "Show figures" in texts([card])
    assert "Recommendation: Scale" in texts([card])
    body = shown(ws, LEAD, card)
    # 3,000 billed + 300 reported = 3,300; 2,000 x 4.50 = 9,000 of value; 9,000 / 3,300 = 2.73.
    assert "$3,300.00" in body and "2.73" in body and "Recommendation: Scale" in body
    assert "rule `scale`" in body
    assert "may not see these figures" in shown(ws, MEMBER, card)  # and nothing else
    assert "$3,300.00" not in shown(ws, MEMBER, card)
    thanks = wait(
        ws,
        lambda: [
            m for m in dms(ws, SUPPORT) if "figures for *Support Assistant* are in" in m["text"]
        ],
    )
    assert "Scale" in thanks[0]["text"]

    # He amends before a decision: the same card is edited in place.
    prompt = dms(ws, SUPPORT)[0]
    _, amended = report(ws, SUPPORT, prompt, {"outcomes": "1,000"}, name="Support Assistant")
    assert amended.status == 200 and not (amended.json or {}).get("errors")
    edits = len(ws.emulator.calls_of("chat.update"))
    wait(ws, lambda: ws.emulator.calls_of("chat.update")[edits:])
    card = next(m for m in posts(ws, GOVERN) if "Review: Support Assistant" in texts([m]))
    assert "1.36" in shown(ws, LEAD, card)  # 4,500 / 3,300
    assert len([m for m in posts(ws, GOVERN) if "Review: Support Assistant" in texts([m])]) == 1
    with ws.db.read() as s:
        versions = s.exec(select(AuditEntry).where(AuditEntry.action == "review.submit")).all()
    assert [v.after["version"] for v in versions] == [1, 2]

    # A member pressing Kill is told off; nothing changes.
    card = next(m for m in posts(ws, GOVERN) if "Review: Support Assistant" in texts([m]))
    kill = ws.slack.find_button(card, text="Kill")
    ws.slack.click(MEMBER, kill["action_id"], value=kill["value"], message=card, channel_id=GOVERN)
    assert wait(
        ws,
        lambda: [
            m for m in ws.emulator.ephemerals(MEMBER) if "Only leaders can decide" in m["text"]
        ],
    )
    assert not ws.emulator.open_views(MEMBER)
    # So is an admin: admins configure, leaders decide (issue 12).
    ws.slack.click(ADMIN, kill["action_id"], value=kill["value"], message=card, channel_id=GOVERN)
    assert wait(
        ws,
        lambda: [
            m for m in ws.emulator.ephemerals(ADMIN) if "Only leaders can decide" in m["text"]
        ],
    )
    assert not ws.emulator.open_views(ADMIN)

    # The leader decides Continue with a rationale: card shows it, the owner is told.
    cont = ws.slack.find_button(card, text="Continue")
    ws.slack.click(LEAD, cont["action_id"], value=cont["value"], message=card, channel_id=GOVERN)
    decide = wait(ws, lambda: ws.emulator.open_views(LEAD))[-1]
    assert ws.slack.submit(LEAD, decide, {"rationale": "Good, keep going"}).status == 200
    wait(ws, lambda: any("Decided: Continue" in texts([m]) for m in posts(ws, GOVERN)))
    told = wait(
        ws, lambda: [m for m in dms(ws, SUPPORT) if "Decision on *Support Assistant*" in m["text"]]
    )
    assert "Good, keep going" in told[0]["text"]
    # Pressing again after the decision changes nothing.
    ws.slack.click(LEAD, cont["action_id"], value=cont["value"], message=card, channel_id=GOVERN)
    assert wait(
        ws, lambda: [m for m in ws.emulator.ephemerals(LEAD) if "already decided" in m["text"]]
    )
    # Amending after a decision is refused.
    with ws.db.read() as s:
        request = s.exec(
            select(ReviewRequest).join(Initiative).where(Initiative.name == "Support Assistant")
        ).one()
    assert request.decision == "continue" and request.decided_by == LEAD


def test_reminders_snooze_and_escalation(ws: LocalWorkspace, clock: Clock) -> None:
    start_cycle(ws)
    clock.now = START + timedelta(hours=2)
    cycles.tick(ws.rt)  # the first tick records the time; it opens nothing itself
    prompt = wait(ws, lambda: dms(ws, MARKET))[0]
    idle(ws, clock)
    # Two days on: no reminder yet (every 3 days).
    clock.now = START + timedelta(days=2, hours=3)
    assert cycles.tick(ws.rt).reminders == 0
    # Three days on: a reminder in the prompt's thread, to each of the three assignees.
    clock.now = START + timedelta(days=3, hours=3)
    assert cycles.tick(ws.rt).reminders == 3
    reminder = wait(
        ws, lambda: [m for m in dms(ws, MARKET) if m.get("thread_ts") and m["ts"] != prompt["ts"]]
    )
    assert reminder[0]["thread_ts"] == prompt["ts"] and "Campaign Writer" in reminder[0]["text"]
    assert cycles.tick(ws.rt).reminders == 0  # not twice
    # maya snoozes until next week; sam reports. No reminder for either three days later.
    snooze = ws.slack.find_button(prompt, text="Snooze until…")
    ws.slack.click(MARKET, snooze["action_id"], value=snooze["value"], message=prompt)
    modal = wait(ws, lambda: ws.emulator.open_views(MARKET))[-1]
    bad = ws.slack.submit(MARKET, modal, {"until": "2026-10-01"})
    assert "after today" in bad.json["errors"]["until"]
    ws.slack.submit(MARKET, ws.emulator.open_views(MARKET)[-1], {"until": "2026-10-13"})
    wait(ws, lambda: [m for m in dms(ws, MARKET) if "Snoozed" in m["text"]])
    sam_prompt = dms(ws, SUPPORT)[0]
    report(ws, SUPPORT, sam_prompt, {"outcomes": "100"}, name="Support Assistant")
    clock.now = START + timedelta(days=6, hours=4)
    cycles.tick(ws.rt)
    with ws.db.read() as s:
        keys = [r.dedupe_key for r in s.exec(select(OutboxMessage)) if ":reminder:" in r.dedupe_key]
    assert sorted(keys) == sorted(
        [
            "review:2026Q3:reminder:U0MARKET:1",
            "review:2026Q3:reminder:U0SUPPORT:1",
            "review:2026Q3:reminder:U0LEAD:1",
            "review:2026Q3:reminder:U0LEAD:2",
        ]
    )
    # The deadline (14 days): escalation once, flagged "no report", cards for a decision.
    clock.now = START + timedelta(days=14, hours=1)
    assert cycles.tick(ws.rt).escalated == ["2026Q3"]
    assert cycles.tick(ws.rt).escalated == []
    escalation = wait(
        ws, lambda: [m for m in posts(ws, GOVERN) if "deadline has passed" in m["text"]]
    )
    assert (
        "Campaign Writer" in escalation[0]["text"]
        and "Support Assistant" not in escalation[0]["text"]
    )
    leader_dm = wait(ws, lambda: [m for m in dms(ws, LEAD) if "deadline has passed" in m["text"]])
    assert leader_dm
    wait(ws, lambda: [m for m in posts(ws, GOVERN) if "Review: Campaign Writer" in texts([m])])
    card = next(m for m in posts(ws, GOVERN) if "Review: Campaign Writer" in texts([m]))
    assert "No report" in texts([card]) and "Recommendation: Kill" in texts([card])
    with ws.db.read() as s:
        flagged = s.exec(select(ReviewRequest).where(ReviewRequest.no_report)).all()
        cycle = s.exec(select(ReviewCycle)).one()
    assert len(flagged) == 2 and cycle.escalated_at is not None


def test_kill_retires_and_closing_sends_nothing_twice(ws: LocalWorkspace, clock: Clock) -> None:
    start_cycle(ws)
    clock.now = START + timedelta(days=15)
    cycles.tick(ws.rt)  # records the time
    with ws.db.write() as s:
        cycle = s.exec(select(ReviewCycle)).one()
        chasing.escalate(s, cycle=cycle, now=clock.now, leaders=[LEAD])
    wait(ws, lambda: len([m for m in posts(ws, GOVERN) if "Review:" in texts([m])]) == 3)
    for name, decision in (
        ("Campaign Writer", "Kill"),
        ("Support Assistant", "Scale"),
        ("Old Bot", "Continue"),
    ):
        card = next(m for m in posts(ws, GOVERN) if f"Review: {name}" in texts([m]))
        button = ws.slack.find_button(card, text=decision)
        ws.slack.click(
            LEAD, button["action_id"], value=button["value"], message=card, channel_id=GOVERN
        )
        modal = wait(ws, lambda: ws.emulator.open_views(LEAD))[-1]
        ws.slack.submit(LEAD, modal, {})
        decided = f"Decided: {decision}"
        wait(
            ws,
            lambda d=decided, n=name: any(
                d in texts([m]) and n in texts([m]) for m in posts(ws, GOVERN)
            ),
        )
    with ws.db.read() as s:
        stages = {i.name: i.stage for i in s.exec(select(Initiative))}
        cycle = s.exec(select(ReviewCycle)).one()
    assert stages["Campaign Writer"] == "retired" and stages["Support Assistant"] == "production"
    assert cycle.status == "closed"
    # The portfolio report reaches the leadership channel: a summary, then the full report
    # and the chart as files in its thread.
    summary = wait(ws, lambda: posts(ws, LEADERS))[0]
    assert "Q3 2026" in texts([summary]) and "Campaign Writer" in texts([summary])
    files = wait(
        ws,
        lambda: (
            len(ws.emulator.files) == 2
            and all(f["channel"] for f in ws.emulator.files.values())
            and ws.emulator.files
        ),
    )
    names = sorted(f["name"] for f in files.values())
    assert names == ["aigov-2026Q3.png", "aigov-report-2026Q3.md"]
    assert all(f["channel"] == LEADERS for f in files.values())
    shared = [m for m in posts(ws, LEADERS) if m.get("files")]
    assert {m["thread_ts"] for m in shared} == {summary["ts"]}
    png = next(f for f in files.values() if f["name"].endswith(".png"))
    assert png["bytes"].startswith(b"\x89PNG")
    # A retired initiative gets no review next quarter.
    clock.now = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
    with ws.db.write() as s:
        opened = review.open_cycle(
            s,
            quarter=FiscalCalendar(1).quarter(2026, 4),
            now=clock.now,
            actor=ADMIN,
            leaders=[LEAD],
        )
    assert opened.requests == 2


def test_away_until_a_date_holds_back_reminders(ws: LocalWorkspace, clock: Clock) -> None:
    """The owner presses I'm away…: yesterday is refused inline, a date is kept on the
    person, and the three-day reminder skips them until then (others still get theirs)."""
    start_cycle(ws)
    clock.now = START + timedelta(hours=2)
    cycles.tick(ws.rt)
    prompt = wait(ws, lambda: dms(ws, MARKET))[0]
    idle(ws, clock)
    away = ws.slack.find_button(prompt, text="I'm away…")
    ws.slack.click(MARKET, away["action_id"], value=away["value"], message=prompt)
    modal = wait(ws, lambda: ws.emulator.open_views(MARKET))[-1]
    bad = ws.slack.submit(MARKET, modal, {"until": "2026-10-04"})
    assert "after today" in bad.json["errors"]["until"]
    with ws.db.read() as s:
        assert s.get(Person, MARKET) is None or s.get(Person, MARKET).away_until is None
    ok = ws.slack.submit(MARKET, ws.emulator.open_views(MARKET)[-1], {"until": "2026-10-12"})
    assert ok.status == 200 and not (ok.json or {}).get("errors")
    wait(ws, lambda: [m for m in dms(ws, MARKET) if "away until Mon Oct 12" in m["text"]])
    with ws.db.read() as s:
        assert s.get(Person, MARKET).away_until == date(2026, 10, 12)
    clock.now = START + timedelta(days=3, hours=3)
    cycles.tick(ws.rt)
    with ws.db.read() as s:
        keys = [r.dedupe_key for r in s.exec(select(OutboxMessage)) if ":reminder:" in r.dedupe_key]
    assert "review:2026Q3:reminder:U0MARKET:1" not in keys
    assert "review:2026Q3:reminder:U0SUPPORT:1" in keys


def test_a_snooze_click_delivered_twice_sends_one_dm_through_the_outbox(
    ws: LocalWorkspace, clock: Clock
) -> None:
    """Slack may deliver the same click again (it saw no answer in time): the same
    action_ts both times. The listener runs twice, but its "Snoozed" DM is one outbox
    row, keyed by the click, and reaches Slack once."""
    start_cycle(ws)
    prompt = wait(ws, lambda: dms(ws, SUPPORT))[0]
    idle(ws, clock)
    button = ws.slack.find_button(prompt, text="Snooze a day")
    clicked_at = time.time()
    slack = SlackUser(  # Slack's side, with its clock stopped at the moment of the click
        ws.emulator, app_url=ws.app_url, signing_secret=SIGNING_SECRET, now=lambda: clicked_at
    )
    for _ in range(2):
        delivery = slack.click(SUPPORT, button["action_id"], value=button["value"], message=prompt)
        assert delivery.status == 200

    def handled() -> int:
        with ws.db.read() as s:
            entries = s.exec(select(AuditEntry).where(AuditEntry.action == "review.snooze"))
            return len([e for e in entries if e.actor == SUPPORT])

    deadline = time.monotonic() + 5
    while handled() < 2:  # both deliveries reached the listener (it snoozes each time)
        assert time.monotonic() < deadline, "the second delivery was not handled"
        time.sleep(0.02)
    idle(ws, clock)
    with ws.db.read() as s:
        rows = s.exec(
            select(OutboxMessage).where(
                OutboxMessage.kind == "message", OutboxMessage.target == SUPPORT
            )
        ).all()
    assert len(rows) == 1 and "Snoozed" in rows[0].params["text"]
    row = rows[0]
    assert row.status == "sent" and f"{Action.REVIEW_SNOOZE_DAY}:{clicked_at:.6f}" in row.dedupe_key
    sent = [
        c
        for c in ws.emulator.calls_of("chat.postMessage")
        if c.ok and "Snoozed" in (c.args.get("text") or "")
    ]
    assert [c.args["metadata"]["event_payload"]["key"] for c in sent] == [row.dedupe_key]
    assert len([m for m in dms(ws, SUPPORT) if "Snoozed" in m["text"]]) == 1


def test_an_admin_reports_for_the_owner_on_their_behalf(ws: LocalWorkspace, clock: Clock) -> None:
    """Admins may edit any initiative, so they may report its figures; it is recorded as
    reported by the admin on behalf of the owner, and the owner is told (issue 12)."""
    start_cycle(ws)
    prompt = wait(ws, lambda: dms(ws, SUPPORT))[0]
    _, reply = report(ws, ADMIN, prompt, {"outcomes": "2,000"}, name="Support Assistant")
    assert reply.status == 200 and not (reply.json or {}).get("errors")
    told = wait(
        ws,
        lambda: [m for m in dms(ws, SUPPORT) if "on behalf of" in m["text"]],
    )
    assert (
        "<@U0ADMIN> reported the Q3 2026 figures for *Support Assistant* on behalf of <@U0SUPPORT>"
        in told[0]["text"]
    )
    assert wait(ws, lambda: [m for m in dms(ws, ADMIN) if "on behalf of <@U0SUPPORT>" in m["text"]])
    card = wait(
        ws, lambda: [m for m in posts(ws, GOVERN) if "Review: Support Assistant" in texts([m])]
    )[0]
    assert "reported by <@U0ADMIN> on behalf of <@U0SUPPORT>" in texts([card])
    with ws.db.read() as s:
        request = s.exec(select(ReviewRequest).where(ReviewRequest.assignee_id == SUPPORT)).one()
        assert (request.submitted_by, request.on_behalf_of) == (ADMIN, SUPPORT)
        entries = {e.action: e for e in s.exec(select(AuditEntry).where(AuditEntry.actor == ADMIN))}
    assert entries["figures.on_behalf"].after == {
        "reported_by": ADMIN,
        "on_behalf_of": SUPPORT,
        "period": "2026Q3",
    }
    assert entries["review.submit"].after["on_behalf_of"] == SUPPORT
    # The owner amends it himself: no longer on anyone's behalf.
    _, reply = report(ws, SUPPORT, prompt, {"outcomes": "2,100"}, name="Support Assistant")
    assert reply.status == 200 and not (reply.json or {}).get("errors")
    with ws.db.read() as s:
        request = s.exec(select(ReviewRequest).where(ReviewRequest.assignee_id == SUPPORT)).one()
        assert (request.submitted_by, request.on_behalf_of) == (SUPPORT, None)


def test_the_prompt_reaches_every_request_however_many(ws: LocalWorkspace, clock: Clock) -> None:
    """45 initiatives for one owner: the DM lists 40 (50 blocks a message) and a button
    opens a picker of the other 5; the picked one's report modal replaces the picker."""
    with ws.db.write() as s:
        for n in range(1, 45):
            raw = {"name": f"Helper {n:02}", "department": "Support", "owner": SUPPORT, "stage": "pilot"}
            inventory.register(s, raw=raw, actor=ADMIN, resolve_user=lambda u: u)
    start_cycle(ws)
    prompt = wait(ws, lambda: dms(ws, SUPPORT))[0]
    assert len(prompt["blocks"]) <= 50 and "these 45 initiatives" in prompt["text"]
    listed = [b for b in prompt["blocks"] if b.get("accessory")]
    assert len(listed) == 40
    more = ws.slack.find_button(prompt, text="Report the other 5…")
    ws.slack.click(SUPPORT, more["action_id"], value=more["value"], message=prompt)
    picker = wait(ws, lambda: ws.emulator.open_views(SUPPORT))[-1]
    [select_block] = [b for b in picker["blocks"] if b["type"] == "input"]
    options = [o["text"]["text"] for o in select_block["element"]["options"]]
    on_prompt = texts(listed)
    assert len(options) == 5 and not any(o.split(" · ")[0] in on_prompt for o in options)
    with ws.db.read() as s:
        last = s.exec(
            select(ReviewRequest, Initiative)
            .join(Initiative, Initiative.id == ReviewRequest.initiative_id)
            .where(Initiative.name == "Support Assistant")
        ).one()[0]
    assert any(o.startswith("Support Assistant") for o in options)  # sorted last by name
    reply = ws.slack.submit(SUPPORT, picker, {"pick_0": str(last.id)})
    assert reply.status == 200 and reply.json["response_action"] == "update"
    modal = ws.emulator.open_views(SUPPORT)[-1]
    assert modal["callback_id"] == "review.report" and "Support Assistant" in texts([modal])
    done = ws.slack.submit(SUPPORT, modal, {"outcomes": "1,200"})
    assert done.status == 200 and not (done.json or {}).get("errors")
    with ws.db.read() as s:
        assert s.get(ReviewRequest, last.id).status == "submitted"
    # A member pressing the button on someone else's prompt gets only their own: none.
    ws.slack.click(MEMBER, more["action_id"], value=more["value"], message=prompt)
    assert wait(ws, lambda: [m for m in dms(ws, MEMBER) if "no other review requests" in m["text"]])
    assert ws.emulator.open_views(MEMBER) == []


def test_prompt_and_picker_stay_within_block_kit_limits_for_250_requests() -> None:
    """However many requests: the DM stays under 50 blocks, the picker under 100 with
    one select per 100 options, and together they offer every request exactly once."""
    from bot.views import review as views

    cycle = ReviewCycle(
        id=1,
        quarter="2026Q3",
        period_start=date(2026, 7, 1),
        period_end=date(2026, 9, 30),
        opened_by=ADMIN,
        opened_at=START,
        deadline_at=START + timedelta(days=14),
    )
    rows = [
        (
            ReviewRequest(id=n, cycle_id=1, initiative_id=n, assignee_id=SUPPORT),
            Initiative(id=n, name=f"Initiative {n:03}", department="Support", owner_id=SUPPORT),
        )
        for n in range(1, 251)
    ]
    text, blocks = views.prompt(cycle=cycle, period="Q3 2026, Jul 1 – Sep 30, 2026", assignee=SUPPORT, rows=rows)
    assert len(blocks) <= 50 and "these 250 initiatives" in text
    listed = {b["accessory"]["value"] for b in blocks if b.get("accessory")}
    assert "Report the other 210…" in texts(blocks)
    picker = views.pick_modal(cycle_id=1, rows=rows)
    assert picker is not None and len(picker["blocks"]) <= 100
    selects = [b["element"]["options"] for b in picker["blocks"] if b["type"] == "input"]
    assert [len(s) for s in selects] == [100, 100, 10]
    picked = [o["value"] for s in selects for o in s]
    assert len(picked) == len(set(picked)) and listed | set(picked) == {str(n) for n in range(1, 251)}
    assert not listed & set(picked)
