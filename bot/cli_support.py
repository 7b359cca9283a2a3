"""Shared by CLI commands: the database, opened and migrated."""

from __future__ import annotations

from bot.config import Settings
from storage.db import Database
from storage.migrate import upgrade


def open_database(settings: Settings | None = None) -> Database:
    """The configured database with pending migrations applied."""
    database = Database((settings or Settings()).database_url)
    upgrade(database)
    return database
