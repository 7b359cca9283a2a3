"""Socket Mode, as Slack runs it: `apps.connections.open` (with the app-level token) hands
out a one-time WebSocket URL; on connect Slack says `hello`; each delivery is an envelope
(`slash_commands`, `interactive`, `events_api`) that the app acknowledges by sending back
its `envelope_id`, with the response payload where Slack accepts one.

Slack's endpoint is wss:// on port 443; this one is plain ws:// on a loopback port, which
slack_sdk's built-in client connects to without TLS.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

if TYPE_CHECKING:
    # websockets loads when the endpoint starts: the emulator's HTTP side (tests, the
    # demo) does without it.
    from websockets.sync.server import Server, ServerConnection

ACK_TIMEOUT = 10.0  # how long a delivery waits for the app's acknowledgement
CONNECT_TIMEOUT = 10.0  # how long a delivery waits for the app to be connected


class NotConnected(RuntimeError):
    """No app is connected over Socket Mode (or it did not acknowledge in time)."""


@dataclass
class _State:
    tickets: set[str] = field(default_factory=set)
    connections: list[ServerConnection] = field(default_factory=list)
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)
    opened: int = 0  # connections ever accepted (a reconnect counts again)


class SocketModeServer:
    """The emulator's Socket Mode endpoint: one-time URLs, hello, envelopes and acks."""

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self._state = _State()
        self._cond = threading.Condition()
        self._server: Server | None = None

    # ---- lifecycle ------------------------------------------------------------------

    def start(self) -> SocketModeServer:
        from websockets.sync.server import serve

        # No server pings: the client pings (every few seconds) and gets pongs.
        # Its "server listening" lines are noise in the console and the demo.
        quiet = logging.getLogger("aigov.emulator.socket_mode")
        quiet.setLevel(logging.WARNING)
        self._server = serve(
            self._serve, "127.0.0.1", 0, ping_interval=None, compression=None, logger=quiet
        )
        threading.Thread(
            target=self._server.serve_forever, name="slack-socket-mode", daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("Socket Mode is not started")
        return int(self._server.socket.getsockname()[1])

    # ---- what apps.connections.open answers -----------------------------------------

    def new_url(self) -> str:
        ticket = str(uuid.uuid4())
        with self._cond:
            self._state.tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    # ---- the connection -------------------------------------------------------------

    def _serve(self, connection: ServerConnection) -> None:
        from websockets.exceptions import ConnectionClosed

        query = parse_qs(urlparse(connection.request.path if connection.request else "").query)
        ticket = (query.get("ticket") or [""])[0]
        with self._cond:
            valid = ticket in self._state.tickets
            self._state.tickets.discard(ticket)  # a URL is good for one connection
        if not valid:
            connection.close(code=1008, reason="invalid ticket")
            return
        connection.send(json.dumps(self._hello()))
        with self._cond:
            self._state.connections.append(connection)
            self._state.opened += 1
            self._cond.notify_all()
        try:
            for message in connection:
                self._acknowledged(message)
        except ConnectionClosed:
            pass
        finally:
            with self._cond:
                self._state.connections.remove(connection)
                self._cond.notify_all()

    def _hello(self) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": len(self._state.connections) + 1,
            "debug_info": {"host": "emulator", "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }

    def _acknowledged(self, message: str | bytes) -> None:
        try:
            ack = json.loads(message)
        except ValueError:
            return
        if isinstance(ack, dict) and isinstance(ack.get("envelope_id"), str):
            with self._cond:
                self._state.acks[ack["envelope_id"]] = ack
                self._cond.notify_all()

    # ---- deliveries -----------------------------------------------------------------

    @property
    def connected(self) -> int:
        with self._cond:
            return len(self._state.connections)

    @property
    def opened(self) -> int:
        with self._cond:
            return self._state.opened

    def wait_connected(self, timeout: float = CONNECT_TIMEOUT) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._state.connections, timeout=timeout):
                raise NotConnected("no app connected over Socket Mode")

    def deliver(
        self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0, retry_reason: str = ""
    ) -> tuple[dict[str, Any], float]:
        """Send one envelope to a connected app; (its ack, seconds until it came)."""
        self.wait_connected()
        envelope_id = secrets.token_hex(16)
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
        }
        if kind == "events_api":
            envelope.update({"retry_attempt": retry_attempt, "retry_reason": retry_reason})
        with self._cond:
            connection = self._state.connections[-1]  # the newest, as after a refresh
        started = time.perf_counter()
        connection.send(json.dumps(envelope))
        with self._cond:
            if not self._cond.wait_for(
                lambda: envelope_id in self._state.acks, timeout=ACK_TIMEOUT
            ):
                raise NotConnected(f"no acknowledgement for a {kind} envelope")
            ack = self._state.acks.pop(envelope_id)
        return ack, time.perf_counter() - started

    def wait_opened(self, count: int, timeout: float = CONNECT_TIMEOUT) -> None:
        """Until `count` connections have ever been accepted (a reconnect counts)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._state.opened >= count, timeout=timeout):
                raise NotConnected(f"fewer than {count} Socket Mode connections were opened")

    def refresh(self, *, grace: float = 10.0) -> None:
        """What Slack does every few hours: tell each connection to reconnect (a
        `disconnect` message, reason `refresh_requested`), then close it once the app
        has opened a new one, or after `grace` seconds."""
        with self._cond:
            old, opened = list(self._state.connections), self._state.opened
        notice = {
            "type": "disconnect",
            "reason": "refresh_requested",
            "debug_info": {"host": "emulator"},
        }
        for connection in old:
            connection.send(json.dumps(notice))

        def close_old() -> None:
            with self._cond:
                self._cond.wait_for(lambda: self._state.opened > opened, timeout=grace)
            for connection in old:
                connection.close(code=1001, reason="refresh requested")

        threading.Thread(target=close_old, name="socket-mode-refresh", daemon=True).start()
