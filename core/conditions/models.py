"""System conditions: things that got in the way of doing the job, recorded against a case, an activity or a task."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.activities.models import Activity, Task
from core.cases.models import Case, ConfiguredType
from core.extensions import db
from core.types import AwareDateTime, utcnow


class ConditionType(ConfiguredType, db.Model):
    """A kind of system condition, e.g. "Waiting for another department" or "IT system down"."""

    __tablename__ = "condition_type"
    __table_args__ = (UniqueConstraint("department", "code"),)


class Condition(db.Model):
    """One time something got in the way, with a note, against exactly one case, activity or task."""

    __tablename__ = "condition_record"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN case_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN activity_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN task_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="exactly_one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    condition_type_id: Mapped[int] = mapped_column(ForeignKey("condition_type.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity_record.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("activity_task.id"), index=True)
    #: the department of the case it was recorded on, kept here so counts by department need no joins
    department: Mapped[str] = mapped_column(String(80), index=True)
    recorded_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    condition_type: Mapped[ConditionType] = relationship(lazy="joined")
    case: Mapped[Case | None] = relationship()
    activity: Mapped[Activity | None] = relationship()
    task: Mapped[Task | None] = relationship()
    recorded_by = relationship("User", lazy="joined")

    def __repr__(self) -> str:
        return f"<Condition {self.id} {self.condition_type_id}>"

    @property
    def target_label(self) -> str:
        """What the condition was recorded against, in words."""
        if self.task is not None:
            return f"Task: {self.task.task_type.label}"
        if self.activity is not None:
            return f"Activity: {self.activity.title}"
        return "The case"
