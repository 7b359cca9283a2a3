"""`aigov serve`: migrate, build the app, and serve it over HTTP or Socket Mode."""

from __future__ import annotations

import logging
import signal
import threading

import click

from bot.app import build_app
from bot.config import Settings
from bot.logs import configure_logging
from bot.runtime import Runtime, web_client
from bot.scheduler import start_scheduler
from bot.server import SlackHTTP, serve
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
    scheduler = start_scheduler(rt)
    if socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        click.echo(say("serve.j2", "listening", host, port, "socket", plain=True))
        try:
            SocketModeHandler(app, settings.slack_app_token).start()
        finally:
            scheduler.shutdown(wait=False)
            rt.drain()
        return
    server = serve(
        SlackHTTP(app, signing_secret=settings.slack_signing_secret or "", db=db),
        host=host,
        port=port,
    )
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    click.echo(say("serve.j2", "listening", host, port, "http", plain=True))
    try:
        # Short rounds, so a signal stops the loop between selects, never inside one.
        while not stopping.is_set():
            server.asyncore.loop(timeout=0.5, map=server._map, count=1)
    finally:
        scheduler.shutdown(wait=False)
        server.close()
        server.task_dispatcher.shutdown()
        rt.drain()
        db.dispose()
        log.info("stopped")
