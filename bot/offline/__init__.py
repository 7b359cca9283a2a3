"""Everything offline, never imported by `aigov serve`: the local workspace, the console, the screen reader, the demo and the Slack emulator."""
