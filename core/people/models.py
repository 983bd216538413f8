"""The person record; other areas and modules point at person.id."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.types import AwareDateTime, utcnow


class Person(db.Model):
    """Someone the council or provider works with: a resident, service user, tenant, carer or contact."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str | None] = mapped_column(String(40))
    #: given names, as the person writes them
    first_names: Mapped[str] = mapped_column(String(200))
    #: family name
    last_name: Mapped[str] = mapped_column(String(200), index=True)
    #: what the person likes to be called
    preferred_name: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date, index=True)
    date_of_death: Mapped[date | None] = mapped_column(Date)
    #: demographic fields that funders' reports ask for, each a configurable lookup value
    gender_id: Mapped[int | None] = mapped_column(ForeignKey("lookup_value.id"))
    ethnicity_id: Mapped[int | None] = mapped_column(ForeignKey("lookup_value.id"))
    disability_id: Mapped[int | None] = mapped_column(ForeignKey("lookup_value.id"))
    religion_id: Mapped[int | None] = mapped_column(ForeignKey("lookup_value.id"))
    sexual_orientation_id: Mapped[int | None] = mapped_column(ForeignKey("lookup_value.id"))
    preferred_language_id: Mapped[int | None] = mapped_column(ForeignKey("lookup_value.id"))
    interpreter_required: Mapped[bool] = mapped_column(Boolean, default=False)
    #: restricted records need a working relationship, or a stated reason (break-glass), to open
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    #: set when this record was merged into another; merged records are hidden from search but kept
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    #: lower-case names (current, preferred and previous) for fast, case-insensitive search
    search_name: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    gender = relationship("LookupValue", foreign_keys=[gender_id], lazy="joined")
    ethnicity = relationship("LookupValue", foreign_keys=[ethnicity_id], lazy="joined")
    disability = relationship("LookupValue", foreign_keys=[disability_id], lazy="joined")
    religion = relationship("LookupValue", foreign_keys=[religion_id], lazy="joined")
    sexual_orientation = relationship("LookupValue", foreign_keys=[sexual_orientation_id], lazy="joined")
    preferred_language = relationship("LookupValue", foreign_keys=[preferred_language_id], lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __audit_person__ = "id"

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.last_name}>"

    @property
    def full_name(self) -> str:
        """Given and family names, as on formal letters."""
        return f"{self.first_names} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        """The name staff use: the preferred name if there is one, with the family name."""
        return f"{self.preferred_name or self.first_names} {self.last_name}".strip()

    def age_on(self, day: date) -> int | None:
        """Age in whole years on a date, or None without a date of birth."""
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
