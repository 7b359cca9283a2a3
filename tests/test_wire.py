"""Slack's wire protocol: signatures, retries, url_verification, health and metrics."""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from urllib.parse import quote

import pytest

from bot.offline.local import LocalWorkspace

BODY = b"token=x&team_id=T0AIGOV&user_id=U0MEMBER&command=%2Faigov&text=SECRET-BODY-MARKER"


def _headers(ts: str, sig: str) -> dict[str, str]:
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sig,
    }


@pytest.mark.parametrize(
    "make_headers",
    [
        pytest.param(lambda s: {"Content-Type": "application/x-www-form-urlencoded"}, id="missing"),
        pytest.param(lambda s: _headers("abc", s.sign(BODY, "abc")), id="timestamp-abc"),
        pytest.param(lambda s: _headers("9" * 5000, "v0=" + "0" * 64), id="timestamp-5000-digits"),
        pytest.param(
            lambda s: _headers(str(int(time.time())), "v0=ü" + "0" * 63), id="non-ascii-signature"
        ),
        pytest.param(
            lambda s: _headers(
                str(int(time.time()) - 301), s.sign(BODY, str(int(time.time()) - 301))
            ),
            id="stale",
        ),
        pytest.param(lambda s: _headers(str(int(time.time())), "v0=" + "f" * 64), id="wrong"),
        pytest.param(
            lambda s: _headers(str(int(time.time())), "v1=" + "f" * 64), id="wrong-version"
        ),
        pytest.param(lambda s: _headers("-1", "v0=" + "f" * 64), id="negative-timestamp"),
    ],
)
def test_bad_signatures_get_401_and_the_body_is_not_logged(
    ws: LocalWorkspace, make_headers: object, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    reply = ws.slack.raw(BODY, make_headers(ws.slack))  # type: ignore[operator]
    assert reply.status == 401
    assert "SECRET-BODY-MARKER" not in caplog.text
    assert ws.emulator.calls == [] or all(c.method == "auth.test" for c in ws.emulator.calls)


def test_a_good_signature_passes(ws: LocalWorkspace) -> None:
    # A whole command, as Slack sends it: a body of the wrong shape is a 400 (bot.http.guard).
    url = ws.emulator.new_response_url(channel="C0GENERAL", user="U0MEMBER")
    body = BODY + b"&channel_id=C0GENERAL&trigger_id=1.2.3&response_url=" + quote(url).encode()
    ts = str(int(time.time()))
    reply = ws.slack.raw(body, _headers(ts, ws.slack.sign(body, ts)))
    assert reply.status == 200


def test_url_verification_echoes_the_challenge(ws: LocalWorkspace) -> None:
    reply = ws.slack.url_verification("challenge-123")
    assert reply.status == 200 and "challenge-123" in reply.body.decode()


def test_redelivered_event_has_no_second_effect(ws: LocalWorkspace) -> None:
    event = {"type": "app_home_opened", "user": "U0MEMBER", "channel": "D0X", "tab": "home"}
    first = ws.slack.event(event, event_id="Ev0DEDUPE1")
    ws.emulator.wait_for(lambda _: ws.emulator.calls_of("views.publish"))
    again = ws.slack.event(event, event_id="Ev0DEDUPE1", retry_num=1, retry_reason="http_timeout")
    third = ws.slack.event(event, event_id="Ev0DEDUPE1", retry_num=2)
    assert (first.status, again.status, third.status) == (200, 200, 200)
    # A different event id is a new event and is handled.
    ws.slack.event(event, event_id="Ev0DEDUPE2")
    ws.emulator.wait_for(lambda _: len(ws.emulator.calls_of("views.publish")) >= 2)
    time.sleep(0.3)  # give a wrongly handled duplicate the chance to show up
    assert len(ws.emulator.calls_of("views.publish")) == 2


def test_dm_and_mention_get_an_answer(ws: LocalWorkspace) -> None:
    ws.slack.dm("U0MEMBER", "what is this?")
    dm = ws.emulator.wait_for(
        lambda _: [m for m in ws.emulator.messages_to("U0MEMBER") if m.get("bot_id")]
    )
    assert "Questions I can answer" in dm[-1]["text"]
    ws.slack.mention("U0MEMBER", "C0GENERAL", "hello")
    replies = ws.emulator.wait_for(
        lambda _: [m for m in ws.emulator.messages("C0GENERAL") if m.get("bot_id")]
    )
    assert "Questions I can answer" in replies[-1]["text"]


def test_health_and_metrics(ws: LocalWorkspace) -> None:
    with urllib.request.urlopen(ws.base_url + "/healthz", timeout=5) as r:
        assert r.status == 200 and json.loads(r.read()) == {"ok": True}
    ws.slack.command("U0MEMBER", "help")
    with urllib.request.urlopen(ws.base_url + "/metrics", timeout=5) as r:
        metrics = r.read().decode()
    assert 'aigov_slack_requests_total{outcome="200"} 1' in metrics
    assert "aigov_slack_ack_seconds_count 1" in metrics


def test_app_home_lists_my_initiatives_with_a_register_button(ws: LocalWorkspace) -> None:
    ws.slack.open_home("U0MARKET")
    home = ws.emulator.wait_for(lambda _: ws.emulator.home("U0MARKET"))
    assert "don't own any AI initiative yet" in json.dumps(home)
    button = ws.slack.find_button(home, text="Register an initiative")
    ws.slack.click("U0MARKET", button["action_id"], view=home)
    modal = ws.emulator.wait_for(lambda _: ws.emulator.open_views("U0MARKET"))
    assert modal[-1]["title"]["text"] == "Register initiative"
