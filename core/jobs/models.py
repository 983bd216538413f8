"""The job run log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.types import AwareDateTime, utcnow

STATUSES = ("queued", "started", "finished", "failed")


class JobRun(db.Model):
    """One run of a background job: what, for whom, when, how long and how it ended."""

    __tablename__ = "job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the JobSpec name, e.g. "care_contracts.transactions"
    job_name: Mapped[str] = mapped_column(String(120), index=True)
    queue: Mapped[str] = mapped_column(String(80))
    #: queued, started, finished or failed
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    #: the plain values the job function receives as keyword arguments
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the user who started it from a screen or command; empty for scheduled runs
    triggered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: for scheduled runs, the cron time this run is for; unique per job so two schedulers cannot both run it
    scheduled_for: Mapped[datetime | None] = mapped_column(AwareDateTime())
    #: the failed run this one retries
    retry_of_id: Mapped[int | None] = mapped_column(ForeignKey("job_run.id"))
    enqueued_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    #: what the job reported, e.g. {"transactions": 120}
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: the exception and its traceback, for failed runs
    error: Mapped[str | None] = mapped_column(Text)

    triggered_by = relationship("User", lazy="joined")

    __table_args__ = (UniqueConstraint("job_name", "scheduled_for"),)

    def __repr__(self) -> str:
        return f"<JobRun {self.id} {self.job_name} {self.status}>"
