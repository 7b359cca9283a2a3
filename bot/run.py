"""`aigov serve`: migrate, build the app, and serve it over HTTP or Socket Mode."""

from __future__ import annotations

import logging
import signal
import threading

import click
from slack_bolt import App

from bot.app import build_app
from bot.config import Settings
from bot.http.guard import AckEveryEnvelope
from bot.http.server import SlackHTTP, serve
from bot.logs import configure_logging
from bot.runtime import Runtime, web_client
from bot.schedule.scheduler import start_scheduler
from storage.db import Database
from storage.migrate import pending, upgrade
from templates import say

log = logging.getLogger("aigov")


def run(settings: Settings, *, host: str, port: int, socket_mode: bool) -> None:
    secrets = tuple(
        s
        for s in (settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token)
        if s
    )
    configure_logging(logging.INFO, secrets=secrets)
    db = Database(settings.database_url, setting_defaults=settings.setting_defaults())
    todo = pending(db)
    if todo:
        upgrade(db)
        log.info("applied migrations %s", ", ".join(todo))
    rt = Runtime(settings=settings, db=db, client=web_client(settings))
    app = build_app(rt)
    rt.start_outbox()
    rt.warm_questions()
    scheduler = start_scheduler(rt)
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    try:
        if socket_mode:
            _socket_mode(app, settings, stopping, host=host, port=port)
        else:
            _http(app, settings, rt, stopping, host=host, port=port)
    finally:
        scheduler.shutdown(wait=False)
        rt.drain()
        db.dispose()
        log.info("stopped")


def _http(
    app: App,
    settings: Settings,
    rt: Runtime,
    stopping: threading.Event,
    *,
    host: str,
    port: int,
) -> None:
    """Serve POST /slack/events (and /healthz, /metrics) until a signal stops it."""
    server = serve(
        SlackHTTP(app, signing_secret=settings.slack_signing_secret or "", db=rt.db, runtime=rt),
        host=host,
        port=port,
    )
    click.echo(say("serve.j2", "listening", host, port, "http", plain=True))
    try:
        # Short rounds, so a signal stops the loop between selects, never inside one.
        while not stopping.is_set():
            server.asyncore.loop(timeout=0.5, map=server._map, count=1)
    finally:
        server.close()
        server.task_dispatcher.shutdown()


def _socket_mode(
    app: App, settings: Settings, stopping: threading.Event, *, host: str, port: int
) -> None:
    """Connect over Socket Mode (slack_sdk reconnects on its own) until a signal stops it."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, settings.slack_app_token)
    # Bolt's own listener leaves an envelope un-acked when the app fails or refuses it
    # (Slack then redelivers it); this one checks its shape and acks every envelope.
    handler.client.socket_mode_request_listeners[:] = [AckEveryEnvelope(app)]
    handler.connect()
    click.echo(say("serve.j2", "listening", host, port, "socket", plain=True))
    try:
        while not stopping.wait(0.5):  # short waits: the signal handler runs between them
            pass
    finally:
        handler.close()
