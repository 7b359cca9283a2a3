"""A local emulator of Slack for tests, the demo, the console and benchmarks.

Production code never imports this package: it stands in for slack.com, which no
machine here can reach. `SlackEmulator` is the Web API the app calls; `SlackUser` is
Slack delivering a user's commands, clicks, submissions and events to the app.
"""

from bot.offline.emulator.recording import Call
from bot.offline.emulator.server import SlackEmulator
from bot.offline.emulator.user import Reply, SlackUser

__all__ = ["Call", "Reply", "SlackEmulator", "SlackUser"]
