"""The budget-alerts part of the demo story: at the end of November the initiatives
without a billing feed send their costs; the import checks every budget in the same
transaction, as `aigov import costs` does, and two alerts go out (a threshold and a
forecast). A member may not acknowledge them, the owner does, a leader raises a budget
through the modal and that alert resolves; `/aigov alerts` lists what is still open."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlmodel import select

from bot.offline.demo.data import CALLS, CAMPAIGNS
from bot.offline.demo.figures import import_figures
from bot.offline.demo.story import LEE, MAYA, MO, SARA, Story, sentence
from storage.models import Alert
from templates import tables

MONTH_END = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 09:00 in Los Angeles, 10:00 in Denver
RAISED_TO = "5,500"  # lee's new quarterly budget for Sales Call Summaries


def costs_arrive(story: Story) -> None:
    story.scene("alerts")
    story.later(MONTH_END, sentence("month_end"))
    if story.files is None:
        raise RuntimeError("the demo's files are not written")
    story.note(sentence("november_note", story.files.november.name))
    import_figures(story, "costs", story.files.november)
    story.note(sentence("alerts_note"))
    story.sees(MAYA)
    story.sees(SARA)
    story.note(sentence("alerts_hidden_note"))
    for name in (CAMPAIGNS, CALLS):
        story.presses(LEE, _labels()["show_figures"], on=name, expect={"response_url": 1})
    story.note(sentence("owner_lists_note"))
    story.types(SARA, "alerts", expect={"response_url": 1})


def alerts_handled(story: Story) -> None:
    story.scene("alerts_handled")
    labels = _labels()
    story.note(sentence("member_acks_note"))
    story.presses(MO, labels["ack"], on=CAMPAIGNS, expect={"chat.postEphemeral": 1})
    story.note(sentence("owner_acks_note"))
    story.presses(MAYA, labels["ack"], on=CAMPAIGNS, expect={"chat.update": 1})
    story.note(sentence("leader_raises_note"))
    story.presses(LEE, labels["raise"], on=CALLS, expect={"views.open": 1})
    story.submits(
        LEE,
        {"budget_amount": RAISED_TO},
        doing="raises_budget",
        expect={"chat.postMessage": 1, "chat.update": 1},
    )
    story.note(sentence("leader_lists_note"))
    story.types(LEE, "alerts", expect={"response_url": 1})


def _labels() -> dict[str, str]:
    """The notice's button labels (templates/alerts.j2): Acknowledge, Raise budget, ...,
    and Show figures (on a notice without figures)."""
    words = tables("alerts.j2")
    return {**dict(words.BUTTONS), "show_figures": words.SHOW_FIGURES}


SCENES = [costs_arrive, alerts_handled]


def alerts_summary(story: Story) -> None:
    """The alerts raised, acknowledged and resolved, for the demo's closing summary."""
    with story.ws.db.read() as session:
        rows = list(session.exec(select(Alert)))
    if not rows:
        return
    kinds = Counter(a.kind for a in rows)
    acknowledged = sum(1 for a in rows if a.acknowledged_at is not None)
    resolved = sum(1 for a in rows if a.status == "resolved")
    story.out.print(sentence("alerts_summary", len(rows), dict(kinds), acknowledged, resolved))
