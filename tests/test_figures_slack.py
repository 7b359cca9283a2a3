"""An owner records a month's figures from the card; the card shows the quarter."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.offline.local import LocalWorkspace
from storage.models import CostRecord, OutcomeRecord
from workflows.inventory import inventory

OWNER = "U0SUPPORT"
NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def ws(database_url: str):  # type: ignore[no-untyped-def]
    with LocalWorkspace(database_url=database_url, migrate=False, now=lambda: NOW) as workspace:
        with workspace.db.write() as s:
            inventory.register(
                s,
                raw={
                    "name": "Support Assistant",
                    "department": "Support",
                    "owner": OWNER,
                    "stage": "pilot",
                    "outcome_unit": "ticket resolved",
                    "value_per_outcome": "4.50",
                },
                actor=OWNER,
                resolve_user=lambda u: u,
            )
        yield workspace


def _card(ws: LocalWorkspace, user: str) -> dict:
    ws.emulator.clear()
    ws.slack.command(user, "show support assistant")
    calls = ws.emulator.wait_for(lambda calls: [c for c in calls if c.method == "response_url"])
    return calls[-1].args


def test_owner_records_figures_and_the_card_shows_the_quarter(ws: LocalWorkspace) -> None:
    card = _card(ws, OWNER)
    assert "No cost or outcome figures yet" in json.dumps(card)
    message = {"blocks": card["blocks"], "ts": "1", "channel": "C0GENERAL"}
    ws.slack.click(OWNER, "figures.record_open", message=message)
    modal = ws.emulator.wait_for(lambda _: ws.emulator.open_views(OWNER))[-1]
    assert modal["title"]["text"] == "Record figures"
    # October 2026 (last month) is preselected.
    month_block = next(b for b in modal["blocks"] if b.get("block_id") == "month")
    assert month_block["element"]["initial_option"]["value"] == "2026-10"

    bad = ws.slack.submit(
        OWNER, modal, {"cost_inference": "1,200.50", "cost_oversight": "NaN", "outcomes": "12.5"}
    )
    assert set(bad.json["errors"]) == {"cost_oversight", "outcomes"}
    with ws.db.read() as s:
        assert s.exec(select(CostRecord)).all() == []

    good = ws.slack.submit(
        OWNER,
        ws.emulator.open_views(OWNER)[-1],
        {"cost_inference": "1,200.50", "cost_oversight": "300", "outcomes": "1,000"},
    )
    assert good.status == 200 and not (good.json or {}).get("errors")
    ws.emulator.wait_for(
        lambda _: any("Recorded Oct 2026" in m["text"] for m in ws.emulator.messages_to(OWNER))
    )
    with ws.db.read() as s:
        costs = {r.category: r.amount_micros for r in s.exec(select(CostRecord))}
        outcome = s.exec(select(OutcomeRecord)).one()
    assert costs == {"inference": 1_200_500_000, "oversight": 300_000_000}
    assert outcome.outcomes == 1000 and outcome.source == "manual"

    text = json.dumps(_card(ws, OWNER))
    assert "Q4 2026, Oct 1 \\u2013 Dec 31, 2026" in text or "Q4 2026, Oct 1 – Dec 31, 2026" in text
    assert "$1,500.50" in text  # total cost of ownership
    assert "$1.50" in text  # cost per outcome
    assert "3" in text and "Value per AI dollar:* 3" in text  # 4,500 / 1,500.50 = 2.999 -> 3
    assert "manual entries" in text
    # A member sees the card without figures; the leader sees them.
    assert "$1,500.50" not in json.dumps(_card(ws, "U0MEMBER"))
    assert "$1,500.50" in json.dumps(_card(ws, "U0LEAD"))


def test_a_member_cannot_record_figures_even_with_a_forged_click(ws: LocalWorkspace) -> None:
    card = _card(ws, OWNER)
    message = {"blocks": card["blocks"], "ts": "1", "channel": "C0GENERAL"}
    ws.slack.click("U0MEMBER", "figures.record_open", message=message)
    denied = ws.emulator.wait_for(lambda _: ws.emulator.ephemerals("U0MEMBER"))
    assert "Only the owner" in denied[-1]["text"]
    assert not ws.emulator.open_views("U0MEMBER")
