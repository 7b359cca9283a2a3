"""The HTTP front door: `POST /slack/events`, `GET /healthz`, `GET /metrics`.

A small WSGI app served by waitress (a production WSGI server, not Bolt's development
one). Signatures are checked here first (bot.http.signature), then the request goes to Bolt.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from slack_bolt import App

from bot.http import guard, health
from bot.http.metrics import CONTENT_TYPE, Metrics
from bot.http.signature import verify
from storage.db import Database
from storage.models import utcnow

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("aigov.server")
MAX_BODY_BYTES = 1_000_000
StartResponse = Callable[..., Any]


class SlackHTTP:
    """The WSGI application."""

    def __init__(
        self,
        app: App,
        *,
        signing_secret: str,
        db: Database,
        clock: Callable[[], float] = time.time,
        runtime: Runtime | None = None,
    ) -> None:
        self.app = app
        self.signing_secret = signing_secret
        self.db = db
        self.clock = clock
        # The bot's clock (outbox rows are stamped with it) and its sender's counts.
        self.now = runtime.now if runtime is not None else utcnow
        sends = runtime.sender.counts if runtime is not None else None
        self.metrics = Metrics(db=db, now=self.now, sends=sends)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/slack/events" and method == "POST":
            return self._slack(environ, start_response)
        if path == "/healthz" and method in ("GET", "HEAD"):
            return self._health(start_response)
        if path == "/metrics" and method == "GET":
            return _reply(start_response, 200, self.metrics.render(), CONTENT_TYPE)
        return _reply(start_response, 404, '{"error":"not_found"}')

    def _slack(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        body = _read_body(environ)
        if body is None:
            self.metrics.observe("too_large", time.perf_counter() - started)
            return _reply(start_response, 413, '{"error":"too_large"}')
        headers = _headers(environ)
        ok = verify(
            self.signing_secret,
            timestamp=headers.get("x-slack-request-timestamp"),
            signature=headers.get("x-slack-signature"),
            body=body,
            now=self.clock(),
        )
        if not ok:
            # Never log the body: it may hold user text and tokens.
            log.warning("refused a request with a bad or stale signature (%d bytes)", len(body))
            self.metrics.observe("bad_signature", time.perf_counter() - started)
            return _reply(start_response, 401, '{"error":"invalid_signature"}')
        checked = guard.check(body, headers.get("content-type"))
        if checked.reason is not None:
            guard.refused("HTTP", checked.reason)  # the reason only: never the body
            self.metrics.observe("bad_request", time.perf_counter() - started)
            return _reply(start_response, 400, '{"error":"bad_request"}')
        response = guard.dispatch(
            self.app,
            checked,
            raw=body.decode("utf-8"),
            query=parse_qs(environ.get("QUERY_STRING", "")),
            headers={k: [v] for k, v in headers.items()},
        )
        self.metrics.observe(str(response.status), time.perf_counter() - started)
        extra = [
            (k, v)
            for k, values in response.headers.items()
            for v in values
            if k.lower() != "content-length"
        ]
        payload = response.body.encode("utf-8") if isinstance(response.body, str) else response.body
        start_response(_status(response.status), [*extra, ("Content-Length", str(len(payload)))])
        return [payload]

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        code, body = health.check(self.db, self.now)
        return _reply(start_response, code, json.dumps(body, separators=(",", ":")))


def _read_body(environ: dict[str, Any]) -> bytes | None:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return None
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = value
    if "CONTENT_TYPE" in environ:
        headers["content-type"] = environ["CONTENT_TYPE"]
    return headers


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    413: "Payload Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _status(code: int) -> str:
    return f"{code} {_REASONS.get(code, 'Status')}"


def _reply(
    start_response: StartResponse, code: int, body: str, content_type: str = "application/json"
) -> list[bytes]:
    payload = body.encode("utf-8")
    start_response(
        _status(code), [("Content-Type", content_type), ("Content-Length", str(len(payload)))]
    )
    return [payload]


def serve(wsgi: SlackHTTP, *, host: str = "0.0.0.0", port: int = 3000, threads: int = 8) -> Any:
    """A waitress server for `wsgi` (call `.run()`; `.close()` stops it)."""
    from waitress.server import create_server

    return create_server(
        wsgi,
        host=host,
        port=port,
        threads=threads,
        ident="aigov",
        clear_untrusted_proxy_headers=True,
    )
