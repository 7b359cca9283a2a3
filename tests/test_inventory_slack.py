"""User stories of the inventory, driven through signed HTTP and the Slack emulator."""

from __future__ import annotations

from sqlmodel import select

from bot.offline.local import LocalWorkspace
from storage.models import AuditEntry, Delegate, Initiative

OWNER = "U0MARKET"
SUPPORT = "U0SUPPORT"


def open_register(ws: LocalWorkspace, user: str) -> dict:
    reply = ws.slack.command(user, "register")
    assert reply.status == 200
    return ws.emulator.wait_for(
        lambda _: ws.emulator.open_views(user) and ws.emulator.open_views(user)[-1]
    )


def register(ws: LocalWorkspace, user: str, **values: object) -> object:
    view = open_register(ws, user)
    return ws.slack.submit(user, view, values)


def dm_texts(ws: LocalWorkspace, user: str) -> list[str]:
    return [m.get("text", "") for m in ws.emulator.messages_to(user)]


def test_owner_registers_an_initiative(ws: LocalWorkspace) -> None:
    reply = register(
        ws,
        OWNER,
        name="Campaign Copy Writer",
        department="Marketing",
        description="Drafts ad copy & emails",
        use_case="marketing copy",
        provider="OpenAI",
        budget_amount="12,000",
        budget_period="quarter",
        value_per_outcome="0.002",
    )
    assert reply.status == 200 and not (reply.json or {}).get("errors")
    texts = ws.emulator.wait_for(lambda _: dm_texts(ws, OWNER))
    assert "Registered *Campaign Copy Writer*" in texts[0]
    with ws.db.read() as s:
        row = s.exec(select(Initiative)).one()
        assert row.owner_id == OWNER and row.stage == "pilot"
        assert row.budget_micros == 12_000 * 1_000_000 and row.budget_period == "quarter"
        assert row.value_per_outcome_micros == 2_000
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "initiative.register")).one()
        assert entry.actor == OWNER and entry.after["name"] == "Campaign Copy Writer"


def test_invalid_fields_are_inline_errors_and_store_nothing(ws: LocalWorkspace) -> None:
    reply = register(ws, OWNER, name="X", department="   ", budget_amount="1_000")
    errors = reply.json["errors"]
    assert set(errors) == {"department", "budget_amount"}
    assert "not an amount" in errors["budget_amount"]
    assert ws.emulator.open_views(OWNER), "the modal stays open"
    with ws.db.read() as s:
        assert s.exec(select(Initiative)).all() == []
        assert s.exec(select(AuditEntry)).all() == []


def test_duplicate_name_is_case_insensitive(ws: LocalWorkspace) -> None:
    register(ws, OWNER, name="Support Bot", department="Marketing")
    ws.emulator.wait_for(lambda _: dm_texts(ws, OWNER))
    reply = register(ws, SUPPORT, name="  support   BOT ", department="Support")
    assert "already exists" in reply.json["errors"]["name"]


def test_sprawl_warning_before_saving(ws: LocalWorkspace) -> None:
    register(
        ws,
        SUPPORT,
        name="Customer Support Assistant",
        department="Support",
        use_case="answer customer tickets",
        provider="OpenAI",
    )
    ws.emulator.wait_for(lambda _: dm_texts(ws, SUPPORT))
    reply = register(
        ws,
        OWNER,
        name="Support Assistant for Customers",
        department="Marketing",
        use_case="answer customer tickets",
        provider="OpenAI",
    )
    assert reply.json["response_action"] == "update"
    warned = ws.emulator.open_views(OWNER)[-1]
    text = str(warned["blocks"][0]["text"]["text"])
    assert "Customer Support Assistant" in text and "Support" in text
    with ws.db.read() as s:
        assert len(s.exec(select(Initiative)).all()) == 1, "nothing saved before confirming"
    # Submitting again without ticking the box keeps the modal open with an inline error.
    again = ws.slack.submit(OWNER, warned, {})
    assert "Tick the box" in again.json["errors"]["sprawl_ack"]
    done = ws.slack.submit(OWNER, ws.emulator.open_views(OWNER)[-1], {"sprawl_ack": ["yes"]})
    assert done.status == 200 and not (done.json or {}).get("errors")
    texts = ws.emulator.wait_for(lambda _: dm_texts(ws, OWNER))
    assert "Similar initiatives already run in other teams" in texts[0]
    with ws.db.read() as s:
        assert len(s.exec(select(Initiative)).all()) == 2


def test_name_with_channel_ping_is_escaped(ws: LocalWorkspace) -> None:
    register(ws, OWNER, name="<!channel> bot & co", department="R&D")
    text = ws.emulator.wait_for(lambda _: dm_texts(ws, OWNER))[0]
    assert "<!channel>" not in text and "&lt;!channel&gt; bot &amp; co" in text
    assert "&#39;" not in text
    ws.slack.command(OWNER, "list")
    posted = ws.emulator.wait_for(lambda calls: [c for c in calls if c.method == "response_url"])
    assert "<!channel>" not in str(posted[-1].args)


def test_list_and_show_hide_figures_from_members(ws: LocalWorkspace) -> None:
    register(
        ws,
        OWNER,
        name="Lead Scorer",
        department="Marketing",
        budget_amount="5000",
        budget_period="month",
    )
    ws.emulator.wait_for(lambda _: dm_texts(ws, OWNER))
    for user, sees in (("U0MEMBER", False), (OWNER, True), ("U0LEAD", True), ("U0ADMIN", True)):
        ws.emulator.clear()
        ws.slack.command(user, "list")
        listing = ws.emulator.wait_for(
            lambda calls: [c for c in calls if c.method == "response_url"]
        )
        assert "Lead Scorer" in str(listing[-1].args)
        assert ("$5,000.00" in str(listing[-1].args)) is sees, user
        ws.emulator.clear()
        ws.slack.command(user, "show lead scorer")
        card = ws.emulator.wait_for(lambda calls: [c for c in calls if c.method == "response_url"])
        assert ("$5,000.00" in str(card[-1].args)) is sees, user


def test_show_unknown_name_suggests(ws: LocalWorkspace) -> None:
    register(ws, OWNER, name="Lead Scorer", department="Marketing")
    ws.emulator.wait_for(lambda _: dm_texts(ws, OWNER))
    ws.slack.command("U0MEMBER", "show lead scorr")
    answer = ws.emulator.wait_for(lambda calls: [c for c in calls if c.method == "response_url"])
    assert "Did you mean *Lead Scorer*?" in answer[-1].args["text"]


def test_owner_edits_and_others_cannot(ws: LocalWorkspace) -> None:
    register(ws, OWNER, name="Lead Scorer", department="Marketing")
    ws.emulator.wait_for(lambda _: dm_texts(ws, OWNER))
    # A member may not open the editor.
    ws.slack.command("U0MEMBER", "edit Lead Scorer")
    denied = ws.emulator.wait_for(lambda calls: [c for c in calls if c.method == "response_url"])
    assert "Only the owner" in denied[-1].args["text"]
    assert not ws.emulator.open_views("U0MEMBER")
    # The owner changes the stage and adds a delegate.
    ws.slack.command(OWNER, "edit lead scorer")
    view = ws.emulator.wait_for(
        lambda _: ws.emulator.open_views(OWNER) and ws.emulator.open_views(OWNER)[-1]
    )
    reply = ws.slack.submit(OWNER, view, {"stage": "production", "delegates": [SUPPORT]})
    assert reply.status == 200 and not (reply.json or {}).get("errors")
    ws.emulator.wait_for(lambda _: any("Saved your changes" in t for t in dm_texts(ws, OWNER)))
    with ws.db.read() as s:
        row = s.exec(select(Initiative)).one()
        assert row.stage == "production"
        assert [d.user_id for d in s.exec(select(Delegate))] == [SUPPORT]
        edit = s.exec(select(AuditEntry).where(AuditEntry.action == "initiative.edit")).one()
        assert edit.before == {"delegates": [], "stage": "pilot"}
        assert edit.after == {"delegates": [SUPPORT], "stage": "production"}


def test_registering_for_someone_else_tells_the_owner(ws: LocalWorkspace) -> None:
    register(ws, "U0ADMIN", name="Contract Review", department="Legal", owner=SUPPORT)
    told = ws.emulator.wait_for(lambda _: dm_texts(ws, SUPPORT))
    assert "<@U0ADMIN> registered *Contract Review*" in told[0]
    assert (
        "Registered *Contract Review*" in ws.emulator.wait_for(lambda _: dm_texts(ws, "U0ADMIN"))[0]
    )


def test_show_without_a_name_asks_which(ws: LocalWorkspace) -> None:
    ws.slack.command("U0MEMBER", "show")
    answer = ws.emulator.wait_for(lambda calls: [c for c in calls if c.method == "response_url"])
    assert answer[-1].args["text"].startswith("Which initiative?")
    ws.slack.mention("U0MEMBER", "C0GENERAL", "")
    replies = ws.emulator.wait_for(
        lambda _: [m for m in ws.emulator.messages("C0GENERAL") if m.get("bot_id")]
    )
    assert replies[-1]["text"].startswith("*aigov* keeps the inventory")


def test_registration_notices_go_through_the_outbox(ws: LocalWorkspace) -> None:
    """The registrar's DM, the owner's when registered for them, and governance's sprawl
    notice: each one outbox message, sent once."""
    from storage.models import OutboxMessage
    from workflows.core import settings as ws_settings

    ws.emulator.add_channel("C0GOVERN", name="ai-governance", members=["U0ADMIN"])
    with ws.db.write() as s:
        ws_settings.put(s, key="governance_channel", text="C0GOVERN", actor="t")
    register(
        ws,
        SUPPORT,
        name="Customer Support Assistant",
        department="Support",
        use_case="answer customer tickets",
        provider="OpenAI",
    )
    ws.emulator.wait_for(lambda _: dm_texts(ws, SUPPORT))
    register(
        ws,
        "U0ADMIN",
        name="Support Assistant for Customers",
        department="Marketing",
        owner=OWNER,
        use_case="answer customer tickets",
        provider="OpenAI",
    )
    ws.slack.submit("U0ADMIN", ws.emulator.open_views("U0ADMIN")[-1], {"sprawl_ack": ["yes"]})

    def notices() -> list[dict]:
        return [m for m in ws.emulator.messages("C0GOVERN") if m.get("bot_id")]

    [notice] = ws.emulator.wait_for(lambda _: notices())
    assert "<@U0ADMIN> registered *Support Assistant for Customers*" in notice["text"]
    assert "Customer Support Assistant" in notice["text"]
    told = ws.emulator.wait_for(lambda _: dm_texts(ws, OWNER))
    assert "<@U0ADMIN> registered *Support Assistant for Customers*" in told[0]
    with ws.db.read() as s:
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "message")).all()
    ends = sorted(r.dedupe_key.rsplit(":", 1)[-1] for r in rows)
    assert ends == ["owner", "registered", "registered", "sprawl"]
    assert {r.target for r in rows if r.dedupe_key.endswith(":sprawl")} == {"C0GOVERN"}
    assert notice["metadata"]["event_payload"]["key"].endswith(":sprawl")
