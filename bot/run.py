"""`aigov serve`: migrate, build the app, and serve it over HTTP or Socket Mode."""

from __future__ import annotations

import logging
import signal

import click

from bot.app import build_app
from bot.config import Settings
from bot.logs import configure_logging
from bot.runtime import Runtime, web_client
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
    db = Database(settings.database_url)
    todo = pending(db)
    if todo:
        upgrade(db)
        log.info("applied migrations %s", ", ".join(todo))
    rt = Runtime(settings=settings, db=db, client=web_client(settings))
    app = build_app(rt)
    if socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        click.echo(say("serve.j2", "listening", host, port, "socket", plain=True))
        SocketModeHandler(app, settings.slack_app_token).start()
        return
    server = serve(
        SlackHTTP(app, signing_secret=settings.slack_signing_secret or "", db=db),
        host=host,
        port=port,
    )
    signal.signal(signal.SIGTERM, lambda *_: server.close())
    click.echo(say("serve.j2", "listening", host, port, "http", plain=True))
    try:
        server.run()
    finally:
        rt.drain()
        db.dispose()
