"""The spend-questions part of the demo story: lee, a leader, asks the questions a CFO
would ask, with /aigov, in DMs, by @mentioning the bot in #ai-governance, one with
"chart" and one with "share"; then an owner and a member ask about the whole portfolio
and get only what they may see, `aigov ask --as` shows the same in the terminal, typos
are forgiven (or asked back about, with a button per name), and a question aigov cannot answer gets examples.
Every Slack answer comes from the running app through the emulator."""

from __future__ import annotations

from bot.offline.demo.scenes import GOVERNANCE
from bot.offline.demo.story import ADA, LEE, MAYA, MO, SAM, Story, sentence
from bot.views.answers import plain_lines, render
from workflows.questions.ask import ask

LEADS = "C0LEADS"  # lee's and ada's private channel, where "share" may post figures
LEADS_NAME = "leads"

# lee's questions, in the order asked: (how, text). "slash": /aigov in #general;
# "dm": a DM to the bot; "mention": an @mention in #ai-governance; "share": /aigov in
# #leads.
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("slash", "how much did we spend on AI last quarter?"),
    ("dm", "spend by department this year"),
    ("dm", "marketing spend in Q3 2026"),
    ("mention", "inference cost for OpenAI this month"),
    ("slash", "what does the support assistant cost per ticket?"),
    ("dm", "value per AI dollar by initiative last quarter chart"),
    ("slash", "top 5 initiatives by cost last month"),
    ("slash", "which initiatives are over budget?"),
    ("dm", "forecast for this year"),
    ("share", "share compare Q2 and Q3"),
    ("slash", "which initiatives have not reported?"),
)
PORTFOLIO = "how much did we spend on AI this year?"  # what sam and mo ask
TYPO = "what does the custmer suport assistant cost?"  # two typos: forgiven
TYPOS = "what does the custmer suport asistant cost?"  # three: "did you mean"
UNKNOWN = "who approved the chatbot?"

SLASH = {"response_url": 1}
POST = {"chat.postMessage": 1}
CHART = {"chat.postMessage": 1, "files.completeUploadExternal": 1}
PRIVATELY = {"chat.postMessage": 2}  # the answer in a DM, a note in the thread


def lee_asks(story: Story, how: str, text: str) -> None:
    if how == "slash":
        story.types(LEE, text, expect=SLASH)
    elif how == "share":
        story.note(sentence("share_note", LEADS_NAME))
        story.types(LEE, text, channel=LEADS, expect=SLASH)
    elif how == "dm":
        if "chart" in text.split():
            story.note(sentence("chart_note"))
        story.dms(LEE, text, expect=CHART if "chart" in text.split() else POST)
    elif how == "mention":
        story.note(sentence("mention_note"))
        story.mentions(LEE, GOVERNANCE, text, expect=PRIVATELY)
    else:
        raise ValueError(how)


def cli_ask(story: Story, text: str, *, as_user: str) -> None:
    """`aigov ask "text" --as USER`, printed as bot/cli/ask.py prints it, on the demo's
    clock (the CLI reads the wall clock)."""
    story.runs(ADA, f'aigov ask "{text}" --as {as_user}')
    rt = story.ws.rt
    with story.ws.db.read() as session:
        result = ask(session, text, viewer=rt.viewer(as_user), today=rt.today(), now=rt.now())
    _text, blocks = render(result, plain=True)
    story.output(plain_lines(blocks))


def questions(story: Story) -> None:
    story.scene("questions")
    story.file_sizes = True
    story.ws.emulator.add_channel(LEADS, name=LEADS_NAME, members=[LEE.user_id, ADA.user_id])
    story.note(sentence("questions_note"))
    for how, text in QUESTIONS:
        lee_asks(story, how, text)


def questions_by_role(story: Story) -> None:
    story.note(sentence("owner_asks_note"))
    story.dms(SAM, PORTFOLIO, expect=POST)
    story.note(sentence("member_asks_note"))
    story.types(MO, PORTFOLIO, expect=SLASH)
    story.note(sentence("cli_ask_note"))
    cli_ask(story, PORTFOLIO, as_user=SAM.user_id)
    story.note(sentence("typo_note"))
    story.types(LEE, TYPO, expect=SLASH)
    story.note(sentence("typos_note"))
    story.types(LEE, TYPOS, expect=SLASH)
    story.note(sentence("choice_note"))
    story.presses(LEE, "Customer Support Assistant", expect=SLASH)
    story.note(sentence("unknown_note"))
    story.types(MAYA, UNKNOWN, expect=SLASH)


SCENES = [questions, questions_by_role]
