"""Who may do and see what (the spec's roles: admin, leader, owner, member)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlmodel import Session

from workflows.core import settings as ws


@dataclass(frozen=True)
class Viewer:
    """The person asking, with the roles that apply everywhere."""

    user_id: str
    is_admin: bool = False
    is_leader: bool = False

    @property
    def sees_all_figures(self) -> bool:
        return self.is_admin or self.is_leader


def viewer_for(
    session: Session,
    user_id: str,
    *,
    env_admins: Iterable[str] = (),
    env_leaders: Iterable[str] = (),
    group_members: Callable[[str], set[str]] | None = None,
) -> Viewer:
    """Roles from the environment plus the `admins` / `leaders` settings.

    Settings may name a Slack user group (`S...`); `group_members` expands it.
    """
    admins = _expand([*env_admins, *ws.get(session, "admins")], group_members)
    leaders = _expand([*env_leaders, *ws.get(session, "leaders")], group_members)
    return Viewer(user_id=user_id, is_admin=user_id in admins, is_leader=user_id in leaders)


def _expand(ids: list[str], group_members: Callable[[str], set[str]] | None) -> set[str]:
    users: set[str] = set()
    for entry in ids:
        if entry.startswith("S") and group_members is not None:
            users |= group_members(entry)
        else:
            users.add(entry)
    return users


def is_steward(viewer: Viewer, *, owner_id: str, delegates: Iterable[str]) -> bool:
    """The owner or one of the delegates of an initiative."""
    return viewer.user_id == owner_id or viewer.user_id in set(delegates)


def can_see_figures(viewer: Viewer, *, owner_id: str, delegates: Iterable[str]) -> bool:
    return viewer.sees_all_figures or is_steward(viewer, owner_id=owner_id, delegates=delegates)


def can_edit(viewer: Viewer, *, owner_id: str, delegates: Iterable[str]) -> bool:
    return viewer.is_admin or is_steward(viewer, owner_id=owner_id, delegates=delegates)


# One function per permission rule: listeners, views, questions and the domain all ask
# these, so a rule is changed in one place.


def may_configure(viewer: Viewer) -> bool:
    """Settings, schedules, imports, starting cycles: admins."""
    return viewer.is_admin


def may_decide(viewer: Viewer) -> bool:
    """Deciding a review: leaders (the spec's roles: admins configure, leaders decide)."""
    return viewer.is_leader


def may_open_review(viewer: Viewer) -> bool:
    """Opening an off-cycle review (from a budget alert): it starts a review, which admins
    do, and asks for a decision, which leaders make; so both."""
    return viewer.is_admin or viewer.is_leader


def reports_on_behalf(viewer: Viewer, *, owner_id: str, delegates: Iterable[str]) -> bool:
    """An admin entering an initiative's figures without being its owner or a delegate:
    allowed (admins may edit any initiative), and recorded as "on behalf of" the owner."""
    return viewer.is_admin and not is_steward(viewer, owner_id=owner_id, delegates=delegates)


def may_set_budget(viewer: Viewer) -> bool:
    """Setting or raising a budget: admins and leaders."""
    return viewer.is_admin or viewer.is_leader


def sees_portfolio(viewer: Viewer) -> bool:
    """Every initiative's figures, the portfolio report and the portfolio home."""
    return viewer.sees_all_figures
