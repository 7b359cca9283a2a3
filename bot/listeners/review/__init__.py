"""Quarterly reviews in Slack, one module per step:

    report.py   an owner presses Report on their prompt, fills the modal, submits it
    decide.py   a leader clicks Continue / Scale / Fix / Kill on a card and says why
    chase.py    Snooze a day, Snooze until…, I'm away…, Delegate… (and their modals)
"""

from __future__ import annotations

from bot.listeners import Route
from bot.listeners.review import chase, decide, report

LISTENERS: tuple[Route, ...] = (*report.LISTENERS, *decide.LISTENERS, *chase.LISTENERS)
