"""SlackEmulator: a local stand-in for the Slack Web API, response_urls and file uploads.

Point slack_sdk at it with `WebClient(token=emu.bot_token, base_url=emu.api_url)`.
It answers the way Slack does (HTTP 200 with `ok`, 429 with Retry-After), enforces
Block Kit limits and trigger-id expiry, and records every call for assertions.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import urlsplit

from bot.offline.emulator.recording import Call, CallLog
from bot.offline.emulator.responses import ResponseUrls
from bot.offline.emulator.socket_mode import SocketModeServer
from bot.offline.emulator.views import APP_ID, Triggers, ViewsApi
from bot.offline.emulator.webapi import WebApi
from bot.offline.emulator.wire import bearer_token, decode_json_fields, multipart_parts, parse_body
from bot.offline.emulator.workspace import GENERAL, ApiError, Workspace

log = logging.getLogger(__name__)
T = TypeVar("T")
# Shown every call any emulator records, as it is recorded (before a test can clear the
# log): tests/conftest.py checks each for user text that would ping or link.
OBSERVERS: list[Callable[[SlackEmulator, Call], None]] = []
Answer = tuple[int, dict[str, Any], dict[str, str]]


class SlackEmulator:
    def __init__(
        self,
        *,
        bot_token: str = "xoxb-emulator",
        app_token: str = "xapp-emulator",
        team_id: str = "T0AIGOV",
        bot_user_id: str = "U0AIGOVBOT",
        bot_id: str = "B0AIGOVBOT",
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self._now = now
        self._log = CallLog()
        self.ws = Workspace(team_id=team_id, bot_user_id=bot_user_id, bot_id=bot_id)
        self._triggers = Triggers(now)
        self._views = ViewsApi(self.ws, self._triggers)
        self._responses = ResponseUrls(self.ws, lambda: self.base_url)
        self._handlers = {
            **WebApi(self.ws, lambda: self.base_url).handlers(),
            **self._views.handlers(),
        }
        self._injected: dict[str, deque[tuple[str, Any]]] = {}
        self.socket_mode = SocketModeServer(APP_ID)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.ws.add_user(
            bot_user_id,
            name="aigov",
            real_name="AIGov",
            email=None,
            tz="UTC",
            deleted=False,
            is_bot=True,
        )
        self.ws.add_channel(GENERAL, name="general", members=[bot_user_id])

    # ---- lifecycle ------------------------------------------------------------------

    def start(self) -> SlackEmulator:
        if self._server is not None:  # `with SlackEmulator().start() as emu` starts once
            return self
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # A short poll interval keeps stop() (and so every test fixture) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="slack-emulator", daemon=True
        )
        self._thread.start()
        self.socket_mode.start()
        return self

    def stop(self) -> None:
        self.socket_mode.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("SlackEmulator is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def api_url(self) -> str:
        return self.base_url + "api/"  # ends with "/": slack_sdk joins with urljoin

    # ---- workspace directory --------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        real_name: str | None = None,
        email: str | None = None,
        tz: str = "America/New_York",
        deleted: bool = False,
        is_bot: bool = False,
    ) -> dict[str, Any]:
        with self._log.cond:
            return self.ws.add_user(
                user_id,
                name=name,
                real_name=real_name,
                email=email,
                tz=tz,
                deleted=deleted,
                is_bot=is_bot,
            )

    def deactivate(self, user_id: str) -> None:
        with self._log.cond:
            self.ws.user(user_id)["deleted"] = True

    def add_channel(self, channel_id: str, *, name: str, members: Iterable[str] = ()) -> None:
        with self._log.cond:
            self.ws.add_channel(channel_id, name=name, members=[*members, self.bot_user_id])

    def set_membership(self, channel_id: str, user_id: str, *, member: bool) -> None:
        """Someone joins or leaves a channel (SlackUser.join/leave also sends the event)."""
        with self._log.cond:
            members = self.ws.channels[channel_id]["members"]
            if member and user_id not in members:
                members.append(user_id)
            elif not member and user_id in members:
                members.remove(user_id)

    def add_usergroup(self, group_id: str, *, handle: str, users: Iterable[str]) -> None:
        with self._log.cond:
            self.ws.usergroups[group_id] = {"id": group_id, "handle": handle, "users": list(users)}

    # ---- test controls --------------------------------------------------------------

    def issue_trigger_id(self, user_id: str) -> str:
        with self._log.cond:
            return self._triggers.issue(user_id)

    def expire_triggers(self) -> None:
        with self._log.cond:
            self._triggers.expire_all()

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 2) -> None:
        with self._log.cond:
            self._injected.setdefault(method, deque()).extend(
                [("ratelimited", retry_after)] * times
            )

    def fail_next(self, method: str, error: str, *, times: int = 1) -> None:
        with self._log.cond:
            self._injected.setdefault(method, deque()).extend([("error", error)] * times)

    def new_response_url(self, *, channel: str, user: str, message_ts: str | None = None) -> str:
        with self._log.cond:
            return self._responses.new(channel=channel, user=user, message_ts=message_ts)

    # ---- recording ------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        return self._log.calls

    def calls_of(self, method: str) -> list[Call]:
        return self._log.of(method)

    def wait_for(self, predicate: Callable[[list[Call]], T], *, timeout: float = 5.0) -> T:
        return self._log.wait_for(predicate, timeout=timeout)

    def clear(self) -> None:
        self._log.clear()

    def record(
        self, method: str, args: dict[str, Any], response: dict[str, Any], status: int = 200
    ) -> Call:
        call = Call(method, args, response, status, self._now())
        self._log.append(call)
        for observe in OBSERVERS:
            observe(self, call)
        outcome = "ok" if response.get("ok") else response.get("error")
        log.debug("emulator %s -> %s %s", method, status, outcome)
        return call

    # ---- state accessors ------------------------------------------------------------

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Every message in a channel, oldest first, thread replies included."""
        with self._log.cond:
            return copy.deepcopy(self.ws.messages.get(channel, []))

    def dm_channel(self, user_id: str) -> str:
        with self._log.cond:
            return self.ws.dm_channel(user_id)

    def messages_to(self, user_id: str) -> list[dict[str, Any]]:
        return self.messages(self.dm_channel(user_id))

    def ephemerals(self, user_id: str) -> list[dict[str, Any]]:
        with self._log.cond:
            return copy.deepcopy(self.ws.ephemerals.get(user_id, []))

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        return self.ws.views

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        return self.ws.files

    def view(self, view_id: str) -> dict[str, Any] | None:
        """A copy of the current version of a view (newest hash and state)."""
        with self._log.cond:
            stored = self.ws.views.get(view_id)
            return copy.deepcopy(stored) if stored is not None else None

    def open_views(self, user_id: str) -> list[dict[str, Any]]:
        """The user's modal stack, top last."""
        with self._log.cond:
            return [copy.deepcopy(self.ws.views[v]) for v in self.ws.stacks.get(user_id, [])]

    def home(self, user_id: str) -> dict[str, Any] | None:
        with self._log.cond:
            view_id = self.ws.homes.get(user_id)
            return copy.deepcopy(self.ws.views[view_id]) if view_id else None

    # ---- the user's side of modals (used by SlackUser) ------------------------------

    def user_message(self, channel_id: str, user_id: str, text: str) -> dict[str, Any]:
        with self._log.cond:
            return copy.deepcopy(self.ws.post_as_user(channel_id, user_id, text))

    def set_view_state(self, view_id: str, values: dict[str, Any]) -> None:
        with self._log.cond:
            self.ws.views[view_id]["state"] = {"values": copy.deepcopy(values)}

    def close_view(self, user_id: str) -> None:
        with self._log.cond:
            self._views.close_top(user_id)

    def apply_response_action(self, user_id: str, ack: dict[str, Any]) -> list[str]:
        """Apply a view_submission ack to the user's stack; problems are recorded as a
        failed "response_action" call, since Slack would show the user an error."""
        with self._log.cond:
            problems = self._views.response_action(user_id, ack)
            if problems:
                self.record(
                    "response_action",
                    ack,
                    {"ok": False, "error": "invalid_arguments", "errors": problems},
                )
            return problems

    # ---- request handling (called from the HTTP threads) ----------------------------

    def handle_api(self, method: str, headers: Any, raw: bytes, query: str) -> Answer:
        try:
            args = decode_json_fields(
                {**parse_body(headers.get("Content-Type", ""), raw), **_query_args(query)}
            )
        except (ValueError, UnicodeDecodeError):
            args = {}
        token = bearer_token(headers.get("Authorization")) or args.get("token")
        args.pop("token", None)  # never recorded, never logged
        with self._log.cond:
            status, body, extra = self._answer(method, token, args)
            self.record(method, args, body, status)
        return status, body, extra

    def _answer(self, method: str, token: Any, args: dict[str, Any]) -> Answer:
        if method not in self._handlers and method != "apps.connections.open":
            return 200, {"ok": False, "error": "unknown_method"}, {}
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        # Socket Mode takes the app-level token, everything else the bot token.
        wanted = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != wanted:
            known = token in (self.app_token, self.bot_token)
            return (
                200,
                {"ok": False, "error": "not_allowed_token_type" if known else "invalid_auth"},
                {},
            )
        if method == "apps.connections.open":
            return 200, {"ok": True, "url": self.socket_mode.new_url()}, {}
        queue = self._injected.get(method)
        if queue:
            kind, value = queue.popleft()
            if kind == "ratelimited":
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(value)}
            return 200, {"ok": False, "error": value}, {}
        try:
            return 200, {"ok": True, **self._handlers[method](args)}, {}
        except ApiError as e:
            return 200, e.body(), {}

    def handle_response_url(self, token: str, raw: bytes) -> Answer:
        with self._log.cond:
            status, body, args = self._responses.post(token, raw)
            self.record("response_url", args, body, status)
        return status, body, {}

    def handle_upload(self, file_id: str, headers: Any, raw: bytes) -> tuple[int, bytes]:
        content_type = headers.get("Content-Type", "")
        if content_type.lower().startswith("multipart/form-data"):
            files = [v for _, v in multipart_parts(content_type, raw) if isinstance(v, bytes)]
            raw = files[0] if files else raw
        with self._log.cond:
            file = self.ws.files.get(file_id)
            status = 404 if file is None else 200
            if file is not None:
                file["bytes"] = raw
            self.record(
                "upload_url",
                {"file_id": file_id, "length": len(raw)},
                {"ok": file is not None},
                status,
            )
        return status, (f"OK - {len(raw)}" if file else "file_not_found").encode()


def _query_args(query: str) -> dict[str, str]:
    return parse_body("application/x-www-form-urlencoded", query.encode()) if query else {}


def _handler_for(emulator: SlackEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            url = urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = url.path.strip("/").split("/")
            if len(parts) == 2 and parts[0] == "api":
                self._json(*emulator.handle_api(parts[1], self.headers, raw, url.query))
            elif len(parts) == 2 and parts[0] == "response":
                self._json(*emulator.handle_response_url(parts[1], raw))
            elif len(parts) == 2 and parts[0] == "upload":
                status, body = emulator.handle_upload(parts[1], self.headers, raw)
                self._send(status, body, "text/plain; charset=utf-8", {})
            else:
                self._json(404, {"ok": False, "error": "not_found"}, {})

        do_GET = do_POST  # Slack accepts GET with query arguments too

        def _json(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
            data = json.dumps(body).encode("utf-8")
            self._send(status, data, "application/json; charset=utf-8", headers)

        def _send(self, status: int, data: bytes, kind: str, headers: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            # The request line may carry a query string; only the path is safe to log.
            log.debug("emulator HTTP %s", urlsplit(self.path).path)

    return Handler
