"""Roles, teams, working relationships and break-glass: every write and rule about who may see what."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from core.access.models import BreakGlassAccess, Team, TeamMember
from core.extensions import db
from core.permissions import acting_user, authorize, can
from core.security.models import Role, RolePermission, User
from core.types import utcnow

MANAGE_ROLES = "admin.roles.manage"
MANAGE_TEAMS = "admin.teams.manage"
SEE_SENSITIVE = "people.sensitive.view"
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
BREAK_GLASS_MINUTES = 60
REASON_MINIMUM = 10


class AccessError(ValueError):
    """A change was refused; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class BreakGlassRequired(Exception):
    """The person is restricted and the user has no working relationship: they must give a reason first."""

    def __init__(self, person_id: int) -> None:
        super().__init__(person_id)
        self.person_id = person_id


# --- roles -------------------------------------------------------------------------------------------------------


def registered_permissions() -> list:
    """Every permission the enabled modules register, grouped for display by their owner."""
    system = current_app.extensions["ppp"]
    return sorted(system.permissions.values(), key=lambda p: (system.permissions.owner(p.name), p.name))


def permission_owner(name: str) -> str:
    return current_app.extensions["ppp"].permissions.owner(name)


def list_roles() -> list[Role]:
    authorize(MANAGE_ROLES)
    return list(db.session.scalars(select(Role).order_by(Role.name)))


def _check_permissions(names: list[str]) -> set[str]:
    registry = current_app.extensions["ppp"].permissions
    unknown = [name for name in names if name not in registry]
    if unknown:
        raise AccessError("permissions", f'"{unknown[0]}" is not a permission of any enabled module')
    return set(names)


def create_role(code: str, name: str, description: str, permissions: list[str]) -> Role:
    """Create a role holding the given permissions."""
    authorize(MANAGE_ROLES)
    code = code.strip().lower()
    if not CODE_PATTERN.match(code):
        raise AccessError("code", "Code must start with a letter and use only a-z, 0-9 and _")
    if db.session.scalar(select(Role).where(Role.code == code)) is not None:
        raise AccessError("code", f'A role with the code "{code}" already exists')
    if not name.strip():
        raise AccessError("name", "Enter a name")
    role = Role(
        code=code,
        name=name.strip(),
        description=description.strip(),
        grants=[RolePermission(permission=p) for p in sorted(_check_permissions(permissions))],
    )
    db.session.add(role)
    db.session.flush()
    return role


def update_role(role: Role, name: str, description: str, permissions: list[str]) -> Role:
    """Rename a role and set its permissions; grants of disabled modules' permissions are kept, not dropped."""
    authorize(MANAGE_ROLES)
    if not name.strip():
        raise AccessError("name", "Enter a name")
    wanted = _check_permissions(permissions)
    if role.grants_all and wanted != set():
        raise AccessError(
            "permissions", f"{role.name} holds every permission; its permissions cannot be chosen"
        )
    registry = current_app.extensions["ppp"].permissions
    role.name = name.strip()
    role.description = description.strip()
    # only registered permissions are edited here; a disabled module's grants wait for it to come back
    role.grants = [g for g in role.grants if g.permission not in registry or g.permission in wanted]
    held = {g.permission for g in role.grants}
    role.grants.extend(RolePermission(permission=p) for p in sorted(wanted - held))
    db.session.flush()
    return role


# --- teams -------------------------------------------------------------------------------------------------------


def team_types() -> list:
    return list(current_app.extensions["ppp"].team_types.values())


def list_teams(team_type: str | None = None, include_inactive: bool = True) -> list[Team]:
    query = select(Team).order_by(Team.name)
    if team_type:
        query = query.where(Team.team_type == team_type)
    if not include_inactive:
        query = query.where(Team.active.is_(True))
    return list(db.session.scalars(query))


def create_team(code: str, name: str, team_type: str, description: str = "") -> Team:
    """Create a team of a registered type."""
    authorize(MANAGE_TEAMS)
    code = code.strip().lower()
    if not CODE_PATTERN.match(code):
        raise AccessError("code", "Code must start with a letter and use only a-z, 0-9 and _")
    if db.session.scalar(select(Team).where(Team.code == code)) is not None:
        raise AccessError("code", f'A team with the code "{code}" already exists')
    if team_type not in current_app.extensions["ppp"].team_types:
        raise AccessError("team_type", "Select a team type")
    if not name.strip():
        raise AccessError("name", "Enter a name")
    team = Team(code=code, name=name.strip(), team_type=team_type, description=description.strip())
    db.session.add(team)
    db.session.flush()
    return team


def update_team(team: Team, name: str, description: str, active: bool) -> Team:
    authorize(MANAGE_TEAMS)
    if not name.strip():
        raise AccessError("name", "Enter a name")
    team.name, team.description, team.active = name.strip(), description.strip(), active
    db.session.flush()
    return team


def add_member(team: Team, user: User, is_manager: bool = False) -> TeamMember:
    """Add a user to a team, or change whether they manage it."""
    authorize(MANAGE_TEAMS)
    if not team.active:
        raise AccessError("user_id", f"{team.name} is inactive: reactivate it before adding members")
    member = next((m for m in team.members if m.user_id == user.id), None)
    if member is None:
        member = TeamMember(user_id=user.id, is_manager=is_manager)
        team.members.append(member)
    member.is_manager = is_manager
    db.session.flush()
    return member


def remove_member(team: Team, user_id: int) -> None:
    authorize(MANAGE_TEAMS)
    team.members = [m for m in team.members if m.user_id != user_id]
    db.session.flush()


def team_ids_of(user: User, team_type: str | None = None) -> set[int]:
    """The active teams a user belongs to, optionally of one type; modules use this to scope trays and records."""
    query = select(Team.id).join(TeamMember).where(TeamMember.user_id == user.id, Team.active.is_(True))
    if team_type:
        query = query.where(Team.team_type == team_type)
    return set(db.session.scalars(query))


# --- working relationships, sensitive fields and break-glass -------------------------------------------------


def has_working_relationship(person_id: int, user: User | None = None) -> bool:
    """Whether any area or module says the user works with the person."""
    user = user or acting_user()
    if user is None:
        return False
    answers = current_app.extensions["ppp"].pm.hook.has_working_relationship(user=user, person_id=person_id)
    return any(answer is True for answer in answers)


def can_see_sensitive(person_id: int, user: User | None = None) -> bool:
    """Sensitive fields (medical conditions, special needs, safeguarding notes) show to staff working with the person
    and to holders of people.sensitive.view."""
    user = user or acting_user()
    return user is not None and (can(SEE_SENSITIVE, user) or has_working_relationship(person_id, user))


def active_break_glass(person_id: int, user: User) -> BreakGlassAccess | None:
    return db.session.scalar(
        select(BreakGlassAccess)
        .where(
            BreakGlassAccess.user_id == user.id,
            BreakGlassAccess.person_id == person_id,
            BreakGlassAccess.expires_at > utcnow(),
        )
        .order_by(BreakGlassAccess.granted_at.desc())
        .limit(1)
    )


def check_record_access(person_id: int, restricted: bool, user: User | None = None) -> None:
    """Raise BreakGlassRequired when a restricted person is opened without a working relationship or a live grant."""
    user = user or acting_user()
    if not restricted or user is None:
        return
    if has_working_relationship(person_id, user) or active_break_glass(person_id, user) is not None:
        return
    raise BreakGlassRequired(person_id)


def break_glass(person_id: int, reason: str) -> BreakGlassAccess:
    """Record the acting user's reason for opening a restricted record, audited and shown to administrators."""
    from core.audit import services as audit

    user = acting_user()
    reason = (reason or "").strip()
    if len(reason) < REASON_MINIMUM:
        raise AccessError("reason", f"Give a reason of at least {REASON_MINIMUM} characters")
    grant = BreakGlassAccess(
        user_id=user.id,
        person_id=person_id,
        reason=reason,
        expires_at=utcnow() + timedelta(minutes=BREAK_GLASS_MINUTES),
    )
    db.session.add(grant)
    db.session.flush()
    audit.record_break_glass(person_id, reason)
    return grant


def recent_break_glass(days: int = 7) -> list[BreakGlassAccess]:
    """Break-glass grants of the last few days, newest first, for administrators to review."""
    since = utcnow() - timedelta(days=days)
    return list(
        db.session.scalars(
            select(BreakGlassAccess)
            .where(BreakGlassAccess.granted_at >= since)
            .order_by(BreakGlassAccess.granted_at.desc())
        )
    )
