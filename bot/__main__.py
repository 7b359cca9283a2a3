"""`python -m bot` is `aigov`."""

from bot.cli import main

main()
