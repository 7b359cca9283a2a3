"""`aigov demo`: the aigov story, played against the built-in Slack emulator.

No Slack is needed: a LocalWorkspace runs the real app over signed HTTP, every person's
action goes through `ws.slack` exactly as Slack would send it, and what they see is
read back from `ws.emulator` and printed as a conversation. The clock starts at a fixed
moment (Monday Nov 16, 2026) and only scenes move it, so every run tells the same story.

The story is a list of scenes (`SCENES`), small functions taking a `Story`
(story.py): the inventory (scenes.py), then a year of costs and outcomes (figures.py,
from the files data.py writes), then the Q3 review from the prompts to the portfolio
report (review.py), with the clock moving on two weeks, then November's costs and the
budget alerts they raise (alerts.py), and last the spend questions people ask in Slack
(questions.py). Add a scene to tell more.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.table import Table

from bot.offline.demo import alerts, figures, questions, review, scenes
from bot.offline.demo.data import NOW, write_files
from bot.offline.demo.story import MEMBERS, Clock, Story, sentence
from bot.offline.local import LocalWorkspace
from templates import tables
from workflows.core import settings as settings_flow
from workflows.inventory import inventory

DEMO_ACTOR = "demo"  # who the kept database's settings were set by (the audit log)

SCENES: list[Callable[[Story], None]] = [
    scenes.setup,
    scenes.support_registers,
    scenes.finance_fixes_a_typo,
    scenes.marketing_and_sales_register,
    scenes.sprawl_warning,
    scenes.inventory_lists,
    scenes.figures_by_role,
    scenes.owner_edits,
    scenes.owner_home,
    *figures.SCENES,
    *review.SCENES,
    *alerts.SCENES,
    *questions.SCENES,
]


def summary(story: Story) -> None:
    story.scene("summary")
    with story.ws.db.read() as session:
        rows = inventory.list_initiatives(session)
    story.out.print(sentence("registered", len(rows)))
    story.output([sentence("initiative_line", r.name, r.department, r.stage) for r in rows])
    figures.figures_summary(story)
    review.review_summary(story)
    alerts.alerts_summary(story)
    calls = Counter(call.method for call in story.ws.emulator.calls)
    table = Table(*tables("demo.j2").CALLS_COLUMNS, box=None, title=None)
    for method, count in sorted(calls.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(method, str(count))
    story.out.print(sentence("slack_calls", sum(calls.values())))
    story.out.print(table)


def _kept(keep: str) -> tuple[str, Path]:
    """The kept database's URL and the folder for the files it imports."""
    path = Path(keep).expanduser().resolve()
    folder = path.with_name(f"{path.stem}-files")
    for taken in (path, folder):
        if taken.exists():
            raise SystemExit(sentence("keep_exists", taken))
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}", folder


def keep_people(ws: LocalWorkspace) -> None:
    """Write into the database what the story held only in this process, so the kept
    file answers as the demo did: the roles it gave by environment (admins, leaders)
    become settings, and every member is looked up as the bot does (users.info), which
    fills the directory that `aigov console --database` rebuilds its workspace from."""
    ws.rt.directory.refresh(m.user_id for m in MEMBERS)
    with ws.db.write() as session:
        for key, ids in (("admins", ws.admins), ("leaders", ws.leaders)):
            stored = settings_flow.get(session, key)
            text = ",".join(dict.fromkeys([*stored, *ids]))
            settings_flow.put(session, key=key, text=text, actor=DEMO_ACTOR, source="demo")


def run_demo(*, keep: str | None = None, out: TextIO | None = None) -> None:
    """Play the story and print it; `keep` keeps the demo database at that path (and the
    files it imported in a folder beside it)."""
    console = Console(
        file=out or sys.stdout, markup=False, highlight=False, soft_wrap=True, emoji=True
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migrating a fresh file is no news
    logging.getLogger("aigov.cycles").setLevel(logging.WARNING)  # the story tells what it did
    with tempfile.TemporaryDirectory(prefix="aigov-demo-") as tmp:
        url, folder = (f"sqlite:///{tmp}/aigov-demo.db", Path(tmp)) if keep is None else _kept(keep)
        files = write_files(folder)
        clock = Clock(NOW)
        with LocalWorkspace(database_url=url, members=MEMBERS, now=clock) as ws:
            with ws.db.read() as session:
                quarter = settings_flow.calendar(session).quarter_of(ws.rt.today())
            console.print(sentence("intro", NOW.strftime("%a %Y-%m-%d %H:%M UTC"), quarter.describe()))
            story = Story(ws, console, files=files, clock=clock)
            for scene in SCENES:
                scene(story)
            summary(story)
            review.save_report(story, folder)
            if keep is not None:
                keep_people(ws)
        if keep is not None:
            console.print(sentence("kept", url, folder))
            console.print(sentence("kept_people", url, list(ws.admins), list(ws.leaders)))
