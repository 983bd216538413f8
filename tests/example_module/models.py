"""The notes table; every table of this module starts with "notes_"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.lookups.models import LookupValue
from core.security.models import User
from core.types import AwareDateTime, utcnow


class Note(db.Model):
    """A dated note a member of staff wrote about someone or something they work with."""

    __tablename__ = "notes_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: who or what the note is about, in the writer's words, e.g. "Ada Jones, 14 Mill Lane"
    about: Mapped[str] = mapped_column(String(200))
    #: how the contact took place: a value of the notes.note_type lookup list
    note_type_id: Mapped[int] = mapped_column(ForeignKey("lookup_value.id"))
    #: what happened and what was agreed
    body: Mapped[str] = mapped_column(Text)
    written_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    written_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, index=True)
    #: set by the nightly archive job once the note is past the retention period; archived notes are not listed
    archived_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    note_type: Mapped[LookupValue] = relationship(lazy="joined")
    written_by: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Note {self.id} about {self.about!r}>"
