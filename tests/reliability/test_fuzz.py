"""The fuzzer: real Slack payloads, mutated, signed correctly and POSTed to the real app.

The payloads are recorded from Slack's side of the emulator while the demo story plays
(slash commands, clicks on the bot's buttons, modal submissions, events), then every
button the bot rendered is clicked and every modal left open is submitted. Each is then
mutated (keys dropped, types changed, form and JSON bodies swapped, huge numbers,
unicode, `<!channel>`, unknown ids, foreign private_metadata), signed, and sent: no
answer may be a 5xx and the log may hold no ERROR line and no traceback. Afterwards
`/aigov help` still answers. `AIGOV_SOAK=1` sends more, on PostgreSQL too.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import logging
import os
import random
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from rich.console import Console

from bot.offline.demo.data import NOW, write_files
from bot.offline.demo.play import SCENES
from bot.offline.demo.story import MEMBERS, Clock, Story
from bot.offline.emulator.elements import iter_elements
from bot.offline.emulator.user import Reply, SlackUser
from bot.offline.local import LocalWorkspace
from bot.offline.screen import settle

SOAK = os.environ.get("AIGOV_SOAK") == "1"
REQUESTS = 20_000 if SOAK else 5_000
SENDERS = 4  # concurrent deliveries, as Slack makes them
SEED = 20261116
FORM, JSON_TYPE = "application/x-www-form-urlencoded", "application/json"
PEOPLE = [m.user_id for m in MEMBERS]
JUNK: list[Any] = [
    None, True, False, 0, -1, 2**63, 10**40, 1.5, 1e308, "", "x", "null", "[]", "{}",
    "<!channel>", "<!here|here>", "<@U0LEAD>", "<#C0GOVERN|ai-governance>",
    "<https://evil.example|click>", "ü🙂\u202e\u0000", "9" * 20, "-12", "1e9999",
    "V0NEVER", "999999999999", "A" * 4000,
    [], [None], [{}], ["x", 1], {}, {"id": None}, {"a": [1, {"b": [[]]}]},
]  # fmt: skip
NUMBERS = ["9" * 20, "-" + "9" * 25, "1e400", "0.000000001", "12,345,678,901,234,567", "nan"]
# A user or channel id Slack vouches for is always a real one: junk there is malformed or
# another real one (a real-looking id Slack would never send is not a test of the bot).
BAD_USERS: list[Any] = ["", "x", "u0lowercase", "A" * 4000, 7, None, [], {}, *PEOPLE]
BAD_CHANNELS: list[Any] = ["", "x", "c0lower", "A" * 4000, 7, None, [], {}, "C0GOVERN", "C0GENERAL"]
FOREIGN_METADATA = [
    '{"request_id": "x"}', '{"request_id": 999999}', '{"request_id": null}', '{"id": [1]}',
    "[1, 2]", '"text"', "not json", '{"alert_id": {"a": 1}}', '{"decision": "bogus"}',
    '{"cycle_id": "1; drop table"}', "{}", "", '{"id": 99999999999999999999999}', "123",
    '{"request_id": 1, "decision": "kill"}', '{"id": 1}', '{"alert_id": 1}',
]  # fmt: skip
# The keys a mutation picks most often: the ones the app reads.
HOT = {
    "type", "user", "id", "actions", "action_id", "value", "view", "callback_id",
    "private_metadata", "state", "values", "event_id", "event", "command", "text",
    "trigger_id", "user_id", "channel_id", "channel", "selected_option", "hash", "tab",
    "block_id", "authorizations", "team", "response_url", "container", "enterprise",
}  # fmt: skip


@dataclass(frozen=True)
class Delivery:
    """One request as Slack sent it: the body and its content type."""

    body: bytes
    content_type: str


class Mutator:
    """Seeded mutations of a delivery: the same seed gives the same request."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def mutate(self, d: Delivery) -> tuple[bytes, str | None, str]:
        """(body, content type, what was done) for one mutated delivery."""
        roll = self.rng.random()
        if roll < 0.03:
            swapped = JSON_TYPE if d.content_type == FORM else FORM
            return d.body, swapped, "content_type_swapped"
        if roll < 0.05:
            odd = [None, "text/plain", "multipart/form-data; boundary=x", "application/xml"]
            return d.body, self.rng.choice(odd), "content_type_odd"
        if roll < 0.07:
            return self._raw_junk(d), d.content_type, "body_junk"
        if d.content_type == JSON_TYPE:
            return self._event(json.loads(d.body), roll)
        fields = dict(parse_qsl(d.body.decode(), keep_blank_values=True))
        if "payload" in fields:
            return self._interaction(json.loads(fields["payload"]), roll)
        return self._command(fields, roll)

    def _raw_junk(self, d: Delivery) -> bytes:
        cut = d.body[: self.rng.randrange(max(1, len(d.body)))]
        junk = [b"", b"\xff\xfe\x00garbage", b"payload=", b"payload", b"=&&=", b"{", b"[]"]
        return self.rng.choice([*junk, b"null", b"1", b'"s"', cut, d.body + b"&payload=1"])

    def _event(self, envelope: dict[str, Any], roll: float) -> tuple[bytes, str, str]:
        if roll < 0.12:
            return _form(_flat(envelope)), FORM, "event_as_form"
        how = self._tweaks(envelope)
        return json.dumps(envelope).encode(), JSON_TYPE, "event:" + how

    def _interaction(self, payload: dict[str, Any], roll: float) -> tuple[bytes, str, str]:
        if roll < 0.12:
            shapes = ["[]", "[1,2]", '"str"', "{invalid", "null", "12", "true", '{"type": 1}']
            return _form({"payload": self.rng.choice(shapes)}), FORM, "payload_not_an_object"
        if roll < 0.15:
            return json.dumps(payload).encode(), JSON_TYPE, "payload_as_json_body"
        how = self._tweaks(payload)
        return _form({"payload": json.dumps(payload)}), FORM, "interaction:" + how

    def _command(self, fields: dict[str, Any], roll: float) -> tuple[bytes, str, str]:
        if roll < 0.12:
            return json.dumps(fields).encode(), JSON_TYPE, "form_as_json"
        how = self._tweaks(fields)
        if self.rng.random() < 0.05:
            return _form(_flat(fields), twice=True), FORM, "command_fields_twice"
        return _form(_flat(fields)), FORM, "command:" + how

    def _tweaks(self, obj: Any) -> str:
        return ",".join(self._tweak(obj) for _ in range(self.rng.randint(1, 3)))

    def _tweak(self, obj: Any) -> str:
        paths = _paths(obj)
        if not paths:
            return "nothing"
        hot = [p for p in paths if p[-1] in HOT or "values" in p]
        path = self.rng.choice(hot if hot and self.rng.random() < 0.7 else paths)
        holder, key = _holder(obj, path), path[-1]
        roll = self.rng.random()
        if key == "private_metadata" and roll < 0.6:
            holder[key] = self.rng.choice(FOREIGN_METADATA)
            return "foreign_metadata"
        if key in ("user", "user_id") or (key == "id" and "user" in path):
            holder[key] = copy.deepcopy(self.rng.choice(BAD_USERS))
            return f"user:{key}"
        if key in ("channel", "channel_id") or (key == "id" and "channel" in path):
            holder[key] = copy.deepcopy(self.rng.choice(BAD_CHANNELS))
            return f"channel:{key}"
        if roll < 0.25 and isinstance(holder, dict):
            del holder[key]
            return f"drop:{key}"
        if roll < 0.35:
            holder[key] = [holder[key]]
            return f"listify:{key}"
        if roll < 0.5 and isinstance(holder[key], str):
            holder[key] = self.rng.choice(NUMBERS)
            return f"number:{key}"
        holder[key] = copy.deepcopy(self.rng.choice(JUNK))  # never share a junk object
        return f"junk:{key}"


def _paths(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    items = (
        obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    )
    found = []
    for key, value in items:
        found.append((*path, key))
        found += _paths(value, (*path, key))
    return found


def _holder(obj: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        obj = obj[key]
    return obj


def _flat(obj: dict[str, Any]) -> dict[str, str]:
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in obj.items()}


def _form(fields: dict[str, str], *, twice: bool = False) -> bytes:
    return urlencode(list(fields.items()) * (2 if twice else 1)).encode()


class Trouble(logging.Handler):
    """Every ERROR record and every record carrying a traceback, whatever logged it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.records.append(record)

    def lines(self) -> list[str]:
        return [
            f"{r.levelname} {r.name}: {r.getMessage()} {r.exc_info or ''}" for r in self.records
        ]


def _record(ws: LocalWorkspace) -> list[Delivery]:
    """Wrap the workspace's Slack side so each delivery it makes is kept."""
    recorded: list[Delivery] = []
    send = ws.slack.raw

    def raw(body: bytes, headers: dict[str, str]) -> Reply:
        recorded.append(Delivery(body, headers.get("Content-Type", FORM)))
        return send(body, headers)

    ws.slack.raw = raw  # type: ignore[method-assign]
    return recorded


def _click_everything(ws: LocalWorkspace) -> None:
    """Click every element of every message, home and modal the bot showed, then submit
    every modal those clicks opened with what it was prefilled with."""
    emulator = ws.emulator
    for person in PEOPLE:
        shown = [*emulator.messages_to(person), *emulator.ephemerals(person)]
        for message in shown:
            for _, element, _, action_id in iter_elements(message):
                if element.get("type") == "button":
                    value = element.get("value")
                    ws.slack.click(person, action_id, value=value, message=message)
        home = emulator.home(person)
        for _, element, _, action_id in iter_elements(home or {}):
            if element.get("type") == "button":
                ws.slack.click(person, action_id, value=element.get("value"), view=home)
    for channel in ("C0GOVERN", "C0LEADERS", "C0GENERAL"):
        for message in emulator.messages(channel):
            for _, element, _, action_id in iter_elements(message):
                if element.get("type") == "button":
                    value = element.get("value")
                    ws.slack.click("U0LEAD", action_id, value=value, message=message)
    settle(emulator, since=len(emulator.calls), quiet=0.3)
    for person in PEOPLE:
        for view in emulator.open_views(person):
            with contextlib.suppress(ValueError):  # Slack's client refuses an empty required field
                ws.slack.submit(person, view, {})


def _database(request: pytest.FixtureRequest, folder: Path) -> str:
    if request.param == "sqlite":
        path = folder / "fuzz.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    from tests.conftest import _truncate

    url = request.getfixturevalue("postgres_url")
    _truncate(url)
    return url


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)] if SOAK else ["sqlite"]


@pytest.fixture(scope="module", params=BACKENDS)
def played(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LocalWorkspace, list[Delivery]]]:
    """One workspace for the module, after the demo story and a click on everything."""
    folder = tmp_path_factory.mktemp("fuzz")
    url = _database(request, folder)
    clock = Clock(NOW)
    with LocalWorkspace(database_url=url, members=MEMBERS, now=clock, migrate=False) as ws:
        recorded = _record(ws)
        story = Story(ws, Console(file=io.StringIO()), files=write_files(folder), clock=clock)
        for scene in SCENES:
            scene(story)
        _click_everything(ws)
        del ws.slack.raw  # recorded: the fuzzer's own deliveries are not kept
        yield ws, recorded


def _deliver(ws: LocalWorkspace, recorded: list[Delivery], index: int) -> tuple[int, str]:
    body, content_type, how = Mutator(SEED + index).mutate(recorded[index % len(recorded)])
    timestamp = str(int(time.time()))
    headers = {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": ws.slack.sign(body, timestamp),
    }
    if content_type is not None:
        headers["Content-Type"] = content_type
    return ws.slack.raw(body, headers).status, how


def test_mutated_signed_payloads_never_get_a_5xx_nor_a_traceback(
    played: tuple[LocalWorkspace, list[Delivery]],
) -> None:
    ws, recorded = played
    kinds = Counter(d.content_type for d in recorded)
    assert len(recorded) >= 80 and kinds[JSON_TYPE] >= 5, kinds
    trouble = Trouble()
    logging.getLogger().addHandler(trouble)
    try:
        started, since = time.monotonic(), len(ws.emulator.calls)
        with ThreadPoolExecutor(SENDERS) as pool:
            answers = list(pool.map(lambda i: _deliver(ws, recorded, i), range(REQUESTS)))
        elapsed = time.monotonic() - started
        settle(ws.emulator, since=since, quiet=0.5)  # listeners still running log here too
    finally:
        logging.getLogger().removeHandler(trouble)
    statuses = Counter(status for status, _ in answers)
    failed = Counter(how for status, how in answers if status >= 500)
    print(f"fuzzed {REQUESTS} requests in {elapsed:.1f} s: {dict(statuses)}")
    assert len(answers) == REQUESTS
    assert failed == Counter(), failed.most_common(20)
    assert all(200 <= status < 500 for status in statuses), statuses
    assert not trouble.lines(), "\n".join(trouble.lines())
    # It still answers a normal request afterwards.
    before = len(ws.emulator.calls_of("response_url"))
    assert ws.slack.command("U0MEMBER", "help").status == 200
    helped = ws.emulator.wait_for(lambda _: ws.emulator.calls_of("response_url")[before:])
    assert "/aigov register" in helped[0].args["text"]


# ---- what the fuzzer found, one case each --------------------------------------------


def _told(ws: LocalWorkspace, user: str, words: str) -> list[Any]:
    """Wait for a reply to `user` (ephemeral, at a response_url or in their DM) with words."""

    def found(_: Any) -> list[Any]:
        texts = [c.args.get("text") or "" for c in ws.emulator.calls_of("response_url")]
        texts += [m.get("text") or "" for m in ws.emulator.ephemerals(user)]
        texts += [m.get("text") or "" for m in ws.emulator.messages_to(user) if m.get("bot_id")]
        return [t for t in texts if words in t]

    return ws.emulator.wait_for(found)


def test_a_form_that_cannot_open_is_told_to_the_person(ws: LocalWorkspace) -> None:
    # From a command: the answer comes ephemerally where it was typed.
    ws.emulator.fail_next("views.open", "expired_trigger_id")
    assert ws.slack.command("U0MARKET", "register").status == 200
    assert _told(ws, "U0MARKET", "couldn't open the form")
    # From the App Home button (no channel to answer in): a DM, through the outbox.
    ws.slack.open_home("U0MEMBER")
    home = ws.emulator.wait_for(lambda _: ws.emulator.home("U0MEMBER"))
    button = ws.slack.find_button(home, text="Register an initiative")
    ws.emulator.fail_next("views.open", "invalid_trigger_id")
    assert ws.slack.click("U0MEMBER", button["action_id"], view=home).status == 200
    assert _told(ws, "U0MEMBER", "couldn't open the form")
    assert not ws.emulator.open_views("U0MEMBER")


def test_a_twenty_digit_amount_is_a_field_error(ws: LocalWorkspace) -> None:
    ws.slack.command("U0MARKET", "register")
    modal = ws.emulator.wait_for(lambda _: ws.emulator.open_views("U0MARKET"))[-1]
    values = {"name": "Huge Bot", "department": "Ops", "budget_amount": "9" * 20}
    reply = ws.slack.submit("U0MARKET", modal, {**values, "budget_period": "quarter"})
    assert reply.status == 200 and reply.json["response_action"] == "errors"
    assert "too large" in reply.json["errors"]["budget_amount"]


def _modal(callback_id: str, metadata: str, block_id: str) -> dict[str, Any]:
    """A modal the bot never opened (no such view id), with one text input."""
    return {
        "id": "V0NEVERSEEN",
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "hash": "1.x",
        "blocks": [
            {
                "type": "input",
                "block_id": block_id,
                "label": {"type": "plain_text", "text": "Why"},
                "element": {"type": "plain_text_input", "action_id": block_id},
            }
        ],
    }


@pytest.mark.parametrize(
    "metadata",
    ["not json", '{"request_id": "x"}', "[1]", '{"request_id": 424242, "decision": "kill"}'],
)
def test_a_view_that_never_existed_is_refused_inline(ws: LocalWorkspace, metadata: str) -> None:
    view = _modal("review.decide", metadata, "rationale")
    reply = ws.slack.submit("U0LEAD", view, {"rationale": "because"})
    assert reply.status == 200 and reply.json["response_action"] == "errors"
    assert set(reply.json["errors"]) == {"rationale"}


def test_a_stale_date_form_is_refused_inline(ws: LocalWorkspace) -> None:
    # Snooze until…: a date field that is not a date, and metadata that is not ours.
    view = _modal("review.snooze", '{"cycle_id": "one"}', "until")
    reply = ws.slack.submit("U0SUPPORT", view, {"until": "next tuesday"})
    assert reply.status == 200 and reply.json["response_action"] == "errors"
    assert "not a date" in reply.json["errors"]["until"]


def test_a_command_with_the_word_payload_is_answered(ws: LocalWorkspace) -> None:
    # Bolt reads any form body holding "payload" as an interaction; the guard hands it the
    # command as it parsed.
    assert ws.slack.command("U0MEMBER", "help payload").status == 200
    assert _told(ws, "U0MEMBER", "/aigov register")


def test_socket_mode_acks_every_envelope(ws: LocalWorkspace) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.http.guard import AckEveryEnvelope

    handler = SocketModeHandler(ws.http.app, ws.emulator.app_token)
    handler.client.socket_mode_request_listeners[:] = [AckEveryEnvelope(ws.http.app)]
    handler.connect()
    try:
        slack = SlackUser(ws.emulator, socket_mode=True)
        deliver = ws.emulator.socket_mode.deliver
        # Refused by its shape, unhandled by Bolt (a 404), failing in a listener: all acked.
        assert deliver("interactive", {"type": "block_actions", "user": 7})[0]["envelope_id"]
        odd = {"type": "block_actions", "user": {"id": "U0MEMBER"}, "trigger_id": "1.2.3"}
        odd["actions"] = [{"action_id": "no.such.button", "block_id": "b", "value": "1"}]
        assert deliver("interactive", odd)[0]["envelope_id"]
        reply = slack.submit(
            "U0LEAD", _modal("review.decide", "[]", "rationale"), {"rationale": "x"}
        )
        assert reply.json["response_action"] == "errors"
        # And a normal command still works on the same connection.
        before = len(ws.emulator.calls_of("response_url"))
        slack.command("U0MEMBER", "help")
        ws.emulator.wait_for(lambda _: ws.emulator.calls_of("response_url")[before:])
    finally:
        handler.close()


def test_an_id_too_large_for_the_database_is_not_found(ws: LocalWorkspace) -> None:
    assert ws.slack.command("U0MEMBER", "show #" + "9" * 20).status == 200
    assert _told(ws, "U0MEMBER", "can't find an initiative")
