"""Spend questions through signed HTTP and the emulator: slash command, share, mention,
DM, permission scoping in every wording, did-you-mean, examples, and the chart upload."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from bot.offline.local import LocalWorkspace
from workflows.figures.costs import Figure, record_outcomes, record_reported
from workflows.inventory import inventory

NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
SUPPORT, MARKET, LEAD, MEMBER = "U0SUPPORT", "U0MARKET", "U0LEAD", "U0MEMBER"


@pytest.fixture
def ws(database_url: str) -> Iterator[LocalWorkspace]:
    with LocalWorkspace(database_url=database_url, migrate=False, now=lambda: NOW) as workspace:
        with workspace.db.write() as s:
            support = inventory.register(
                s,
                raw={
                    "name": "Customer Support Assistant",
                    "department": "Support",
                    "owner": SUPPORT,
                    "stage": "production",
                    "provider": "OpenAI",
                    "value_per_outcome": "4.50",
                    "outcome_unit": "ticket resolved",
                },
                actor="t",
                resolve_user=lambda u: u,
            )
            copy = inventory.register(
                s,
                raw={
                    "name": "Campaign Copy Writer",
                    "department": "Marketing",
                    "owner": MARKET,
                    "stage": "pilot",
                    "provider": "Anthropic",
                },
                actor="t",
                resolve_user=lambda u: u,
            )
            for month, a, b in ((7, "1000", "300"), (8, "1200", "300"), (9, "1400", "400")):
                record_reported(
                    s,
                    [
                        Figure(support.id, "inference", "month", date(2026, month, 1), Decimal(a)),
                        Figure(copy.id, "inference", "month", date(2026, month, 1), Decimal(b)),
                    ],
                    source="import",
                    actor="t",
                )
            record_outcomes(
                s,
                initiative_id=support.id,
                kind="quarter",
                start=date(2026, 7, 1),
                outcomes=3600,
                value=None,
                source="import",
                actor="t",
            )
        yield workspace


def ask(ws: LocalWorkspace, user: str, text: str) -> dict[str, Any]:
    before = len(ws.emulator.calls_of("response_url"))
    reply = ws.slack.command(user, text)
    assert reply.status == 200
    return ws.emulator.wait_for(lambda _: ws.emulator.calls_of("response_url")[before:])[-1].args


def flat(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_a_leader_asks_and_gets_the_figure_period_and_sources(ws: LocalWorkspace) -> None:
    answer = ask(ws, LEAD, "how much did we spend on AI last quarter?")
    text = flat(answer)
    assert "$4,600.00" in text and "Q3 2026, Jul 1 – Sep 30, 2026" in text
    assert "Sources: cost files" in text and answer.get("response_type", "ephemeral") == "ephemeral"
    by_dept = flat(ask(ws, LEAD, "spend by department in Q3 2026"))
    assert "*Support*: $3,600.00" in by_dept and "*Marketing*: $1,000.00" in by_dept
    cpo = flat(ask(ws, LEAD, "what does the support assistant cost per ticket in Q3 2026?"))
    assert "$1.00" in cpo  # 3,600 / 3,600 tickets
    # Where the costs and where the outcomes came from, each said apart.
    assert "costs from cost files; outcomes from outcome files" in cpo
    done = flat(ask(ws, LEAD, "how many tickets did the support assistant resolve in Q3 2026?"))
    assert "3,600" in done and "Sources: outcomes from outcome files" in done
    assert "cost files" not in done


def test_members_and_owners_never_get_others_figures(ws: LocalWorkspace) -> None:
    wordings = [
        "how much did we spend on AI last quarter?",
        "marketing spend in Q3 2026",
        "what does the campaign copy writer cost?",
        "spend by department this year",
        "top 5 initiatives by cost last quarter",
        "compare Q2 and Q3",
        "forecast for this year",
        "inference cost for Anthropic last quarter",
        "value per AI dollar by initiative last quarter",
    ]
    for question in wordings:
        member = flat(ask(ws, MEMBER, question))
        assert "$" not in member, (question, member)
        owner = flat(ask(ws, SUPPORT, question))
        assert "$1,000.00" not in owner and "Campaign Copy Writer*: $" not in owner, (
            question,
            owner,
        )
    scoped = flat(ask(ws, SUPPORT, "how much did we spend on AI last quarter?"))
    assert "$3,600.00" in scoped and "the initiatives you own or help with" in scoped
    hidden = flat(ask(ws, SUPPORT, "what does the campaign copy writer cost last quarter?"))
    assert "shown to its owner, delegates, leaders and admins only" in hidden


def test_share_posts_in_channel_only_when_everyone_may_see(ws: LocalWorkspace) -> None:
    ws.emulator.add_channel("C0LEADS", name="leads", members=[LEAD, "U0ADMIN"])
    reply = ws.slack.command(LEAD, "share spend last quarter", channel_id="C0LEADS")
    assert reply.status == 200
    shared = ws.emulator.wait_for(lambda _: ws.emulator.calls_of("response_url"))[-1].args
    assert shared["response_type"] == "in_channel" and "$4,600.00" in flat(shared)
    ask(ws, LEAD, "share spend last quarter")  # #general has members: not shared
    private = ws.emulator.calls_of("response_url")[-1].args
    assert private.get("response_type", "ephemeral") == "ephemeral" and "Not shared" in flat(
        private
    )


def test_mention_answers_in_thread_or_privately(ws: LocalWorkspace) -> None:
    ws.emulator.add_channel("C0LEADS", name="leads", members=[LEAD, "U0ADMIN"])
    ws.slack.mention(LEAD, "C0LEADS", "spend last quarter")
    thread = ws.emulator.wait_for(
        lambda _: [m for m in ws.emulator.messages("C0LEADS") if m.get("bot_id")]
    )
    assert "$4,600.00" in flat(thread) and thread[0]["thread_ts"]
    ws.slack.mention(LEAD, "C0GENERAL", "spend last quarter")  # members may not see it
    note = ws.emulator.wait_for(
        lambda _: [
            m
            for m in ws.emulator.messages("C0GENERAL")
            if m.get("bot_id") and "direct message" in m["text"]
        ]
    )
    assert "$" not in flat(note)
    dm = ws.emulator.wait_for(
        lambda _: [m for m in ws.emulator.messages_to(LEAD) if "$4,600.00" in flat([m])]
    )
    assert dm


def test_dm_did_you_mean_examples_and_chart(ws: LocalWorkspace) -> None:
    ws.slack.dm(LEAD, "spend by initiative last quarter chart")
    answer = ws.emulator.wait_for(
        lambda _: [
            m
            for m in ws.emulator.messages_to(LEAD)
            if m.get("bot_id") and "by initiative" in flat([m])
        ]
    )
    assert "Customer Support Assistant*: $3,600.00" in flat(answer)
    files = ws.emulator.wait_for(
        lambda _: [f for f in ws.emulator.files.values() if f.get("channel")]
    )
    assert files[0]["name"] == "aigov-answer.png" and files[0]["bytes"].startswith(b"\x89PNG")
    unknown = flat(ask(ws, LEAD, "tell me a joke"))
    assert "Questions I can answer" in unknown


def test_status_questions(ws: LocalWorkspace) -> None:
    pilots = flat(ask(ws, MEMBER, "which initiatives are pilots?"))
    assert "Campaign Copy Writer" in pilots and "$" not in pilots
    with ws.db.write() as s:
        from workflows.core import settings as ws_settings

        ws_settings.put(s, key="governance_channel", text="C0GOVERN", actor="t")
    not_reported = flat(ask(ws, LEAD, "which initiatives have not reported?"))
    assert "No review cycle is open" in not_reported


def test_sprawl_and_the_report_command(ws: LocalWorkspace) -> None:
    with ws.db.write() as s:
        inventory.register(
            s,
            raw={
                "name": "Support Reply Drafter",
                "department": "Marketing",
                "owner": MARKET,
                "stage": "pilot",
                "use_case": "answer customer tickets",
                "provider": "OpenAI",
            },
            actor="t",
            resolve_user=lambda u: u,
        )
        inventory.register(
            s,
            raw={
                "name": "Ticket Answer Bot",
                "department": "Support",
                "owner": SUPPORT,
                "stage": "pilot",
                "use_case": "answer customer tickets",
                "provider": "OpenAI",
            },
            actor="t",
            resolve_user=lambda u: u,
        )
    sprawl = flat(ask(ws, MEMBER, "sprawl"))
    assert "Possible duplicates across teams" in sprawl and "Support Reply Drafter" in sprawl
    assert "$" not in sprawl
    refused = flat(ask(ws, MEMBER, "report"))
    assert "for leaders and admins" in refused
    summary = flat(ask(ws, LEAD, "report 2026Q3"))
    assert "Q3 2026" in summary and "$4,600.00" in summary
    files = ws.emulator.wait_for(
        lambda _: len([f for f in ws.emulator.files.values() if f.get("channel")]) == 2
    )
    assert files
    names = sorted(f["name"] for f in ws.emulator.files.values())
    assert names == ["aigov-2026Q3.png", "aigov-report-2026Q3.md"]
    bad = flat(ask(ws, LEAD, "report 2026Q7"))
    assert "not a fiscal quarter" in bad


def test_did_you_mean_buttons_ask_again_with_the_chosen_name(ws: LocalWorkspace) -> None:
    """Three typos get "did you mean" with a button per name; a click answers the question
    with that name where it was asked: in place (slash), in the DM, or in the thread."""
    typo = "what did the custmer suport asistant cost in Q3 2026?"
    choices = flat(ask(ws, LEAD, typo))
    assert 'I don\'t know \\"custmer suport asistant\\"' in choices
    ephemeral = ws.emulator.wait_for(lambda _: ws.emulator.ephemerals(LEAD))[-1]
    button = ws.slack.find_button(ephemeral, text="Customer Support Assistant")
    assert button["value"] == "what did the Customer Support Assistant cost in Q3 2026?"
    assert ws.slack.click(LEAD, button["action_id"], message=ephemeral).status == 200
    replaced = ws.emulator.wait_for(
        lambda _: [m for m in ws.emulator.ephemerals(LEAD) if "$3,600.00" in flat([m])]
    )
    assert replaced[0]["ts"] == ephemeral["ts"]  # the answer took the question's place
    assert len(ws.emulator.ephemerals(LEAD)) == 1

    ws.slack.dm(LEAD, "spend of custmer suport asistant in Q3 2026")
    dm = ws.emulator.wait_for(
        lambda _: [m for m in ws.emulator.messages_to(LEAD) if "Did you mean" in m["text"]]
    )[-1]
    dm_button = ws.slack.find_button(dm, text="Customer Support Assistant")
    channel = ws.emulator.dm_channel(LEAD)
    ws.slack.click(LEAD, dm_button["action_id"], message=dm, channel_id=channel)
    assert ws.emulator.wait_for(
        lambda _: [m for m in ws.emulator.messages_to(LEAD) if "$3,600.00" in flat([m])]
    )

    # In #general a click is answered for whoever clicks, visible to them only.
    ws.slack.mention(LEAD, "C0GENERAL", "spend of custmer suport asistant in Q3 2026")
    post = ws.emulator.wait_for(
        lambda _: [m for m in ws.emulator.messages("C0GENERAL") if "Did you mean" in m["text"]]
    )[-1]
    general_button = ws.slack.find_button(post, text="Customer Support Assistant")
    ws.slack.click(MEMBER, general_button["action_id"], message=post, channel_id="C0GENERAL")
    refused = ws.emulator.wait_for(lambda _: ws.emulator.ephemerals(MEMBER))
    assert "shown to its owner, delegates, leaders and admins only" in flat(refused)
    ws.slack.click(LEAD, general_button["action_id"], message=post, channel_id="C0GENERAL")
    assert ws.emulator.wait_for(
        lambda _: [m for m in ws.emulator.ephemerals(LEAD) if "$3,600.00" in flat([m])][1:]
    )
    assert "$" not in flat(ws.emulator.messages("C0GENERAL"))
    assert "$" not in flat(ws.emulator.ephemerals(MEMBER))


def test_budget_left_reads_like_the_alerts(ws: LocalWorkspace) -> None:
    """One budget: "N% of the <period> budget used ($x of $y), $z left", rounded down as the
    alerts are, so 99.6% never reads as the whole budget."""
    from sqlmodel import select

    from storage.models import Initiative

    with ws.db.write() as s:
        support = s.exec(select(Initiative).where(Initiative.department == "Support")).one()
        support.budget_micros, support.budget_period = 1_005_000_000, "month"  # $1,005.00
        s.add(support)
    # November so far: nothing recorded, so 0%; in Q3 terms the leader asks by name.
    left = flat(ask(ws, LEAD, "how much budget is left for support?"))
    assert "*Customer Support Assistant*: *0%* of the Nov 2026 budget used" in left
    assert "($0.00 of $1,005.00), $1,005.00 left" in left
    with ws.db.write() as s:
        from workflows.figures.costs import Figure, record_reported

        record_reported(
            s,
            [Figure(support.id, "inference", "month", date(2026, 11, 1), Decimal("1001"))],
            source="manual",
            actor="t",
        )
    named = flat(ask(ws, LEAD, "budget use of the support assistant"))
    assert "*99%* of the Nov 2026 budget used ($1,001.00 of $1,005.00), $4.00 left" in named


def test_a_long_table_is_cut_within_slack_limits_and_says_so(ws: LocalWorkspace) -> None:
    with ws.db.write() as s:
        figures = []
        for n in range(118):  # with the fixture's two: 120 initiatives with Q3 spend
            initiative = inventory.register(
                s,
                raw={
                    "name": f"Pilot {n:03}",
                    "department": "Ops",
                    "owner": MARKET,
                    "stage": "pilot",
                },
                actor="t",
                resolve_user=lambda u: u,
            )
            amount = Decimal(1000 + n)
            figures.append(Figure(initiative.id, "inference", "month", date(2026, 8, 1), amount))
        record_reported(s, figures, source="import", actor="t")
    answer = ask(ws, LEAD, "spend by initiative in Q3 2026")
    text = flat(answer)
    assert "100. *" in text and "101. *" not in text
    assert "…and 20 more, not shown here" in text
    assert ws.emulator.calls_of("response_url")[-1].response["ok"]  # Slack took it


def _outbox(ws: LocalWorkspace, key: str) -> list[Any]:
    from sqlmodel import select

    from storage.models import OutboxMessage

    with ws.db.read() as s:
        return list(s.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)))


def _deliver_twice_and_once_more(ws: LocalWorkspace, event: dict[str, Any], event_id: str) -> None:
    """Slack's redelivery (stopped by the event log), then the same event once more with
    the event log forgotten: the outbox key alone must keep it from being answered twice."""
    from sqlmodel import delete

    from storage.models import SlackEvent

    assert ws.slack.event(event, event_id=event_id, retry_num=1).status == 200
    with ws.db.write() as s:
        s.exec(delete(SlackEvent).where(SlackEvent.event_id == event_id))  # type: ignore[call-overload]
    assert ws.slack.event(event, event_id=event_id).status == 200
    time.sleep(0.5)  # give a wrongly answered duplicate the chance to show up
    ws.rt.wake_outbox()
    time.sleep(0.3)


def test_a_mention_delivered_twice_is_answered_once_in_the_thread(ws: LocalWorkspace) -> None:
    ws.emulator.add_channel("C0LEADS", name="leads", members=[LEAD, "U0ADMIN"])
    full = f"<@{ws.emulator.bot_user_id}> spend last quarter"
    asked = ws.emulator.user_message("C0LEADS", LEAD, full)
    event = {
        "type": "app_mention",
        "user": LEAD,
        "text": full,
        "ts": asked["ts"],
        "channel": "C0LEADS",
        "event_ts": asked["ts"],
        "team": ws.emulator.team_id,
    }
    assert ws.slack.event(event, event_id="Ev0MENTION1").status == 200

    def answers() -> list[dict[str, Any]]:
        return [m for m in ws.emulator.messages("C0LEADS") if m.get("bot_id")]

    ws.emulator.wait_for(lambda _: answers())
    _deliver_twice_and_once_more(ws, event, "Ev0MENTION1")
    thread = answers()
    assert len(thread) == 1 and thread[0]["thread_ts"] == asked["ts"]
    assert "$4,600.00" in flat(thread)
    [row] = _outbox(ws, "msg:Ev0MENTION1:answer")
    assert (row.kind, row.target, row.status) == ("message", "C0LEADS", "sent")
    assert row.params["thread_ts"] == asked["ts"]
    # The answer went out by the sender, carrying the outbox key in its metadata.
    assert thread[0]["metadata"]["event_payload"]["key"] == "msg:Ev0MENTION1:answer"


def test_a_dm_question_with_chart_uploads_one_png_through_the_outbox(ws: LocalWorkspace) -> None:
    channel = ws.emulator.dm_channel(LEAD)
    text = "spend by initiative last quarter chart"
    asked = ws.emulator.user_message(channel, LEAD, text)
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": channel,
        "user": LEAD,
        "text": text,
        "ts": asked["ts"],
        "event_ts": asked["ts"],
        "team": ws.emulator.team_id,
    }
    assert ws.slack.event(event, event_id="Ev0CHART1").status == 200

    def pngs() -> list[dict[str, Any]]:
        return [f for f in ws.emulator.files.values() if f.get("channel")]

    ws.emulator.wait_for(lambda _: pngs())
    _deliver_twice_and_once_more(ws, event, "Ev0CHART1")
    [png] = pngs()
    assert png["name"] == "aigov-answer.png" and png["bytes"].startswith(b"\x89PNG")
    [row] = _outbox(ws, "msg:Ev0CHART1:chart")
    assert (row.kind, row.target, row.status) == ("message", channel, "sent")
    assert [f["filename"] for f in row.params["files"]] == ["aigov-answer.png"]
    answers = [m for m in ws.emulator.messages_to(LEAD) if m.get("bot_id") and m.get("text")]
    assert len(answers) == 1 and "by initiative" in flat(answers)
    assert len(_outbox(ws, "msg:Ev0CHART1:answer")) == 1
