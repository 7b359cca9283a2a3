"""`aigov ask "question" [--as USER]`: the same answers as in chat, in the terminal.

The runtime, the question engine and the views load inside the command.
"""

from __future__ import annotations

import click

from bot.cli.common import open_database
from templates import people


def _rows(result: object) -> list[object]:
    return list(getattr(result, "rows", []) or [])


@click.command("ask")
@click.argument("question", nargs=-1, required=True)
@click.option(
    "--as",
    "user_id",
    default=None,
    help="Answer as this Slack user sees it (default: an admin's view).",
)
def ask_command(question: tuple[str, ...], user_id: str | None) -> None:
    """Answer a spend question, scoped to what USER may see."""
    from bot.config import Settings
    from bot.runtime import Runtime, web_client
    from bot.views.answers import plain_lines, render
    from workflows.core.access import Viewer
    from workflows.core.people import display_names
    from workflows.questions.ask import ask

    settings = Settings()
    db = open_database(settings)
    rt = Runtime(settings=settings, db=db, client=web_client(settings))
    viewer = rt.viewer(user_id) if user_id else Viewer("cli", is_admin=True)
    with db.read() as session:
        result = ask(session, " ".join(question), viewer=viewer, today=rt.today(), now=rt.now())
        names = display_names(session, [getattr(row, "note", "") for row in _rows(result)])
    with people(names):  # "waiting for @Maya", not a user id, in the terminal
        _text, blocks = render(result, plain=True)
    for line in plain_lines(blocks):
        click.echo(line)
    db.dispose()
