"""The Slack emulator, driven by the real slack_sdk client and a signature-checking app."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from bot.offline.emulator import SlackEmulator, SlackUser
from bot.offline.emulator.blockkit import validate_message_blocks, validate_view
from bot.offline.emulator.text import buttons, inputs, message_to_text, unescape, view_to_text

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
SECRET = "test-signing-secret"


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emu(clock: Clock) -> Iterator[SlackEmulator]:
    with SlackEmulator(now=clock) as emulator:
        emulator.add_user(ALICE, name="alice", email="alice@example.com")
        emulator.add_user(BOB, name="bob", email="bob@example.com")
        emulator.add_user(CAROL, name="carol", email="carol@example.com")
        emulator.deactivate(CAROL)
        emulator.add_channel("C0PROJ", name="proj", members=[ALICE])
        emulator.add_usergroup("S0LEADS", handle="leads", users=[ALICE, BOB])
        yield emulator


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(token=emu.bot_token, base_url=emu.api_url)


def api_error(call: Callable[[], Any]) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value


def err(call: Callable[[], Any]) -> str:
    return api_error(call).response["error"]


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def button(action_id: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": plain(text), **extra}


def opt(value: str) -> dict[str, Any]:
    return {"text": plain(value.title()), "value": value}


def select(action_id: str, *values: str, **extra: Any) -> dict[str, Any]:
    options = [opt(v) for v in values]
    return {"type": "static_select", "action_id": action_id, "options": options, **extra}


def actions(*elements: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements), **extra}


def field(bid: str, element: dict[str, Any], optional: bool = False) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": bid,
        "optional": optional,
        "element": element,
        "label": plain(bid.title()),
    }


def section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    return block | ({"block_id": block_id} if block_id else {})


def modal(title: str = "Report", blocks: list | None = None, **extra: Any) -> dict[str, Any]:
    blocks = blocks if blocks is not None else [section("hi")]
    return {
        "type": "modal",
        "title": plain(title),
        "submit": plain("Save"),
        "blocks": blocks,
        **extra,
    }


# ---- Web API --------------------------------------------------------------------------


def test_post_message_to_user_and_channel_with_threads(emu: SlackEmulator, client: WebClient):
    first = client.chat_postMessage(channel=ALICE, text="hello")
    second = client.chat_postMessage(
        channel=ALICE,
        text="again",
        metadata={"event_type": "prompt", "event_payload": {"key": "k1"}},
    )
    assert first["channel"] == second["channel"] == emu.dm_channel(ALICE)
    assert first["channel"].startswith("D")
    assert float(second["ts"]) > float(first["ts"])
    assert [m["text"] for m in emu.messages_to(ALICE)] == ["hello", "again"]

    parent = client.chat_postMessage(channel="C0PROJ", text="parent")
    client.chat_postMessage(channel="C0PROJ", text="reply", thread_ts=parent["ts"])
    assert [m["text"] for m in emu.messages("C0PROJ")] == ["parent", "reply"]
    history = client.conversations_history(channel="C0PROJ")["messages"]
    assert [m["text"] for m in history] == ["parent"] and history[0]["reply_count"] == 1
    replies = client.conversations_replies(channel="C0PROJ", ts=parent["ts"])["messages"]
    assert [m["text"] for m in replies] == ["parent", "reply"]
    assert client.chat_postMessage(channel="#proj", text="by name")["channel"] == "C0PROJ"
    assert err(lambda: client.chat_postMessage(channel="C0NOPE", text="x")) == "channel_not_found"


def test_update_delete_ephemeral(emu: SlackEmulator, client: WebClient):
    posted = client.chat_postMessage(channel="C0PROJ", text="v1", blocks=[section("v1")])
    updated = client.chat_update(channel="C0PROJ", ts=posted["ts"], text="v2")
    assert updated["message"]["blocks"] == [section("v1")]  # omitted blocks are kept
    assert emu.messages("C0PROJ")[0]["text"] == "v2"
    assert (
        err(lambda: client.chat_update(channel="C0PROJ", ts="1.2", text="x")) == "message_not_found"
    )
    eph = client.chat_postEphemeral(channel="C0PROJ", user=ALICE, text="psst")
    assert emu.ephemerals(ALICE)[0]["ts"] == eph["message_ts"]
    assert (
        err(lambda: client.chat_postEphemeral(channel="C0PROJ", user=BOB, text="x"))
        == "user_not_in_channel"
    )
    link = client.chat_getPermalink(channel="C0PROJ", message_ts=posted["ts"])["permalink"]
    assert link.endswith("/archives/C0PROJ/p" + posted["ts"].replace(".", ""))
    client.chat_delete(channel="C0PROJ", ts=posted["ts"])
    assert emu.messages("C0PROJ") == []


def test_views_open_needs_a_fresh_unused_trigger(
    emu: SlackEmulator, client: WebClient, clock: Clock
):
    trigger = emu.issue_trigger_id(ALICE)
    opened = client.views_open(trigger_id=trigger, view=modal())["view"]
    assert opened["id"].startswith("V") and opened["hash"] and opened["state"] == {"values": {}}
    assert [v["id"] for v in emu.open_views(ALICE)] == [opened["id"]]
    used = api_error(lambda: client.views_open(trigger_id=trigger, view=modal()))
    assert used.response["error"] == "expired_trigger_id"
    stale = emu.issue_trigger_id(ALICE)
    clock.t += 3.5
    assert err(lambda: client.views_open(trigger_id=stale, view=modal())) == "expired_trigger_id"
    fresh = emu.issue_trigger_id(ALICE)
    emu.expire_triggers()
    assert err(lambda: client.views_open(trigger_id=fresh, view=modal())) == "expired_trigger_id"
    assert (
        err(lambda: client.views_open(trigger_id="made.up", view=modal())) == "expired_trigger_id"
    )


def test_views_update_hash_conflict_and_push(emu: SlackEmulator, client: WebClient):
    opened = client.views_open(trigger_id=emu.issue_trigger_id(ALICE), view=modal())["view"]
    updated = client.views_update(
        view_id=opened["id"], hash=opened["hash"], view=modal("Report v2")
    )["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    stale = api_error(
        lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal())
    )
    assert stale.response["error"] == "hash_conflict"
    client.views_push(trigger_id=emu.issue_trigger_id(ALICE), view=modal("Details"))
    assert [v["title"]["text"] for v in emu.open_views(ALICE)] == ["Report v2", "Details"]
    home = client.views_publish(user_id=ALICE, view={"type": "home", "blocks": [section("h")]})
    assert emu.home(ALICE)["id"] == home["view"]["id"]


def test_block_kit_limits_are_enforced(emu: SlackEmulator, client: WebClient):
    too_many = api_error(
        lambda: client.chat_postMessage(
            channel="C0PROJ", text="x", blocks=[section(str(i)) for i in range(51)]
        )
    )
    assert too_many.response["error"] == "invalid_blocks"
    assert "no more than 50 items" in too_many.response["errors"][0]
    assert too_many.response["response_metadata"]["messages"][0].startswith("[ERROR] ")
    long_text = api_error(
        lambda: client.chat_postMessage(channel="C0PROJ", text="x", blocks=[section("a" * 3001)])
    )
    assert long_text.response["errors"] == [
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]
    client.chat_postMessage(channel="C0PROJ", text="x", blocks=[section("a" * 3000)])
    title = api_error(
        lambda: client.views_open(trigger_id=emu.issue_trigger_id(ALICE), view=modal("t" * 25))
    )
    assert title.response["error"] == "invalid_arguments"
    assert "/view/title/text" in title.response["errors"][0]
    with pytest.warns(UserWarning):  # slack_sdk warns, Slack refuses
        empty = api_error(lambda: client.chat_postMessage(channel="C0PROJ", text=""))
    assert empty.response["error"] == "no_text"
    assert (
        err(lambda: client.chat_postMessage(channel="C0PROJ", text="a" * 40_001)) == "msg_too_long"
    )
    assert emu.calls_of("chat.postMessage")[0].status == 200  # refusals are recorded too


def test_block_kit_validators_catch_common_mistakes():
    errors = validate_message_blocks([
        section("a", "dup"), section("b", "dup"), {"type": "tabl"},
        {"type": "section", "text": {"type": "markdown", "text": "x"}},
        actions(button("a", "b"), button("a", "c")),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]},
        actions(select("s", *map(str, range(101)))),
    ])  # fmt: skip
    joined = "\n".join(errors)
    for expected in (
        "duplicate block_id `dup`",
        "unsupported type: `tabl`",
        "must be either `plain_text` or `mrkdwn`",
        "duplicate action_id `a`",
        "must be less than 2001 characters",
        "no more than 100 items allowed",
    ):
        assert expected in joined
    broken = {
        "type": "modal",
        "title": plain("t"),
        "private_metadata": "m" * 3001,
        "blocks": [{"type": "input", "label": plain("x")}],
    }
    view_errors = validate_view(broken, expected_type="modal")
    assert any("element" in e for e in view_errors)
    assert any("submit" in e for e in view_errors)
    assert any("private_metadata" in e for e in view_errors)


def test_rate_limit_failures_and_auth(emu: SlackEmulator, client: WebClient):
    emu.rate_limit("chat.postMessage", retry_after=7)
    limited = api_error(lambda: client.chat_postMessage(channel="C0PROJ", text="x"))
    assert limited.response.status_code == 429
    assert limited.response.headers["Retry-After"] == "7"
    assert limited.response["error"] == "ratelimited"
    client.chat_postMessage(channel="C0PROJ", text="x")  # only the next call
    emu.fail_next("users.info", "fatal_error")
    assert err(lambda: client.users_info(user=ALICE)) == "fatal_error"
    bad = WebClient(token="xoxb-wrong", base_url=emu.api_url)
    assert err(bad.auth_test) == "invalid_auth"
    anonymous = WebClient(base_url=emu.api_url)
    assert err(anonymous.auth_test) == "not_authed"
    assert err(lambda: client.api_call("chat.teleport")) == "unknown_method"
    assert client.auth_test()["user_id"] == emu.bot_user_id
    assert all("token" not in c.args for c in emu.calls)


def test_directory_lookups(client: WebClient):
    carol = client.users_info(user=CAROL)["user"]
    assert carol["deleted"] is True
    assert err(lambda: client.users_info(user="U0NOBODY")) == "user_not_found"
    found = client.users_lookupByEmail(email="alice@example.com")["user"]
    assert found["id"] == ALICE and found["tz"] == "America/New_York"
    for email in ("carol@example.com", "nobody@example.com"):
        assert err(lambda e=email: client.users_lookupByEmail(email=e)) == "users_not_found"
    assert client.usergroups_users_list(usergroup="S0LEADS")["users"] == [ALICE, BOB]
    assert client.conversations_open(users=BOB)["channel"]["id"] == "D0BOB"
    assert ALICE in client.conversations_members(channel="C0PROJ")["members"]


def test_files_upload_v2_round_trip(emu: SlackEmulator, client: WebClient):
    done = client.files_upload_v2(
        content=b"a,b\n1,2\n",
        filename="report.csv",
        title="Q3 report",
        channel="C0PROJ",
        initial_comment="Here it is",
    )
    stored = emu.files[done["file"]["id"]]
    assert stored["bytes"] == b"a,b\n1,2\n"
    assert (stored["channel"], stored["title"]) == ("C0PROJ", "Q3 report")
    shared = emu.messages("C0PROJ")[-1]
    assert shared["text"] == "Here it is" and shared["files"][0]["id"] == stored["id"]
    by_name = api_error(
        lambda: client.files_upload_v2(content=b"x", filename="x.csv", channel="general")
    )
    assert by_name.response["error"] == "channel_not_found"


def test_response_url_posts(emu: SlackEmulator, client: WebClient):
    posted = client.chat_postMessage(channel="C0PROJ", text="original")
    url = emu.new_response_url(channel="C0PROJ", user=ALICE, message_ts=posted["ts"])
    hook = WebhookClient(url)
    assert hook.send(text="only you").status_code == 200
    assert emu.ephemerals(ALICE)[-1]["text"] == "only you"
    hook.send(text="everyone", response_type="in_channel")
    hook.send(text="replaced", replace_original=True)
    assert [m["text"] for m in emu.messages("C0PROJ")] == ["replaced", "everyone"]
    invalid = hook.send(text="x", blocks=[section("a" * 3001)])
    assert invalid.status_code == 400 and "invalid_blocks" in invalid.body
    assert hook.send(text="fifth").status_code == 200
    sixth = hook.send(text="sixth")
    assert sixth.status_code == 404 and "used_url" in sixth.body
    assert len(emu.calls_of("response_url")) == 6


def test_wait_for_returns_the_match_or_explains_the_timeout(emu: SlackEmulator, client: WebClient):
    threading.Timer(0.05, lambda: client.chat_postMessage(channel=ALICE, text="late")).start()
    calls = emu.wait_for(lambda cs: [c for c in cs if c.method == "chat.postMessage"])
    assert calls[0].args["text"] == "late"
    with pytest.raises(AssertionError) as caught:
        emu.wait_for(lambda cs: any(c.method == "chat.delete" for c in cs), timeout=0.1)
    assert "not met within 0.1s" in str(caught.value)
    assert "chat.postMessage [200 ok]" in str(caught.value)
    emu.clear()
    assert emu.calls == []


# ---- SlackUser against a stub app -----------------------------------------------------


class StubApp:
    """A tiny app: refuses bad signatures with 401, records payloads, answers as told."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answer: tuple[int, bytes] = (200, b"")
        verifier = SignatureVerifier(SECRET)
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if not verifier.is_valid(
                    body,
                    self.headers.get("X-Slack-Request-Timestamp"),
                    self.headers.get("X-Slack-Signature"),
                ):
                    self._reply(401, b"")
                    return
                stub.received.append({"headers": dict(self.headers), "body": _decode(body)})
                self._reply(*stub.answer)

            def _reply(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"

    def last(self) -> dict[str, Any]:
        return self.received[-1]["body"]


def _decode(body: bytes) -> dict[str, Any]:
    if body.startswith(b"{"):
        return json.loads(body)
    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    return json.loads(form["payload"]) if "payload" in form else form


@pytest.fixture
def app() -> Iterator[StubApp]:
    stub = StubApp()
    yield stub
    stub.server.shutdown()
    stub.server.server_close()


@pytest.fixture
def user(emu: SlackEmulator, app: StubApp) -> SlackUser:
    return SlackUser(emu, app_url=app.url, signing_secret=SECRET)


def test_command_is_signed_and_carries_usable_trigger_and_response_url(
    emu: SlackEmulator, client: WebClient, app: StubApp, user: SlackUser
):
    assert user.command(ALICE, "report Q3").status == 200
    body = app.last()
    assert (body["command"], body["text"], body["user_id"]) == ("/aigov", "report Q3", ALICE)
    assert body["channel_id"] == "C0GENERAL" and body["team_id"] == emu.team_id
    client.views_open(trigger_id=body["trigger_id"], view=modal())
    WebhookClient(body["response_url"]).send(text="working on it")
    assert emu.ephemerals(ALICE)[-1]["text"] == "working on it"
    forged = user.raw(b"token=x", {"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=0"})
    assert forged.status == 401


def test_click_finds_the_element_in_a_posted_message(
    emu: SlackEmulator, client: WebClient, app: StubApp, user: SlackUser
):
    choices = actions(
        button("report", "Report figures", value="42"), select("pick", "keep"), block_id="choices"
    )
    client.chat_postMessage(channel=ALICE, text="Q3", blocks=[section("Review"), choices])
    message = emu.messages_to(ALICE)[-1]
    assert user.find_button(message, text="Report figures")["action_id"] == "report"
    user.click(ALICE, "report", message=message)
    body = app.last()
    assert body["type"] == "block_actions" and body["trigger_id"]
    assert (
        body["actions"][0].items()
        >= {"action_id": "report", "block_id": "choices", "value": "42", "type": "button"}.items()
    )
    assert body["container"] == {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": emu.dm_channel(ALICE),
        "is_ephemeral": False,
    }
    assert body["message"]["ts"] == message["ts"] and body["response_url"]
    user.click(ALICE, "pick", message=message, selected="keep")
    assert app.last()["actions"][0]["selected_option"]["value"] == "keep"
    with pytest.raises(LookupError, match="report"):
        user.click(ALICE, "approve", message=message)


def _form_modal() -> dict[str, Any]:
    number = {"type": "number_input", "action_id": "amount", "is_decimal_allowed": True}
    notes = {"type": "plain_text_input", "action_id": "text", "initial_value": "none"}
    return modal(callback_id="q3", private_metadata='{"id": 42}', blocks=[
        field("spend", number),
        field("status", select("pick", "green", "red", initial_option=opt("green"))),
        field("owners", {"type": "multi_users_select", "action_id": "who"}, optional=True),
        field("due", {"type": "datepicker", "action_id": "date"}, optional=True),
        field("notes", notes),
    ])  # fmt: skip


def test_submit_types_state_values_and_follows_the_ack(
    emu: SlackEmulator, client: WebClient, app: StubApp, user: SlackUser
):
    view = client.views_open(trigger_id=emu.issue_trigger_id(ALICE), view=_form_modal())["view"]
    app.answer = (
        200,
        json.dumps({"response_action": "errors", "errors": {"spend": "Not a number"}}).encode(),
    )
    reply = user.submit(
        ALICE, view, {"amount": "12.5", "status": "Red", "owners": [BOB], "due": "2026-09-30"}
    )
    assert reply.json["errors"] == {"spend": "Not a number"}
    sent = app.last()
    assert sent["type"] == "view_submission" and sent["view"]["callback_id"] == "q3"
    assert sent["view"]["private_metadata"] == '{"id": 42}'
    values = sent["view"]["state"]["values"]
    assert values["spend"]["amount"] == {"type": "number_input", "value": "12.5"}
    assert values["status"]["pick"]["selected_option"]["value"] == "red"
    assert values["owners"]["who"]["selected_users"] == [BOB]
    assert values["due"]["date"]["selected_date"] == "2026-09-30"
    assert values["notes"]["text"]["value"] == "none"  # pre-filled initial value
    assert len(emu.open_views(ALICE)) == 1  # errors keep the view open

    app.answer = (200, b"")
    user.submit(ALICE, view, {"spend": "12"})
    assert (
        app.last()["view"]["state"]["values"]["status"]["pick"]["selected_option"]["value"] == "red"
    )  # earlier typing survives, as in the Slack client
    assert emu.open_views(ALICE) == []  # an empty ack closes it
    with pytest.raises(ValueError, match="required"):
        user.submit(ALICE, view, {"spend": None})


def test_submit_update_ack_replaces_the_view(
    emu: SlackEmulator, client: WebClient, app: StubApp, user: SlackUser
):
    view = client.views_open(trigger_id=emu.issue_trigger_id(ALICE), view=_form_modal())["view"]
    app.answer = (200, json.dumps({"response_action": "update", "view": modal("Thanks")}).encode())
    user.submit(ALICE, view, {"spend": "1"})
    assert [v["title"]["text"] for v in emu.open_views(ALICE)] == ["Thanks"]
    app.answer = (
        200,
        json.dumps({"response_action": "errors", "errors": {"amount": "bad"}}).encode(),
    )
    user.submit(ALICE, emu.open_views(ALICE)[-1], {})
    refused = emu.calls_of("response_action")[0]  # errors must be keyed by block_id
    assert "`amount`" in refused.response["errors"][0]
    assert user.close(ALICE, emu.open_views(ALICE)[-1]) is None  # no notify_on_close
    assert emu.open_views(ALICE) == []


def test_events_are_enveloped_signed_and_carry_retry_headers(
    emu: SlackEmulator, app: StubApp, user: SlackUser
):
    user.event({"type": "app_mention", "text": "hi"}, event_id="Ev1", retry_num=2)
    received = app.received[-1]
    assert received["headers"]["X-Slack-Retry-Num"] == "2"
    assert received["headers"]["X-Slack-Retry-Reason"] == "http_timeout"
    body = received["body"]
    assert (body["type"], body["event_id"], body["team_id"]) == (
        "event_callback",
        "Ev1",
        emu.team_id,
    )
    assert body["authorizations"][0]["user_id"] == emu.bot_user_id
    user.dm(ALICE, "how much did we spend?")
    dm = app.last()
    assert dm["event"]["channel_type"] == "im" and dm["event_id"].startswith("Ev")
    assert "X-Slack-Retry-Num" not in app.received[-1]["headers"]
    assert emu.messages_to(ALICE)[-1]["text"] == "how much did we spend?"
    user.mention(BOB, "C0PROJ", "status?")
    assert app.last()["event"]["text"] == f"<@{emu.bot_user_id}> status?"
    user.open_home(ALICE)
    assert app.last()["event"]["tab"] == "home"
    user.url_verification("abc")
    assert app.last() == {
        "token": "emulator-verification-token",
        "challenge": "abc",
        "type": "url_verification",
    }


# ---- text rendering -------------------------------------------------------------------


def test_text_rendering():
    assert unescape("&lt;b&gt; &amp; <@U1> <https://x.io|site> <!here>") == ("<b> & @U1 site @here")
    message = {"blocks": [
        {"type": "header", "text": plain("Q3 review")},
        section("Spend &amp; budget") | {"fields": [{"type": "mrkdwn", "text": "*Owner* <@U1>"}]},
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "due Friday"}]},
        actions(button("report", "Report figures"), button("skip", "Skip")),
    ]}  # fmt: skip
    rendered = message_to_text(message)
    expected = ["Q3 review", "Spend & budget", "*Owner* @U1", "─", "due Friday",
                "[1] Report figures", "[2] Skip"]  # fmt: skip
    assert all(e in rendered for e in expected), rendered
    assert [b["action_id"] for b in buttons(message)] == ["report", "skip"]
    form = _form_modal()
    assert [i["block_id"] for i in inputs(form)] == ["spend", "status", "owners", "due", "notes"]
    shown = view_to_text(form)
    assert "(2) Status [static_select] = Green" in shown and "- red: Red" in shown
    assert "(5) Notes [plain_text_input] = none" in shown and "[Save]" in shown
