"""Schema migrations, applied with Alembic from code (no alembic.ini needed)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from storage.db import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Apply pending migrations."""
    from alembic import command

    config = alembic_config(db.url)
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def pending(db: Database) -> list[str]:
    """Revisions not yet applied, oldest first."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(db.url))
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    todo = []
    for rev in script.walk_revisions():
        if rev.revision in current:
            break
        todo.append(rev.revision)
    return list(reversed(todo))


_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*(?:\"([^\"]*)\"|None)\s*$", re.M)


@cache
def head_revision() -> str | None:
    """The newest revision, read from the migration files' `revision` and
    `down_revision` lines (Alembic's own format), without importing Alembic; None when
    the files do not read as one straight line of revisions."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict((key, value or None) for key, value in _REVISION.findall(path.read_text()))
        if "revision" not in found:
            return None
        revisions.add(found["revision"])
        if found.get("down_revision"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 else None


def upgrade_if_needed(db: Database) -> None:
    """Migrate unless the database is already at the head revision: commands that only
    read a current database (`aigov settings show`) then never load Alembic."""
    head = head_revision()
    with db.engine.connect() as conn:
        if head and inspect(conn).has_table("alembic_version"):
            current = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
            if current == {head}:
                return
    upgrade(db)
