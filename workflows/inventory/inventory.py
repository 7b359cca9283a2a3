"""The initiative inventory: register, edit, find, list, and the sprawl check."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from storage.models import STAGES, Delegate, Initiative, Stage, utcnow
from workflows.core import audit
from workflows.core import settings as ws
from workflows.core.access import Viewer, can_edit
from workflows.core.errors import Forbidden, Invalid, NotFound, Problem
from workflows.inventory.fields import UserResolver, name_key, parse_fields

ACTIVE_STAGES = (Stage.PILOT, Stage.PRODUCTION)
_AUDIT_EXCLUDE = ("created_at", "updated_at", "name_key")


@dataclass(frozen=True)
class Similar:
    """An initiative in another team that looks like the one being registered."""

    initiative: Initiative
    score: int
    reasons: tuple[str, ...]


def register(
    session: Session,
    *,
    raw: Mapping[str, str | None],
    actor: str,
    resolve_user: UserResolver,
    delegates: Iterable[str] = (),
    source: str = "slack",
) -> Initiative:
    """Validate and store a new initiative."""
    values = validate(session, raw=raw, resolve_user=resolve_user)
    initiative = Initiative(**values, name_key=name_key(values["name"]), created_by=actor)
    session.add(initiative)
    session.flush()
    set_delegates(session, initiative=initiative, user_ids=delegates)
    audit.record(
        session,
        actor=actor,
        action="initiative.register",
        entity="initiative",
        entity_id=initiative.id,
        after=_snapshot(session, initiative),
        source=source,
    )
    return initiative


def validate(
    session: Session, *, raw: Mapping[str, str | None], resolve_user: UserResolver
) -> dict[str, Any]:
    """The typed fields of a new initiative, or `Invalid` listing every problem."""
    values = parse_fields(raw, resolve_user=resolve_user, currency=ws.get(session, "currency"))
    _check_unique_name(session, values["name"], exclude_id=None)
    return values


def update(
    session: Session,
    *,
    initiative_id: int,
    raw: Mapping[str, str | None],
    viewer: Viewer,
    resolve_user: UserResolver,
    delegates: Iterable[str] | None = None,
    source: str = "slack",
) -> tuple[Initiative, bool]:
    """Apply an edit (only the fields given); returns the row and whether anything changed."""
    initiative = _get(session, initiative_id)
    if not can_edit(
        viewer, owner_id=initiative.owner_id, delegates=delegates_of(session, initiative.id)
    ):
        raise Forbidden(action="edit")
    currency = ws.get(session, "currency")
    values = parse_fields(raw, resolve_user=resolve_user, partial=True, currency=currency)
    if "name" in values:
        _check_unique_name(session, values["name"], exclude_id=initiative.id)
        values["name_key"] = name_key(values["name"])
    before = _snapshot(session, initiative)
    for key, value in values.items():
        setattr(initiative, key, value)
    if delegates is not None:
        set_delegates(session, initiative=initiative, user_ids=delegates)
    after = _snapshot(session, initiative)
    if before == after:
        return initiative, False
    initiative.updated_at = utcnow()
    audit.record(
        session,
        actor=viewer.user_id,
        action="initiative.edit",
        entity="initiative",
        entity_id=initiative.id,
        before=before,
        after=after,
        source=source,
    )
    return initiative, True


def _snapshot(session: Session, initiative: Initiative) -> dict[str, Any]:
    data = audit.snapshot(initiative, exclude=_AUDIT_EXCLUDE)
    data["delegates"] = delegates_of(session, initiative.id)
    return data


def _get(session: Session, initiative_id: int) -> Initiative:
    initiative = session.get(Initiative, initiative_id)
    if initiative is None:
        raise NotFound(kind="initiative", query=str(initiative_id))
    return initiative


def _check_unique_name(session: Session, name: str, *, exclude_id: int | None) -> None:
    query = select(Initiative).where(Initiative.name_key == name_key(name))
    existing = session.exec(query).first()
    if existing is not None and existing.id != exclude_id:
        raise Invalid({"name": Problem("duplicate_name", {"existing": existing.name})})


def set_delegates(session: Session, *, initiative: Initiative, user_ids: Iterable[str]) -> None:
    wanted = {u for u in user_ids if u and u != initiative.owner_id}
    current = {
        d.user_id: d
        for d in session.exec(select(Delegate).where(Delegate.initiative_id == initiative.id))
    }
    for user_id in set(current) - wanted:
        session.delete(current[user_id])
    for user_id in sorted(wanted - set(current)):
        session.add(Delegate(initiative_id=initiative.id, user_id=user_id))
    session.flush()


def delegates_of(session: Session, initiative_id: int | None) -> list[str]:
    query = select(Delegate.user_id).where(Delegate.initiative_id == initiative_id)
    return sorted(session.exec(query).all())


def delegates_by_initiative(session: Session, ids: Iterable[int]) -> dict[int, list[str]]:
    ids = list(ids)
    result: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return result
    for row in session.exec(select(Delegate).where(Delegate.initiative_id.in_(ids))):
        result[row.initiative_id].append(row.user_id)
    return result


def stewards(session: Session, *, ids: Iterable[int]) -> list[tuple[str, list[str]]]:
    """(owner, delegates) of each of these initiatives that still exists: who, besides
    leaders and admins, may see its figures."""
    ids = list(ids)
    delegates = delegates_by_initiative(session, ids)
    found = [session.get(Initiative, i) for i in ids]
    return [(i.owner_id, delegates.get(i.id or 0, [])) for i in found if i is not None]


def find(session: Session, *, query: str) -> Initiative:
    """The initiative named `query` (case-insensitive, or `#id`), else NotFound with suggestions."""
    text = query.strip()
    digits = text[1:]
    # ASCII digits that fit an INTEGER id: "#²" or "#" and 20 nines are no id (and the
    # driver would refuse them rather than find nothing).
    if text.startswith("#") and digits.isascii() and digits.isdigit() and len(digits) <= 9:
        return _get(session, int(digits))
    exact = session.exec(select(Initiative).where(Initiative.name_key == name_key(text))).first()
    if exact is not None:
        return exact
    names = session.exec(select(Initiative.name)).all()
    contains = [n for n in names if name_key(text) in name_key(n)]
    if len(contains) == 1:
        return session.exec(select(Initiative).where(Initiative.name == contains[0])).one()
    raise NotFound(kind="initiative", query=text, suggestions=suggest(names, text))


def suggest(names: Iterable[str], text: str, *, limit: int = 3) -> list[str]:
    """'Did you mean' candidates, best first."""
    matches = process.extract(
        name_key(text),
        {n: name_key(n) for n in names},
        scorer=fuzz.WRatio,
        limit=limit,
        score_cutoff=60,
    )
    return [key for _value, _score, key in matches]


def list_initiatives(
    session: Session, *, text: str = "", owner_id: str | None = None
) -> list[Initiative]:
    """The inventory, filtered by stage, department, provider, owner or a name fragment."""
    query = select(Initiative)
    words = text.strip()
    if owner_id:
        query = query.where(Initiative.owner_id == owner_id)
    if words.lower() in STAGES:
        query = query.where(Initiative.stage == words.lower())
    elif words.lower() == "active":
        query = query.where(Initiative.stage.in_(ACTIVE_STAGES))
    elif words:
        pattern = f"%{words.lower()}%"
        query = query.where(
            or_(
                func.lower(Initiative.department) == words.lower(),
                func.lower(Initiative.provider) == words.lower(),
                Initiative.owner_id == words.strip("<@>").split("|")[0],
                func.lower(Initiative.name).like(pattern),
                func.lower(Initiative.use_case).like(pattern),
            )
        )
    return list(session.exec(query.order_by(Initiative.department, Initiative.name_key)))


def similar(
    session: Session,
    *,
    name: str,
    department: str,
    description: str = "",
    use_case: str = "",
    provider: str = "",
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[Similar]:
    """Active initiatives in other departments that look like this one (sprawl)."""
    query = select(Initiative).where(
        Initiative.stage.in_(ACTIVE_STAGES),
        func.lower(Initiative.department) != department.strip().lower(),
    )
    found = []
    for other in session.exec(query):
        if other.id == exclude_id:
            continue
        match = _similarity(
            other, name=name, description=description, use_case=use_case, provider=provider
        )
        if match is not None:
            found.append(Similar(other, *match))
    return sorted(found, key=lambda s: -s.score)[:limit]


def _similarity(
    other: Initiative, *, name: str, description: str, use_case: str, provider: str
) -> tuple[int, tuple[str, ...]] | None:
    reasons: list[str] = []
    name_score = fuzz.token_set_ratio(name_key(name), name_key(other.name))
    use_score = _ratio(use_case, other.use_case)
    text_score = _ratio(
        f"{name} {use_case} {description}", f"{other.name} {other.use_case} {other.description}"
    )
    same_provider = bool(provider) and provider.strip().lower() == other.provider.strip().lower()
    if name_score >= 80:
        reasons.append("name")
    if use_score >= 75:
        reasons.append("use_case")
    if text_score >= 70:
        reasons.append("description")
    if not reasons:
        return None
    if same_provider:
        reasons.append("provider")
    score = max(name_score, use_score, text_score) + (5 if same_provider else 0)
    return int(min(score, 100)), tuple(reasons)


def _ratio(a: str, b: str) -> float:
    a, b = name_key(a), name_key(b)
    if not a or not b:
        return 0.0
    return fuzz.token_set_ratio(a, b)


def sprawl(session: Session) -> list[tuple[Initiative, list[Similar]]]:
    """Every active initiative with the look-alikes it has in other departments (each
    pair listed once)."""
    active = list(session.exec(select(Initiative).where(col(Initiative.stage).in_(ACTIVE_STAGES))))
    seen: set[frozenset[int]] = set()
    found = []
    for initiative in sorted(active, key=lambda i: i.name_key):
        matches = []
        for match in similar(
            session,
            name=initiative.name,
            department=initiative.department,
            description=initiative.description,
            use_case=initiative.use_case,
            provider=initiative.provider,
            exclude_id=initiative.id,
        ):
            pair = frozenset((initiative.id or 0, match.initiative.id or 0))
            if pair not in seen:
                seen.add(pair)
                matches.append(match)
        if matches:
            found.append((initiative, matches))
    return found
