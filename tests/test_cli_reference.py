"""README's command-line reference is the CLI's own: regenerate it with
`python -m bot.cli.reference --write` when a command changes."""

from __future__ import annotations

from bot.cli import main
from bot.cli.reference import README, block, in_readme, reference


def test_the_readme_reference_is_the_cli_as_it_is() -> None:
    current = in_readme(README.read_text())
    assert current is not None, "README.md lost its generated command-line reference"
    assert current == block(main), (
        "README.md's command reference drifted from the CLI: "
        "run `python -m bot.cli.reference --write`"
    )


def test_the_reference_lists_every_command_with_its_options() -> None:
    text = reference(main)
    assert "| `aigov import focus FILE [--dry-run] [--skip-bad] " in text
    assert "| `aigov settings set KEY VALUE [--as ACTOR]` |" in text
    assert "| `aigov serve [--port N] [--host HOST] [--socket-mode]` | Run the bot. |" in text
    assert text.count("\n| `aigov ") == 21
