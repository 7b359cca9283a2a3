"""/aigov admin (settings modal), /aigov review status, and `aigov cycle`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import select

from bot.cli import main
from bot.offline.emulator.server import SlackEmulator
from bot.offline.local import LocalWorkspace
from storage.db import Database
from storage.models import AuditEntry, OutboxMessage, ReviewCycle, ReviewRequest
from workflows.core import settings as ws_settings
from workflows.inventory import inventory


def _modal(ws: LocalWorkspace, user: str) -> dict:
    ws.slack.command(user, "admin")
    return ws.emulator.wait_for(lambda _: ws.emulator.open_views(user))[-1]


def test_admin_changes_settings_with_inline_validation(ws: LocalWorkspace) -> None:
    modal = _modal(ws, "U0ADMIN")
    assert "0 9 1-7 1,4,7,10 mon" in json.dumps(modal)  # the effective default, as a hint
    bad = ws.slack.submit(
        "U0ADMIN",
        modal,
        {"review_schedule": "61 9 * * *", "reminder_days": "zero", "working_hours": "17:00-09:00"},
    )
    assert set(bad.json["errors"]) == {"review_schedule", "reminder_days", "working_hours"}
    assert "cron expression" in bad.json["errors"]["review_schedule"]
    with ws.db.read() as s:
        assert s.exec(select(AuditEntry)).all() == []
    good = ws.slack.submit(
        "U0ADMIN",
        ws.emulator.open_views("U0ADMIN")[-1],
        {
            "review_schedule": "0 10 * * mon",
            "reminder_days": "2",
            "working_hours": "08:00-16:00",
            "governance_channel": "C0GOVERN",
        },
    )
    assert good.status == 200 and not (good.json or {}).get("errors")
    saved = ws.emulator.wait_for(
        lambda _: [m for m in ws.emulator.messages_to("U0ADMIN") if m.get("bot_id")]
    )
    assert "`review_schedule` = `0 10 * * mon`" in saved[-1]["text"]
    with ws.db.read() as s:
        assert ws_settings.get(s, "reminder_days") == 2
        assert ws_settings.get(s, "governance_channel") == "C0GOVERN"
        changed = {
            e.entity_id
            for e in s.exec(select(AuditEntry).where(AuditEntry.action == "setting.change"))
        }
    assert changed == {"review_schedule", "reminder_days", "working_hours", "governance_channel"}


def test_only_admins_open_the_settings(ws: LocalWorkspace) -> None:
    ws.slack.command("U0LEAD", "admin")
    reply = ws.emulator.wait_for(lambda calls: [c for c in calls if c.method == "response_url"])
    assert "Only admins" in reply[-1].args["text"] and not ws.emulator.open_views("U0LEAD")
    ws.slack.command("U0MEMBER", "review start")
    reply = ws.emulator.wait_for(
        lambda calls: len([c for c in calls if c.method == "response_url"]) >= 2 and calls
    )
    assert (
        "Only admins can start a review cycle"
        in [c for c in reply if c.method == "response_url"][-1].args["text"]
    )


def test_review_status_before_and_after_opening(ws: LocalWorkspace) -> None:
    ws.slack.command("U0MEMBER", "review status")
    first = ws.emulator.wait_for(lambda calls: [c for c in calls if c.method == "response_url"])
    assert "No review cycle has been opened yet" in first[-1].args["text"]
    with ws.db.write() as s:
        inventory.register(
            s,
            raw={"name": "A", "department": "X", "owner": "U0MARKET", "stage": "pilot"},
            actor="t",
            resolve_user=lambda u: u,
        )
    ws.slack.command("U0ADMIN", "review start")
    ws.emulator.wait_for(lambda calls: len([c for c in calls if c.method == "response_url"]) >= 2)
    ws.slack.command("U0MEMBER", "review status")
    status = ws.emulator.wait_for(
        lambda calls: len([c for c in calls if c.method == "response_url"]) >= 3 and calls
    )
    text = [c for c in status if c.method == "response_url"][-1].args["text"]
    assert "*Reported:* 0 · *Waiting:* 1" in text and "A: waiting for <@U0MARKET>" in text


def test_cycle_cli_opens_once_and_shows_status(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    with SlackEmulator(bot_token="xoxb-cli").start() as emu:
        emu.add_user("U0OWN", name="own", tz="Pacific/Kiritimati")
        env = {
            "AIGOV_DATABASE_URL": url,
            "SLACK_BOT_TOKEN": "xoxb-cli",
            "SLACK_API_URL": emu.api_url,
        }
        runner = CliRunner()
        runner.invoke(main, ["db", "upgrade"], env=env)
        db = Database(url)
        with db.write() as s:
            inventory.register(
                s,
                raw={"name": "A", "department": "X", "owner": "U0OWN", "stage": "pilot"},
                actor="t",
                resolve_user=lambda u: u,
            )
        bad = runner.invoke(main, ["cycle", "open", "--quarter", "2026Q5"], env=env)
        assert bad.exit_code == 1 and "not a fiscal quarter" in bad.output
        opened = runner.invoke(main, ["cycle", "open", "--quarter", "2026Q3", "--now"], env=env)
        assert opened.exit_code == 0, opened.output
        assert "Opened the Q3 2026 review: 1 review request, prompts to 1 person" in opened.output
        again = runner.invoke(main, ["cycle", "open", "--quarter", "2026Q3", "--now"], env=env)
        assert "already open; nothing was sent again" in again.output
        prompts = [c for c in emu.calls_of("chat.postMessage") if c.ok]
        assert len(prompts) == 1 and prompts[0].args["channel"] == "U0OWN"
        status = runner.invoke(main, ["cycle", "status"], env=env)
        assert "Waiting:* 1" in status.output
        # Without a token it still answers (it only writes); nothing is queued twice.
        no_token = runner.invoke(
            main,
            ["cycle", "open", "--quarter", "2026Q3"],
            env={"AIGOV_DATABASE_URL": url, "SLACK_BOT_TOKEN": None},
        )
        assert no_token.exit_code == 0, no_token.output
        assert "already open; nothing was sent again" in no_token.output
    with db.read() as s:
        assert [c.quarter for c in s.exec(select(ReviewCycle))] == ["2026Q3"]
    db.dispose()


def test_cycle_cli_without_a_token_writes_and_leaves_sending_to_serve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env with a token in it
    url = f"sqlite:///{tmp_path}/offline.db"
    env = {"AIGOV_DATABASE_URL": url, "SLACK_API_URL": "http://127.0.0.1:9/api/"}
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"], env=env).exit_code == 0
    db = Database(url)
    with db.write() as s:
        for name, owner in (("A", "U0OWN"), ("B", "U0TWO")):
            inventory.register(
                s,
                raw={"name": name, "department": "X", "owner": owner, "stage": "pilot"},
                actor="t",
                resolve_user=lambda u: u,
            )
        ws_settings.put(s, key="leadership_channel", text="C0LEADERS", actor="t")
        ws_settings.put(s, key="leaders", text="U0LEAD,S0LEADS", actor="t")

    opened = runner.invoke(main, ["cycle", "open", "--quarter", "2026Q3", "--now"], env=env)
    assert opened.exit_code == 0, opened.output
    lines = opened.output.strip().splitlines()
    assert lines[0] == (
        "Opened the Q3 2026 review: 2 review requests, prompts to 2 people (in their working hours)."
    )
    assert lines[1].startswith("No SLACK_BOT_TOKEN: owners were not looked up in Slack")
    assert "leaders' user groups were not expanded" in lines[1]
    assert "`aigov serve` sends them as soon as it runs." in lines[1]
    assert len(lines) == 2 and "Traceback" not in opened.output
    with db.read() as s:
        requests = s.exec(select(ReviewRequest)).all()
        prompts = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "review.prompt")).all()
    assert sorted(r.assignee_id for r in requests) == ["U0OWN", "U0TWO"]
    assert sorted(p.target for p in prompts) == ["U0OWN", "U0TWO"]
    assert {p.status for p in prompts} == {"pending"}

    status = runner.invoke(main, ["cycle", "status"], env=env)
    assert status.exit_code == 0 and "Waiting:* 2" in status.output
    closed = runner.invoke(main, ["cycle", "close"], env=env)
    assert closed.exit_code == 0, closed.output
    assert closed.output.strip().splitlines() == [
        "Closed the 2026Q3 review; the portfolio report goes to the leadership channel.",
        "No SLACK_BOT_TOKEN: the portfolio report waits in the outbox; `aigov serve` sends it.",
    ]
    with db.read() as s:
        report = s.exec(select(OutboxMessage).where(OutboxMessage.target == "C0LEADERS")).all()
    kinds = sorted(m.kind for m in report)
    assert kinds == ["review.report", "review.report_file", "review.report_file"]
    assert {m.status for m in report} == {"pending"}
    db.dispose()
