"""One escaping path for every outbound string: a name like `<!channel> Ping Bot` and a
description `<http://evil.example|click>` reach Slack escaped everywhere the bot sends
them (the registrar's DM, show, list, sprawl, the review card and its Show figures
answer, budget alerts, answers), in the top-level `text` as well as in blocks.

tests/conftest.py checks every call of the whole suite the same way (`no_raw_mentions`);
this test makes sure the hostile strings are sent through every one of those paths."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import select

from bot.offline.emulator.escaping import mrkdwn_strings, raw_controls
from bot.offline.local import LocalWorkspace
from bot.schedule.alerting import check_now
from storage.models import Initiative
from workflows.core import settings as ws_settings
from workflows.figures.costs import BillingLine, record_billing

GOVERN = "C0GOVERN"
SUPPORT, MARKET, LEAD, ADMIN, MEMBER = "U0SUPPORT", "U0MARKET", "U0LEAD", "U0ADMIN", "U0MEMBER"
NAME, DESCRIPTION = "<!channel> Ping Bot", "<http://evil.example|click>"
ESCAPED = "&lt;!channel&gt; Ping Bot"
NOTES = "<!everyone> see <@U0X|fake> in <#C0X>"
# Monday 2026-10-05 14:00 UTC: 09:00 in Chicago, sam's working hours (his prompt goes out).
NOW = datetime(2026, 10, 5, 14, 0, tzinfo=UTC)


@pytest.fixture
def ws(database_url: str) -> Iterator[LocalWorkspace]:
    with LocalWorkspace(database_url=database_url, migrate=False, now=lambda: NOW) as workspace:
        with workspace.db.write() as s:
            ws_settings.put(s, key="governance_channel", text=GOVERN, actor=ADMIN)
        yield workspace


def replies(ws: LocalWorkspace, before: int) -> list[dict[str, Any]]:
    """The response_url answers since `before` (waits for at least one)."""
    found = ws.emulator.wait_for(lambda _: ws.emulator.calls_of("response_url")[before:])
    return [c.args for c in found]


def command(ws: LocalWorkspace, user: str, text: str) -> dict[str, Any]:
    before = len(ws.emulator.calls_of("response_url"))
    assert ws.slack.command(user, text).status == 200
    return replies(ws, before)[-1]


def click(ws: LocalWorkspace, user: str, message: dict[str, Any], text: str) -> dict[str, Any]:
    button = ws.slack.find_button(message, text=text)
    before = len(ws.emulator.calls_of("response_url"))
    ws.slack.click(
        user, button["action_id"], value=button["value"], message=message, channel_id=GOVERN
    )
    return replies(ws, before)[-1]


def register(ws: LocalWorkspace, user: str, **values: Any) -> None:
    assert ws.slack.command(user, "register").status == 200
    view = ws.emulator.wait_for(lambda _: ws.emulator.open_views(user))[-1]
    ws.slack.submit(user, view, values)


def posts(ws: LocalWorkspace, needle: str) -> list[dict[str, Any]]:
    return [m for m in ws.emulator.messages(GOVERN) if m.get("bot_id") and needle in json.dumps(m)]


def test_hostile_names_are_escaped_on_every_path(ws: LocalWorkspace) -> None:
    tickets = {"use_case": "answer customer tickets", "provider": "OpenAI"}
    register(
        ws,
        SUPPORT,
        name=NAME,
        department="Support",
        description=DESCRIPTION,
        budget_amount="1000",
        budget_period="quarter",
        value_per_outcome="4.50",
        **tickets,
    )
    dm = ws.emulator.wait_for(lambda _: ws.emulator.messages_to(SUPPORT))[0]
    register(
        ws, ADMIN, name="<!here> Ping Bot for Sales", department="Sales", owner=MARKET, **tickets
    )
    ws.slack.submit(ADMIN, ws.emulator.open_views(ADMIN)[-1], {"sprawl_ack": ["yes"]})
    sprawl_notice = ws.emulator.wait_for(lambda _: posts(ws, "registered"))[0]
    with ws.db.read() as s:
        ping = s.exec(select(Initiative).where(Initiative.department == "Support")).one()

    shown = command(ws, SUPPORT, f"show #{ping.id}")
    listed = command(ws, MEMBER, "list")
    sprawl = command(ws, LEAD, "sprawl")
    answer = command(ws, LEAD, "how much did ping bot cost this quarter")
    not_a_quarter = command(ws, LEAD, "report <!channel> Q9")
    assert "&lt;!channel&gt; Q9" in not_a_quarter["text"]

    # The review card (figure-free: members are in the channel) and its Show figures.
    command(ws, ADMIN, "review start")
    prompt = ws.emulator.wait_for(lambda _: ws.emulator.messages_to(SUPPORT)[1:])[-1]
    report = ws.slack.find_button(prompt, text="Report figures")
    ws.slack.click(SUPPORT, report["action_id"], value=report["value"], message=prompt)
    modal = ws.emulator.wait_for(lambda _: ws.emulator.open_views(SUPPORT))[-1]
    ws.slack.submit(SUPPORT, modal, {"cost_inference": "300", "outcomes": "200", "note": NOTES})
    card = ws.emulator.wait_for(lambda _: posts(ws, "Review:"))[0]
    figures = click(ws, LEAD, card, "Show figures")
    assert "$300.00" in json.dumps(figures) and "$300.00" not in json.dumps(card)

    # A budget alert: the owner's DM and the governance notice, then its figures.
    with ws.db.write() as s:
        line = BillingLine(
            "b1", ping.id or 0, "inference", date(2026, 10, 1), 2_000_000_000, "focus"
        )
        record_billing(s, [line], actor="import", now=NOW)
    assert check_now(ws.rt).new
    alert = ws.emulator.wait_for(lambda _: posts(ws, "budget alert"))[-1]
    alert_figures = click(ws, LEAD, alert, "Show figures")

    for message in (dm, shown, listed, sprawl, answer, card, figures, alert, alert_figures):
        sent = " ".join(mrkdwn_strings(message))
        assert ESCAPED in sent, sent
    for message in (dm, shown, card, figures):  # the fallback text too (a notice: a count)
        assert ESCAPED in message["text"], message["text"]
    assert "&lt;http://evil.example|click&gt;" in json.dumps(shown)
    assert "&lt;!here&gt; Ping Bot for Sales" in sprawl_notice["text"]
    assert "&lt;!everyone&gt; see &lt;@U0X|fake&gt; in &lt;#C0X&gt;" in json.dumps(figures)
    # Every call the bot made in this test, whatever it was.
    calls = ws.emulator.calls
    assert len(calls) > 20
    users, channels = ws.emulator.ws.users, ws.emulator.ws.channels
    assert [c.method for c in calls if raw_controls(c.args, users=users, channels=channels)] == []
