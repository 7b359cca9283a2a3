"""The review half of the demo story: the Q3 2026 continue-or-kill review, from the
prompts to the portfolio report. Time moves on the demo's clock (`Story.later`), and
the scheduled job that `aigov serve` runs every few minutes (`bot.schedule.cycles.tick`) is run
by hand as it passes."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from bot.offline.demo.data import (
    CALLS,
    CAMPAIGNS,
    CHATBOT,
    INVOICES,
    NOW,
    REVIEW_CALLS,
    REVIEW_INVOICES,
    REVIEW_SUPPORT,
    SUPPORT,
)
from bot.offline.demo.story import ADA, FIN, LEE, MAYA, MO, SAM, SARA, Person, Story, sentence
from bot.schedule import cycles
from storage.models import ReviewCycle, ReviewRequest
from templates import tables
from workflows.core import settings as settings_flow

OPENS = NOW  # Monday Nov 16, 09:00 in Chicago: sam's working day has begun
WEST_COAST_MORNING = OPENS + timedelta(hours=2)  # 09:00 in Los Angeles
REMINDERS = OPENS + timedelta(days=3, hours=3)  # Thursday Nov 19
SNOOZED_WEEK = OPENS + timedelta(days=7)  # Monday Nov 23
SNOOZE_UNTIL = "2026-11-30"  # maya: the Monday after Thanksgiving
# What lee decides, in order, with the rationale he types (none for the plain Continue).
DECISIONS: tuple[tuple[str, str, str], ...] = (
    (CHATBOT, "Kill", "It duplicates the Customer Support Assistant: route website chat there"),
    (INVOICES, "Scale", "Roll it out to the German and Dutch entities in Q1"),
    (SUPPORT, "Continue", ""),
    (CALLS, "Fix", "Try a sales-specific summary template; we look again next quarter"),
    (CAMPAIGNS, "Continue", "Figures came from the spreadsheet; maya reports herself next time"),
)
OWNERS: dict[str, Person] = {
    CHATBOT: MAYA,
    INVOICES: FIN,
    SUPPORT: SAM,
    CALLS: SARA,
    CAMPAIGNS: MAYA,
}
REPORT_HEAD = 14  # lines of the Markdown report shown
SHOW_FIGURES = tables("review.j2").SHOW_FIGURES  # the button on a figure-free card


def scheduler_runs(story: Story) -> None:
    """The scheduled job, as `aigov serve` runs it, and what it did in one line."""
    result = cycles.tick(story.ws.rt)
    if result is not None:
        story.note(sentence("tick", result.reminders, result.escalated))
    story.delivered()


def review_opens(story: Story) -> None:
    story.scene("review_opens")
    story.later(OPENS, sentence("chicago_morning"))
    story.note(sentence("review_note"))
    story.types(ADA, "review start", expect={"response_url": 1})
    story.note(sentence("prompts_note"))
    story.sees(SAM)
    story.sees(FIN, show=False)
    story.later(WEST_COAST_MORNING, sentence("west_coast"))
    story.sees(MAYA)
    story.sees(SARA, show=False)


def owners_report_q3(story: Story) -> None:
    story.scene("owners_report_q3")
    story.note(sentence("support_reports_note"))
    story.presses(SAM, "Report figures", on=SUPPORT, expect={"views.open": 1})
    story.submits(SAM, REVIEW_SUPPORT, doing="reports_q3")
    story.dm_edits = False  # prompts are edited like sam's from here on; not shown again
    story.note(sentence("invoices_report_note"))
    story.presses(FIN, "Report figures", on=INVOICES, expect={"views.open": 1})
    story.submits(FIN, REVIEW_INVOICES, doing="reports_q3")
    figures_on_request(story, INVOICES)
    story.types(LEE, "review status", expect={"response_url": 1})


def figures_on_request(story: Story, name: str) -> None:
    """The channel rule: mo and maya are in the governance channel, so cards land there
    without figures; lee sees them privately, mo is refused."""
    story.note(sentence("cards_hidden_note"))
    story.presses(LEE, SHOW_FIGURES, on=name, expect={"response_url": 1})
    story.note(sentence("member_figures_note"))
    story.presses(MO, SHOW_FIGURES, on=name, expect={"response_url": 1})


def reminders(story: Story) -> None:
    story.scene("reminders")
    story.later(REMINDERS, sentence("three_days"))
    scheduler_runs(story)
    story.sees(SARA)
    story.sees(MAYA, show=False)
    story.note(sentence("calls_report_note"))
    story.presses(SARA, "Report figures", on=CALLS, expect={"views.open": 1})
    story.submits(SARA, REVIEW_CALLS, doing="reports_q3")
    story.note(sentence("calls_figures_note"))
    story.presses(LEE, SHOW_FIGURES, on=CALLS, expect={"response_url": 1})
    story.note(sentence("snooze_note"))
    story.presses(MAYA, "Snooze until…", expect={"views.open": 1})
    story.submits(MAYA, {"until": SNOOZE_UNTIL}, doing="picks_date")
    story.later(SNOOZED_WEEK, sentence("next_monday"))
    scheduler_runs(story)


def deadline(story: Story) -> None:
    story.scene("deadline")
    with story.ws.db.read() as session:
        cycle = session.exec(select(ReviewCycle).where(ReviewCycle.status == "open")).one()
    story.later(cycle.deadline_at, sentence("deadline_note"))
    scheduler_runs(story)
    story.sees(LEE)


def decide(story: Story, name: str, button: str, rationale: str) -> None:
    story.presses(LEE, button, on=name, expect={"views.open": 1})
    if rationale:
        story.submits(LEE, {"rationale": rationale}, doing="decides")
    else:
        story.submits(LEE, {}, doing="decides_bare")
    story.sees(OWNERS[name])


def leaders_decide(story: Story) -> None:
    story.scene("decisions")
    story.note(sentence("member_tries"))
    story.presses(MO, "Kill", on=CHATBOT, expect={"chat.postEphemeral": 1})
    story.note(sentence("leader_decides"))
    for name, button, rationale in DECISIONS[:-1]:
        decide(story, name, button, rationale)


def report(story: Story) -> None:
    story.scene("report")
    story.note(sentence("last_decision"))
    decide(story, *DECISIONS[-1])
    files = sorted(story.ws.emulator.files.values(), key=lambda f: f["name"])
    story.note(sentence("report_note"))
    story.output([sentence("file_line", f["name"], len(f["bytes"])) for f in files])
    markdown = next((f for f in files if f["name"].endswith(".md")), None)
    if markdown is not None:
        story.note(sentence("report_head", markdown["name"]))
        story.output(markdown["bytes"].decode("utf-8").strip().split("\n")[:REPORT_HEAD])
    story.types(ADA, "review status", expect={"response_url": 1})


SCENES = [review_opens, owners_report_q3, reminders, deadline, leaders_decide, report]


def save_report(story: Story, folder: Path) -> list[Path]:
    """The files the leadership channel received, written into `folder`."""
    saved = []
    for upload in story.ws.emulator.files.values():
        path = folder / Path(str(upload["name"])).name
        path.write_bytes(upload["bytes"])
        saved.append(path)
    return sorted(saved)


def review_summary(story: Story) -> None:
    """The cycles' requests and decisions, for the demo's closing summary."""
    with story.ws.db.read() as session:
        requests = list(session.exec(select(ReviewRequest)))
        quarters = list(session.exec(select(ReviewCycle.period_start)))
        calendar = settings_flow.calendar(session)
    if not quarters:
        return
    labels = [calendar.quarter_of(start).label for start in quarters]
    reported = sum(1 for r in requests if r.submitted_at is not None)
    story.out.print(
        sentence("review_requests", labels, len(requests), reported, len(requests) - reported)
    )
    story.out.print(sentence("decisions", dict(Counter(r.decision for r in requests if r.decision))))
