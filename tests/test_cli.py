"""The `aigov` command line: serve as a real process, db upgrade, settings, the manifest."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml
from click.testing import CliRunner
from sqlmodel import select

from bot.cli import main
from bot.offline.emulator.server import SlackEmulator
from bot.offline.emulator.user import SlackUser
from storage.db import Database
from storage.models import AuditEntry, Initiative, Setting

ROOT = Path(__file__).resolve().parents[1]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "AIGOV_"))}
    env.update({"AIGOV_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", **extra})
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_without_secrets_is_one_line_naming_them(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve"], env=_env(tmp_path), catch_exceptions=False)
    assert result.exit_code == 1
    assert "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_serve_runs_migrates_and_answers_signed_requests(tmp_path: Path) -> None:
    with SlackEmulator(bot_token="xoxb-cli-test").start() as emulator:
        emulator.add_user("U0ONE", name="one", email="one@example.com")
        port = _free_port()
        env = _env(
            tmp_path,
            SLACK_BOT_TOKEN="xoxb-cli-test",
            SLACK_SIGNING_SECRET="cli-secret",
            SLACK_API_URL=emulator.api_url,
        )
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("aigov")),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            _wait_healthy(f"http://127.0.0.1:{port}/healthz", proc)
            slack = SlackUser(
                emulator,
                app_url=f"http://127.0.0.1:{port}/slack/events",
                signing_secret="cli-secret",
            )
            assert slack.command("U0ONE", "help").status == 200
            posted = emulator.wait_for(
                lambda calls: [c for c in calls if c.method == "response_url"]
            )
            assert "/aigov register" in posted[0].args["text"]
        finally:
            proc.terminate()
            output = proc.communicate(timeout=10)[0]
    assert proc.returncode == 0, output  # SIGTERM stops it cleanly
    assert "xoxb-cli-test" not in output and "cli-secret" not in output
    db = Database(f"sqlite:///{tmp_path}/cli.db")
    with db.read() as s:
        assert s.exec(select(Setting)).all() == []  # the schema exists: migrations ran on start
    db.dispose()


def _wait_healthy(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.communicate()[0])
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("aigov serve did not become healthy")


def test_db_upgrade_then_nothing_pending(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["db", "upgrade"], env=_env(tmp_path))
    assert first.exit_code == 0 and "Applied" in first.output
    second = runner.invoke(main, ["db", "upgrade"], env=_env(tmp_path))
    assert "already up to date" in second.output


def test_settings_set_validates_and_audits(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(main, ["settings", "set", "reminder_days", "three"], env=_env(tmp_path))
    assert bad.exit_code == 2 and "whole number of days from 1 to 30" in bad.output
    cron = runner.invoke(
        main, ["settings", "set", "review_schedule", "61 9 * * *"], env=_env(tmp_path)
    )
    assert cron.exit_code == 2 and "cron expression" in cron.output
    good = runner.invoke(
        main, ["settings", "set", "alert_thresholds", "100, 80,90"], env=_env(tmp_path)
    )
    assert good.exit_code == 0 and "alert_thresholds = 80,90,100" in good.output
    shown = runner.invoke(main, ["settings", "show"], env=_env(tmp_path))
    assert "80,90,100" in shown.output and "reminder_days" in shown.output
    db = Database(f"sqlite:///{tmp_path}/cli.db")
    with db.read() as s:
        entries = s.exec(select(AuditEntry)).all()
    db.dispose()
    assert [(e.action, e.entity_id, e.after) for e in entries] == [
        ("setting.change", "alert_thresholds", {"value": "80,90,100"})
    ]


def test_manifest_matches_what_the_bot_listens_to() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/aigov"]
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert events == {
        "app_home_opened",
        "app_mention",
        "message.im",
        "member_joined_channel",
        "member_left_channel",
    }
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "users:read.email", "im:history", "files:write"} <= scopes
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_import_inventory_resolves_owner_emails_through_slack(tmp_path: Path) -> None:
    csv_file = tmp_path / "inventory.csv"
    csv_file.write_text(
        "name,department,owner,stage\n"
        "Support Assistant,Support,sam@example.com,production\n"
        "Invoice Reader,Finance,U0FIN,pilot\n"
        "Old Bot,IT,gus@example.com,pilot\n"
        "Ghost,IT,nobody@example.com,pilot\n"
    )
    with SlackEmulator(bot_token="xoxb-import").start() as emulator:
        emulator.add_user("U0SAM", name="sam", email="sam@example.com")
        emulator.add_user("U0FIN", name="fin", email="fin@example.com")
        emulator.add_user("U0GUS", name="gus", email="gus@example.com", deleted=True)
        env = _env(tmp_path, SLACK_BOT_TOKEN="xoxb-import", SLACK_API_URL=emulator.api_url)
        rejected = CliRunner().invoke(main, ["import", "inventory", str(csv_file)], env=env)
        lookups = [c.args["email"] for c in emulator.calls_of("users.lookupByEmail")]
        accepted = CliRunner().invoke(
            main, ["import", "inventory", str(csv_file), "--skip-bad"], env=env
        )
    assert rejected.exit_code == 1
    assert "line 4: owner:" in rejected.output and "line 5: owner:" in rejected.output
    assert "Nothing was imported." in rejected.output
    assert sorted(lookups) == ["gus@example.com", "nobody@example.com", "sam@example.com"]
    assert accepted.exit_code == 0, accepted.output
    db = Database(f"sqlite:///{tmp_path}/cli.db")
    with db.read() as s:
        owners = {i.name: i.owner_id for i in s.exec(select(Initiative))}
    db.dispose()
    assert owners == {"Support Assistant": "U0SAM", "Invoice Reader": "U0FIN"}


def test_socket_mode_needs_the_app_token(tmp_path: Path) -> None:
    env = _env(tmp_path, SLACK_BOT_TOKEN="xoxb-x")
    result = CliRunner().invoke(main, ["serve", "--socket-mode"], env=env)
    assert result.exit_code == 1 and "needs SLACK_APP_TOKEN:" in result.output


def test_currency_and_time_zone_default_from_the_environment(tmp_path: Path) -> None:
    env = _env(tmp_path, AIGOV_CURRENCY="eur", AIGOV_TIMEZONE="Europe/Berlin")
    shown = CliRunner().invoke(main, ["settings", "show"], env=env)
    assert shown.exit_code == 0
    cells = [[c.strip() for c in line.split("│")] for line in shown.output.splitlines()]
    rows = {c[1]: c[2] for c in cells if len(c) > 3}
    assert rows["currency"] == "EUR" and rows["review_timezone"] == "Europe/Berlin"
    CliRunner().invoke(main, ["settings", "set", "currency", "GBP"], env=env)
    again = CliRunner().invoke(main, ["settings", "show"], env=env)
    assert "GBP" in again.output  # a stored setting wins over the environment


def test_ask_answers_in_the_terminal_as_a_given_person(tmp_path: Path) -> None:
    """`aigov ask`: the chat answers in the terminal, scoped by --as, and never a traceback
    (a did-you-mean, whose buttons only Slack shows, included)."""
    (tmp_path / "inventory.csv").write_text(
        "name,department,owner,stage\nSupport Assistant,Support,U0SAM,production\n"
    )
    (tmp_path / "costs.csv").write_text(
        "initiative,month,category,amount\n"
        "Support Assistant,2026-07,inference,1200\n"
        "Support Assistant,2026-08,inference,1300\n"
    )
    env = _env(tmp_path, AIGOV_LEADERS="U0LEAD")
    runner = CliRunner()
    for kind in ("inventory", "costs"):
        loaded = runner.invoke(main, ["import", kind, str(tmp_path / f"{kind}.csv")], env=env)
        assert loaded.exit_code == 0, loaded.output
    leader = runner.invoke(
        main, ["ask", "support assistant spend in Q3 2026", "--as", "U0LEAD"], env=env
    )
    assert leader.exit_code == 0 and "$2,500.00" in leader.output
    assert (
        "Q3 2026, Jul 1 – Sep 30, 2026" in leader.output and "Sources: cost files" in leader.output
    )
    member = runner.invoke(main, ["ask", "spend in Q3 2026", "--as", "U0MEMBER"], env=env)
    assert member.exit_code == 0 and "$" not in member.output
    typo = runner.invoke(main, ["ask", "what did the suport asistnat botz cost"], env=env)
    assert typo.exit_code == 0 and "Traceback" not in typo.output, typo.output
    assert "Did you mean *Support Assistant*?" in typo.output
