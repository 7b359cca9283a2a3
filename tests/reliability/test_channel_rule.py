"""The channel rule: figures go to a channel only while every member may see them.

Membership is read in full (conversations.members is paged: a member on the third page
of 2,500 counts), cached briefly, and forgotten when Slack says someone joined or left.
A channel whose members cannot be read is not safe. `aigov settings set
governance_channel` warns about members who may not see figures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlmodel import select

from bot.audience import Audience
from bot.cli import main
from bot.offline.local import BOT_TOKEN, LocalWorkspace
from bot.schedule.alerting import check_now
from storage.models import Initiative
from tests.workspaces import support_assistant
from workflows.figures.costs import BillingLine, record_billing

GOVERN, BIG = "C0GOVERN", "C0BIG"
OWNER, LEAD, ADMIN, MEMBER = "U0SUPPORT", "U0LEAD", "U0ADMIN", "U0MEMBER"
NOW = datetime(2026, 9, 21, 15, 0, tzinfo=UTC)  # a Monday in Q3
CROWD = [f"U0P{i:05d}" for i in range(2_500)]  # a big channel: three pages of 1,000


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ws(database_url: str) -> Iterator[LocalWorkspace]:
    # Governance starts with those who may see every figure, and the owner.
    members = [ADMIN, LEAD, OWNER]
    with support_assistant(
        database_url, now=NOW, budget="1,000", governance_members=members
    ) as workspace:
        yield workspace


def audience(ws: LocalWorkspace, clock: Clock, *, page: int = 1000) -> Audience:
    return Audience(
        client=ws.rt.client,
        viewer=ws.rt.viewer,
        bot_user_id=lambda: ws.rt.bot_user_id,
        clock=clock,
        page=page,
    )


def member_pages(ws: LocalWorkspace) -> list[dict[str, Any]]:
    return [c.args for c in ws.emulator.calls_of("conversations.members")]


def test_a_big_channel_is_read_to_its_last_page(ws: LocalWorkspace) -> None:
    ws.emulator.add_channel(BIG, name="big", members=CROWD)
    members = audience(ws, Clock()).members(BIG)
    assert members == frozenset(CROWD)  # the bot, a member too, is not a person
    pages = member_pages(ws)
    assert [(p["limit"], p.get("cursor")) for p in pages] == [
        ("1000", None),
        ("1000", "off:1000"),
        ("1000", "off:2000"),
    ]


def test_membership_is_cached_briefly_and_refreshed(ws: LocalWorkspace) -> None:
    # Two to a page, so the member on the last page is found only by following cursors.
    stewards = [(OWNER, [])]
    ws.emulator.add_channel(BIG, name="big", members=[ADMIN, LEAD, OWNER, MEMBER])
    clock = Clock()
    rule = audience(ws, clock, page=2)
    assert rule.all_may_see(BIG, stewards) is False
    assert [p.get("cursor") for p in member_pages(ws)] == [None, "off:2", "off:4"]
    clock.now = 59.0  # within the minute: from the cache
    assert rule.all_may_see(BIG, stewards) is False and len(member_pages(ws)) == 3
    ws.emulator.set_membership(BIG, MEMBER, member=False)
    clock.now = 61.0  # stale: read again, the member is gone
    assert rule.all_may_see(BIG, stewards) is True and len(member_pages(ws)) == 5
    ws.emulator.set_membership(BIG, MEMBER, member=True)
    rule.forget(BIG)  # what member_joined_channel / member_left_channel do
    assert rule.all_may_see(BIG, stewards) is False and len(member_pages(ws)) == 8
    assert rule.all_may_see(BIG, [(MEMBER, [])]) is False  # the owner may not see another's
    ws.emulator.fail_next("conversations.members", "internal_error")
    rule.forget(BIG)
    assert rule.all_may_see(BIG, stewards) is False  # unreadable: not safe
    ws.emulator.set_membership(BIG, MEMBER, member=False)
    assert rule.all_may_see(BIG, [None]) is False  # a department's figures: not the owner
    assert rule.all_may_see(f"D{OWNER[1:]}", [None]) is True  # a DM is for its reader


def governance(ws: LocalWorkspace) -> list[dict[str, Any]]:
    return [m for m in ws.emulator.messages(GOVERN) if m.get("bot_id")]


def notice_text(ws: LocalWorkspace, *, edits: int) -> str:
    """The governance notice once it has been edited `edits` times."""
    ws.emulator.wait_for(
        lambda _: (
            len([c for c in ws.emulator.calls_of("chat.update") if c.args["channel"] == GOVERN])
            >= edits
            and governance(ws)
        )
    )
    return json.dumps(governance(ws)[-1], ensure_ascii=False)


def click(ws: LocalWorkspace, user: str, post: dict[str, Any], button: dict[str, Any]) -> Any:
    """Click and return the response_url answer it gets."""
    before = len(ws.emulator.calls_of("response_url"))
    ws.slack.click(
        user, button["action_id"], value=button["value"], message=post, channel_id=GOVERN
    )
    return ws.emulator.wait_for(lambda _: ws.emulator.calls_of("response_url")[before:])[-1].args


def test_figures_follow_who_is_in_the_channel(ws: LocalWorkspace) -> None:
    with ws.db.write() as s:
        initiative = s.exec(select(Initiative)).one()
        line = BillingLine(
            "b1", initiative.id or 0, "inference", date(2026, 8, 1), 950_000_000, "focus"
        )
        record_billing(s, [line], actor="import", now=NOW)
    assert check_now(ws.rt).new
    # Everyone here may see them: figures, no Show figures.
    first = notice_text(ws, edits=0)
    assert "$950.00" in first and "Show figures" not in first
    # A member joins: Slack says so, and the next edit of the notice has no figures.
    assert ws.slack.join(MEMBER, GOVERN).status == 200
    post = governance(ws)[-1]
    ack = ws.slack.find_button(post, text="Acknowledge")
    ws.slack.click(OWNER, ack["action_id"], value=ack["value"], message=post, channel_id=GOVERN)
    hidden = notice_text(ws, edits=1)
    assert "$950.00" not in hidden and "Show figures" in hidden and "Acknowledged by" in hidden
    # Show figures: the owner sees them, the member is refused; both only to themselves.
    post = governance(ws)[-1]
    button = ws.slack.find_button(post, text="Show figures")
    for user, sees in ((OWNER, True), (MEMBER, False)):
        reply = click(ws, user, post, button)
        assert reply["response_type"] == "ephemeral" and not reply["replace_original"]
        assert ("$950.00" in json.dumps(reply)) is sees, user
    # The member leaves: figures come back at the next edit.
    assert ws.slack.leave(MEMBER, GOVERN).status == 200
    snooze = ws.slack.find_button(post, text="Snooze a week")
    ws.slack.click(
        OWNER, snooze["action_id"], value=snooze["value"], message=post, channel_id=GOVERN
    )
    shown = notice_text(ws, edits=2)
    assert "$950.00" in shown and "Show figures" not in shown


def test_setting_the_channel_warns_about_members(ws: LocalWorkspace, tmp_path: Path) -> None:
    env = {
        "AIGOV_DATABASE_URL": ws.database_url,
        "AIGOV_ADMINS": ADMIN,
        "AIGOV_LEADERS": LEAD,
        "SLACK_API_URL": ws.emulator.api_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
    }
    ws.emulator.add_channel(BIG, name="big", members=[ADMIN, LEAD, OWNER, MEMBER])
    warned = CliRunner().invoke(main, ["settings", "set", "governance_channel", BIG], env=env)
    assert warned.exit_code == 0, warned.output
    assert f"2 of the 4 members of {BIG} may not see every initiative's figures" in warned.stderr
    ws.emulator.add_channel(BIG, name="big", members=[ADMIN, LEAD])
    quiet = CliRunner().invoke(main, ["settings", "set", "governance_channel", BIG], env=env)
    assert quiet.exit_code == 0 and quiet.stderr == ""
    env.pop("SLACK_BOT_TOKEN")
    unchecked = CliRunner().invoke(
        main, ["settings", "set", "governance_channel", BIG], env={**env, "SLACK_BOT_TOKEN": ""}
    )
    assert unchecked.exit_code == 0 and f"Could not check who is in {BIG}" in unchecked.stderr
