"""Activities on cases, the tasks they are made of, and the configurable task categories and types."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.cases.models import Case, ConfiguredType
from core.extensions import db
from core.types import AwareDateTime, utcnow


class TaskCategory(ConfiguredType, db.Model):
    """A group of task types within a department, e.g. "Visits"."""

    __tablename__ = "activity_task_category"
    __table_args__ = (UniqueConstraint("department", "code"),)

    types: Mapped[list[TaskType]] = relationship(
        back_populates="category", order_by="TaskType.sort_order", foreign_keys="TaskType.category_id"
    )


class TaskType(ConfiguredType, db.Model):
    """A kind of task, e.g. "Home visit" or "Phone call", within a category of the same department."""

    __tablename__ = "activity_task_type"
    __table_args__ = (UniqueConstraint("department", "code"),)

    #: the category; always in the same department as the type
    category_id: Mapped[int] = mapped_column(ForeignKey("activity_task_category.id"), index=True)

    category: Mapped[TaskCategory] = relationship(
        back_populates="types", foreign_keys=[category_id], lazy="joined"
    )


class Activity(db.Model):
    """Something staff did on a case on one day, such as a visit, made of one or more tasks."""

    __tablename__ = "activity_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: the day the activity took place
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    recorded_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[Case] = relationship()
    recorded_by = relationship("User")
    tasks: Mapped[list[Task]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="Task.started_at", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Activity {self.id} case={self.case_id}>"

    @property
    def total_minutes(self) -> int:
        return sum(task.minutes for task in self.tasks)


class Task(db.Model):
    """One piece of work in an activity: its type, who did it, who it involved, when and for how long."""

    __tablename__ = "activity_task"
    __table_args__ = (CheckConstraint("minutes > 0", name="minutes_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity_record.id", ondelete="CASCADE"), index=True)
    task_type_id: Mapped[int] = mapped_column(ForeignKey("activity_task_type.id"), index=True)
    #: the member of staff who did the task
    staff_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: the person involved: one of the case's people
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    #: when the task started
    started_at: Mapped[datetime] = mapped_column(AwareDateTime())
    #: how long the task took, in whole minutes
    minutes: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")

    activity: Mapped[Activity] = relationship(back_populates="tasks")
    task_type: Mapped[TaskType] = relationship(lazy="joined")
    staff = relationship("User", lazy="joined")
    person = relationship("Person", lazy="joined")

    def __repr__(self) -> str:
        return f"<Task {self.id} activity={self.activity_id} {self.minutes}min>"
