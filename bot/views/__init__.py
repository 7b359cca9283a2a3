"""Block Kit views per area: structure from bot.views.blocks, words from templates/."""
