"""`aigov` starts at once: listing help imports no database, Slack, chart or emulator
code, `settings show` touches the database but never Slack's app side, and every command
the help lists can be loaded (a wrong lazy import path fails here, not in production)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent

# Runs `aigov ARGS...` in a fresh interpreter, then prints the top-level packages and
# the bot.offline modules it imported (one per line).
SCRIPT = """
import sys
from bot.cli import main
try:
    main(sys.argv[1:], prog_name="aigov", standalone_mode=False)
finally:
    sys.stdout.flush()
    names = {m.split(".")[0] for m in sys.modules}
    names |= {m for m in sys.modules if m.startswith("bot.offline")}
    print("\\n--modules--\\n" + "\\n".join(sorted(names)))
"""

HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "slack_bolt",
    "slack_sdk",
    "matplotlib",
    "websockets",
    "bot.offline",
)
SLACK_APP_SIDE = ("slack_bolt", "slack_sdk", "matplotlib", "websockets", "bot.offline")


def _imported(tmp_path: Path, *args: str) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "AIGOV_"))}
    env["AIGOV_DATABASE_URL"] = f"sqlite:///{tmp_path / 'aigov.db'}"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        cwd=tmp_path,  # no stray .env
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    _output, _sep, modules = done.stdout.partition("\n--modules--\n")
    return set(modules.split())


@pytest.mark.parametrize("args", [["--help"], ["import", "--help"]])
def test_listing_help_imports_nothing_heavy(tmp_path: Path, args: list[str]) -> None:
    assert sorted(set(HEAVY) & _imported(tmp_path, *args)) == []


def test_settings_show_never_loads_the_slack_app_side(tmp_path: Path) -> None:
    first = _imported(tmp_path, "settings", "show")
    assert "sqlalchemy" in first  # it did read the database
    assert "alembic" in first  # a new database is migrated first
    assert sorted(set(SLACK_APP_SIDE) & first) == []
    again = _imported(tmp_path, "settings", "show")  # now at the head revision
    assert sorted({"alembic", *SLACK_APP_SIDE} & again) == []


def _listed(help_text: str) -> list[str]:
    """The command names of a help page's "Commands:" section."""
    _before, _sep, section = help_text.partition("\nCommands:\n")
    return [line.split()[0] for line in section.splitlines() if line.startswith("  ")]


def test_every_listed_command_loads_and_shows_its_help() -> None:
    """Walks `aigov --help` down every group: each command's own --help exits 0."""
    todo: list[tuple[str, ...]] = [()]
    seen: list[tuple[str, ...]] = []
    while todo:
        path = todo.pop()
        result = CliRunner().invoke(main, [*path, "--help"], prog_name="aigov")
        assert result.exit_code == 0, (path, result.output, result.exception)
        assert f"Usage: aigov {' '.join(path)}".rstrip() in result.output
        seen.append(path)
        todo.extend((*path, name) for name in _listed(result.output))
    top = {path[0] for path in seen if path}
    expected = "alerts ask console cycle db demo export focus import report serve settings"
    assert top == set(expected.split())
    assert ("import", "focus") in seen and ("focus", "map", "add") in seen
