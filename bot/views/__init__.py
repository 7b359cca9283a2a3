"""Block Kit views per area: structure from bot.blocks, words from templates/."""
