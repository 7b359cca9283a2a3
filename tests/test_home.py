"""The App Home for each role, through signed HTTP and the Slack emulator, on SQLite and
PostgreSQL: a member's invitation, an owner's figures, requests and alerts, a leader's
portfolio, and Block Kit's limits with a large inventory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.ids import Action
from bot.offline.local import LocalWorkspace
from bot.views import blocks as bk
from storage.models import Initiative, ReviewRequest
from workflows.budgets import alerts
from workflows.core.access import Viewer
from workflows.core.periods import FiscalCalendar
from workflows.figures.costs import Figure, record_outcomes, record_reported
from workflows.figures.entries import EnteredFigures
from workflows.inventory import inventory
from workflows.reviews import review

ADMIN, LEAD, SUPPORT, MARKET, FINANCE, MEMBER = (
    "U0ADMIN",
    "U0LEAD",
    "U0SUPPORT",
    "U0MARKET",
    "U0FINANCE",
    "U0MEMBER",
)
# Thursday 2026-08-20, 14:00 UTC: in Q3 2026 (Jul 1 - Sep 30); the default schedule next
# opens a review on the first Monday of October, Oct 5.
NOW = datetime(2026, 8, 20, 14, 0, tzinfo=UTC)
TODAY = NOW.date()
Q2 = FiscalCalendar(1).quarter(2026, 2)


def register(session: Session, **raw: str) -> Initiative:
    delegates = raw.pop("delegates", "")
    return inventory.register(
        session,
        raw=raw,
        actor=ADMIN,
        resolve_user=lambda u: u,
        delegates=[d for d in delegates.split(",") if d],
    )


def cost(session: Session, initiative: Initiative, month: int, amount: str) -> None:
    figure = Figure(initiative.id or 0, "inference", "month", date(2026, month, 1), Decimal(amount))
    record_reported(session, [figure], source="manual", actor=initiative.owner_id)


@pytest.fixture
def ws(database_url: str) -> Iterator[LocalWorkspace]:
    with LocalWorkspace(database_url=database_url, migrate=False, now=lambda: NOW) as workspace:
        yield workspace


@pytest.fixture
def portfolio(ws: LocalWorkspace) -> LocalWorkspace:
    """Three active initiatives and a retired one, Q2 and Q3 costs, Q3 outcomes, the Q2
    review open (one reported), and the alerts that hold today."""
    with ws.db.write() as s:
        support = register(
            s,
            name="Support Assistant",
            department="Support",
            owner=SUPPORT,
            stage="pilot",
            budget_amount="10000",
            budget_period="quarter",
            value_per_outcome="4.50",
            outcome_unit="ticket resolved",
            delegates=FINANCE,
        )
        campaign = register(
            s,
            name="Campaign Writer",
            department="Marketing",
            owner=MARKET,
            stage="pilot",
            budget_amount="3000",
            budget_period="month",
        )
        invoices = register(
            s, name="Invoice Reader", department="Finance", owner=FINANCE, stage="production"
        )
        register(
            s,
            name="Old Bot",
            department="IT",
            owner=SUPPORT,
            stage="retired",
            budget_amount="50000",
            budget_period="quarter",
        )
        cost(s, support, 4, "99999")  # last quarter: not this quarter's spend
        cost(s, support, 7, "5000")
        cost(s, support, 8, "4200")
        cost(s, campaign, 7, "1500")
        cost(s, invoices, 8, "700")
        for month, count in ((7, 1000), (8, 2000)):  # 3,000 tickets x $4.50 = $13,500
            record_outcomes(
                s,
                initiative_id=support.id or 0,
                kind="month",
                start=date(2026, month, 1),
                outcomes=count,
                value=None,
                source="manual",
                actor=SUPPORT,
            )
        review.open_cycle(s, quarter=Q2, now=NOW, actor=ADMIN, leaders=[LEAD])
        alerts.check(s, today=TODAY, now=NOW)
    with ws.db.write() as s:
        request = s.exec(
            select(ReviewRequest).where(ReviewRequest.initiative_id == campaign.id)
        ).one()
        review.submit(
            s,
            request_id=request.id or 0,
            viewer=Viewer(MARKET),
            entry=EnteredFigures(
                costs={"inference": Decimal("900")}, outcomes=None, outcome_value=None, note=""
            ),
            owner_recommendation=None,
            now=NOW,
        )
    return ws


def open_home(ws: LocalWorkspace, user: str) -> dict[str, Any]:
    before = len(ws.emulator.calls_of("views.publish"))
    ws.slack.open_home(user)
    calls = ws.emulator.wait_for(lambda _: ws.emulator.calls_of("views.publish")[before:])
    assert calls[0].ok, calls[0].response
    home = ws.emulator.home(user)
    assert home is not None
    assert_within_limits(home)
    return home


def assert_within_limits(home: dict[str, Any]) -> None:
    blocks = home["blocks"]
    assert len(blocks) <= bk.VIEW_BLOCKS
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= bk.SECTION_LIMIT


def text_of(home: dict[str, Any]) -> str:
    return json.dumps(home["blocks"], ensure_ascii=False)


def buttons(home: dict[str, Any], action_id: str) -> list[dict[str, Any]]:
    found = []
    for block in home["blocks"]:
        elements = [block.get("accessory")] if block.get("accessory") else []
        elements += block.get("elements", []) if block["type"] == "actions" else []
        found += [e for e in elements if e.get("action_id") == action_id]
    return found


def initiative_id(ws: LocalWorkspace, name: str) -> int:
    with ws.db.read() as s:
        return s.exec(select(Initiative).where(Initiative.name == name)).one().id or 0


def request_id(ws: LocalWorkspace, name: str) -> int:
    with ws.db.read() as s:
        return (
            s.exec(
                select(ReviewRequest)
                .join(Initiative, Initiative.id == ReviewRequest.initiative_id)
                .where(Initiative.name == name)
            )
            .one()
            .id
            or 0
        )


def test_a_member_with_nothing_gets_the_invitation_and_no_figures(
    portfolio: LocalWorkspace,
) -> None:
    home = open_home(portfolio, MEMBER)
    text = text_of(home)
    assert "don't own any AI initiative yet" in text
    assert [b["text"]["text"] for b in buttons(home, Action.REGISTER_OPEN)] == [
        "Register an initiative"
    ]
    assert "$" not in text and "%" not in text
    for other in ("Support Assistant", "Campaign Writer", "Invoice Reader", "Old Bot"):
        assert other not in text
    assert "Portfolio" not in text and "Open alerts" not in text
    assert not buttons(home, Action.REVIEW_REPORT) and not buttons(home, Action.RECORD_OPEN)


def test_an_owner_sees_their_figures_next_review_open_request_and_alerts(
    portfolio: LocalWorkspace,
) -> None:
    ws = portfolio
    home = open_home(ws, SUPPORT)
    text = text_of(home)
    assert "You own or help with *2* initiatives." in text
    # Their initiatives: stage, this quarter's spend against the quarter's budget.
    assert "*Support Assistant* · Support · Pilot · <@U0SUPPORT>" in text
    assert "$9,200.00 of the Q3 2026 budget of $10,000.00 (92%), $800.00 left" in text
    assert "*Old Bot* · IT · Retired · <@U0SUPPORT>\\nNo spend in Q3 2026" in text
    assert "$99,999" not in text  # last quarter's cost is not this quarter's
    assert "Next quarterly review opens Mon, Oct 5, 2026." in text
    # The open review request, with the button that opens the report modal.
    assert "*Support Assistant*: quarterly review of Q2 2026, due Sep 3" in text
    assert "Waiting for your figures." in text
    assert "$800.00 left\\nReview open: waiting for figures." in text
    report = buttons(home, Action.REVIEW_REPORT)
    assert [(b["text"]["text"], b["value"]) for b in report] == [
        ("Report figures", str(request_id(ws, "Support Assistant")))
    ]
    # A Record figures button per initiative.
    record = buttons(home, Action.RECORD_OPEN)
    assert {b["value"] for b in record} == {
        str(initiative_id(ws, "Support Assistant")),
        str(initiative_id(ws, "Old Bot")),
    }
    assert {b["text"]["text"] for b in record} == {"Record figures"}
    # Their open alerts, in the alerts' own words.
    assert "Open alerts on your initiatives:* 2" in text
    assert "92% of the Q3 2026 budget used ($9,200.00 of $10,000.00), $800.00 left" in text
    # Nothing of anyone else's, and no portfolio.
    assert "Campaign Writer" not in text and "Invoice Reader" not in text
    assert "Portfolio" not in text and "Top spenders" not in text

    ws.slack.click(SUPPORT, Action.REVIEW_REPORT, value=report[0]["value"], view=home)
    modal = ws.emulator.wait_for(lambda _: ws.emulator.open_views(SUPPORT))
    assert modal[-1]["title"]["text"] == "Report figures"
    ws.emulator.close_view(SUPPORT)
    value = str(initiative_id(ws, "Support Assistant"))
    ws.slack.click(SUPPORT, Action.RECORD_OPEN, value=value, view=home)
    modal = ws.emulator.wait_for(lambda _: ws.emulator.open_views(SUPPORT))
    assert modal[-1]["title"]["text"] == "Record figures"


def test_a_delegate_sees_what_they_help_with_and_a_reported_request(
    portfolio: LocalWorkspace,
) -> None:
    finance = text_of(open_home(portfolio, FINANCE))
    assert "*Support Assistant* · Support · Pilot · <@U0SUPPORT> (you help)" in finance
    assert "$9,200.00 of the Q3 2026 budget" in finance
    assert "*Invoice Reader* · Finance · Production" in finance
    assert "$700.00 spent in Q3 2026, no budget set" in finance
    assert "Campaign Writer" not in finance

    market = open_home(portfolio, MARKET)
    text = text_of(market)
    assert "$1,500.00 of the Q3 2026 budget of $9,000.00 (16%), $7,500.00 left" in text
    assert "Reported; you can amend until a leader decides." in text
    assert [b["text"]["text"] for b in buttons(market, Action.REVIEW_REPORT)] == ["Amend figures"]
    assert "Support Assistant" not in text and "$9,200" not in text


def test_a_leader_sees_the_portfolio(portfolio: LocalWorkspace) -> None:
    home = open_home(portfolio, LEAD)
    text = text_of(home)
    assert "don't own any AI initiative yet" in text  # a leader with none of their own
    assert "Portfolio · Q3 2026" in text
    # $11,400 spent of $19,000 (10,000 + 3 x 3,000; the retired one's budget is out).
    assert "*Spend this quarter:* $11,400.00 of $19,000.00 budgeted (60%)" in text
    assert "*Initiatives:* 3 not retired, 1 of them without a budget" in text
    # $13,500 of value / $11,400 of spend.
    assert "*Value per AI dollar:* 1.18 ($13,500.00 of value from reported outcomes)" in text
    assert "_Sources: manual entries._" in text
    top = text[text.index("Top spenders") :]
    assert top.index("1. *Support Assistant* (Support) · $9,200.00 · 92% of its budget") < (
        top.index("2. *Campaign Writer* (Marketing) · $1,500.00 · 16% of its budget")
    )
    assert "3. *Invoice Reader* (Finance) · $700.00" in top
    assert "Old Bot" not in text  # no spend this quarter, not theirs
    assert "*Open alerts:* 2\\n" in text
    assert "*Support Assistant*: 92% of the Q3 2026 budget used" in text
    assert (
        "*Review of Q2 2026* (open, due Sep 3), 3 initiatives: 1 reported and awaiting a "
        "decision, 2 waiting for figures, 0 decided." in text
    )
    assert buttons(home, Action.REGISTER_OPEN)
    assert not buttons(home, Action.REVIEW_REPORT) and not buttons(home, Action.RECORD_OPEN)


def test_an_admin_sees_the_portfolio_too(portfolio: LocalWorkspace) -> None:
    text = text_of(open_home(portfolio, ADMIN))
    assert "Portfolio · Q3 2026" in text and "$11,400.00 of $19,000.00" in text


def test_a_portfolio_with_nothing_in_it(ws: LocalWorkspace) -> None:
    text = text_of(open_home(ws, LEAD))
    assert "*Spend this quarter:* $0.00; no budgets set" in text
    assert "*Initiatives:* 0 not retired" in text
    assert "no outcomes reported for Q3 2026 yet" in text
    assert "No spend recorded yet." in text
    assert "*Open alerts:* none" in text
    assert "no review cycle has run yet" in text


def test_sixty_initiatives_stay_within_block_kit_limits(ws: LocalWorkspace) -> None:
    long = "x" * 100
    with ws.db.write() as s:
        for n in range(60):
            i = register(
                s,
                name=f"Initiative {n:02d} {long}",
                department=f"Department {n % 7} {long[:60]}",
                owner=LEAD,
                stage="pilot",
                budget_amount="1000",
                budget_period="quarter",
            )
            cost(s, i, 7, "950")
        register(s, name="<!channel> & co", department="IT", owner=LEAD, stage="paused")
        review.open_cycle(s, quarter=Q2, now=NOW, actor=ADMIN, leaders=[LEAD])
        alerts.check(s, today=TODAY, now=NOW)
    home = open_home(ws, LEAD)
    text = text_of(home)
    assert "You own or help with *61* initiatives." in text
    assert "&lt;!channel&gt; &amp; co" in text and "<!channel>" not in text  # never pings
    assert "61 review requests" in text and "…and 46 more." in text
    assert "…and 36 more. `/aigov list` shows the whole inventory." in text
    assert "*Open alerts:* 120, the newest 5 below" in text
    assert "Portfolio · Q3 2026" in text and "$57,000.00 of $60,000.00 budgeted (95%)" in text
    assert len(buttons(home, Action.REVIEW_REPORT)) == 15
    assert len(buttons(home, Action.RECORD_OPEN)) == 25
