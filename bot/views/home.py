"""The App Home view: the register button and the person's own initiatives for everyone,
figures and open review requests for owners, the portfolio for leaders and admins.

Within Block Kit's limits whatever the inventory: at most 100 blocks (each list is
capped, with a line saying how many more there are) and 3,000 characters a section.
"""

from __future__ import annotations

from bot.ids import Action
from bot.views import blocks as bk
from storage.models import RequestStatus
from templates import say, tables
from workflows.core.access import Viewer, sees_portfolio
from workflows.home import OwnerHome, PortfolioHome

TEMPLATE = "home.j2"
MAX_REQUESTS = 15  # one section (with its button) each
MAX_INITIATIVES = 25  # one section (with its button) each
MAX_ALERTS = 10  # lines, packed into sections


def home(
    *, viewer: Viewer, mine: OwnerHome, portfolio: PortfolioHome | None, currency: str
) -> bk.Block:
    """The whole Home tab; `portfolio` is shown only to leaders and admins.

    `mine` must be the viewer's own (their initiatives, requests and alerts): it is the
    only place figures of single initiatives appear.
    """
    if mine.user_id != viewer.user_id:
        raise ValueError("the owner home of someone else")
    blocks: list[bk.Block] = [
        bk.header(say(TEMPLATE, "header", plain=True)),
        bk.section(say(TEMPLATE, "intro", len(mine.initiatives))),
        bk.actions(
            bk.button(
                say("inventory.j2", "button", "register", plain=True),
                Action.REGISTER_OPEN,
                style="primary",
            )
        ),
    ]
    blocks += _requests(mine)
    if portfolio is not None and sees_portfolio(viewer):
        blocks += _portfolio(portfolio, currency)
    blocks += _initiatives(mine, currency)
    blocks += _alerts(mine, currency)
    return {"type": "home", "blocks": blocks[: bk.VIEW_BLOCKS]}


def _requests(mine: OwnerHome) -> list[bk.Block]:
    if not mine.requests:
        return []
    w = tables(TEMPLATE)
    blocks = [bk.divider(), bk.section(say(TEMPLATE, "requests_header", len(mine.requests)))]
    for r in mine.requests[:MAX_REQUESTS]:
        name = "report" if r.status == RequestStatus.PENDING else "amend"
        button = bk.button(
            w.BUTTONS[name],
            Action.REVIEW_REPORT,
            value=str(r.request_id),
            style="primary" if name == "report" else None,
        )
        blocks.append(bk.section(say(TEMPLATE, "request_line", r), accessory=button))
    if len(mine.requests) > MAX_REQUESTS:
        blocks.append(bk.context(say(TEMPLATE, "more_requests", len(mine.requests) - MAX_REQUESTS)))
    return blocks


def _initiatives(mine: OwnerHome, currency: str) -> list[bk.Block]:
    if not mine.initiatives:
        return []
    w = tables(TEMPLATE)
    blocks = [bk.divider(), bk.section(say(TEMPLATE, "mine_header", mine.quarter))]
    if mine.next_review is not None:
        blocks.append(bk.context(say(TEMPLATE, "next_review", mine.next_review)))
    for i in mine.initiatives[:MAX_INITIATIVES]:
        button = bk.button(w.BUTTONS["record"], Action.RECORD_OPEN, value=str(i.id))
        blocks.append(
            bk.section(say(TEMPLATE, "initiative_line", i, mine.quarter, currency), accessory=button)
        )
    if len(mine.initiatives) > MAX_INITIATIVES:
        blocks.append(
            bk.context(say(TEMPLATE, "more_initiatives", len(mine.initiatives) - MAX_INITIATIVES))
        )
    return blocks


def _alerts(mine: OwnerHome, currency: str) -> list[bk.Block]:
    if not mine.alerts:
        return []
    lines = [say("alerts.j2", "line", a.alert, a.name, currency) for a in mine.alerts[:MAX_ALERTS]]
    head = say(TEMPLATE, "alerts_header", len(mine.alerts))
    return [bk.divider(), *bk.sections([head, *lines])][:4]


def _portfolio(p: PortfolioHome, currency: str) -> list[bk.Block]:
    alert_lines = [say("alerts.j2", "line", a.alert, a.name, currency) for a in p.alerts]
    return [
        bk.divider(),
        bk.header(say(TEMPLATE, "portfolio_header", p.quarter, plain=True)),
        bk.section(say(TEMPLATE, "portfolio_summary", p, currency)),
        *([bk.context(say(TEMPLATE, "portfolio_sources", p))] if p.sources else []),
        bk.section(say(TEMPLATE, "top_spenders", p.top, currency)),
        *bk.sections([say(TEMPLATE, "portfolio_alerts", p.alerts_open), *alert_lines])[:2],
        bk.section(say(TEMPLATE, "review_progress", p.review)),
    ]
