"""aigov's Slack side: the Bolt app, listeners, Block Kit, the server, the CLI."""
