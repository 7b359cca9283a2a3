"""The figures half of the demo story: a year of billing (FOCUS), what owners report
besides, and what the card then shows to whom. Imports run through the same workflow
functions as `aigov import focus|costs|outcomes`, check budgets in the same transaction
as the CLI does (on the demo's clock), and print the CLI's own summaries."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlmodel import Session, select

from bot.cli.common import out, print_import_result
from bot.cli.costs import print_figure_totals
from bot.cli.focus import print_focus_summary
from bot.offline.demo.data import (
    DOC_SERVICE,
    FIRST_DAY,
    INVOICES,
    LAST_DAY,
    OCTOBER,
    OCTOBER_BY_SLACK,
    DemoFiles,
)
from bot.offline.demo.story import ADA, LEE, MO, SAM, Story, sentence
from storage.models import CostRecord, Initiative, OutcomeRecord
from templates import say
from workflows.budgets import alerts
from workflows.core import settings as settings_flow
from workflows.core.money import format_money
from workflows.figures.cost_imports import (
    Kind,
    apply_figures_import,
    plan_costs_import,
    plan_outcomes_import,
    read_costs,
    read_outcomes,
)
from workflows.figures.figures import Scope, bounds, spend_by
from workflows.figures.focus import DEFAULT_TAG_KEY, apply_focus_import, plan_focus_import
from workflows.figures.focus_rules import add_rule

ACTOR = f"cli:{ADA.name}"  # what `aigov` records for a command ada runs on the server
SHOW_SUPPORT = "show Customer Support Assistant"


def cli(macro: str, *args: object) -> str:
    return say("cli.j2", macro, *args, plain=True)


def _currency(story: Story) -> str:
    with story.ws.db.read() as session:
        return str(settings_flow.get(session, "currency"))


def check_budgets(story: Story, session: Session) -> alerts.CheckResult:
    """What `bot.cli.common.check_budgets` does after an import, in the import's transaction,
    but on the demo's clock (the CLI reads the wall clock)."""
    return alerts.check(session, today=story.ws.rt.today(), now=story.ws.rt.now())


def checked(result: alerts.CheckResult) -> str:
    """The CLI's line after an import: "Budget check: 2 new alerts, 0 resolved." """
    return say("alerts.j2", "checked", len(result.new), len(result.resolved), plain=True)


def import_focus(story: Story, path: Path) -> None:
    """`aigov import focus FILE`, as bot/cli/focus.py runs it."""
    story.runs(ADA, f"aigov import focus {path.name}")
    currency = _currency(story)
    with story.ws.db.read() as session, path.open(encoding="utf-8-sig", newline="") as stream:
        plan = plan_focus_import(session, stream, currency=currency, origin=path.name)
    with story.ws.db.write() as session:
        plan.already = apply_focus_import(session, plan, actor=ACTOR).already
        result = check_budgets(story, session)
    story.ws.rt.wake_outbox()  # `aigov serve` sends what the check queued
    with story.terminal() as console:
        out(console, cli("rows_read", path.name, plan.rows_read))
        out(console, checked(result))
        print_focus_summary(console, plan, currency, dry_run=False, tag_key=DEFAULT_TAG_KEY)


def import_figures(story: Story, kind: Kind, path: Path) -> None:
    """`aigov import costs|outcomes FILE`, as bot/cli/costs.py runs it."""
    story.runs(ADA, f"aigov import {kind} {path.name}")
    read, plan_import = (
        (read_costs, plan_costs_import)
        if kind == "costs"
        else (read_outcomes, plan_outcomes_import)
    )
    with path.open(encoding="utf-8-sig", newline="") as stream:
        table = read(stream)
    currency = _currency(story)
    with story.ws.db.write() as session:
        plan = plan_import(session, table)
        result = apply_figures_import(session, plan, actor=ACTOR, origin=path.name)
        budgets = check_budgets(story, session)
    story.ws.rt.wake_outbox()  # `aigov serve` sends what the check queued
    with story.terminal() as console:
        out(console, cli("rows_read", path.name, result.rows_read))
        print_import_result(console, result)
        print_figure_totals(console, plan, currency)
        out(console, checked(budgets))


def _files(story: Story) -> DemoFiles:
    if story.files is None:
        raise RuntimeError("the demo's files are not written")
    return story.files


def billing_arrives(story: Story) -> None:
    story.scene("billing")
    files = _files(story)
    with files.billing.open(encoding="utf-8") as stream:
        rows = sum(1 for _ in stream) - 1
    story.note(sentence("billing_note", files.billing.name, rows, FIRST_DAY, LAST_DAY))
    story.runs(
        ADA,
        f'aigov focus map add --service "{DOC_SERVICE}" --initiative "{INVOICES}" --category data',
    )
    with story.ws.db.write() as session:
        rule = add_rule(
            session,
            match="service",
            key="",
            value=DOC_SERVICE,
            initiative=INVOICES,
            category="data",
            actor=ACTOR,
        )
    story.output([cli("rule_added", rule)])
    import_focus(story, files.billing)
    story.note(sentence("billing_again_note"))
    import_focus(story, files.billing)


def owners_report(story: Story) -> None:
    story.scene("owners_report")
    files = _files(story)
    story.note(sentence("owners_note", files.costs.name, files.outcomes.name))
    import_figures(story, "costs", files.costs)
    import_figures(story, "outcomes", files.outcomes)
    story.note(sentence("slack_note"))
    story.types(SAM, SHOW_SUPPORT, expect={"response_url": 1})
    story.presses(SAM, say("figures.j2", "button", "record"), expect={"views.open": 1})
    story.submits(
        SAM,
        {"month": OCTOBER.strftime("%Y-%m"), **OCTOBER_BY_SLACK},
        doing="records_october",
        expect={"chat.postMessage": 1},
    )


def figures_say(story: Story) -> None:
    story.scene("figures_say")
    story.note(sentence("figures_note"))
    story.types(LEE, SHOW_SUPPORT, expect={"response_url": 1})
    story.types(MO, SHOW_SUPPORT, expect={"response_url": 1})


SCENES = [billing_arrives, owners_report, figures_say]


def figures_summary(story: Story) -> None:
    """What the database now holds, and the year's spend per initiative."""
    with story.ws.db.read() as session:
        sources = Counter(session.exec(select(CostRecord.source)))
        outcomes = Counter(session.exec(select(OutcomeRecord.period_kind)))
        names = dict(session.exec(select(Initiative.id, Initiative.name)).all())
        currency = str(settings_flow.get(session, "currency"))
        calendar = settings_flow.calendar(session)
        year = calendar.year(calendar.fiscal_year(story.ws.rt.today()))
        first, last = bounds(year)
        spend = spend_by(session, scope=Scope(), first=first, last=last, group="initiative")
    story.out.print(
        sentence(
            "cost_records",
            sources["billing"],
            sources["import"],
            sources["manual"],
            sources["report"],
        )
    )
    story.out.print(sentence("outcome_records", outcomes["month"], outcomes["quarter"]))
    story.out.print(sentence("spend_heading", year.describe()))
    ranked = sorted(spend.items(), key=lambda item: -item[1].total_micros)
    for initiative_id, part in ranked:
        amount = format_money(part.total_micros, currency, micros=True)
        used = say("figures.j2", "sources", part, plain=True)
        story.output([sentence("spend_line", names[initiative_id], amount, used)])
    total = sum(part.total_micros for part in spend.values())
    story.output([sentence("spend_total", format_money(total, currency, micros=True))])
    idle = [name for i, name in names.items() if i not in spend]
    if idle:
        story.out.print(sentence("no_spend", idle))
