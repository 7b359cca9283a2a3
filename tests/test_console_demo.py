"""`aigov demo` and `aigov console`: the transcript people read, on SQLite only."""

from __future__ import annotations

import io
from pathlib import Path

from bot.console import run_console
from bot.demo import run_demo
from storage.db import Database
from workflows import inventory


def between(text: str, start: str, end: str) -> str:
    """The part of a transcript from `start` up to the next `end`."""
    head = text.index(start)
    tail = text.find(end, head + len(start))
    return text[head : tail if tail >= 0 else len(text)]


def test_demo_tells_the_inventory_story(tmp_path: Path) -> None:
    out = io.StringIO()
    kept = tmp_path / "demo.db"
    run_demo(keep=str(kept), out=out)
    text = out.getvalue()

    # Registrations, through the modal, each confirmed in a DM.
    for name, owner in (
        ("Customer Support Assistant", "sam"),
        ("Invoice Extraction", "fin"),
        ("Campaign Copy Writer", "maya"),
        ("Sales Call Summaries", "sara"),
        ("Customer Service Chatbot", "maya"),
    ):
        assert f"aigov → {owner} (DM):" in text
        assert f"Registered *{name}*" in text
    assert "sam (Support) types: /aigov register" in text
    assert "aigov opens a modal:" in text and "(1) Name [plain_text_input]" in text

    # The typo is an inline error next to its field, then fixed.
    typo = between(text, "Finance registers", "Marketing and Sales")
    assert "aigov keeps the modal open" in typo
    assert "Budget amount" in typo and '⚠ "12k" is not an amount' in typo
    assert "Registered *Invoice Extraction*" in typo.split("fixes the budget")[1]

    # Sprawl: the warning in the modal, the confirmation, the governance notice.
    sprawl = between(text, "Sprawl:", "The inventory")
    assert "aigov updates the modal:" in sprawl
    assert "Similar initiatives already run in other teams" in sprawl
    assert "Confirm: Register anyway: this is not a duplicate" in sprawl
    assert "aigov in #ai-governance:" in sprawl
    assert "@maya registered *Customer Service Chatbot* (Marketing)" in sprawl

    # Lists: a member sees no budgets, a leader does.
    member_list = between(text, "mo (member) types: /aigov list", "lee (leader) types")
    assert "*5 initiatives*" in member_list
    assert "• *Invoice Extraction* · Finance · Pilot · @fin" in member_list
    assert "$" not in member_list
    leader_list = between(text, "lee (leader) types: /aigov list pilot", "\n───")
    assert "• *Invoice Extraction* · Finance · Pilot · @fin · $12,000.00 per quarter" in leader_list

    # The card: figures for the leader, hidden from the member.
    leader_card = between(text, "lee (leader) types: /aigov show", "mo (member) types")
    assert "*Budget:* $30,000.00 per quarter" in leader_card
    member_card = between(text, "mo (member) types: /aigov show", "\n───")
    assert "Figures are visible to the owner" in member_card and "$" not in member_card

    # The owner edits; the App Home shows the new stage.
    assert "Saved your changes to *Customer Support Assistant*" in text
    home = between(text, "sam's App Home:", "\n───")
    assert "Customer Support Assistant* · Support · Production · @sam" in home

    summary = text[text.index("Summary") :]
    assert "Initiatives registered: 5" in summary
    assert "chat.postMessage" in summary and "views.open" in summary
    assert "Traceback" not in text and "went wrong" not in text

    db = Database(f"sqlite:///{kept}")
    with db.read() as session:
        assert len(inventory.list_initiatives(session)) == 5
    db.dispose()


SCRIPT = """\
/aigov register
fill
Lead Scorer
Scores inbound leads
Marketing

maya


lead scoring
OpenAI


5k
1
qualified lead




set 12 5,000
submit
/aigov list
/aigov show Lead Scorer
press 1
set 7 2
submit
as U0MEMBER
/aigov show Lead Scorer
press 1
hello bot
quit
"""


def test_console_scripted_session() -> None:
    out = io.StringIO()
    run_console(user_id="U0ADMIN", database_url=None, stdin=io.StringIO(SCRIPT), stdout=out)
    text = out.getvalue()

    assert "You are ada (U0ADMIN, admin)" in text
    assert "ada> /aigov register" in text, "piped input is echoed after the prompt"
    assert "aigov opens a modal" in text and "(18) Minimum viable scale" in text
    # fill: options are numbered, the typo comes back as an inline error.
    assert "      2. per quarter" in text
    assert "aigov keeps the modal open: 1 field(s) need a fix" in text
    assert '⚠ "5k" is not an amount' in text
    assert "(12) Budget amount = 5,000" in text
    assert "Registered *Lead Scorer* (Pilot, Marketing), owned by @maya" in text
    assert "(the modal closes)" in text
    assert "• *Lead Scorer* · Marketing · Pilot · @maya · $5,000.00 per month" in text
    # press 1: the card's Edit button opens the edit modal; the change is saved.
    assert "[1] Edit" in text
    assert "Edit initiative" in text and "(7) Stage = Production" in text
    assert "Saved your changes to *Lead Scorer*" in text
    # A member: no figures, and cannot press the admin's button.
    member = text[text.index("You are now mo (U0MEMBER, member).") :]
    assert "*Stage:* Production" in member and "Figures are visible to" in member
    assert "$5,000.00" not in member
    assert "Button 1 is on ada's screen" in member
    assert "aigov → mo (DM)" in member and 'answer "hello bot"' in member
    assert text.rstrip().endswith("bye")
    assert "Traceback" not in text


def test_console_unknown_user_is_a_sentence() -> None:
    out = io.StringIO()
    run_console(user_id="nobody", database_url=None, stdin=io.StringIO(""), stdout=out)
    assert "is not a workspace user" in out.getvalue()
