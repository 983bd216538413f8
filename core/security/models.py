"""User accounts and roles; roles hold permission names as rows, so modules add permissions without a migration."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, g, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.types import AwareDateTime, utcnow


class User(UserMixin, db.Model):
    """A member of staff who can log in; never deleted, so their history stays attributed."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: login name, stored lower-case; unique
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: full name shown on records the user touched
    name: Mapped[str] = mapped_column(String(200))
    #: Argon2id hash; empty until the user sets a password through their emailed link
    password_hash: Mapped[str | None] = mapped_column(String(255), info={"audit": "redact"})
    #: deactivated users cannot log in but keep their history
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    #: increases on every change, so a stale edit is refused instead of overwriting
    version: Mapped[int] = mapped_column(Integer, default=1)

    roles: Mapped[list[Role]] = relationship(
        secondary="security_user_role", order_by="Role.name", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    def permission_names(self) -> frozenset[str]:
        """Every permission this user holds through their roles, cached for the request."""
        cache = g.setdefault("ppp_permission_cache", {}) if has_app_context() else {}
        if self.id not in cache:
            names: set[str] = set()
            for role in self.roles:
                if role.grants_all:
                    names.update(current_app.extensions["ppp"].permissions)
                names.update(grant.permission for grant in role.grants)
            cache[self.id] = frozenset(names)
        return cache[self.id]

    def has_permission(self, name: str) -> bool:
        return name in self.permission_names()


class Role(db.Model):
    """A named set of permissions that administrators define on screen."""

    __tablename__ = "security_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable machine name, e.g. "caseworker"
    code: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(500), default="")
    #: the Administrator role holds every permission, including ones modules add later
    grants_all: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    grants: Mapped[list[RolePermission]] = relationship(
        back_populates="role",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="RolePermission.permission",
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Role {self.code}>"


class RolePermission(db.Model):
    """One permission name granted by one role."""

    __tablename__ = "security_role_permission"

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("security_role.id", ondelete="CASCADE"), index=True)
    #: a permission name such as "people.view"; names from disabled modules stay and take effect when re-enabled
    permission: Mapped[str] = mapped_column(String(120))

    role: Mapped[Role] = relationship(back_populates="grants")

    __table_args__ = (UniqueConstraint("role_id", "permission"),)

    def __repr__(self) -> str:
        return f"<RolePermission {self.role_id} {self.permission}>"


class UserRole(db.Model):
    """A role held by a user."""

    __tablename__ = "security_user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("security_role.id", ondelete="CASCADE"), primary_key=True)

    def __repr__(self) -> str:
        return f"<UserRole {self.user_id} {self.role_id}>"


class KnownPermission(db.Model):
    """A permission name the platform has seen, so seeded roles get new permissions once and admin removals stick."""

    __tablename__ = "security_known_permission"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<KnownPermission {self.name}>"


class LoginAttempt(db.Model):
    """One try at signing in, kept for a day so repeated failures for an account or from an address are refused."""

    __tablename__ = "security_login_attempt"
    #: sign-ins are audited explicitly; this bookkeeping is not worth an audit row each
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    attempted_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    #: the email address typed, lower-case; it need not belong to a user, so unknown addresses are throttled too
    email: Mapped[str] = mapped_column(String(254))
    #: the address the attempt came from
    ip_address: Mapped[str] = mapped_column(String(45))
    #: "failed", "succeeded" or "throttled" (refused without checking the password)
    outcome: Mapped[str] = mapped_column(String(20))

    __table_args__ = (
        Index("ix_security_login_attempt_email_attempted_at", "email", "attempted_at"),
        Index("ix_security_login_attempt_ip_address_attempted_at", "ip_address", "attempted_at"),
        Index("ix_security_login_attempt_attempted_at", "attempted_at"),
    )

    def __repr__(self) -> str:
        return f"<LoginAttempt {self.id} {self.email} {self.ip_address} {self.outcome}>"
