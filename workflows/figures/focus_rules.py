"""`aigov focus map`: the rules that map FOCUS billing rows to initiatives.

A rule matches a tag (key and value, case-insensitive), a ServiceName, a SubAccountName
or a ResourceId prefix, and names an initiative and a cost category. `import focus`
tries them in id order after the `aigov-initiative` tag. Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from storage.models import CATEGORIES, FocusRule, Initiative
from workflows.core import audit
from workflows.core.errors import Invalid, NotFound, Problem
from workflows.figures.cost_imports import Initiatives
from workflows.figures.focus import MATCH_KINDS
from workflows.inventory.inventory import suggest


@dataclass(frozen=True)
class RuleView:
    id: int
    match: str
    key: str
    value: str
    initiative: str
    category: str


def add_rule(
    session: Session,
    *,
    match: str,
    key: str = "",
    value: str,
    initiative: str,
    category: str = "inference",
    actor: str,
    source: str = "cli",
) -> RuleView:
    """Validate and store a mapping rule (audited)."""
    problems: dict[str, Problem] = {}
    key, value, category = key.strip(), value.strip(), category.strip().lower()
    if match not in MATCH_KINDS:
        problems["match"] = Problem("bad_choice", {"value": match, "allowed": MATCH_KINDS})
    if match == "tag" and not key:
        problems["key"] = Problem("required")
    if not value:
        problems["value"] = Problem("required")
    if category not in CATEGORIES:
        problems["category"] = Problem("bad_choice", {"value": category, "allowed": CATEGORIES})
    for text, limit, name in ((key, 200, "key"), (value, 500, "value")):
        if len(text) > limit:
            problems[name] = Problem("too_long", {"max": limit})
    if problems:
        raise Invalid(problems)
    known = Initiatives(session)
    found = known.resolve(initiative)
    if found is None:
        suggestions = suggest(known.by_id.values(), initiative)
        raise NotFound(kind="initiative", query=initiative.strip(), suggestions=suggestions)
    key = key if match == "tag" else ""
    same = _same_rules(session, match, key, value)
    if same:
        raise Invalid({"value": Problem("duplicate_rule", {"id": same[0].id})})
    rule = FocusRule(
        match=match,
        key=key,
        value=value,
        initiative_id=found[0],
        category=category,
        created_by=actor,
    )
    session.add(rule)
    session.flush()
    view = _view(rule, found[1])
    audit.record(
        session,
        actor=actor,
        action="focus_rule.add",
        entity="focus_rule",
        entity_id=rule.id,
        after=_audit_row(view),
        source=source,
    )
    return view


def _same_rules(session: Session, match: str, key: str, value: str) -> list[FocusRule]:
    rules = session.exec(select(FocusRule).where(FocusRule.match == match)).all()
    if match == "tag":
        wanted = (key.casefold(), value.casefold())
        return [r for r in rules if (r.key.casefold(), r.value.casefold()) == wanted]
    return [r for r in rules if r.value == value]


def list_rules(session: Session) -> list[RuleView]:
    """Every rule in the order they are tried."""
    query = (
        select(FocusRule, Initiative.name)
        .join(Initiative, Initiative.id == FocusRule.initiative_id)
        .order_by(col(FocusRule.id))
    )
    return [_view(rule, name) for rule, name in session.exec(query)]


def remove_rule(session: Session, *, rule_id: int, actor: str, source: str = "cli") -> RuleView:
    """Delete a rule (audited); `Invalid` if there is no such rule."""
    rule = session.get(FocusRule, rule_id)
    if rule is None:
        raise Invalid({"id": Problem("unknown_rule", {"id": rule_id})})
    initiative = session.get(Initiative, rule.initiative_id)
    view = _view(rule, initiative.name if initiative is not None else "")
    session.delete(rule)
    audit.record(
        session,
        actor=actor,
        action="focus_rule.remove",
        entity="focus_rule",
        entity_id=rule_id,
        before=_audit_row(view),
        source=source,
    )
    session.flush()
    return view


def _view(rule: FocusRule, initiative: str) -> RuleView:
    return RuleView(
        id=int(rule.id or 0),
        match=rule.match,
        key=rule.key,
        value=rule.value,
        initiative=initiative,
        category=rule.category,
    )


def _audit_row(view: RuleView) -> dict[str, Any]:
    return {
        "match": view.match,
        "key": view.key,
        "value": view.value,
        "initiative": view.initiative,
        "category": view.category,
    }
