"""Workspaces several test modules start from: one pilot with a budget, the governance
channel set."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from bot.offline.local import LocalWorkspace
from workflows.core import settings as ws_settings
from workflows.inventory import inventory

GOVERN = "C0GOVERN"
OWNER, ADMIN = "U0SUPPORT", "U0ADMIN"


@contextmanager
def support_assistant(
    database_url: str,
    *,
    now: datetime,
    budget: str = "10,000",
    governance_members: list[str] | None = None,
) -> Iterator[LocalWorkspace]:
    """A running workspace with *Support Assistant* (Support's pilot, `budget` a quarter)
    and the governance channel set (with these members only, when given)."""
    with LocalWorkspace(database_url=database_url, migrate=False, now=lambda: now) as workspace:
        if governance_members is not None:
            workspace.emulator.add_channel(GOVERN, name="ai-governance", members=governance_members)
        with workspace.db.write() as s:
            ws_settings.put(s, key="governance_channel", text=GOVERN, actor=ADMIN)
            inventory.register(
                s,
                raw={
                    "name": "Support Assistant",
                    "department": "Support",
                    "owner": OWNER,
                    "stage": "pilot",
                    "budget_amount": budget,
                    "budget_period": "quarter",
                },
                actor=ADMIN,
                resolve_user=lambda u: u,
            )
        yield workspace
