"""Views of budget alerts: the grouped notice with its buttons, the `/aigov alerts`
listing, the raise-budget modal."""

from __future__ import annotations

from collections.abc import Sequence

from bot.ids import Action, Callback
from bot.views import blocks as bk
from storage.models import BUDGET_PERIODS, Alert, AlertStatus
from templates import say, tables

TEMPLATE = "alerts.j2"
MAX_ALERTS = 15  # up to 3 blocks each within Slack's 50 per message
MAX_LISTED = 40  # lines of `/aigov alerts`, well within an ephemeral message


def line(alert: Alert, name: str, currency: str) -> str:
    return say(TEMPLATE, "line", alert, name, currency)


def notice(
    alerts: Sequence[tuple[Alert, str]], *, currency: str, buttons: bool, show_figures: bool = True
) -> tuple[str, list[bk.Block]]:
    """One message for several alerts; with buttons (governance) each gets its actions.
    Without figures (someone in the channel may not see them) each alert says what
    happened, not how much, and gets a Show figures button."""
    head = say(TEMPLATE, "header", len(alerts), plain=True)
    blocks: list[bk.Block] = [bk.header(head)]
    if not show_figures:
        blocks.append(bk.context(say(TEMPLATE, "figures_hidden")))
    for alert, name in list(alerts)[:MAX_ALERTS]:
        shown = (
            line(alert, name, currency)
            if show_figures
            else say(TEMPLATE, "line_hidden", alert, name)
        )
        blocks.append(bk.section(shown))
        if not buttons:
            continue
        if alert.status != AlertStatus.OPEN:
            blocks.append(bk.context(say(TEMPLATE, "state", alert)))
        elements = (
            _alert_buttons(alert) if alert.status in (AlertStatus.OPEN, AlertStatus.SNOOZED) else []
        )
        if not show_figures:
            elements.append(
                bk.button(
                    tables(TEMPLATE).SHOW_FIGURES, Action.SHOW_FIGURES, value=f"alert:{alert.id}"
                )
            )
        if elements:
            blocks.append(bk.actions(*elements))
    return say(TEMPLATE, "header", len(alerts)), blocks


def _alert_buttons(alert: Alert) -> list[bk.Block]:
    w, value = tables(TEMPLATE), str(alert.id)
    elements = [
        bk.button(w.BUTTONS["ack"], Action.ALERT_ACK, value=value, style="primary"),
        bk.button(w.BUTTONS["snooze"], Action.ALERT_SNOOZE, value=value),
    ]
    if alert.initiative_id is not None and alert.kind in ("threshold", "forecast"):
        elements.append(bk.button(w.BUTTONS["raise"], Action.ALERT_RAISE, value=value))
    if alert.initiative_id is not None:
        elements.append(bk.button(w.BUTTONS["review"], Action.ALERT_REVIEW, value=value))
    return elements


def listing(alerts: Sequence[tuple[Alert, str]], *, currency: str, scoped: bool) -> str:
    """`/aigov alerts`: a header and a line with its state per alert (the newest first)."""
    if not alerts:
        return say(TEMPLATE, "none_open", scoped)
    lines = [say(TEMPLATE, "listing_header", len(alerts), scoped)]
    lines += [
        f"{line(alert, name, currency)} _{say(TEMPLATE, 'state', alert)}_"
        for alert, name in list(alerts)[:MAX_LISTED]
    ]
    return "\n".join(lines)


def raise_modal(*, alert: Alert, amount: str, period: str | None) -> bk.Block:
    w = tables(TEMPLATE)
    periods = [(p, w.PERIOD_NAMES[p]) for p in BUDGET_PERIODS]
    return bk.modal(
        title=w.TITLES["raise"],
        callback_id=Callback.ALERT_RAISE,
        blocks=[
            bk.text_input("budget_amount", w.LABELS["budget_amount"], initial=amount),
            bk.choice_input(
                "budget_period", w.LABELS["budget_period"], periods, initial=period or "quarter"
            ),
        ],
        submit=w.TITLES["save"],
        close=w.TITLES["close"],
        metadata={"alert_id": alert.id},
    )
