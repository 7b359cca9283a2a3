"""The house rules, checked: dependencies point bot -> workflows -> storage, `aigov serve`
never imports the offline world, every DM and channel post goes through the outbox, and
no SQL sits in listeners, views or renderers."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports count too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def _offenders(folders: tuple[str, ...], banned: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for folder in folders
        for path in _modules(folder)
        for name in sorted(_imports(path))
        if name.split(".")[0] in banned or name.startswith(tuple(b + "." for b in banned))
    ]


def test_dependencies_point_one_way() -> None:
    assert _offenders(("storage",), ("bot", "workflows", "slack_sdk", "slack_bolt")) == []
    assert _offenders(("workflows",), ("bot", "slack_sdk", "slack_bolt")) == []


def test_the_slack_runtime_never_imports_the_offline_world(tmp_path: Path) -> None:
    """`aigov serve` builds the runtime and the app (every listener, renderer and job);
    none of that may pull in the emulator, the console or the demo."""
    script = """
import sys
from bot.app import build_app
from bot.config import Settings
from bot.runtime import Runtime, web_client
from bot.schedule import jobs, scheduler
import bot.run, bot.http.server
from storage.db import Database
url = sys.argv[1]
settings = Settings(slack_bot_token="xoxb-test", slack_signing_secret="s", database_url=url)
rt = Runtime(settings=settings, db=Database(url), client=web_client(settings))
build_app(rt, token_verification=False)
print(",".join(sorted(m for m in sys.modules if m.startswith("bot.offline") or m == "websockets")))
"""
    done = subprocess.run(
        [sys.executable, "-c", script, f"sqlite:///{tmp_path / 'aigov.db'}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def _lines_matching(pattern: str, folders: tuple[str, ...]) -> list[str]:
    regex = re.compile(pattern)
    return [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in folders
        for path in _modules(folder)
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if regex.search(line)
    ]


def test_every_post_and_upload_goes_through_the_outbox_sender() -> None:
    hits = _lines_matching(r"chat_postMessage|files_upload", ("bot",))
    allowed = ("bot/outbox/sender.py", "bot/offline/emulator/")
    assert [h for h in hits if not h.startswith(allowed)] == []


@pytest.mark.parametrize("folder", ["bot/listeners", "bot/views", "bot/outbox"])
def test_no_sql_on_the_slack_side(folder: str) -> None:
    assert _lines_matching(r"select\(|session\.exec\(", (folder,)) == []


def test_listeners_are_short_module_level_functions_on_enum_matchers() -> None:
    """Every registered handler is a module-level function of at most 30 lines, and every
    action or view it answers is named by an Action or Callback member."""
    import inspect

    from bot.ids import Action, Callback
    from bot.listeners import modules

    slack_names = {
        "/aigov",
        "message",
        "app_mention",
        "app_home_opened",
        "member_joined_channel",
        "member_left_channel",
    }
    enum_values = {*Action, *Callback}
    for module in modules():
        for kind, matcher, handler in module.LISTENERS:
            lines, _start = inspect.getsourcelines(handler)
            assert handler.__qualname__ == handler.__name__, handler  # not a closure
            assert len(lines) <= 30, f"{handler.__module__}.{handler.__name__}: {len(lines)}"
            if isinstance(matcher, str):
                assert matcher in enum_values or matcher in slack_names, (kind, matcher)
            else:  # a pattern: built from an Action member
                assert any(re.escape(a) in matcher.pattern for a in Action), matcher.pattern
