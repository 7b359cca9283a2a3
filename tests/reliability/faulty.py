"""A faulty front for the Slack emulator: a real HTTP server that forwards every Web API
call to the emulator, or answers chosen methods with a real HTTP 500 while `down` says
so: a JSON 500 and an HTML 503 in turn (Slack having a bad day, as the bot's HTTP client
sees it)."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FORWARDED = ("Authorization", "Content-Type")
OUTAGE_JSON = b'{"ok":false,"error":"internal_error"}'
OUTAGE_HTML = b"<html><body><h1>503 Service Unavailable</h1></body></html>"


class FaultyFront:
    def __init__(self, upstream: str, *, methods: tuple[str, ...] = ("chat.postMessage",)) -> None:
        self.upstream = upstream.rstrip("/")
        self.methods = methods
        self.down = False
        self.refused = 0  # calls answered 500
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    @contextmanager
    def running(self) -> Iterator[FaultyFront]:
        thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        front = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if front.down and self.path.rsplit("/", 1)[-1] in front.methods:
                    front.refused += 1
                    if front.refused % 2:  # Slack's API answer, then its edge's error page
                        return self._answer(500, {"Content-Type": "application/json"}, OUTAGE_JSON)
                    return self._answer(503, {"Content-Type": "text/html"}, OUTAGE_HTML)
                headers = {k: self.headers[k] for k in FORWARDED if self.headers.get(k)}
                url = front.upstream + self.path[len("/api") :]
                request = urllib.request.Request(url, data=body, headers=headers, method="POST")
                try:
                    with urllib.request.urlopen(request, timeout=10) as reply:
                        status, raw, got = reply.status, reply.read(), reply.headers
                except urllib.error.HTTPError as exc:  # a 429 from the emulator, passed on
                    status, raw, got = exc.code, exc.read(), exc.headers
                keep = {k: v for k, v in got.items() if k in ("Content-Type", "Retry-After")}
                self._answer(status, keep, raw)

            def _answer(self, status: int, headers: dict[str, str], raw: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *_args: object) -> None:  # quiet: the test reads calls
                pass

        return Handler
