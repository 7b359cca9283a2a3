"""The authorisation matrix: every action the bot offers x every persona, over signed
HTTP against the emulator, allowed or refused as the SPEC's roles table says; a refusal
tells the person and changes nothing (the tables compared before and after).

Roles (SPEC "People and roles"): admins configure (settings, schedules, imports,
starting cycles) and may edit any initiative, so may report its figures (recorded as on
behalf of the owner); leaders see every figure and decide reviews; owners and delegates
edit, report and see their own initiative; members see the inventory without figures.
A refused modal submission is sent as a forged one would be (someone else's view, ids
in its metadata): the server's check is what is tested, not the button's absence.

SQLite by default; PostgreSQL too with AIGOV_SOAK=1.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from bot.ids import Action
from bot.offline.local import LocalWorkspace
from bot.schedule.alerting import check_now
from storage.models import DECISIONS, ReviewRequest
from workflows.core import settings as ws_settings
from workflows.core.periods import FiscalCalendar
from workflows.figures.costs import Figure, record_reported
from workflows.inventory import inventory
from workflows.reviews import review

GOVERN = "C0GOVERN"
OWNER, OTHER, DELEGATE = "U0SUPPORT", "U0MARKET", "U0FINANCE"
MEMBER, LEAD, ADMIN, NOBODY = "U0MEMBER", "U0LEAD", "U0ADMIN", "U0NOBODY"
HELPER = "U0HELPER"  # whom requests are handed to: none of the personas
PERSONAS = {
    "member": MEMBER,
    "other_owner": OTHER,
    "owner": OWNER,
    "delegate": DELEGATE,
    "leader": LEAD,
    "admin": ADMIN,
    "unknown": NOBODY,  # a workspace member the bot has never seen: no Person row, no role
}
NOW = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)  # a Tuesday in Q4; the Q3 review is open
# What every refusal says (templates/errors.j2 `forbidden`, the hidden-figures notes).
REFUSALS = (
    "Only ",
    "nothing was changed",
    "aren't allowed",
    "may not see",
    "shown to",
    "visible to",
    "is for leaders",
)

BACKEND = [
    "sqlite",
    *(
        [pytest.param("postgres", marks=pytest.mark.postgres)]
        if os.environ.get("AIGOV_SOAK") == "1"
        else []
    ),
]


@pytest.fixture(params=BACKEND)
def authz_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "aigov.db"
        path.write_bytes(sqlite_template.read_bytes())
        return f"sqlite:///{path}"
    from tests.conftest import _truncate

    url = request.getfixturevalue("postgres_url")
    _truncate(url)
    return url


@dataclass
class World:
    """The workspace with one initiative of each kind of owner, an open review, an alert."""

    ws: LocalWorkspace
    target: int = 0  # Target Bot: OWNER's, DELEGATE helps
    request: int = 0  # its Q3 review request
    cycle: int = 0
    alert: int = 0  # its 80% threshold alert
    heard: list[Heard] = field(default_factory=list)  # every attempt of the current persona


@pytest.fixture
def world(authz_url: str) -> Iterator[World]:
    with LocalWorkspace(database_url=authz_url, migrate=False, now=lambda: NOW) as ws:
        w = World(ws)
        ws.emulator.add_user(NOBODY, name="nobody", real_name="Nobody", email="no@example.com")
        ws.emulator.add_user(HELPER, name="hal", real_name="Hal", email="hal@example.com")
        with ws.db.write() as s:
            ws_settings.put(s, key="governance_channel", text=GOVERN, actor=ADMIN)
            for raw, helpers in (
                (
                    {
                        "name": "Target Bot",
                        "department": "Support",
                        "owner": OWNER,
                        "stage": "pilot",
                        "budget_amount": "1000",
                        "budget_period": "quarter",
                    },
                    [DELEGATE],
                ),
                (
                    {
                        "name": "Other Bot",
                        "department": "Marketing",
                        "owner": OTHER,
                        "stage": "pilot",
                    },
                    [],
                ),
            ):
                made = inventory.register(
                    s, raw=raw, actor=ADMIN, resolve_user=lambda u: u, delegates=helpers
                )
                w.target = w.target or made.id or 0
            record_reported(
                s,
                [Figure(w.target, "inference", "month", date(2026, 10, 1), Decimal("950"))],
                source="import",
                actor="t",
            )
            q3 = FiscalCalendar(1).quarter_of(date(2026, 9, 1))
            opened = review.open_cycle(
                s, quarter=q3, now=NOW, actor=ADMIN, leaders=[LEAD], deliver_now=True
            )
            w.cycle = opened.cycle.id or 0
            w.request = next(
                r.id or 0 for r, i in review.open_requests_for(s, cycle_id=w.cycle, assignee=OWNER)
            )
        [w.alert] = [a.id or 0 for a in check_now(ws.rt).new if a.kind == "threshold"]
        assert ws.quiesce()
        yield w


# ---- doing things as someone, and what they were told --------------------------------


@dataclass
class Heard:
    """What one attempt got back: the calls the bot made to the person (ephemerals,
    replies, DMs, modals; not the channel posts it may cause), and the HTTP reply."""

    calls: list[Any]
    reply: Any = None

    @property
    def text(self) -> str:
        parts = [json.dumps(c.args, ensure_ascii=False) for c in self.calls]
        if self.reply is not None and self.reply.body:
            parts.append(self.reply.body.decode(errors="replace"))
        return "\n".join(parts)

    @property
    def refused(self) -> bool:
        return any(r in self.text for r in REFUSALS)

    def opened(self) -> bool:
        return any(c.method in ("views.open", "views.update") and c.ok for c in self.calls)

    @property
    def errors(self) -> dict[str, Any]:
        body = self.reply.json if self.reply is not None else None
        return (body or {}).get("errors") or {} if isinstance(body, dict) else {}


def attempt(w: World, actor: str, do: Callable[[], Any]) -> Heard:
    w.ws.emulator.clear()
    reply = do()
    assert w.ws.quiesce(), "the app did not settle"
    heard = Heard(to(w, actor, w.ws.emulator.calls), reply)
    w.heard.append(heard)
    return heard


def to(w: World, user: str, calls: list[Any]) -> list[Any]:
    """The calls addressed to `user`: their ephemerals, the replies to what they sent
    (response_url), their DM, the modals opened for them."""
    dm = w.ws.emulator.dm_channel(user)
    return [
        c
        for c in calls
        if c.method in ("response_url", "views.open", "views.update", "views.push")
        or (c.method == "chat.postEphemeral" and c.args.get("user") == user)
        or (c.method in ("chat.postMessage", "chat.update") and c.args.get("channel") in (user, dm))
    ]


def press(w: World, user: str, action_id: str, value: str, *, channel: str = GOVERN) -> Heard:
    """A click on a button with this id and value (as Slack sends it, from any message)."""
    message = {
        "ts": "1700000000.000100",
        "blocks": [
            {
                "type": "actions",
                "block_id": "b",
                "elements": [
                    {
                        "type": "button",
                        "action_id": action_id,
                        "value": value,
                        "text": {"type": "plain_text", "text": "x"},
                    }
                ],
            }
        ],
    }
    return attempt(
        w,
        user,
        lambda: w.ws.slack.click(user, action_id, value=value, message=message, channel_id=channel),
    )


def command(w: World, user: str, words: str) -> Heard:
    return attempt(w, user, lambda: w.ws.slack.command(user, words))


def submit(w: World, user: str, view: dict[str, Any], values: dict[str, Any]) -> Heard:
    return attempt(w, user, lambda: w.ws.slack.submit(user, view, values))


def view_for(w: World, user: str, open_it: Callable[[], Heard]) -> dict[str, Any]:
    """A fresh modal as an allowed person gets it, for the one trying to submit it (a
    forged submission when that is someone else). Fresh each time: replies are keyed by
    the view, and a view submitted twice is one Slack delivery said again."""
    assert open_it().opened()
    view = w.ws.emulator.open_views(user)[-1]
    w.ws.emulator.close_view(user)
    return view


def ok(heard: Heard) -> bool:
    """A submission the app took (no inline errors) or an action that said no refusal."""
    return not heard.errors and not heard.refused


# ---- the actions: each returns whether the person was let do it -----------------------


def report_figures(w: World, user: str) -> bool:
    opened = press(w, user, Action.REVIEW_REPORT, str(w.request))
    view = view_for(w, OWNER, lambda: press(w, OWNER, Action.REVIEW_REPORT, str(w.request)))
    sent = submit(w, user, view, {"outcomes": "10"})
    return _same(opened.opened() and not opened.refused, ok(sent))


def record_figures(w: World, user: str) -> bool:
    opened = press(w, user, Action.RECORD_OPEN, str(w.target), channel="C0GENERAL")
    view = view_for(w, OWNER, lambda: press(w, OWNER, Action.RECORD_OPEN, str(w.target)))
    amount = str(5 + list(PERSONAS.values()).index(user))  # each a change of its own
    sent = submit(w, user, view, {"month": "2026-09", "cost_inference": amount})
    return _same(opened.opened() and not opened.refused, ok(sent) and "Recorded" in sent.text)


def snooze_reminders(w: World, user: str) -> bool:
    heard = press(
        w, user, Action.REVIEW_SNOOZE_DAY, str(w.cycle), channel=w.ws.emulator.dm_channel(user)
    )
    return "Snoozed" in heard.text and not heard.refused


def away(w: World, user: str) -> bool:
    opened = press(
        w, user, Action.REVIEW_AWAY, str(w.cycle), channel=w.ws.emulator.dm_channel(user)
    )
    view = w.ws.emulator.open_views(user)[-1]
    sent = submit(w, user, view, {"until": "2026-10-30"})
    return _same(opened.opened(), ok(sent) and "away until" in sent.text)


def delegate(w: World, user: str) -> bool:
    """Hand Target Bot's request to someone else (the modal as whoever holds it now)."""
    with w.ws.db.read() as s:
        holder = s.get(ReviewRequest, w.request).assignee_id
    view = view_for(w, holder, lambda: press(w, holder, Action.REVIEW_DELEGATE, str(w.cycle)))
    sent = submit(w, user, view, {"delegate_to": HELPER, "delegate_which": str(w.request)})
    return ok(sent) and "Handed to" in sent.text


def decide(decision: str) -> Callable[[World, str], bool]:
    def act(w: World, user: str) -> bool:
        action = f"{Action.REVIEW_DECIDE}.{decision}"
        opened = press(w, user, action, str(w.request))
        view = view_for(w, LEAD, lambda: press(w, LEAD, action, str(w.request)))
        sent = submit(w, user, view, {"rationale": "as the figures say"})
        return _same(opened.opened() and not opened.refused, ok(sent))

    act.__name__ = f"decide_{decision}"
    return act


def edit(w: World, user: str) -> bool:
    opened = press(w, user, Action.EDIT_OPEN, str(w.target), channel="C0GENERAL")
    view = view_for(w, OWNER, lambda: press(w, OWNER, Action.EDIT_OPEN, str(w.target)))
    sent = submit(w, user, view, {"description": f"edited by {user}"})
    return _same(opened.opened() and not opened.refused, ok(sent))


def acknowledge_alert(w: World, user: str) -> bool:
    return not press(w, user, Action.ALERT_ACK, str(w.alert)).refused


def snooze_alert(w: World, user: str) -> bool:
    return not press(w, user, Action.ALERT_SNOOZE, str(w.alert)).refused


def raise_budget(w: World, user: str) -> bool:
    opened = press(w, user, Action.ALERT_RAISE, str(w.alert))
    view = view_for(w, LEAD, lambda: press(w, LEAD, Action.ALERT_RAISE, str(w.alert)))
    sent = submit(w, user, view, {"budget_amount": "3,000"})
    return _same(opened.opened() and not opened.refused, ok(sent))


def open_review(w: World, user: str) -> bool:
    heard = press(w, user, Action.ALERT_REVIEW, str(w.alert))
    return "Opened an off-cycle review" in heard.text and not heard.refused


def budget_command(w: World, user: str) -> bool:
    return "set to $2,000.00 per quarter" in command(w, user, "budget Target Bot 2000 quarter").text


def admin_command(w: World, user: str) -> bool:
    opened = command(w, user, "admin")
    view = view_for(w, ADMIN, lambda: command(w, ADMIN, "admin"))
    sent = submit(w, user, view, {})
    return _same(opened.opened() and not opened.refused, ok(sent))


def review_start(w: World, user: str) -> bool:
    heard = command(w, user, "review start")
    return "review was already open" in heard.text and not heard.refused


def report_command(w: World, user: str) -> bool:
    heard = command(w, user, "report 2026Q3")
    return not heard.refused and bool(heard.calls)


def show_with_figures(w: World, user: str) -> bool:
    heard = command(w, user, "show Target Bot")
    return "$950.00" in heard.text


def question_with_figures(w: World, user: str) -> bool:
    heard = command(w, user, "how much did Target Bot cost this quarter?")
    return "$950.00" in heard.text


def _same(opened: bool, submitted: bool) -> bool:
    """The button and its modal's submission agree (else a hole: say which)."""
    assert opened == submitted, (
        f"opening {'let' if opened else 'refused'}, submitting {'let' if submitted else 'refused'}"
    )
    return opened


ALL = frozenset(PERSONAS)
STEWARDS = frozenset({"owner", "delegate"})
LEADERS_ADMINS = frozenset({"leader", "admin"})
CASES: list[tuple[Callable[[World, str], bool], frozenset[str]]] = [
    (report_figures, STEWARDS | {"admin"}),  # an admin: on behalf of the owner
    (record_figures, STEWARDS | {"admin"}),
    (snooze_reminders, frozenset({"owner", "other_owner"})),  # each snoozes their own requests
    (away, ALL),  # about oneself
    (delegate, STEWARDS | {"admin"}),
    *((decide(d), frozenset({"leader"})) for d in DECISIONS),
    (edit, STEWARDS | {"admin"}),
    (acknowledge_alert, STEWARDS | LEADERS_ADMINS),
    (snooze_alert, STEWARDS | LEADERS_ADMINS),
    (raise_budget, LEADERS_ADMINS),
    (open_review, LEADERS_ADMINS),
    (budget_command, LEADERS_ADMINS),
    (admin_command, frozenset({"admin"})),
    (review_start, frozenset({"admin"})),
    (report_command, LEADERS_ADMINS),
    (show_with_figures, STEWARDS | LEADERS_ADMINS),
    (question_with_figures, STEWARDS | LEADERS_ADMINS),
]

# Tables a refusal must leave alone (outbox rows compared without their send status,
# which moves on as earlier messages go out; replies to the one refused are left out).
TABLES = (
    "audit_entry",
    "review_request",
    "review_cycle",
    "initiative",
    "delegate",
    "department_budget",
    "alert",
    "setting",
    "cost_record",
    "outcome_record",
)


def snapshot(w: World, user: str) -> dict[str, Any]:
    engine = w.ws.db.engine
    names = set(inspect(engine).get_table_names())
    seen: dict[str, Any] = {}
    with engine.connect() as conn:
        for table in TABLES:
            if table in names:
                rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
                seen[table] = sorted(repr(tuple(r)) for r in rows)
        outbox = conn.execute(text("SELECT dedupe_key, kind, target FROM outbox")).all()
        # people: what they set themselves (the rest is a cache of Slack's directory)
        away = conn.execute(
            text("SELECT user_id, away_until FROM person WHERE away_until IS NOT NULL")
        ).all()
    seen["person"] = sorted(repr(tuple(r)) for r in away)
    seen["outbox"] = sorted(repr(tuple(r)) for r in outbox if r[2] != user)
    return seen


@pytest.mark.parametrize(("act", "allowed"), CASES, ids=[act.__name__ for act, _ in CASES])
def test_every_persona_is_let_or_refused_as_the_spec_says(
    world: World, act: Callable[[World, str], bool], allowed: frozenset[str]
) -> None:
    # Refusals first: the allowed attempts change things the later ones would see.
    order = sorted(PERSONAS, key=lambda p: p in allowed)
    verdicts = {}
    for persona in order:
        user = PERSONAS[persona]
        before = snapshot(world, user)
        world.heard = []
        verdicts[persona] = act(world, user)
        if not verdicts[persona]:
            said = [h for h in world.heard if h.refused]
            assert said, f"{act.__name__} refused {persona} without telling them"
            after = snapshot(world, user)
            changed = [t for t in before if before[t] != after[t]]
            assert not changed, f"{act.__name__} refused {persona} but changed {changed}"
    assert {p for p, let in verdicts.items() if let} == set(allowed)
