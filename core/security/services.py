"""Every write about users and roles, and the checks that go with them."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from core.extensions import db
from core.security.models import KnownPermission, Role, RolePermission, User
from core.security.passwords import MINIMUM_LENGTH, hash_password, needs_rehash, verify_password
from core.types import utcnow

#: roles every installation starts with: (code, name, description, grants_all)
SEEDED_ROLES: tuple[tuple[str, str, str, bool], ...] = (
    ("administrator", "Administrator", "Every permission, including those modules add later.", True),
    ("caseworker", "Caseworker", "Works with people and their cases day to day.", False),
    ("section_manager", "Section manager", "Manages a team or section and its registers.", False),
    ("finance_officer", "Finance officer", "Runs payments, charges and invoices.", False),
    ("read_only", "Read-only", "Can look but not change.", False),
)


class UserError(ValueError):
    """A user change was refused; the message names the field and the fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    return email.strip().lower()


def validate_password(password: str) -> None:
    """Refuse passwords that are too short."""
    if len(password) < MINIMUM_LENGTH:
        raise UserError("password", f"Password must be {MINIMUM_LENGTH} characters or more")


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, name: str, password: str | None = None, role_codes: tuple[str, ...] = ()) -> User:
    """Create a user; without a password they set one through an emailed link."""
    email = normalise_email(email)
    if get_user_by_email(email) is not None:
        raise UserError("email", f"A user with the email address {email} already exists")
    user = User(email=email, name=name.strip(), active=True)
    if password is not None:
        user.password_hash = hash_password(password)
    user.roles = [role_by_code(code) for code in role_codes]
    db.session.add(user)
    db.session.flush()
    current_app.extensions["ppp"].pm.hook.user_created(user=user)
    return user


def role_by_code(code: str) -> Role:
    role = db.session.scalar(select(Role).where(Role.code == code))
    if role is None:
        raise UserError(
            "roles", f'There is no role with the code "{code}"; run "ppp db upgrade" to seed roles'
        )
    return role


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with this email and password, re-hashing the password if its parameters are old."""
    user = get_user_by_email(email)
    if user is None or not user.active or not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def sync_roles() -> int:
    """Create missing seeded roles and give seeded roles each newly seen permission once; return grants added."""
    existing = {role.code: role for role in db.session.scalars(select(Role))}
    for code, name, description, grants_all in SEEDED_ROLES:
        if code not in existing:
            existing[code] = Role(code=code, name=name, description=description, grants_all=grants_all)
            db.session.add(existing[code])
    db.session.flush()
    known = set(db.session.scalars(select(KnownPermission.name)))
    added = 0
    for permission in current_app.extensions["ppp"].permissions.values():
        if permission.name in known:
            continue
        db.session.add(KnownPermission(name=permission.name))
        for code in permission.default_roles:
            if code in existing and not existing[code].grants_all:
                db.session.add(RolePermission(role=existing[code], permission=permission.name))
                added += 1
    db.session.flush()
    return added


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User)) or 0
