"""Teams of users and break-glass grants; roles live with users in core.security.models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.types import AwareDateTime, utcnow


class Team(db.Model):
    """A group of staff of one team type, e.g. "North locality team"; teams scope work trays and records."""

    __tablename__ = "access_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable machine name
    code: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: a TeamType code contributed by a module, e.g. "attendance.section_staff"
    team_type: Mapped[str] = mapped_column(String(120), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    #: inactive teams keep their history but take no new members or work
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Team {self.code}>"


class TeamMember(db.Model):
    """A user's membership of a team."""

    __tablename__ = "access_team_member"

    team_id: Mapped[int] = mapped_column(ForeignKey("access_team.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True, index=True)
    #: team managers see the team's work tray as well as their own
    is_manager: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)

    team: Mapped[Team] = relationship(back_populates="members")
    user = relationship("User", lazy="joined")

    def __repr__(self) -> str:
        return f"<TeamMember team={self.team_id} user={self.user_id}>"


class BreakGlassAccess(db.Model):
    """A user's stated reason for opening a restricted person's record without a working relationship."""

    __tablename__ = "access_break_glass"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: the person opened; a plain integer so this area does not depend on the people area
    person_id: Mapped[int] = mapped_column(Integer, index=True)
    #: what the user typed; reviewed by administrators
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, index=True)
    #: the grant lets the user back in without asking again until this time
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime())

    user = relationship("User", lazy="joined")

    __audit_person__ = "person_id"

    def __repr__(self) -> str:
        return f"<BreakGlassAccess user={self.user_id} person={self.person_id}>"
