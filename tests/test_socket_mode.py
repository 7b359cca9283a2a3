"""`aigov serve --socket-mode` as a real process against the emulator's Socket Mode: the
app-level token opens a one-time WebSocket URL, commands, clicks and events arrive as
envelopes and are acknowledged, a dropped connection is re-opened, SIGTERM stops it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.sync.client import connect

from bot.offline.emulator.server import SlackEmulator
from bot.offline.emulator.user import SlackUser

BOT, APP = "xoxb-socket-test", "xapp-socket-test"


def test_connections_open_takes_the_app_token_and_a_url_serves_once() -> None:
    with SlackEmulator(bot_token=BOT, app_token=APP) as emulator:
        with pytest.raises(SlackApiError) as refused:
            WebClient(token=BOT, base_url=emulator.api_url).apps_connections_open(app_token=BOT)
        assert refused.value.response["error"] == "not_allowed_token_type"
        app = WebClient(token=APP, base_url=emulator.api_url)
        url = app.apps_connections_open(app_token=APP)["url"]
        assert url.startswith("ws://127.0.0.1:")
        with connect(url) as first:
            assert '"type": "hello"' in str(first.recv(timeout=5))
        spent = pytest.raises((InvalidStatus, WebSocketException, OSError))
        with spent, connect(url) as again:  # the ticket is spent
            again.recv(timeout=5)
        with pytest.raises(SlackApiError):
            WebClient(token=APP, base_url=emulator.api_url).chat_postMessage(channel="C1", text="x")


def _serve(tmp_path: Path, emulator: SlackEmulator) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "AIGOV_"))}
    env.update(
        {
            "AIGOV_DATABASE_URL": f"sqlite:///{tmp_path}/socket.db",
            "SLACK_BOT_TOKEN": BOT,
            "SLACK_APP_TOKEN": APP,
            "SLACK_API_URL": emulator.api_url,
        }
    )
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("aigov")), "serve", "--socket-mode"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_serve_over_socket_mode(tmp_path: Path) -> None:
    with SlackEmulator(bot_token=BOT, app_token=APP) as emulator:
        emulator.add_user("U0ONE", name="one", email="one@example.com")
        proc = _serve(tmp_path, emulator)
        try:
            emulator.socket_mode.wait_connected(timeout=30)
            slack = SlackUser(emulator, socket_mode=True)
            # A slash command: acknowledged on the socket, answered at the response_url.
            assert slack.command("U0ONE", "help").status == 200
            helped = emulator.wait_for(
                lambda calls: [c for c in calls if c.method == "response_url"]
            )
            assert "/aigov register" in helped[0].args["text"]
            # A command that opens a modal, then its submission with an inline error.
            slack.command("U0ONE", "register")
            modal = emulator.wait_for(lambda _: emulator.open_views("U0ONE"))[-1]
            values = {"name": "Socket Bot", "department": "Ops", "budget_amount": "lots"}
            refused = slack.submit("U0ONE", modal, values)
            assert refused.json["response_action"] == "errors"
            assert "not an amount" in refused.json["errors"]["budget_amount"]
            # An event, and Slack's retry of it: answered once.
            dm = emulator.dm_channel("U0ONE")
            message = emulator.user_message(dm, "U0ONE", "hello")
            event = {**message, "type": "message", "channel": dm, "channel_type": "im"}
            slack.event(event, event_id="Ev0SOCKET1")
            slack.event(event, event_id="Ev0SOCKET1", retry_num=1)
            emulator.wait_for(
                lambda _: [m for m in emulator.messages_to("U0ONE") if m.get("bot_id")]
            )
            # Slack refreshes connections every few hours: the app moves to a new one.
            emulator.socket_mode.refresh()
            emulator.socket_mode.wait_opened(2, timeout=30)
            before = len(emulator.calls_of("response_url"))
            slack.command("U0ONE", "help")
            emulator.wait_for(lambda _: len(emulator.calls_of("response_url")) > before)
        finally:
            proc.terminate()
            output = proc.communicate(timeout=20)[0]
        replies = [m for m in emulator.messages_to("U0ONE") if m.get("bot_id")]
    assert proc.returncode == 0, output  # SIGTERM closes the socket and stops cleanly
    assert len(replies) == 1  # the retried event was not answered twice
    assert BOT not in output and APP not in output
    assert "Socket Bot" not in output and "envelope_id" not in output  # no request bodies
    assert emulator.calls_of("apps.connections.open")[0].args == {}  # the token is not recorded
