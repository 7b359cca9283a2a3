"""The inventory half of the demo story: registrations, sprawl, lists, cards, an edit
and the App Home. Each scene is a function taking the `Story`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.offline.demo.story import ADA, FIN, LEE, MAYA, MO, SAM, SARA, Person, Story, sentence
from templates import say
from workflows.core import settings as settings_flow

GOVERNANCE = "C0GOVERN"
LEADERSHIP = "C0LEADERS"

SUPPORT_ASSISTANT = {
    "name": "Customer Support Assistant",
    "description": "Drafts answers to customer tickets from the help centre articles",
    "department": "Support",
    "cost_center": "CS-100",
    "use_case": "answer customer tickets",
    "provider": "OpenAI",
    "model": "gpt-4o",
    "launched_on": "2026-02-02",
    "budget_amount": "30,000",
    "budget_period": "quarter",
    "outcome_unit": "ticket resolved",
    "value_per_outcome": "6.50",
    "baseline_cost_per_outcome": "7.80",
    "target_cost_per_outcome": "1.20",
    "min_monthly_outcomes": "4000",
}
INVOICE_EXTRACTION = {
    "name": "Invoice Extraction",
    "description": "Reads supplier invoices (PDF) into the ERP",
    "department": "Finance",
    "cost_center": "FIN-220",
    "use_case": "document extraction",
    "provider": "Azure OpenAI",
    "model": "gpt-4o-mini",
    "budget_amount": "12k",  # a typo: fixed after the inline error
    "budget_period": "quarter",
    "outcome_unit": "invoice processed",
    "value_per_outcome": "3.20",
    "baseline_cost_per_outcome": "4.10",
    "min_monthly_outcomes": "8,000",
}
CAMPAIGN_COPY = {
    "name": "Campaign Copy Writer",
    "description": "Drafts ad copy and campaign emails in the brand voice",
    "department": "Marketing",
    "use_case": "marketing copy",
    "provider": "Anthropic",
    "model": "claude-sonnet",
    "budget_amount": "4,500",
    "budget_period": "month",
    "outcome_unit": "campaign asset",
    "value_per_outcome": "40",
    "baseline_cost_per_outcome": "120",
}
CALL_SUMMARIES = {
    "name": "Sales Call Summaries",
    "description": "Summarises recorded sales calls into CRM notes and next steps",
    "department": "Sales",
    "use_case": "call summarisation",
    "provider": "Anthropic",
    "budget_amount": "4,200",
    "budget_period": "quarter",
    "outcome_unit": "call summarised",
    "value_per_outcome": "2.50",
}
SERVICE_CHATBOT = {
    "name": "Customer Service Chatbot",
    "description": "Answers customer questions in the website chat",
    "department": "Marketing",
    "use_case": "answer customer questions",
    "provider": "OpenAI",
    "budget_amount": "2,000",
    "budget_period": "month",
}


def setup(story: Story) -> None:
    story.scene("setup")
    story.note(sentence("setup_note"))
    for key, channel in (("governance_channel", GOVERNANCE), ("leadership_channel", LEADERSHIP)):
        story.runs(ADA, f"aigov settings set {key} {channel}")
        with story.ws.db.write() as session:
            settings_flow.put(session, key=key, text=channel, actor=ADA.user_id, source="cli")
        story.output([say("serve.j2", "setting_saved", key, channel, plain=True)])


def register(story: Story, who: Person, values: Mapping[str, Any]) -> dict[str, Any]:
    story.types(who, "register", expect={"views.open": 1})
    return story.submits(who, values, expect={"chat.postMessage": 1})


def support_registers(story: Story) -> None:
    story.scene("support_registers")
    register(story, SAM, SUPPORT_ASSISTANT)


def finance_fixes_a_typo(story: Story) -> None:
    story.scene("finance_typo")
    answer = register(story, FIN, INVOICE_EXTRACTION)
    if answer.get("response_action") == "errors":
        story.submits(
            FIN,
            {"budget_amount": "12,000"},
            doing="fixes_budget",
            expect={"chat.postMessage": 1},
        )


def marketing_and_sales_register(story: Story) -> None:
    story.scene("marketing_sales")
    register(story, MAYA, CAMPAIGN_COPY)
    register(story, SARA, CALL_SUMMARIES)


def sprawl_warning(story: Story) -> None:
    story.scene("sprawl")
    answer = register(story, MAYA, SERVICE_CHATBOT)
    if answer.get("response_action") == "update":
        story.note(sentence("sprawl_note"))
        story.submits(
            MAYA,
            {"sprawl_ack": ["yes"]},
            doing="ticks",
            expect={"chat.postMessage": 2},
        )


def inventory_lists(story: Story) -> None:
    story.scene("lists")
    story.types(MO, "list", expect={"response_url": 1})
    story.types(LEE, "list pilot", expect={"response_url": 1})


def figures_by_role(story: Story) -> None:
    story.scene("figures_by_role")
    story.types(LEE, "show Customer Support Assistant", expect={"response_url": 1})
    story.types(MO, "show Customer Support Assistant", expect={"response_url": 1})


def owner_edits(story: Story) -> None:
    story.scene("owner_edits")
    story.types(SAM, "show Customer Support Assistant", expect={"response_url": 1})
    story.presses(SAM, "Edit", expect={"views.open": 1})
    story.submits(
        SAM,
        {"stage": "production"},
        doing="changes_stage",
        expect={"chat.postMessage": 1},
    )


def owner_home(story: Story) -> None:
    story.scene("home")
    story.opens_home(SAM)
